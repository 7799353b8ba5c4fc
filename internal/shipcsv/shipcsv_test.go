package shipcsv_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
)

func sjis(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func TestParseEncodingsAndLayouts(t *testing.T) {
	want := []shipcsv.Row{
		{Line: 2, SaleID: 1001, DeliveryID: 10011, TrackingNumber: "4912-0001-0001", ShipDate: "2026-05-01"},
		{Line: 3, SaleID: 1002, TrackingNumber: "AB123456789JP", ShipDate: "2026-05-02"},
	}
	header := "受注番号,お届け先ID,伝票番号,出荷日\r\n"
	body := "1001,10011,4912-0001-0001,2026/05/01\r\n1002,,AB123456789JP,2026/5/2\r\n"
	cases := []struct {
		name, enc string
		data      []byte
	}{
		{"UTF-8", "UTF-8", []byte(header + body)},
		{"UTF-8 with BOM", "UTF-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, header+body...)},
		{"Shift_JIS", "Shift_JIS", sjis(t, header+body)},
		{"LF only", "UTF-8", []byte(strings.ReplaceAll(header+body, "\r\n", "\n"))},
		{"CR only", "UTF-8", []byte(strings.ReplaceAll(header+body, "\r\n", "\r"))},
		{"quoted fields", "UTF-8", []byte("\"sale_id\",\"sale_delivery_id\",\"tracking_number\",\"ship_date\"\n\"1001\",\"10011\",\"4912-0001-0001\",\"2026-05-01\"\n\"1002\",\"\",\"AB123456789JP\",\"20260502\"\n")},
		{"Excel text cells and full width", "UTF-8", []byte("sale id,delivery id,tracking,shipped on\n=\"1001\",=\"10011\",４９１２－０００１－０００１,２０２６年５月１日\n1002,, AB123456789JP ,2026-05-02 10:30\n")},
		{"tab separated", "UTF-8", []byte("sale_id\tsale_delivery_id\ttracking_number\tship_date\n1001\t10011\t4912-0001-0001\t2026-05-01\n1002\t\tAB123456789JP\t2026-05-02\n")},
		{"other columns and order", "UTF-8", []byte("出荷日,品名,送り状番号,お客様管理番号,配送先ID\n2026-05-01,\"T-shirt, L\",4912-0001-0001,1001,10011\n2026-05-02,Cap,AB123456789JP,1002,\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := shipcsv.Parse(c.data)
			require.Empty(t, res.Errors)
			assert.Equal(t, c.enc, res.Encoding)
			assert.True(t, res.Header)
			assert.Equal(t, want, res.Rows)
		})
	}
}

func TestParseWithoutHeader(t *testing.T) {
	res := shipcsv.Parse([]byte("1001,10011,A-1,2026-05-01\n1002,20022,B-2,\n"))
	require.Empty(t, res.Errors)
	assert.False(t, res.Header)
	assert.Equal(t, []shipcsv.Row{
		{Line: 1, SaleID: 1001, DeliveryID: 10011, TrackingNumber: "A-1", ShipDate: "2026-05-01"},
		{Line: 2, SaleID: 1002, DeliveryID: 20022, TrackingNumber: "B-2"},
	}, res.Rows)

	res = shipcsv.Parse([]byte("1001,A-1,2026-05-01\n1002,B-2,\n"))
	require.Empty(t, res.Errors)
	assert.Equal(t, int64(0), res.Rows[0].DeliveryID)
	assert.Equal(t, "A-1", res.Rows[0].TrackingNumber)

	res = shipcsv.Parse([]byte("1001,A-1\n"))
	require.Empty(t, res.Errors)
	assert.Equal(t, shipcsv.Row{Line: 1, SaleID: 1001, TrackingNumber: "A-1"}, res.Rows[0])
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, data string
		line       int
		contains   string // in the English message (the CLI's)
		ja         string // in the Japanese one (the console's)
	}{
		{"empty file", "", 0, "empty", "ファイルが空です"},
		{"blank lines only", "\r\n\r\n", 0, "empty", "ファイルが空です"},
		{"header only", "sale_id,tracking_number\r\n", 0, "no rows", "ほかに行がありません"},
		{"bad date", "1001,A-1,2026-02-30\n", 1, "not a date", "出荷日「2026-02-30」が日付として読めません"},
		{"bad month", "1001,A-1,2026/13/01\n", 1, "not a date", "出荷日「2026/13/01」"},
		{"Excel serial date", "1001,A-1,46143\n", 1, "not a date", "2026-05-01 や 2026/5/1 の形で"},
		{"bad sale id", "sale_id,tracking_number\nX-1001,A-1\n", 2, "not a ColorMe sale number", "受注番号「X-1001」はカラーミーショップの受注番号ではありません"},
		{"B2 reference in our sale id column", "受注番号,伝票番号\n120000001D3500001,400012345671\n", 2, "is a Yamato B2 Cloud reference", "受注番号「120000001D3500001」はB2クラウドの管理番号"},
		{"e飛伝 reference in our sale id column", "受注番号,伝票番号\n120000001N2,400012345671\n", 2, "is a Sagawa e-Hiden or Japan Post Yu-Pack Print R reference", "受注番号「120000001N2」はe飛伝またはゆうパックプリントRの管理番号"},
		{"empty sale id", "sale_id,tracking_number\n,A-1\n", 2, "the sale id is empty", "受注番号が空欄です"},
		{"negative delivery id", "1001,-3,A-1,2026-05-01\n", 1, "sale_delivery id", "お届け先ID「-3」が数字ではありません"},
		{"empty tracking number", "1001,10011,,2026-05-01\n", 1, "tracking number (伝票番号) is empty", "伝票番号が空欄です"},
		{"several tracking numbers in one cell", "1001,10011,\"A-1,A-2\",2026-05-01\n", 1, "several tracking numbers in one cell (A-1, A-2)", "1つの欄に伝票番号が2件あります (A-1, A-2)"},
		{"several tracking numbers with spaces", "1001,10011,123456789012 123456789013,2026-05-01\n", 1, "several tracking numbers", "伝票番号は1行に1件"},
		{"spaces inside one number", "1001,10011,1234 5678 9012,2026-05-01\n", 1, "contains spaces", "空白が入っています"},
		{"odd characters", "1001,10011,A_1!,2026-05-01\n", 1, "letters, digits or hyphens", "半角英数字とハイフン"},
		{"too long", "1001,10011," + strings.Repeat("9", 65) + ",2026-05-01\n", 1, "1 to 64", "64文字まで"},
		{"bare quote", "1001,10011,A\"1,2026-05-01\n", 1, "not valid CSV", "CSVとして読めません"},
		{"unterminated quote", "1001,10011,\"A-1,2026-05-01\n1002,1,B,2026-05-01\n", 1, "not valid CSV", "引用符"},
		{"ragged rows", "1001,10011,A-1,2026-05-01\n1002,B-2,2026-05-01\n", 2, "every row needs the same columns", "この行は3列ですが、1行目は4列です"},
		{"five columns without header", "1001,10011,A-1,2026-05-01,x\n", 1, "5 columns without a header", "列が5列あります"},
		{"header without tracking column", "sale_id,ship_date\n1001,2026-05-01\n", 1, "no tracking number column", "伝票番号の列がありません"},
		{"header without sale and tracking columns", "memo,ship_date\nx,2026-05-01\n", 1, "no sale id and no tracking number column", "受注番号と伝票番号の列がありません"},
		{"duplicate header", "sale_id,伝票番号,tracking_number\n1001,A,B\n", 1, "both the tracking number", "2列目 (「伝票番号」) と3列目 (「tracking_number」) がどちらも伝票番号の列です"},
		{"UTF-16", "\xff\xfe1\x000\x00", 0, "UTF-16", "UTF-16"},
		{"BOM but not UTF-8", "\xef\xbb\xbf1001,A-1\n\x82\xff\n", 2, "UTF-8 BOM but is not UTF-8", "中身がUTF-8ではありません"},
		{"not text", "1001,A-1,2026-05-01\n\x82\xff\x82\n", 2, "neither UTF-8 nor Shift_JIS", "UTF-8でもShift_JISでもなく"},
		{"NUL bytes", "1001,A-1\x00,2026-05-01\n", 1, "NUL", "NUL文字"},
		{"several problems in one row", "1001,x,,2026-99-01\n", 1, "sale_delivery id \"x\" is not a number (leave it empty for a sale with one delivery); the tracking number (伝票番号) is empty; ship date", "伝票番号が空欄です。伝票番号を入れてください。出荷日「2026-99-01」"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := shipcsv.Parse([]byte(c.data))
			require.NotEmpty(t, res.Errors, "rows: %+v", res.Rows)
			assert.Equal(t, c.line, res.Errors[0].Line, res.Errors)
			assert.Contains(t, res.Errors[0].Message, c.contains)
			assert.Contains(t, res.Errors[0].Ja, c.ja)
			for _, e := range res.Errors {
				assertStaffJapanese(t, e)
			}
		})
	}
}

