package stock_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/stock"
)

func TestParseFile(t *testing.T) {
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte("型番,在庫数\r\nカップ-赤,1,200\r\n\r\nTS-1, 3 \r\n"))
	require.NoError(t, err)
	res := stock.ParseFile(sjis)
	require.True(t, res.OK(), "%+v", res.Problems)
	assert.Equal(t, "Shift_JIS", res.Encoding)
	assert.Equal(t, map[string]int64{"カップ-赤": 1, "TS-1": 3}, res.Counts, "a count beyond the 2nd column is not read")

	res = stock.ParseFile([]byte("\xEF\xBB\xBFTS-1,5\n"))
	require.True(t, res.OK())
	assert.Equal(t, "UTF-8 with BOM", res.Encoding)
	assert.Equal(t, map[string]int64{"TS-1": 5}, res.Counts)

	res = stock.ParseFile([]byte("型番,在庫数\nA,x\nB\n,1\nA,2\nC,-1\n"))
	require.False(t, res.OK())
	assert.Nil(t, res.Counts, "all or nothing")
	var lines []int
	for _, p := range res.Problems {
		lines = append(lines, p.Line)
		assert.NotEmpty(t, p.Message)
	}
	assert.Equal(t, []int{2, 3, 4, 6}, lines)

	res = stock.ParseFile([]byte("型番,在庫数\n"))
	assert.False(t, res.OK(), "a file without lines is refused")
}
