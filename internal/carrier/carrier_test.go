package carrier_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/carrier"
)

// readSJIS decodes a Shift_JIS CSV into records.
func readSJIS(t *testing.T, data []byte) [][]string {
	t.Helper()
	text, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	require.NoError(t, err)
	return recs
}

func layout(t *testing.T, f string) *carrier.Layout {
	t.Helper()
	l, ok := carrier.ByFormat(f)
	require.True(t, ok, f)
	return l
}

// TestDetectFixtures: each program's issued-data file (kept in testdata as the
// program writes it: Shift_JIS, CRLF, its own header) is recognised by its
// header row, with the reference, tracking-number, date, postal and 削除区分
// columns: B2's 発行済データ, e飛伝Ⅱ's 出荷履歴 in the published 53-column
// layout (お問合せ送り状№, 出荷日時, お客様管理ナンバー in column 13) and a
// ゆうプリR 発送履歴 export through a shop's own output filter (its own
// column order). Without its header row the file is recognised by position,
// except ゆうプリR's, whose columns are the filter's.
func TestDetectFixtures(t *testing.T) {
	cases := []struct {
		file   string
		format carrier.Format
		cols   carrier.Columns
	}{
		{"b2_issued.csv", carrier.B2, carrier.Columns{Reference: 0, Tracking: 3, ShipDate: 4, Postal: 10, Deleted: -1}},
		{"ehiden_issued.csv", carrier.Ehiden, carrier.Columns{Reference: 12, Tracking: 0, ShipDate: 1, Postal: 4, Deleted: 52}},
		{"yupack_issued.csv", carrier.Yupack, carrier.Columns{Reference: 2, Tracking: 0, ShipDate: 3, Postal: 4, Deleted: -1}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + c.file)
			require.NoError(t, err)
			assert.True(t, bytes.Contains(data, []byte("\r\n")), "CRLF")
			recs := readSJIS(t, data)
			m, ok := carrier.Detect(recs[0])
			require.True(t, ok)
			assert.Equal(t, c.format, m.Layout.Format)
			assert.Equal(t, c.cols, m.Cols)

			m, ok = carrier.DetectPositional(recs[1])
			if c.format == carrier.Yupack {
				assert.False(t, ok, "ゆうプリR's issued data has no fixed layout: never read by position")
				return
			}
			require.True(t, ok, "the same file without its header row")
			assert.Equal(t, c.format, m.Layout.Format)
			assert.Equal(t, c.cols, m.Cols)
		})
	}
	_, ok := carrier.Detect([]string{"受注番号", "お届け先ID", "伝票番号", "出荷日"})
	assert.False(t, ok, "the generic format is no program's")
	_, ok = carrier.Detect([]string{"お客様管理番号", "伝票番号"})
	assert.False(t, ok, "names every program shares do not decide")
}

// TestDetectEhiden3: e飛伝Ⅲ's template (ヘッダ無, 74 columns) as e飛伝Ⅲ gives
// it back — our label row with 出荷日 (column 61) and お問い合せ送り状No.
// (column 62) — is recognised by position: お客様管理番号 in column 10.
func TestDetectEhiden3(t *testing.T) {
	l := layout(t, "ehiden3")
	assert.Len(t, l.Label, 74)
	assert.Equal(t, "お届け先コード取得区分", l.Label[0].Name)
	assert.Equal(t, "お客様管理番号", l.Label[9].Name)
	assert.Equal(t, "出荷日", l.Label[60].Name)
	assert.Equal(t, "お問い合せ送り状No.", l.Label[61].Name)
	ex := l.Export([]carrier.Label{label(120000001, 3500001, 1)}, shipper, "2026-11-27")
	recs := readSJIS(t, ex.Data)
	require.Len(t, recs, 1, "no header row")
	row := recs[0]
	assert.Equal(t, "120000001N1", row[9])
	assert.Equal(t, "20261127", row[60])
	row[61] = "360012345671"
	m, ok := carrier.DetectPositional(row)
	require.True(t, ok)
	assert.Equal(t, carrier.Ehiden3, m.Layout.Format)
	assert.Equal(t, carrier.Columns{Reference: 9, Tracking: 61, ShipDate: 60, Postal: 3, Deleted: -1}, m.Cols)
}