// assertStaffJapanese checks an error's message for staff: Japanese, ending a
// sentence, and naming no CLI command.
func assertStaffJapanese(t *testing.T, e shipcsv.LineError) {
	t.Helper()
	assert.NotEmpty(t, e.Ja, "no Japanese for %q", e.Message)
	assert.True(t, strings.HasSuffix(e.Ja, "。"), "%q is not a sentence", e.Ja)
	assert.NotContains(t, e.Ja, "`")
	assert.NotContains(t, e.Ja, "starter")
	assert.True(t, strings.ContainsFunc(e.Ja, func(r rune) bool { return r >= 0x3040 && r <= 0x30ff }), "%q has no kana", e.Ja)
}

func TestParseReportsEveryBadLine(t *testing.T) {
	res := shipcsv.Parse([]byte("sale_id,tracking_number,ship_date\n1001,A-1,2026-05-01\nabc,A-2,2026-05-01\n1003,,2026-05-01\n1004,A-4,2026-99-01\n1005,A-5,\n"))
	require.Len(t, res.Errors, 3)
	assert.Equal(t, []int{3, 4, 5}, []int{res.Errors[0].Line, res.Errors[1].Line, res.Errors[2].Line})
	require.Len(t, res.Rows, 2)
	assert.Equal(t, []int{2, 6}, []int{res.Rows[0].Line, res.Rows[1].Line})
}

