package stock_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/stock"
)

// shop is a sandbox ColorMe shop and an OMS reduced to what the push decision
// reads: on-hand per SKU and the units of the orders imported so far.
type shop struct {
	t        *testing.T
	sb       *sandbox.Server
	c        *colorme.Client
	onHand   map[string]int64
	placed   map[string]int64 // units of ColorMe orders placed
	imported map[string]int64 // units of ColorMe orders imported
	mapped   map[string]stock.Unit
	lastW    time.Time
	sale     int64
}

const token = "unit-token"

func newShop(t *testing.T) *shop {
	sb := sandbox.New(sandbox.Options{Tokens: []string{token}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	sb.SeedProducts(
		colorme.Product{ID: 1, Name: "A", ModelNumber: "A", StockManaged: true, Stocks: 0},
		colorme.Product{ID: 2, Name: "B", StockManaged: true, Variants: []colorme.ProductVariant{
			{Option1Value: "赤", ModelNumber: "B-R", Stocks: 2}, {Option1Value: "青", ModelNumber: "B-B", Stocks: 0}}},
	)
	s := &shop{t: t, sb: sb, c: colorme.New(colorme.Config{BaseURL: srv.URL, AccessToken: token}),
		onHand: map[string]int64{"A": 10, "B-R": 5, "B-B": 3}, placed: map[string]int64{}, imported: map[string]int64{}, sale: 5000}
	s.mapped, _ = stock.Classify(stock.UnitsOf(sb.Products(), time.Time{}))
	require.Len(t, s.mapped, 3)
	return s
}

func (s *shop) read() map[string]int64 {
	s.t.Helper()
	ps, err := s.c.AllProducts(context.Background(), nil)
	require.NoError(s.t, err)
	return stock.ReadValues(ps)
}

// importOrders brings every ColorMe order placed so far into the OMS.
func (s *shop) importOrders() {
	for k, v := range s.placed {
		s.imported[k] = v
	}
}

func (s *shop) levels() map[string]stock.Level {
	out := map[string]stock.Level{}
	for sku, n := range s.onHand {
		out[sku] = stock.Level{SKU: sku, OnHand: n, Open: s.imported[sku], Available: max(n-s.imported[sku], 0)}
	}
	return out
}

func (s *shop) order(sku string, n int64) {
	s.t.Helper()
	u := s.mapped[sku]
	s.sale++
	require.NoError(s.t, s.sb.PlaceOrder(s.sale, []sandbox.OrderItem{{ProductID: u.ProductID, Option1Value: u.Option1Value, Option2Value: u.Option2Value, Quantity: n}}))
	s.placed[sku] += n
}

// round is one push round as StockPush runs it: wait out the stale window
// (when wait), read, import, read again, write increments. between runs
// after the second read, before the writes (a shopper buying meanwhile).
func (s *shop) round(wait bool, window time.Duration, between func()) (unclear int) {
	s.t.Helper()
	if d := time.Until(s.lastW.Add(window)); wait && d > 0 {
		time.Sleep(d)
	}
	first := s.read()
	s.importOrders()
	second := s.read()
	ds := stock.Decide(s.mapped, s.levels(), first, second)
	if between != nil {
		between()
	}
	for _, w := range stock.Writes(ds) {
		_, err := s.c.UpdateProductStock(context.Background(), w.ProductID, w.Body())
		s.lastW = time.Now()
		if err != nil {
			unclear += len(w.Units)
		}
	}
	return unclear
}

// inStep: after an import, ColorMe shows each SKU's available quantity.
func (s *shop) colorMe() map[string]int64 {
	out := map[string]int64{}
	for _, u := range stock.UnitsOf(s.sb.Products(), time.Time{}) {
		out[u.ModelNumber] = u.ColorMeStocks
	}
	return out
}

func (s *shop) available() map[string]int64 {
	s.importOrders()
	out := map[string]int64{}
	for sku, l := range s.levels() {
		out[sku] = l.Available
	}
	return out
}

// TestPushStaleReadsAndLostAnswer: the first write's answer is lost (it was
// applied) and reads stay stale for a while after each write. Rounds that
// wait out the stale window before reading end with ColorMe exactly at the
// available quantity: no increment applied twice, nothing oversold.
func TestPushStaleReadsAndLostAnswer(t *testing.T) {
	const window = 300 * time.Millisecond
	s := newShop(t)
	s.sb.SetProductFaults(sandbox.ProductFaults{LoseAnswers: 1, StaleReads: window - 50*time.Millisecond})
	unclear := s.round(true, window, nil)
	assert.Equal(t, 1, unclear, "the lost answer is unclear")
	for i := 0; i < 3 && unclear > 0; i++ {
		unclear = s.round(true, window, nil)
	}
	assert.Zero(t, unclear)
	assert.Equal(t, s.available(), s.colorMe(), "0 double increments: ColorMe is exactly at the available quantity")
	assert.Equal(t, 1, s.sb.ProductCounters().LostAnswers)
	assert.Zero(t, s.sb.ProductCounters().Oversold)
}

// TestPushWithoutWaitingDoubles shows the fault the wait guards against: a
// round that reads right after its own write sees the stale value and adds
// the same increment again.
func TestPushWithoutWaitingDoubles(t *testing.T) {
	s := newShop(t)
	s.sb.SetProductFaults(sandbox.ProductFaults{StaleReads: time.Minute})
	s.round(false, 0, nil)
	s.round(false, 0, nil)
	assert.NotEqual(t, s.available(), s.colorMe(), "a stale read doubles the increment")
	assert.Equal(t, int64(20), s.colorMe()["A"], "A was incremented by 10 twice")
}

// TestPushOrderDuringPush: shoppers buy on ColorMe while a push writes, before
// and after its reads. Increments land on top of their decrements, so
// ColorMe never shows more than is available; after the next import and push
// it is exactly in step.
func TestPushOrderDuringPush(t *testing.T) {
	s := newShop(t)
	s.round(false, 0, nil)
	require.Equal(t, s.available(), s.colorMe())
	s.onHand["A"] = 20 // the warehouse receives 10 more
	s.order("A", 1)    // sold before the push: not yet imported
	s.round(false, 0, func() { s.order("A", 2) })
	got, avail := s.colorMe(), s.available()
	for sku := range avail {
		assert.LessOrEqual(t, got[sku], avail[sku], "%s: ColorMe never shows more than is available", sku)
	}
	s.round(false, 0, nil)
	assert.Equal(t, s.available(), s.colorMe())
	assert.Equal(t, int64(17), s.colorMe()["A"])
	assert.Zero(t, s.sb.ProductCounters().Oversold)
}

// TestDecide covers the per-SKU outcomes.
func TestDecide(t *testing.T) {
	mapped := map[string]stock.Unit{
		"W": {UnitKey: stock.UnitKey{ProductID: 1}}, "U": {UnitKey: stock.UnitKey{ProductID: 2}},
		"M": {UnitKey: stock.UnitKey{ProductID: 3}}, "N": {UnitKey: stock.UnitKey{ProductID: 4}},
		"G": {UnitKey: stock.UnitKey{ProductID: 5}},
	}
	levels := map[string]stock.Level{"W": {Available: 7}, "U": {Available: 3}, "M": {Available: 1}, "G": {Available: 1}}
	first := map[string]int64{"1//": 2, "2//": 3, "3//": 5, "4//": 1}
	second := map[string]int64{"1//": 2, "2//": 3, "3//": 4, "4//": 1}
	got := map[string]stock.Decision{}
	for _, d := range stock.Decide(mapped, levels, first, second) {
		got[d.SKU] = d
	}
	assert.Equal(t, stock.OutcomeWrite, got["W"].Outcome)
	assert.Equal(t, int64(5), got["W"].Delta)
	assert.Equal(t, stock.OutcomeUnchanged, got["U"].Outcome)
	assert.Equal(t, stock.OutcomeMoving, got["M"].Outcome)
	assert.Equal(t, stock.OutcomeNoLevel, got["N"].Outcome)
	assert.Equal(t, stock.OutcomeMissing, got["G"].Outcome)
}