func TestSlotAndTimeCodes(t *testing.T) {
	b2, eh, yu := layout(t, "b2"), layout(t, "ehiden"), layout(t, "yupack")
	cases := []struct{ period, slot, b2, ehiden, yupack string }{
		{"午前中", "8-12", "0812", "01", "51"},
		{"12時～14時", "12-14", "", "12", "52"},
		{"14時～16時", "14-16", "1416", "14", "53"},
		{"16:00-18:00", "16-18", "1618", "16", "54"},
		{"１８時～２０時", "18-20", "1820", "18", "55"},
		{"19時～21時", "19-21", "1921", "19", "57"},
		{"20時～21時", "20-21", "", "", ""}, // no carrier has a 20–21 slot any more (ゆうパック's 56 is gone)
		{"", "", "", "", ""},
		{"指定なし", "", "", "", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.slot, carrier.Slot(c.period), c.period)
		assert.Equal(t, c.b2, b2.TimeCodes[c.slot], c.period)
		assert.Equal(t, c.ehiden, eh.TimeCodes[c.slot], c.period)
		assert.Equal(t, c.yupack, yu.TimeCodes[c.slot], c.period)
	}
}

// TestReference: the reference is letters and digits only (the programs'
// fields are 半角英数字): the sale id, D and the delivery id for B2, N and the
// delivery's position for e飛伝 and ゆうプリR. Both forms are read back, and so
// is the hyphen form written by earlier builds.
func TestReference(t *testing.T) {
	b2, eh, yu := layout(t, "b2"), layout(t, "ehiden"), layout(t, "yupack")
	assert.Equal(t, "123456789D987654321", b2.Reference(123456789, 987654321, 2))
	assert.Equal(t, "123456789N2", eh.Reference(123456789, 987654321, 2))
	assert.Equal(t, "123456789N2", yu.Reference(123456789, 987654321, 2))
	for _, l := range carrier.Layouts {
		ref := l.Reference(120000002, 3500003, 2)
		assert.Empty(t, strings.Trim(ref, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "%s: %s is not 半角英数字", l.Format, ref)
		assert.LessOrEqual(t, len(ref), l.RefMax(), "%s: a 9-digit sale id and a 7-digit delivery id fit", l.Format)
	}
	for _, c := range []struct {
		l         *carrier.Layout
		in        string
		sale, del int64
		bad       bool
	}{
		{b2, "123456789D987654321", 123456789, 987654321, false},
		{b2, "123456789-987654321", 123456789, 987654321, false}, // earlier builds
		{b2, "１２３Ｄ４５", 123, 45, false},
		{b2, "123d45", 123, 45, false},
		{b2, "１２３-４５", 123, 45, false},
		{b2, "123", 123, 0, false},
		{eh, "123N2", 123, 2, false},
		{eh, "123-2", 123, 2, false},
		{yu, "123N2", 123, 2, false},
		{b2, "123N2", 0, 0, true}, // another style's letter
		{eh, "123D3500001", 0, 0, true},
		{b2, "A123", 0, 0, true},
		{b2, "D45", 0, 0, true},
		{b2, "123-", 0, 0, true},
		{b2, "123D", 0, 0, true},
		{b2, "123-4-5", 0, 0, true},
		{b2, "123D4D5", 0, 0, true},
		{b2, "123D-4", 0, 0, true},
	} {
		sale, del, err := c.l.ParseReference(c.in)
		if c.bad {
			assert.Error(t, err, c.in)
			continue
		}
		require.NoError(t, err, c.in)
		assert.Equal(t, [2]int64{c.sale, c.del}, [2]int64{sale, del}, c.in)
	}
}

// TestExportReportsAReferenceTooLong: a reference longer than the program's
// field (B2: 20) is never cut: the row is left out and reported whole.
func TestExportReportsAReferenceTooLong(t *testing.T) {
	l := layout(t, "b2")
	ex := l.Export([]carrier.Label{label(1234567890, 1234567890, 1), label(120000001, 3500001, 1)}, shipper, "2026-11-27")
	assert.Equal(t, 1, ex.Rows)
	recs := readSJIS(t, ex.Data)
	require.Len(t, recs, 2)
	assert.Equal(t, "120000001D3500001", column(t, recs[0], recs[1], "お客様管理番号"))
	require.Len(t, ex.Warnings, 1)
	assert.True(t, ex.Warnings[0].Excluded)
	assert.Contains(t, ex.Warnings[0].Message, "reference 1234567890D1234567890 is longer than お客様管理番号's 20 characters: the row is left out")
	assert.Contains(t, ex.Warnings[0].Ja, "管理番号 1234567890D1234567890 が「お客様管理番号」の20文字を超えるため、この行はファイルに入れていません")
}

var shipper = carrier.Shipper{Name: "カラーミー雑貨店", Tel: "03-1234-5678", Postal: "1010021", Address: "東京都千代田区外神田1-2-3",
	BillingCode: "0312345678", FreightNo: "01"}

func label(sale, delivery int64, pos int) carrier.Label {
	return carrier.Label{SaleID: sale, DeliveryID: delivery, Position: pos, Postal: "1500001", Address: "東京都渋谷区神宮前1-1-1",
		Building: "コーポ青山101", Name: "山田 太郎", NameKana: "ﾔﾏﾀﾞ ﾀﾛｳ", Tel: "090-1111-2222", PreferredDate: "2026-11-29",
		PreferredPeriod: "午前中", Item: "マグカップ"}
}

// column returns a record's value under a header name.
func column(t *testing.T, head, rec []string, name string) string {
	t.Helper()
	for i, h := range head {
		if h == name {
			return rec[i]
		}
	}
	t.Fatalf("no column %q in %v", name, head)
	return ""
}

func TestExportB2(t *testing.T) {
	l := layout(t, "b2")
	long := label(120000002, 3500003, 2)
	long.Address = "北海道札幌市中央区北一条西四丁目二番地一号札幌グランドホテル別館アネックス棟"
	bundle := label(120000003, 3500004, 1)
	bundle.Bundled, bundle.PreferredPeriod = []int64{120000004}, "12時～14時"
	ex := l.Export([]carrier.Label{label(120000001, 3500001, 1), long, bundle}, shipper, "2026-11-27")
	recs := readSJIS(t, ex.Data)
	assert.True(t, bytes.HasSuffix(ex.Data, []byte("\r\n")), "CRLF")
	require.Len(t, recs, 4)
	head := recs[0]
	assert.Len(t, head, 42)
	assert.Equal(t, 3, ex.Rows)
	r := recs[1]
	for name, want := range map[string]string{"お客様管理番号": "120000001D3500001", "送り状種類": "0", "伝票番号": "", "出荷予定日": "2026/11/27",
		"お届け予定日": "2026/11/29", "配達時間帯": "0812", "お届け先郵便番号": "150-0001", "お届け先住所": "東京都渋谷区神宮前1-1-1",
		"お届け先アパートマンション名": "コーポ青山101", "お届け先名": "山田 太郎", "敬称": "様", "ご依頼主郵便番号": "101-0021",
		"品名１": "マグカップ", "請求先顧客コード": "0312345678", "運賃管理番号": "01"} {
		assert.Equal(t, want, column(t, head, r, name), name)
	}
	assert.Equal(t, "北海道札幌市中央区北一条西四丁目二番地一号札幌グランドホテル別館", column(t, head, recs[2], "お届け先住所"), "cut to 64 bytes")
	assert.Equal(t, "同梱 120000004", column(t, head, recs[3], "記事"))
	assert.Empty(t, column(t, head, recs[3], "配達時間帯"), "B2 has no 12–14 slot")

	require.Len(t, ex.Warnings, 2)
	assert.Equal(t, 2, ex.Warnings[0].Row)
	assert.Contains(t, ex.Warnings[0].Ja, "「お届け先住所」が長すぎるため、半角64文字分で切りました")
	assert.False(t, ex.Warnings[0].Excluded)
	assert.Contains(t, ex.Warnings[1].Ja, "お届け希望時間帯「12時～14時」はB2クラウドで指定できない時間帯")
}

// TestExportRefusesCharactersShiftJISCannotHold: a row with 髙 or ① is left
// out and reported with the character; the others are written; 〜 (WAVE DASH)
// is JIS's own ～ and passes.
func TestExportRefusesCharactersShiftJISCannotHold(t *testing.T) {
	l := layout(t, "yupack")
	taka, circled, wave := label(1, 11, 1), label(2, 21, 1), label(3, 31, 1)
	taka.Name = "髙橋 一郎"
	circled.Building = "メゾン①号室"
	wave.Address = "東京都港区1〜2"
	ex := l.Export([]carrier.Label{taka, circled, wave}, shipper, "2026-11-27")
	assert.Equal(t, 1, ex.Rows)
	recs := readSJIS(t, ex.Data)
	require.Len(t, recs, 2)
	assert.Equal(t, "3N1", column(t, recs[0], recs[1], "お客様側管理番号"))
	assert.Equal(t, "東京都港区1～2", column(t, recs[0], recs[1], "お届け先 住所1"))
	var excluded []string
	for _, w := range ex.Warnings {
		if w.Excluded {
			excluded = append(excluded, w.Ja)
			assert.Zero(t, w.Row)
		}
	}
	require.Len(t, excluded, 2)
	assert.Contains(t, excluded[0], "受注番号 1 の「お届け先 名称1」(髙橋 一郎) に、ゆうパックプリントRで使えない文字「髙」")
	assert.Contains(t, excluded[1], "「①」")
}

func TestExportEhidenSpreadsTheAddress(t *testing.T) {
	l := layout(t, "ehiden")
	lb := label(120000002, 3500003, 2)
	lb.Address = "神奈川県横浜市西区みなとみらい二丁目三番五号クイーンズタワーＣ"
	ex := l.Export([]carrier.Label{lb}, carrier.Shipper{}, "2026-11-27")
	recs := readSJIS(t, ex.Data)
	head, r := recs[0], recs[1]
	assert.Equal(t, "神奈川県横浜市西区みなとみらい二", column(t, head, r, "お届け先住所１"))
	assert.Equal(t, "丁目三番五号クイーンズタワーＣ", column(t, head, r, "お届け先住所２"))
	assert.Equal(t, "コーポ青山101", column(t, head, r, "お届け先住所３"))
	assert.Equal(t, "120000002N2", column(t, head, r, "お客様管理ナンバー"))
	assert.Equal(t, "20261129", column(t, head, r, "配達日"))
	assert.Equal(t, "01", column(t, head, r, "配達指定時間帯"))
	for _, w := range ex.Warnings {
		assert.False(t, strings.Contains(w.Message, "required"), "e飛伝 takes its sender from its own settings: %s", w.Message)
	}
}

func TestExportWarnsOfMissingSender(t *testing.T) {
	ex := layout(t, "b2").Export([]carrier.Label{label(1, 11, 1)}, carrier.Shipper{Name: "店"}, "2026-11-27")
	require.NotEmpty(t, ex.Warnings)
	assert.Zero(t, ex.Warnings[0].Row)
	assert.Contains(t, ex.Warnings[0].Ja, "B2クラウドでは「ご依頼主電話番号、ご依頼主郵便番号、ご依頼主住所、請求先顧客コード、運賃管理番号」が必須ですが、空欄です")
	assert.Equal(t, 1, ex.Rows)
}

var update = flag.Bool("update", false, "rewrite the golden label files in testdata")

// TestExportGolden: each program's label data for the same parcels — a sale
// with one delivery (午前中 on a preferred date), a sale with two destinations
// and a bundle — is exactly the file kept in testdata/<format>_label.csv
// (Shift_JIS, CRLF; `go test ./internal/carrier -run Golden -update` rewrites
// them after a deliberate change).
func TestExportGolden(t *testing.T) {
	two1, two2 := label(120000002, 3500002, 1), label(120000002, 3500003, 2)
	two1.Postal, two1.Address, two1.Building, two1.Name, two1.NameKana, two1.Tel = "5300001", "大阪府大阪市北区梅田2-2-2", "", "佐藤 花子", "ｻﾄｳ ﾊﾅｺ", "06-6111-2222"
	two1.PreferredDate, two1.PreferredPeriod, two1.Item = "", "14時～16時", "トートバッグ"
	two2.Postal, two2.Address, two2.Building, two2.Name, two2.NameKana, two2.Tel = "8100001", "福岡県福岡市中央区天神3-3-3", "", "佐藤 一郎", "ｻﾄｳ ｲﾁﾛｳ", "092-711-3333"
	two2.PreferredDate, two2.PreferredPeriod, two2.Item = "", "", "トートバッグ"
	bundle := label(120000003, 3500004, 1)
	bundle.Postal, bundle.Address, bundle.Building, bundle.Name, bundle.NameKana, bundle.Tel = "0600001", "北海道札幌市中央区北一条西4-4", "", "鈴木 次郎", "ｽｽﾞｷ ｼﾞﾛｳ", "011-222-4444"
	bundle.PreferredDate, bundle.PreferredPeriod, bundle.Item, bundle.Bundled = "", "19時～21時", "Tシャツ 他1点", []int64{120000004}
	labels := []carrier.Label{label(120000001, 3500001, 1), two1, two2, bundle}
	for _, l := range carrier.Layouts {
		t.Run(string(l.Format), func(t *testing.T) {
			ex := l.Export(labels, shipper, "2026-11-27")
			assert.Equal(t, 4, ex.Rows)
			path := "testdata/" + string(l.Format) + "_label.csv"
			if *update {
				require.NoError(t, os.WriteFile(path, ex.Data, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(ex.Data), "run with -update after a deliberate change")
		})
	}
}

// TestLayoutTables: every layout's tables hold what Export and Detect need —
// one reference column in the label data and in the issued data, one
// tracking-number column in the issued data, unique column names, a Fixed
// value only on columns without meaning — and its Keys are its own.
func TestLayoutTables(t *testing.T) {
	count := func(fs []carrier.Field, m carrier.Meaning) int {
		n := 0
		for _, f := range fs {
			if f.Meaning == m {
				n++
			}
		}
		return n
	}
	for _, l := range carrier.Layouts {
		t.Run(string(l.Format), func(t *testing.T) {
			assert.Equal(t, 1, count(l.Label, carrier.Reference))
			assert.Equal(t, 1, count(l.Issued, carrier.Reference))
			assert.Equal(t, 1, count(l.Issued, carrier.Tracking))
			assert.Positive(t, l.RefMax())
			seen := map[string]bool{}
			for _, f := range l.Label {
				n := carrier.NormName(f.Name)
				assert.False(t, seen[n], "column %s twice", f.Name)
				seen[n] = true
				assert.True(t, f.Fixed == "" || f.Meaning == carrier.Ignore, "%s: Fixed on a column with a meaning", f.Name)
			}
			for _, other := range carrier.Layouts {
				if other == l {
					continue
				}
				for _, k := range l.Keys {
					assert.NotContains(t, other.Keys, k, "key %s of %s is also %s's", k, l.Format, other.Format)
				}
			}
		})
	}
}

// TestExportWarningsOfARowLeftOutAreExcluded: every warning about a row that
// is not in the file says so (Excluded), not only the one that left it out: a
// row with 髙 and a time slot B2 lacks is not "written without time".
func TestExportWarningsOfARowLeftOutAreExcluded(t *testing.T) {
	lb := label(1, 11, 1)
	lb.Name, lb.PreferredPeriod = "髙橋 一郎", "12時～14時"
	lb.Address = "北海道札幌市中央区北一条西四丁目二番地一号札幌グランドホテル別館アネックス棟"
	ex := layout(t, "b2").Export([]carrier.Label{lb}, shipper, "2026-11-27")
	assert.Zero(t, ex.Rows)
	require.Len(t, ex.Warnings, 3)
	for _, w := range ex.Warnings {
		assert.True(t, w.Excluded, w.Message)
		assert.Zero(t, w.Row, w.Message)
	}
}

// TestExportWarnsOfAnUnreadablePreferredDate: a preferred date the exporter
// cannot read is not dropped from the label silently.
func TestExportWarnsOfAnUnreadablePreferredDate(t *testing.T) {
	lb := label(1, 11, 1)
	lb.PreferredDate = "2026/11/29 (土)"
	ex := layout(t, "ehiden").Export([]carrier.Label{lb}, shipper, "2026-11-27")
	assert.Equal(t, 1, ex.Rows)
	recs := readSJIS(t, ex.Data)
	assert.Empty(t, column(t, recs[0], recs[1], "配達日"))
	require.Len(t, ex.Warnings, 1)
	assert.False(t, ex.Warnings[0].Excluded)
	assert.Equal(t, 1, ex.Warnings[0].Row)
	assert.Contains(t, ex.Warnings[0].Message, `preferred date "2026/11/29 (土)"`)
	assert.Contains(t, ex.Warnings[0].Ja, "お届け希望日「2026/11/29 (土)」")
}