func TestParseMultilineQuotedFieldKeepsLineNumbers(t *testing.T) {
	res := shipcsv.Parse([]byte("sale_id,memo,tracking_number\n1001,\"two\nlines\",A-1\n1002,x,B-2\n"))
	require.Empty(t, res.Errors)
	assert.Equal(t, 2, res.Rows[0].Line)
	assert.Equal(t, 4, res.Rows[1].Line)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("受注番号,お届け先ID,伝票番号,出荷日\r\n1001,10011,4912-0001-0001,2026/05/01\r\n"))
	f.Add([]byte("1001,A-1,2026-05-01\n1002,\"B,2\",x\n"))
	f.Add([]byte("\xef\xbb\xbfsale_id\ttracking_number\n1\t=\"0012\"\n"))
	f.Add([]byte("\x8e\xf3\x92\x8d\x94\xd4\x8d\x86,\x93\x60\x95\x5b\x94\xd4\x8d\x86\r\n1,A\r\n"))
	for _, name := range []string{"b2_issued.csv", "ehiden_issued.csv", "yupack_issued.csv"} {
		if data, err := os.ReadFile("../carrier/testdata/" + name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := shipcsv.Parse(data)
		again := shipcsv.Parse(data)
		require.Equal(t, res, again, "Parse is not deterministic")
		last := 0
		for _, r := range res.Rows {
			if r.Line < 1 || r.Line < last {
				t.Fatalf("row line %d after %d", r.Line, last)
			}
			last = r.Line
			if r.SaleID <= 0 || r.DeliveryID < 0 || r.DeliveryPos < 0 {
				t.Fatalf("row with invalid ids: %+v", r)
			}
			if r.TrackingNumber == "" || len(r.TrackingNumber) > rules.MaxTrackingNumberLen || strings.TrimFunc(r.TrackingNumber, func(c rune) bool {
				return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			}) != "" {
				t.Fatalf("row with an invalid tracking number: %+v", r)
			}
			if r.ShipDate != "" {
				if _, err := time.Parse(time.DateOnly, r.ShipDate); err != nil {
					t.Fatalf("row with an invalid ship date: %+v", r)
				}
			}
		}
		for _, e := range res.Errors {
			if e.Line < 0 || e.Message == "" || e.Ja == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
		if len(res.Rows) == 0 && len(res.Errors) == 0 {
			t.Fatalf("no rows and no errors for %q", data)
		}
	})
}

