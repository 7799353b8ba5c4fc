package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// TestRemediesNameCommands: the store's refusals state the fact and carry a
// remedy; the CLI names the command that does it, with the shop and the sale.
func TestRemediesNameCommands(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	now := time.Now()
	var sales []oms.ImportedSale
	for i := range int64(4) {
		sales = append(sales, oms.ImportedSale{SaleID: 1001 + i, OrderedAt: now.Add(-48 * time.Hour),
			Deliveries: []oms.ImportedDelivery{{ID: 2001 + i, Name: "佐藤 花子", PrefName: "大阪府", Address1: "大阪市北区梅田2-2-2", Postal: "5300001"}}})
	}
	seedShop(t, st, now, sales)
	_, err := st.Bundle(ctx, "s", 1001, []int64{1002}, now)
	require.NoError(t, err)
	_, err = st.SetStatus(ctx, "s", 1004, rules.StatusCancelled, now)
	require.NoError(t, err)

	cmd := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, _, errOut := cmd("orders", "bundle", "-shop", "s", "-parent", "1003", "-children", "1002")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "sale 1002 is already bundled into sale 1001: unbundle it first (`starter orders unbundle -shop s -sale 1002`)")

	code, _, errOut = cmd("orders", "status", "-shop", "s", "-sale", "999", "-status", "発送待ち")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "sale 999 is not an order of shop \"s\": not found (import it first, or check the number) (`starter import -shop s`)")

	code, _, errOut = cmd("orders", "unbundle", "-shop", "s", "-sale", "1003")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "sale 1003 is not bundled: nothing to do")
	assert.NotContains(t, errOut, "`starter", "a refusal without a remedy names no command")

	file := filepath.Join(t.TempDir(), "results.csv")
	require.NoError(t, os.WriteFile(file, []byte("999,A1\n1004,A2\n"), 0o644))
	code, out, errOut := cmd("orders", "csv", "-shop", "s", "-file", file)
	assert.Equal(t, 1, code, out+errOut)
	assert.Contains(t, out, "line 1: sale 999 is not an order of shop s: import it first or check the sale id (`starter import -shop s`)")
	assert.Contains(t, out, "line 2: sale 1004 is キャンセル (cancelled): set its status first if it really shipped (`starter orders status -shop s -sale 1004 -status …`)")
}
