package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/stock"
)

// TestStockCSVAndList: `stock csv` refuses a file with problems (line
// numbers, nothing applied), applies a Shift_JIS file, and `stock list` shows
// on-hand, the open order units and what is available (on SQLite).
func TestStockCSVAndList(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	now := time.Now()
	seedShop(t, st, now, []oms.ImportedSale{{SaleID: 300001, OrderedAt: now.Add(-time.Hour),
		Deliveries: []oms.ImportedDelivery{{ID: 3000011, Name: "山田"}},
		Items:      []oms.ImportedItem{{ID: 1, DeliveryID: 3000011, ProductID: 7, Option: "赤", Quantity: 2}}}})
	s := stock.New(st)
	require.NoError(t, s.SaveCatalogue(ctx, "s", stock.UnitsOf([]colorme.Product{{ID: 7, Name: "マグ", StockManaged: true,
		Variants: []colorme.ProductVariant{{Option1Value: "赤", ModelNumber: "MUG-R", Stocks: 4}}}}, now)))

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("型番,在庫数\nMUG-R,abc\n"), 0o644))
	out, errOut, code := runStarter("stock", "csv", "-shop", "s", "-file", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "line 2: 在庫数「abc」が0以上の整数ではありません")
	assert.Contains(t, errOut, "nothing was applied")

	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte("型番,在庫数\r\nMUG-R,10\r\n"))
	require.NoError(t, err)
	good := filepath.Join(dir, "good.csv")
	require.NoError(t, os.WriteFile(good, sjis, 0o644))
	out, errOut, code = runStarter("stock", "csv", "-shop", "s", "-file", good, "-actor", "倉庫")
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "read as Shift_JIS, 1 SKUs")
	assert.Contains(t, out, "applied: 1 SKUs changed")
	assert.Contains(t, out, "not sent to ColorMe: shop s is not connected")

	moves, err := s.Movements(ctx, "s", "MUG-R", 5)
	require.NoError(t, err)
	require.Len(t, moves, 1)
	assert.Equal(t, "starter:倉庫", moves[0].Actor)

	out, errOut, code = runStarter("stock", "list", "-shop", "s")
	require.Equal(t, 0, code, out+errOut)
	assert.Regexp(t, `MUG-R\s+マグ 赤\s+10\s+2\s+8\s+4`, out, "on hand 10, 2 in an open order, 8 available; ColorMe last read 4")
}

// TestStockCSVFollows: after `stock csv` changed on-hand, a connected shop with
// 自動在庫連携 off is told plainly that nothing was sent and what sends it; with
// 自動在庫連携 on, the on-change stock trigger is told (Temporal unreachable
// here: a warning, the file stays applied and the command succeeds).
func TestStockCSVFollows(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	seedShop(t, st, time.Now(), nil)
	require.NoError(t, st.Shops.SetAccessToken(ctx, "s", "token-s"))
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	dir := t.TempDir()
	file := func(n int) string {
		p := filepath.Join(dir, fmt.Sprintf("zaiko-%d.csv", n))
		require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf("型番,在庫数\nMUG-R,%d\n", n)), 0o644))
		return p
	}

	out, errOut, code := runStarter("stock", "csv", "-shop", "s", "-file", file(10))
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "applied: 1 SKUs changed, 0 unchanged; not sent to ColorMe: 自動在庫連携 is off; send now with `starter stock push -shop s`")
	assert.Empty(t, errOut, "nobody to tell: Temporal is not dialled")

	sh, err := st.Shops.Shop(ctx, "s")
	require.NoError(t, err)
	sh.Settings.StockEnabled = true
	require.NoError(t, st.Shops.UpdateShop(ctx, sh))
	out, errOut, code = runStarter("stock", "csv", "-shop", "s", "-file", file(12))
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "自動在庫連携 sends them to ColorMe within seconds (after any push that runs now)")
	assert.Contains(t, errOut, "warning: the change is stored, but the on-change stock push was not told")
	lv, err := stock.New(st).Levels(ctx, "s")
	require.NoError(t, err)
	assert.Equal(t, int64(12), lv["MUG-R"].OnHand)

	out, errOut, code = runStarter("stock", "csv", "-shop", "s", "-file", file(12))
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "applied: 0 SKUs changed, 1 unchanged; nothing to send to ColorMe")
	assert.Empty(t, errOut)
}