// CP932 (Windows-31J) adds NEC and IBM characters to Shift_JIS; Japanese Excel
// writes them in memo columns.
func TestParseCP932Extensions(t *testing.T) {
	// "お客様管理番号,送り状番号,発送日,備考\r\n1001,１２３４－５６７８,2026/5/1,①髙\r\n" as CP932.
	data := []byte("\x82\xa8\x8b\x71\x97\x6c\x8a\xc7\x97\x9d\x94\xd4\x8d\x86,\x91\x97\x82\xe8\x8f\xf3\x94\xd4\x8d\x86,\x94\xad\x91\x97\x93\xfa,\x94\xf5\x8d\x6c\r\n" +
		"1001,\x82\x50\x82\x51\x82\x52\x82\x53\x81\x7c\x82\x54\x82\x55\x82\x56\x82\x57,2026/5/1,\x87\x40\xfb\xfc\r\n")
	res := shipcsv.Parse(data)
	require.Empty(t, res.Errors)
	assert.Equal(t, "Shift_JIS", res.Encoding)
	assert.Equal(t, []shipcsv.Row{{Line: 2, SaleID: 1001, TrackingNumber: "1234-5678", ShipDate: "2026-05-01"}}, res.Rows)
}

// TestParseCarrierFiles: the label programs' issued data, as kept in
// internal/carrier/testdata (Shift_JIS, CRLF, the programs' headers), is
// recognised and named; the reference gives the sale and the delivery (its id
// for B2, its position for e飛伝 and ゆうプリR); dates are the programs' ship
// dates; the postal code is kept for the check against the delivery; the other
// columns are ignored. e飛伝Ⅱ's 出荷履歴 is the published 53-column layout
// (お問合せ送り状№, 出荷日時, お客様管理ナンバー in column 13): its row whose
// 削除区分 marks it deleted is skipped with a note. ゆうプリR's 発送履歴 comes
// through the shop's own output filter, in its own column order, and is read
// by header names only: without its header it is refused, saying so. e飛伝Ⅲ's
// template has no header row and is read by position.
func TestParseCarrierFiles(t *testing.T) {
	cases := []struct {
		file, format, name string
		header             bool // the file has a header row
		positional         bool // it is also read without it
		rows               []shipcsv.Row
		notes              []int // lines skipped with a note
	}{
		{"b2_issued.csv", "b2", "B2クラウド", true, true, []shipcsv.Row{
			{Line: 2, SaleID: 120000001, DeliveryID: 3500001, TrackingNumber: "400012345671", ShipDate: "2026-11-27", Postal: "1500001", Planned: true},
			{Line: 3, SaleID: 120000002, DeliveryID: 3500002, TrackingNumber: "400012345682", ShipDate: "2026-11-27", Postal: "5300001", Planned: true},
			{Line: 4, SaleID: 120000002, DeliveryID: 3500003, TrackingNumber: "400012345693", ShipDate: "2026-11-27", Postal: "8100001", Planned: true},
			{Line: 5, SaleID: 120000003, DeliveryID: 3500004, TrackingNumber: "400012345704", ShipDate: "2026-11-28", Postal: "0600001", Planned: true},
		}, nil},
		{"ehiden_issued.csv", "ehiden", "e飛伝Ⅱ", true, true, []shipcsv.Row{
			{Line: 2, SaleID: 120000001, DeliveryPos: 1, TrackingNumber: "360012345671", ShipDate: "2026-11-27", Postal: "1500001", Planned: true},
			{Line: 3, SaleID: 120000002, DeliveryPos: 1, TrackingNumber: "360012345682", ShipDate: "2026-11-27", Postal: "5300001", Planned: true},
			{Line: 4, SaleID: 120000002, DeliveryPos: 2, TrackingNumber: "360012345693", ShipDate: "2026-11-27", Postal: "8100001", Planned: true},
		}, []int{5}},
		{"yupack_issued.csv", "yupack", "ゆうパックプリントR", true, false, []shipcsv.Row{
			{Line: 2, SaleID: 120000001, DeliveryPos: 1, TrackingNumber: "123456789012", ShipDate: "2026-11-27", Postal: "1500001", Planned: true},
			{Line: 3, SaleID: 120000002, DeliveryPos: 1, TrackingNumber: "123456789023", ShipDate: "2026-11-27", Postal: "5300001", Planned: true},
			{Line: 4, SaleID: 120000002, DeliveryPos: 2, TrackingNumber: "123456789034", ShipDate: "2026-11-27", Postal: "8100001", Planned: true},
		}, nil},
		{"ehiden3_issued.csv", "ehiden3", "e飛伝Ⅲ", false, true, []shipcsv.Row{
			{Line: 1, SaleID: 120000001, DeliveryPos: 1, TrackingNumber: "360012345671", ShipDate: "2026-11-27", Postal: "1500001", Planned: true},
			{Line: 2, SaleID: 120000002, DeliveryPos: 1, TrackingNumber: "360012345682", ShipDate: "2026-11-27", Postal: "5300001", Planned: true},
			{Line: 3, SaleID: 120000002, DeliveryPos: 2, TrackingNumber: "360012345693", ShipDate: "2026-11-27", Postal: "8100001", Planned: true},
			{Line: 4, SaleID: 120000003, DeliveryPos: 1, TrackingNumber: "360012345704", ShipDate: "2026-11-27", Postal: "0600001", Planned: true},
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile("../carrier/testdata/" + c.file)
			require.NoError(t, err)
			res := shipcsv.Parse(data)
			require.Empty(t, res.Errors)
			assert.Equal(t, "Shift_JIS", res.Encoding)
			assert.Equal(t, c.header, res.Header)
			assert.Equal(t, c.format, res.Format)
			assert.Equal(t, c.name, res.FormatName)
			assert.Equal(t, c.rows, res.Rows)
			var notes []int
			for _, n := range res.Notes {
				notes = append(notes, n.Line)
				assert.Contains(t, n.Ja, "削除された送り状 (削除区分「1」) のため、取り込んでいません")
			}
			assert.Equal(t, c.notes, notes)

			body := data
			if c.header {
				_, b, _ := strings.Cut(string(data), "\r\n")
				body = []byte(b)
			}
			res = shipcsv.Parse(body)
			if !c.positional {
				require.Len(t, res.Errors, 1)
				assert.Contains(t, res.Errors[0].Ja, "ゆうパックプリントRの発送履歴は列名で読むため、出力フィルタで項目名 (1行目) を出力する設定にしてください")
				return
			}
			// the same file without its header row is recognised by its columns
			require.Empty(t, res.Errors)
			assert.False(t, res.Header)
			assert.Equal(t, c.format, res.Format)
			require.Len(t, res.Rows, len(c.rows))
			assert.Equal(t, c.rows[0].TrackingNumber, res.Rows[0].TrackingNumber)

			// files printed from label data of earlier builds carry the
			// hyphen form (120000001-3500001, 120000001-1): read alike, with
			// and without header
			legacy := hyphenRef.ReplaceAll(data, []byte("$1-$2"))
			require.NotEqual(t, data, legacy)
			res = shipcsv.Parse(legacy)
			require.Empty(t, res.Errors)
			assert.Equal(t, c.format, res.Format)
			assert.Equal(t, c.rows, res.Rows)
			if !c.header {
				return
			}
			_, b, _ := strings.Cut(string(legacy), "\r\n")
			res = shipcsv.Parse([]byte(b))
			require.Empty(t, res.Errors)
			assert.Equal(t, c.format, res.Format)
			want := slices.Clone(c.rows)
			for i := range want {
				want[i].Line-- // no header row
			}
			assert.Equal(t, want, res.Rows)
		})
	}
}

