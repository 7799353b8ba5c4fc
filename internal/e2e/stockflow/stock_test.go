// Package stockflow_test is 在庫連携 end to end on the real stack (Temporal dev
// server, PostgreSQL, the ColorMe sandbox): the catalogue imports, a stock
// file applies, a push makes ColorMe show each SKU's available quantity, a
// ColorMe order imported moves it and its cancellation restores it, with and
// without options, and through a lost answer and stale reads.
package stockflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// catalogue: a product without options, one with stock per option (two
// variants), one without 型番, one whose stock is not managed, two sharing a 型番.
func catalogue() []colorme.Product {
	return []colorme.Product{
		{ID: 101, Name: "Tシャツ", ModelNumber: "TS-001", StockManaged: true, Stocks: 3},
		{ID: 102, Name: "マグカップ", StockManaged: true, Stocks: 99,
			Options: []colorme.ProductOption{{Name: "カラー", Values: []string{"赤", "青"}}, {Name: "サイズ", Values: []string{"M"}}},
			Variants: []colorme.ProductVariant{
				{Option1Value: "赤", Option2Value: "M", ModelNumber: "MUG-R", Stocks: 1},
				{Option1Value: "青", Option2Value: "M", ModelNumber: "MUG-B", Stocks: 7},
			}},
		{ID: 103, Name: "型番なし", StockManaged: true, Stocks: 1},
		{ID: 104, Name: "在庫管理なし", ModelNumber: "BAG-1", StockManaged: false},
		{ID: 105, Name: "重複A", ModelNumber: "DUP", StockManaged: true},
		{ID: 106, Name: "重複B", ModelNumber: "DUP", StockManaged: true},
	}
}

type world struct {
	t     *testing.T
	stack *teststack.Stack
	shop  string
	st    *stock.Store
}

func (w world) push() workflows.StockPushResult {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := app.StartStockPush(ctx, w.stack.Client, w.stack.Config, workflows.StockPushInput{ShopID: w.shop})
	require.NoError(w.t, err)
	var res workflows.StockPushResult
	require.NoError(w.t, run.Get(ctx, &res))
	w.t.Logf("push: %+v", res)
	return res
}

func (w world) file(text string) {
	w.t.Helper()
	data, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(text))
	require.NoError(w.t, err)
	res := stock.ParseFile(data)
	require.True(w.t, res.OK(), "%+v", res.Problems)
	require.Equal(w.t, "Shift_JIS", res.Encoding)
	_, err = w.st.SetOnHand(context.Background(), w.shop, res.Counts, "test", stock.ReasonFile)
	require.NoError(w.t, err)
}

// colorMe is the sandbox's true stock of each SKU.
func (w world) colorMe() map[string]int64 {
	out := map[string]int64{}
	for _, u := range stock.UnitsOf(w.stack.Sandbox.Products(), time.Time{}) {
		out[u.ModelNumber] = u.ColorMeStocks
	}
	return out
}

func (w world) available() map[string]int64 {
	w.t.Helper()
	levels, err := w.st.Levels(context.Background(), w.shop)
	require.NoError(w.t, err)
	out := map[string]int64{}
	for sku, l := range levels {
		out[sku] = l.Available
	}
	return out
}

// requireInStep: ColorMe shows each mapped SKU's available quantity.
func (w world) requireInStep(want map[string]int64) {
	w.t.Helper()
	got := w.colorMe()
	avail := w.available()
	for sku, n := range want {
		assert.Equal(w.t, n, avail[sku], "OMS available of %s", sku)
		assert.Equal(w.t, n, got[sku], "ColorMe stock of %s", sku)
	}
	assert.Zero(w.t, w.stack.Sandbox.ProductCounters().Oversold, "oversold units")
}

