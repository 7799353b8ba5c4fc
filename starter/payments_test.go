package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// TestOrdersPaid: `orders paid -sales` marks sales 入金済み with who did it;
// `-file` refuses a statement whose amount does not match (line numbers,
// nothing applied) and applies a good one (on SQLite).
func TestOrdersPaid(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	now := time.Now()
	sale := func(id, total int64) oms.ImportedSale {
		return oms.ImportedSale{SaleID: id, OrderedAt: now.Add(-time.Hour), PaymentID: 753, Totals: oms.SaleTotals{Total: total},
			Deliveries: []oms.ImportedDelivery{{ID: id * 10, Name: "山田"}}}
	}
	seedShop(t, st, now, []oms.ImportedSale{sale(400001, 5400), sale(400002, 3300)})

	out, errOut, code := runStarter("orders", "paid", "-shop", "s", "-sales", "400001", "-by", "keiri")
	require.Equal(t, 0, code, out+errOut)
	assert.Regexp(t, `400001\s+-\s+新規受付 \(new\) → 発送待ち \(awaiting_shipment\)`, out)
	assert.Contains(t, out, "marked paid: 1 sale")
	views, err := st.Orders(ctx, "s", 400001)
	require.NoError(t, err)
	require.NotNil(t, views[0].PaidAt)
	assert.Equal(t, "keiri", views[0].PaidBy)

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("売上ID,入金日,金額\n400002,2026-12-06,3000\n"), 0o644))
	out, errOut, code = runStarter("orders", "paid", "-shop", "s", "-file", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "line 2: the amount 3000 does not match sale 400002's total 3300")
	assert.Contains(t, errOut, "nothing was marked paid")

	good := filepath.Join(dir, "good.csv")
	require.NoError(t, os.WriteFile(good, []byte("売上ID,入金日,金額\n400002,2026-12-06,3300\n400001,2026-12-06,5400\n"), 0o644))
	out, errOut, code = runStarter("orders", "paid", "-shop", "s", "-file", good)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "sale 400001 was already paid in the OMS")
	assert.Contains(t, out, "marked paid: 1 sale")
	views, err = st.Orders(ctx, "s", 400002)
	require.NoError(t, err)
	assert.Equal(t, "2026-12-06", views[0].PaidOn)
}