// TestParseEhidenAllDeleted: an e飛伝 出荷履歴 whose every row is marked
// deleted has nothing to import, and says so.
func TestParseEhidenAllDeleted(t *testing.T) {
	data, err := os.ReadFile("../carrier/testdata/ehiden_issued.csv")
	require.NoError(t, err)
	text, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(text), "\r\n"), "\r\n")
	res := shipcsv.Parse([]byte(lines[0] + "\r\n" + lines[4] + "\r\n"))
	assert.Empty(t, res.Rows)
	require.Len(t, res.Notes, 1)
	require.Len(t, res.Errors, 1)
	assert.Contains(t, res.Errors[0].Ja, "すべての行が削除 (削除区分) された送り状で、取り込む行がありません")
}

// hyphenRef is a reference of the fixtures (sale ids 12000000n) in the new form.
var hyphenRef = regexp.MustCompile(`(12000000[0-9])[DN]([0-9]+)`)

// TestParseCarrierFileProblems: line-numbered problems in a program's file,
// all reported at once.
func TestParseCarrierFileProblems(t *testing.T) {
	data := sjis(t, "\"お客様管理番号\",\"送り状種類\",\"クール区分\",\"伝票番号\",\"出荷予定日\"\r\n"+
		"\"120000001-3500001\",\"0\",\"\",\"400012345671\",\"2026/11/27\"\r\n"+
		"\"\",\"0\",\"\",\"400012345682\",\"2026/11/27\"\r\n"+
		"\"ABC-1\",\"0\",\"\",\"400012345693\",\"2026/11/27\"\r\n"+
		"\"120000003-3500004\",\"0\",\"\",\"\",\"2026/13/01\"\r\n")
	res := shipcsv.Parse(data)
	assert.Equal(t, "b2", res.Format)
	require.Len(t, res.Rows, 1)
	assert.Equal(t, int64(3500001), res.Rows[0].DeliveryID, "the hyphen form of earlier builds")
	require.Len(t, res.Errors, 3)
	assert.Equal(t, 3, res.Errors[0].Line)
	assert.Contains(t, res.Errors[0].Ja, "「お客様管理番号」が空欄です")
	assert.Equal(t, 4, res.Errors[1].Line)
	assert.Contains(t, res.Errors[1].Message, `お客様管理番号 "ABC-1" is not a reference we wrote (sale id, D, sale_delivery id, e.g. 120000001D3500001)`)
	assert.Contains(t, res.Errors[1].Ja, "このシステムが出力した管理番号 (受注番号、D、お届け先IDを続けたもの。例: 120000001D3500001) ではありません")
	assert.Equal(t, 5, res.Errors[2].Line)
	assert.Contains(t, res.Errors[2].Ja, "伝票番号が空欄です")
	assert.Contains(t, res.Errors[2].Ja, "出荷日「2026/13/01」が日付として読めません")
}