func TestStockFlow(t *testing.T) {
	stack := teststack.New(t)
	shop := stack.AddShop(t, "stock")
	stack.Sandbox.SeedProducts(catalogue()...)
	w := world{t: t, stack: stack, shop: shop, st: stock.New(stack.Store)}
	ctx := context.Background()

	// 1. The catalogue imports, with what cannot be mapped and why.
	run, err := app.StartStockCatalogue(ctx, stack.Client, stack.Config, workflows.StockCatalogueInput{ShopID: shop})
	require.NoError(t, err)
	var cat activities.StockCatalogueResult
	require.NoError(t, run.Get(ctx, &cat))
	rep := cat.Report
	assert.Equal(t, 6, rep.Products)
	assert.Equal(t, 7, rep.Units)
	assert.Equal(t, 3, rep.Mapped)
	problems := map[int64]string{}
	for _, u := range rep.Unmapped {
		problems[u.Unit.ProductID] = u.Problem
		assert.NotEmpty(t, u.Todo)
	}
	assert.Equal(t, map[int64]string{103: stock.ProblemNoModelNumber, 104: stock.ProblemNotManaged,
		105: stock.ProblemDuplicate, 106: stock.ProblemDuplicate}, problems)

	// A file with problems changes nothing and names its lines.
	bad := stock.ParseFile([]byte("型番,在庫数\nTS-001,10\nMUG-R,-1\n,3\nTS-001,2\n"))
	require.False(t, bad.OK())
	var lines []int
	for _, p := range bad.Problems {
		lines = append(lines, p.Line)
	}
	assert.Equal(t, []int{3, 4, 5}, lines)

	// 2. A stock file applies (Shift_JIS), with its movements.
	w.file("型番,在庫数\r\nTS-001,10\r\nMUG-R,5\r\nMUG-B,0\r\n")
	moves, err := w.st.Movements(ctx, shop, "TS-001", 10)
	require.NoError(t, err)
	require.Len(t, moves, 1)
	assert.Equal(t, stock.ReasonFile, moves[0].Reason)
	assert.Equal(t, int64(10), moves[0].Delta)

	// 3. A push makes ColorMe show the available quantities; product-level
	// stock of the product with options is left alone.
	res := w.push()
	assert.Equal(t, 3, res.Totals.Written)
	assert.Zero(t, res.Open)
	w.requireInStep(map[string]int64{"TS-001": 10, "MUG-R": 5, "MUG-B": 0})
	mug, _ := stack.Sandbox.Product(102)
	assert.Equal(t, int64(99), mug.Stocks, "the product-level value of a product with options is not written")
	runs, _, err := stack.Store.ListRuns(ctx, oms.RunFilter{ShopID: shop, Kind: string(oms.KindStock)})
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	assert.Equal(t, oms.RunCompleted, runs[0].Status)

	// A second push with nothing changed writes nothing.
	before := stack.Sandbox.ProductCounters().Writes
	res = w.push()
	assert.Zero(t, res.Totals.Written)
	assert.Equal(t, before, stack.Sandbox.ProductCounters().Writes, "only SKUs whose ColorMe value differs are written")

	// 4. A ColorMe order decrements ColorMe; imported, it moves the OMS.
	require.NoError(t, stack.Sandbox.PlaceOrder(700001, []sandbox.OrderItem{
		{ProductID: 101, Quantity: 2}, {ProductID: 102, Option1Value: "赤", Option2Value: "M", Quantity: 1}}))
	w.push()
	w.requireInStep(map[string]int64{"TS-001": 8, "MUG-R": 4, "MUG-B": 0})

	// The warehouse receives stock: the push adds it on top of the sale.
	w.file("型番,在庫数\nTS-001,12\nMUG-B,3\n")
	w.push()
	w.requireInStep(map[string]int64{"TS-001": 10, "MUG-R": 4, "MUG-B": 3})

	// 5. Cancelling the order on ColorMe restores it on both sides.
	require.NoError(t, stack.Sandbox.CancelOrder(700001))
	w.push()
	w.requireInStep(map[string]int64{"TS-001": 12, "MUG-R": 5, "MUG-B": 3})

	// Faults: the answer of the next write is lost (applied) and reads are
	// stale for 5 s after a write. The push settles it by a fresh read: no
	// increment is applied twice.
	stack.Sandbox.SetProductFaults(sandbox.ProductFaults{LoseAnswers: 1, StaleReads: 5 * time.Second})
	w.file("型番,在庫数\nTS-001,4\nMUG-R,9\n")
	res = w.push()
	c := stack.Sandbox.ProductCounters()
	assert.Equal(t, 1, c.LostAnswers)
	assert.GreaterOrEqual(t, res.Rounds, 2, "the lost answer is settled by another round")
	w.requireInStep(map[string]int64{"TS-001": 4, "MUG-R": 9, "MUG-B": 3})
	writes, err := w.st.Writes(ctx, shop)
	require.NoError(t, err)
	unclear := 0
	for _, wr := range writes {
		if wr.State == stock.WriteUnclear {
			unclear++
		}
	}
	assert.Positive(t, unclear, "the lost answer is in the ledger as unclear")

	// A ColorMe order arrives during a push, while its import pages the
	// sales: the SKU moved between the two reads, waits a round, and ends in
	// step; nothing is oversold.
	stack.Sandbox.SetProductFaults(sandbox.ProductFaults{})
	w.file("型番,在庫数\nMUG-B,6\n")
	placed := false
	stack.Sandbox.AfterList(func(int) {
		if !placed {
			placed = true
			require.NoError(t, stack.Sandbox.PlaceOrder(700002, []sandbox.OrderItem{{ProductID: 102, Option1Value: "青", Option2Value: "M", Quantity: 2}}))
		}
	})
	res = w.push()
	stack.Sandbox.AfterList(nil)
	require.True(t, placed)
	assert.GreaterOrEqual(t, res.Totals.Moving, 1, "the SKU sold during the import waited a round")
	assert.GreaterOrEqual(t, res.Rounds, 2)
	w.requireInStep(map[string]int64{"TS-001": 4, "MUG-R": 9, "MUG-B": 4})
}
