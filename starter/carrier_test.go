package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// TestCarrierExportAndImportCLI: `orders carrier-export -format b2` writes the
// label file; the same file with 伝票番号 filled in (B2's issued data) goes
// back through `orders csv`, which names the format and applies it.
func TestCarrierExportAndImportCLI(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	now := time.Now()
	seedShop(t, st, now, []oms.ImportedSale{{SaleID: 120000002, OrderedAt: now.Add(-48 * time.Hour), Deliveries: []oms.ImportedDelivery{
		{ID: 3500002, Name: "佐藤 花子", PrefName: "大阪府", Address1: "大阪市北区梅田2-2-2", Postal: "5300001", Tel: "06-6111-2222", PreferredPeriod: "午前中"},
		{ID: 3500003, Name: "佐藤 一郎", PrefName: "福岡県", Address1: "福岡市中央区天神3-3-3", Postal: "8100001", Tel: "092-711-3333"}}}})
	_, err := st.SetStatus(ctx, "s", 120000002, rules.StatusAwaitingShipment, now)
	require.NoError(t, err)

	cmd := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	labels := filepath.Join(t.TempDir(), "b2.csv")
	code, out, errOut := cmd("orders", "carrier-export", "-shop", "s", "-format", "b2", "-status", "発送待ち", "-o", labels)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "2 label rows for 1 orders in the Yamato B2 Cloud import layout (Shift_JIS, CRLF)")
	assert.Contains(t, errOut, "warning: Yamato B2 Cloud needs ご依頼主電話番号", "the sender is missing")

	data, err := os.ReadFile(labels)
	require.NoError(t, err)
	text, err := japanese.ShiftJIS.NewDecoder().String(string(data))
	require.NoError(t, err)
	lines := strings.Split(text, "\r\n")
	require.Len(t, lines, 4, "header, two rows, end")
	for i, slip := range []string{"400000000011", "400000000022"} {
		f := strings.Split(lines[1+i], ",")
		f[3] = slip // 伝票番号
		lines[1+i] = strings.Join(f, ",")
	}
	issued, err := japanese.ShiftJIS.NewEncoder().String(strings.Join(lines, "\r\n"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "issued.csv")
	require.NoError(t, os.WriteFile(path, []byte(issued), 0o644))

	code, out, errOut = cmd("orders", "csv", "-shop", "s", "-file", path)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "read as Yamato B2 Cloud issued data; Shift_JIS, header row, 2 valid rows")
	assert.Contains(t, out, "applied: 2 deliveries of 1 order change")
	o, err := st.Order(ctx, "s", 120000002)
	require.NoError(t, err)
	assert.Equal(t, "400000000011", o.Deliveries[0].SlipNumber)
	assert.Equal(t, "400000000022", o.Deliveries[1].SlipNumber)

	code, _, errOut = cmd("orders", "carrier-export", "-shop", "s", "-format", "fedex", "-status", "発送待ち", "-o", labels)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `format "fedex" is not a label program: use one of b2, ehiden, ehiden3, yupack`)
}