// TestNotCSV: images, PDFs, workbooks and binary files are named as such; text,
// Shift_JIS and UTF-16 (which Parse explains) are not refused here.
func TestNotCSV(t *testing.T) {
	for _, c := range []struct {
		data []byte
		ja   string
	}{
		{[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "PNG画像"},
		{[]byte{0xFF, 0xD8, 0xFF, 0xE0}, "JPEG画像"},
		{[]byte("%PDF-1.7\n"), "PDF"},
		{[]byte("PK\x03\x04\x14\x00"), "Excelのブック (.xlsx) かZIPファイル"},
		{[]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0}, "Excelのブック (.xls)"},
		{[]byte("12345,4912\x00\x01"), "文字ではないデータ (バイナリファイル)"},
	} {
		en, ja, ok := shipcsv.NotCSV(c.data)
		assert.True(t, ok, "%q", c.data)
		assert.Equal(t, c.ja, ja)
		assert.NotEmpty(t, en)
	}
	for _, data := range [][]byte{[]byte("受注番号,伝票番号\r\n1001,4912\r\n"), sjis(t, "受注番号,伝票番号\r\n1001,4912\r\n"),
		{0xFF, 0xFE, '1', 0, ',', 0}, {}} {
		_, _, ok := shipcsv.NotCSV(data)
		assert.False(t, ok, "%q", data)
	}
}
