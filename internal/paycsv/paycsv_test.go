package paycsv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/paycsv"
)

func TestParseHeaderAnyOrder(t *testing.T) {
	res := paycsv.Parse([]byte("金額,備考,売上ID,入金日\r\n\"5,400\",振込,123,2026/12/6\r\n\r\n3300円,,124,2026-12-07\r\n"))
	require.Empty(t, res.Errors)
	assert.True(t, res.Header)
	assert.Equal(t, []paycsv.Row{{Line: 2, SaleID: 123, PaidOn: "2026-12-06", Amount: 5400}, {Line: 4, SaleID: 124, PaidOn: "2026-12-07", Amount: 3300}}, res.Rows)
}

func TestParseNoHeaderShiftJIS(t *testing.T) {
	text := "受注番号,入金日,金額\n555,20261206,￥1000\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(text)
	require.NoError(t, err)
	res := paycsv.Parse([]byte(sjis))
	require.Empty(t, res.Errors)
	assert.Equal(t, "Shift_JIS", res.Encoding)
	assert.Equal(t, []paycsv.Row{{Line: 2, SaleID: 555, PaidOn: "2026-12-06", Amount: 1000}}, res.Rows)

	res = paycsv.Parse([]byte("556,2026-12-06,2000\n"))
	require.Empty(t, res.Errors)
	assert.False(t, res.Header)
	assert.Equal(t, int64(556), res.Rows[0].SaleID)
}

// TestParseProblemsByLine: each bad row is named by its line, in English and
// in Japanese, and the good rows are still read.
func TestParseProblemsByLine(t *testing.T) {
	res := paycsv.Parse([]byte("売上ID,入金日,金額\nabc,2026-12-06,100\n12,12月6日,100\n13,2026-12-06,-5\n14,2026-12-06,100\n"))
	require.Len(t, res.Errors, 3)
	for i, want := range []int{2, 3, 4} {
		assert.Equal(t, want, res.Errors[i].Line)
		assert.NotEmpty(t, res.Errors[i].Ja)
	}
	assert.Contains(t, res.Errors[0].Ja, "売上ID")
	assert.Contains(t, res.Errors[1].Ja, "入金日")
	assert.Contains(t, res.Errors[2].Ja, "金額")
	assert.Len(t, res.Rows, 1)
}

func TestParseEmpty(t *testing.T) {
	res := paycsv.Parse([]byte("売上ID,入金日,金額\n"))
	require.Len(t, res.Errors, 1)
	assert.Equal(t, 0, res.Errors[0].Line)
}
