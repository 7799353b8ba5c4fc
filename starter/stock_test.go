package main

import (
	"context"
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

	moves, err := s.Movements(ctx, "s", "MUG-R", 5)
	require.NoError(t, err)
	require.Len(t, moves, 1)
	assert.Equal(t, "starter:倉庫", moves[0].Actor)

	out, errOut, code = runStarter("stock", "list", "-shop", "s")
	require.Equal(t, 0, code, out+errOut)
	assert.Regexp(t, `MUG-R\s+マグ 赤\s+10\s+2\s+8\s+4`, out, "on hand 10, 2 in an open order, 8 available; ColorMe last read 4")
}
