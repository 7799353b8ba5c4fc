// Package shipcsv reads shipping-results files (出荷実績) as carriers' systems and
// spreadsheets export them: one row per delivery with the ColorMe sale id, an
// optional sale_delivery id, the tracking number (伝票番号) and the ship date
// (出荷日). It is pure — bytes in, rows and per-line errors out — and knows
// nothing of the OMS: whether a sale exists is checked when the rows are applied.
//
// Accepted: UTF-8 with or without BOM, Shift_JIS/CP932; CRLF, LF or CR line ends;
// comma- or tab-separated; quoted fields; Excel's ="0123" cells; full-width
// digits. A header row is detected (the first field of the first row is not a
// number) and its columns found by name, other columns being ignored. Without
// a header the columns are: sale id, sale_delivery id, tracking number, ship
// date (4 columns); sale id, tracking number, ship date (3); or sale id,
// tracking number (2).
//
// The label programs' issued data (B2クラウド 発行済データ, e飛伝 出荷履歴,
// ゆうパックプリントR 発送済みデータ; see internal/carrier) is recognised from its
// header row — or, written without one, by the program's columns holding a
// reference we wrote (sale id and delivery) and a tracking number — and reported
// in Result.Format. Its reference names the sale and the delivery, its date is
// the planned ship date (Row.Planned) and its postal code is kept to check the
// delivery; a row its 削除区分 marks deleted (e飛伝Ⅱ 出荷履歴) is skipped with a
// note (Result.Notes); its other columns are ignored.
package shipcsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// Row is one valid row of the file.
type Row struct {
	Line           int    `json:"line"`                  // line number in the file (1-based)
	SaleID         int64  `json:"sale_id"`               // ColorMe sale id
	DeliveryID     int64  `json:"delivery_id,omitempty"` // sale_delivery id; 0 = not given
	TrackingNumber string `json:"tracking_number"`       // letters, digits and hyphens
	ShipDate       string `json:"ship_date,omitempty"`   // YYYY-MM-DD; "" = not given

	// From a label program's issued data only:
	DeliveryPos int    `json:"delivery_pos,omitempty"` // the delivery's place in the sale (1 = first by id); 0 = not given
	Postal      string `json:"postal,omitempty"`       // お届け先郵便番号, digits: checked against the delivery
	Planned     bool   `json:"planned,omitempty"`      // ShipDate is the program's planned ship date (出荷予定日)
}

// LineError says why a line was rejected; Line 0 is about the whole file.
// Message is for engineers (the CLI prints it); Ja says the same to shop staff
// (the console shows it) in GoQ's words: what is wrong and what to do.
type LineError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
	Ja      string `json:"ja,omitempty"`
}

// message is one message in English (for engineers) and Japanese (for staff).
type message struct{ en, ja string }

func (t message) at(line int) LineError { return LineError{Line: line, Message: t.en, Ja: t.ja} }

// Error implements error.
func (e LineError) Error() string {
	if e.Line == 0 {
		return e.Message
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// Result is a parsed file: its valid rows and the errors of the others, both
// in line order. A file is usable only when Errors is empty.
type Result struct {
	Encoding string `json:"encoding"` // "UTF-8", "UTF-8 with BOM" or "Shift_JIS"
	Header   bool   `json:"header"`   // the first row was a header
	// Format is the label program whose issued data the file is (carrier.Format:
	// "b2", "ehiden", "yupack"); "" = the generic format. FormatName and
	// FormatNameEn name it for staff and the CLI.
	Format       string      `json:"format,omitempty"`
	FormatName   string      `json:"format_name,omitempty"`
	FormatNameEn string      `json:"format_name_en,omitempty"`
	Rows         []Row       `json:"rows"`
	Errors       []LineError `json:"errors"`
	// Notes are rows skipped without blocking the file: rows the label
	// program marks deleted (削除区分).
	Notes []LineError `json:"notes,omitempty"`
}

// Columns of a file.
const (
	colSale = iota
	colDelivery
	colTracking
	colDate
	colPostal  // label programs' issued data only
	colDeleted // label programs' issued data only: 削除区分
	nCols
)

var colNames = [nCols]string{"sale id", "sale_delivery id", "tracking number", "ship date", "postal code", "deleted flag"}

// colNamesJa are the columns in GoQ's words.
var colNamesJa = [nCols]string{"受注番号", "お届け先ID", "伝票番号", "出荷日", "郵便番号", "削除区分"}

// headerNames maps normalized header names (see normName) to columns.
var headerNames = map[string]int{
	"saleid": colSale, "sale": colSale, "orderid": colSale, "order": colSale, "ordernumber": colSale,
	"受注番号": colSale, "注文番号": colSale, "受注id": colSale, "注文id": colSale, "受注no": colSale, "注文no": colSale,
	"お客様管理番号": colSale, "管理番号": colSale,

	"saledeliveryid": colDelivery, "saledelivery": colDelivery, "deliveryid": colDelivery,
	"お届け先id": colDelivery, "届け先id": colDelivery, "配送先id": colDelivery, "お届け先番号": colDelivery, "配送先番号": colDelivery,

	"trackingnumber": colTracking, "tracking": colTracking, "trackingno": colTracking, "slipnumber": colTracking, "slip": colTracking, "slipno": colTracking,
	"伝票番号": colTracking, "送り状番号": colTracking, "送り状no": colTracking, "問い合わせ番号": colTracking, "お問い合わせ番号": colTracking,
	"問合せ番号": colTracking, "お問合せ番号": colTracking, "問い合せ番号": colTracking, "お問い合せ番号": colTracking, "追跡番号": colTracking,
	"お問い合せ送り状no": colTracking, "配送伝票番号": colTracking,

	"shipdate": colDate, "shippedon": colDate, "shippeddate": colDate, "shippingdate": colDate,
	"出荷日": colDate, "発送日": colDate, "出荷年月日": colDate, "発送年月日": colDate, "出荷日付": colDate, "発送日付": colDate,
}

// Parse reads a shipping-results file: the generic format (header names or
// positions, see the package comment) or a label program's issued data
// (carrier.Layouts), recognised by its header row — or, without header, by
// the program's number of columns with a reference and a tracking number in
// their places.
func Parse(data []byte) Result {
	var res Result
	text, enc, err := Decode(data)
	res.Encoding = enc
	if err != nil {
		res.Errors = append(res.Errors, *err)
		return res
	}
	// CR-only files (old spreadsheets) become LF; encoding/csv drops the CR of CRLF itself.
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	text = unwrapExcel(text)
	if strings.TrimSpace(text) == "" {
		res.Errors = append(res.Errors, message{"the file is empty: it needs one row per delivery (sale id, [sale_delivery id,] tracking number, ship date)",
			"ファイルが空です。1行に1つのお届け先 (受注番号, お届け先ID, 伝票番号, 出荷日) を書いたCSVファイルを選んでください。"}.at(0))
		return res
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	if first, _, _ := strings.Cut(text, "\n"); strings.Contains(first, "\t") && !strings.Contains(first, ",") {
		r.Comma = '\t'
	}
	p := parser{res: &res}
	p.read(r)
	if len(res.Rows) == 0 && len(res.Errors) == 0 && len(res.Notes) > 0 {
		res.Errors = append(res.Errors, message{"every row of the file is marked deleted (削除区分): nothing to import; export the 出荷履歴 again with the labels you printed",
			"ファイルのすべての行が削除 (削除区分) された送り状で、取り込む行がありません。発行した送り状の出荷履歴を出力し直してください。"}.at(0))
	}
	if len(res.Rows) == 0 && len(res.Errors) == 0 {
		res.Errors = append(res.Errors, message{"the file has a header but no rows",
			"1行目の列名 (ヘッダー行) のほかに行がありません。2行目から、1行に1つのお届け先を書いてください。"}.at(0))
	}
	return res
}

// parser reads the records of one file into its Result.
type parser struct {
	res     *Result
	cols    [nCols]int      // field index of each column, -1 = absent
	width   int             // fields per row without a header (generic format)
	layout  *carrier.Layout // the label program whose issued data this is; nil = generic
	started bool
}

// read reads every record.
func (p *parser) read(r *csv.Reader) {
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			if !p.readError(err) {
				return
			}
			continue
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = clean(rec[i])
		}
		if blank(rec) {
			continue
		}
		if !p.started {
			p.started = true
			if header, ok := p.first(rec, line); !ok {
				return
			} else if header {
				continue
			}
		}
		if p.deleted(rec) {
			p.res.Notes = append(p.res.Notes, message{fmt.Sprintf("%s marks this row deleted (削除区分 %q): skipped", p.layout.NameEn, field(rec, p.cols[colDeleted])),
				fmt.Sprintf("この行は%sで削除された送り状 (削除区分「%s」) のため、取り込んでいません。", p.layout.Name, field(rec, p.cols[colDeleted]))}.at(line))
			continue
		}
		row, msg := p.row(rec, line)
		if msg.en != "" {
			p.res.Errors = append(p.res.Errors, msg.at(line))
			continue
		}
		p.res.Rows = append(p.res.Rows, row)
	}
}

// readError records a record the CSV reader refused; false stops reading.
func (p *parser) readError(err error) bool {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.StartLine
		if line == 0 {
			line = pe.Line
		}
		p.res.Errors = append(p.res.Errors, message{"not valid CSV: " + pe.Err.Error() + " (a field with a quote must be entirely quoted, quotes inside doubled: \"a\"\"b\")",
			"CSVとして読めません: 引用符 (\") の使い方が正しくありません。引用符を含む値は全体を \"…\" で囲み、値の中の \" は \"\" と2つ重ねてください。"}.at(line))
		return true
	}
	p.res.Errors = append(p.res.Errors, message{"reading the file: " + err.Error(),
		"ファイルを最後まで読み取れませんでした (" + err.Error() + ")。もう一度アップロードしてください。"}.at(0))
	return false
}

// first looks at the first record: a header row (generic or a label
// program's), or the first row of a file without one. It reports whether the
// record was a header, and false in ok when the file cannot be read further.
func (p *parser) first(rec []string, line int) (header, ok bool) {
	// a program's file without header first: e飛伝Ⅲ's template starts with an
	// empty column, which would otherwise pass for a header
	if m, found := carrier.DetectPositional(rec); found {
		p.useLayout(m)
		return false, true
	}
	if _, err := strconv.ParseUint(rec[0], 10, 63); err != nil && !p.refLike(rec[0]) {
		p.res.Header = true
		if m, found := carrier.Detect(rec); found {
			p.useLayout(m)
			return true, true
		}
		var herr *LineError
		p.cols, herr = headerColumns(rec, line)
		if herr != nil {
			p.res.Errors = append(p.res.Errors, *herr)
			return true, false
		}
		return true, true
	}
	if p.cols, p.width = positional(len(rec)); p.width > 0 {
		return false, true
	}
	p.res.Errors = append(p.res.Errors, message{fmt.Sprintf("%d columns without a header row: use sale id, sale_delivery id, tracking number, ship date (4 columns), sale id, tracking number, ship date (3) or sale id, tracking number (2), or add a header row (a Yu-Pack Print R export is read by its header row only: set your output filter to write the column names)", len(rec)),
		fmt.Sprintf("1行目に列名 (ヘッダー行) がなく、列が%d列あります。1行目に列名 (受注番号, お届け先ID, 伝票番号, 出荷日) を入れるか、受注番号, お届け先ID, 伝票番号, 出荷日 の4列 (または 受注番号, 伝票番号, 出荷日 の3列、受注番号, 伝票番号 の2列) にしてください。ゆうパックプリントRの発送履歴は列名で読むため、出力フィルタで項目名 (1行目) を出力する設定にしてください。", len(rec))}.at(line))
	return false, false
}

// refLike reports whether a first field is a carrier reference naming a
// delivery (123D45, 123N2, or 123-4 as earlier builds wrote them), which starts
// a headerless issued-data file, not a header.
func (p *parser) refLike(s string) bool {
	for _, l := range carrier.Layouts {
		if _, delivery, err := l.ParseReference(s); err == nil && delivery != 0 {
			return true
		}
	}
	return false
}

// deleted reports whether a label program's row is marked deleted: its
// 削除区分 holds anything but empty or 0.
func (p *parser) deleted(rec []string) bool {
	if p.layout == nil {
		return false
	}
	v := field(rec, p.cols[colDeleted])
	return v != "" && strings.Trim(v, "0") != ""
}

// useLayout reads the rest of the file as a label program's issued data.
func (p *parser) useLayout(m carrier.Match) {
	p.layout = m.Layout
	p.res.Format = string(m.Layout.Format)
	p.res.FormatName = m.Layout.Name
	p.res.FormatNameEn = m.Layout.NameEn
	p.cols = [nCols]int{m.Cols.Reference, -1, m.Cols.Tracking, m.Cols.ShipDate, m.Cols.Postal, m.Cols.Deleted}
}

// row parses one data row.
func (p *parser) row(rec []string, line int) (Row, message) {
	if p.layout != nil {
		return p.carrierRow(rec, line)
	}
	return parseRow(rec, p.cols, p.width, line)
}

// excelText is Excel's way of keeping leading zeros: ="0123".
var excelText = regexp.MustCompile(`^="(.*)"$`)

// excelCell is an unquoted ="…" cell, which is not valid CSV: a field
// starting with =" between separators.
var excelCell = regexp.MustCompile(`(?m)(^|[,\t])="([^"\n]*)"([,\t]|$)`)

// unwrapExcel rewrites unquoted ="0123" cells as "0123". Adjacent cells share a
// separator, hence the loop.
func unwrapExcel(text string) string {
	for i := 0; i < 4 && strings.Contains(text, `="`); i++ {
		next := excelCell.ReplaceAllString(text, `$1"$2"$3`)
		if next == text {
			break
		}
		text = next
	}
	return text
}

var dashes = strings.NewReplacer("‐", "-", "‑", "-", "‒", "-", "–", "-", "—", "-", "−", "-")

// clean trims a field, unwraps ="…" and narrows full-width letters, digits and
// signs to ASCII.
func clean(s string) string {
	s = strings.TrimSpace(strings.Trim(s, " \t\u3000"))
	if m := excelText.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	s = width.Narrow.String(s)
	return strings.TrimSpace(dashes.Replace(s))
}

func blank(rec []string) bool {
	for _, f := range rec {
		if f != "" {
			return false
		}
	}
	return true
}

// normName normalizes a header name: ASCII lowercase without spaces, _ - . ・ #.
func normName(s string) string {
	s = strings.ToLower(width.Fold.String(s))
	return strings.NewReplacer(" ", "", "_", "", "-", "", ".", "", "・", "", "#", "", "\u3000", "").Replace(s)
}

func headerColumns(rec []string, line int) ([nCols]int, *LineError) {
	cols := [nCols]int{-1, -1, -1, -1, -1, -1}
	for i, f := range rec {
		c, ok := headerNames[normName(f)]
		if !ok {
			continue // carriers' files have many other columns
		}
		if cols[c] >= 0 {
			e := message{fmt.Sprintf("header: columns %d (%q) and %d (%q) are both the %s: keep one", cols[c]+1, rec[cols[c]], i+1, f, colNames[c]),
				fmt.Sprintf("1行目の列名で、%d列目 (「%s」) と%d列目 (「%s」) がどちらも%sの列です。どちらか一方の列名を変えるか、列を削除してください。",
					cols[c]+1, rec[cols[c]], i+1, f, colNamesJa[c])}.at(line)
			return cols, &e
		}
		cols[c] = i
	}
	var missing, missingJa []string
	for _, c := range []int{colSale, colTracking} {
		if cols[c] < 0 {
			missing = append(missing, colNames[c])
			missingJa = append(missingJa, colNamesJa[c])
		}
	}
	if len(missing) > 0 {
		e := message{fmt.Sprintf("header: no %s column (found %q): name the columns sale_id (受注番号), sale_delivery_id (お届け先ID, optional), tracking_number (伝票番号), ship_date (出荷日, optional)",
			strings.Join(missing, " and no "), strings.Join(rec, ",")),
			fmt.Sprintf("1行目の列名 (「%s」) に%sの列がありません。列名を 受注番号, お届け先ID (省略可), 伝票番号, 出荷日 (省略可) にしてください。",
				strings.Join(rec, ","), strings.Join(missingJa, "と"))}.at(line)
		return cols, &e
	}
	return cols, nil
}

// positional returns the columns of a file without a header of n fields.
func positional(n int) ([nCols]int, int) {
	switch n {
	case 4:
		return [nCols]int{0, 1, 2, 3, -1, -1}, 4
	case 3:
		return [nCols]int{0, -1, 1, 2, -1, -1}, 3
	case 2:
		return [nCols]int{0, -1, 1, -1, -1, -1}, 2
	}
	return [nCols]int{-1, -1, -1, -1, -1, -1}, 0
}

func field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

func parseRow(rec []string, cols [nCols]int, width, line int) (Row, message) {
	if width > 0 && len(rec) != width {
		return Row{}, message{fmt.Sprintf("%d columns, but the first row has %d: every row needs the same columns", len(rec), width),
			fmt.Sprintf("この行は%d列ですが、1行目は%d列です。すべての行を同じ列 (受注番号, お届け先ID, 伝票番号, 出荷日) にしてください。", len(rec), width)}
	}
	row := Row{Line: line}
	var problems []message
	sale := field(rec, cols[colSale])
	switch id, err := strconv.ParseInt(sale, 10, 64); {
	case sale == "":
		problems = append(problems, message{"the sale id is empty", "受注番号が空欄です。カラーミーショップの受注番号を入れてください。"})
	case err != nil || id <= 0 || !digits(sale):
		problems = append(problems, badSaleID(sale))
	default:
		row.SaleID = id
	}
	if d := field(rec, cols[colDelivery]); d != "" {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil || id <= 0 || !digits(d) {
			problems = append(problems, message{fmt.Sprintf("sale_delivery id %q is not a number (leave it empty for a sale with one delivery)", d),
				fmt.Sprintf("お届け先ID「%s」が数字ではありません。お届け先IDを数字で入れるか、お届け先が1つの受注なら空欄にしてください。", d)})
		}
		row.DeliveryID = id
	}
	tn, msg := trackingNumber(field(rec, cols[colTracking]))
	if msg.en != "" {
		problems = append(problems, msg)
	}
	row.TrackingNumber = tn
	if d := field(rec, cols[colDate]); d != "" {
		date, ok := shipDate(d)
		if !ok {
			problems = append(problems, message{fmt.Sprintf("ship date %q is not a date: write it like 2026-05-01 or 2026/5/1", d),
				fmt.Sprintf("出荷日「%s」が日付として読めません。2026-05-01 や 2026/5/1 の形で、実在する日付を入れてください。", d)})
		}
		row.ShipDate = date
	}
	if len(problems) > 0 {
		return Row{}, joinMessages(problems)
	}
	return row, message{}
}

func joinMessages(problems []message) message {
	var out message
	for i, p := range problems {
		if i > 0 {
			out.en += "; "
		}
		out.en += p.en
		out.ja += p.ja
	}
	return out
}

// carrierRow parses one row of a label program's issued data.
func (p *parser) carrierRow(rec []string, line int) (Row, message) {
	l := p.layout
	row := Row{Line: line, Planned: true}
	var problems []message
	refName := l.Issued[0].Name
	for _, f := range l.Issued {
		if f.Meaning == carrier.Reference {
			refName = f.Name
		}
	}
	switch ref := field(rec, p.cols[colSale]); {
	case ref == "":
		problems = append(problems, message{fmt.Sprintf("%s (the reference) is empty: this row was not printed from our label data; remove it or put the sale id there", refName),
			fmt.Sprintf("「%s」が空欄です。この行はこのシステムから出力した送り状データから発行されたものではありません。行を削除するか、「%s」に受注番号を入れてください。", refName, refName)})
	default:
		sale, d, err := l.ParseReference(ref)
		if err != nil {
			problems = append(problems, message{fmt.Sprintf("%s %q is not a reference we wrote (%s)", refName, ref, l.RefForm()),
				fmt.Sprintf("「%s」の「%s」は、このシステムが出力した管理番号 (受注番号、%s、%sを続けたもの。例: %s) ではありません。送り状データ出力で出力したデータから発行した行か確かめてください。", refName, ref, l.RefStyle.Letter(), refPartJa(l), l.RefExample())})
			break
		}
		row.SaleID = sale
		if l.RefStyle == carrier.RefPosition {
			row.DeliveryPos = int(d)
		} else {
			row.DeliveryID = d
		}
	}
	tn, msg := trackingNumber(field(rec, p.cols[colTracking]))
	if msg.en != "" {
		problems = append(problems, msg)
	}
	row.TrackingNumber = tn
	if d := field(rec, p.cols[colDate]); d != "" {
		date, ok := shipDate(d)
		if !ok {
			problems = append(problems, message{fmt.Sprintf("ship date %q is not a date", d),
				fmt.Sprintf("出荷日「%s」が日付として読めません。%sから出力し直したファイルを取り込んでください。", d, l.Name)})
		}
		row.ShipDate = date
	}
	row.Postal = strings.ReplaceAll(field(rec, p.cols[colPostal]), "-", "")
	if len(problems) > 0 {
		return Row{}, joinMessages(problems)
	}
	return row, message{}
}

func refPartJa(l *carrier.Layout) string {
	if l.RefStyle == carrier.RefPosition {
		return "お届け先の番号"
	}
	return "お届け先ID"
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// trackingSeparators split several tracking numbers written in one cell; so do
// spaces when every part is long enough to be a tracking number of its own.
var (
	trackingSeparators = regexp.MustCompile(`[\n,、/;|・]+`)
	spaces             = regexp.MustCompile(`\s+`)
)

const minSeparateNumber = 8

var trackingChars = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

func trackingNumber(s string) (string, message) {
	if s == "" {
		return "", message{"the tracking number (伝票番号) is empty", "伝票番号が空欄です。伝票番号を入れてください。"}
	}
	var parts []string
	for _, p := range trackingSeparators.Split(s, -1) {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 1 && spaces.MatchString(parts[0]) {
		words := spaces.Split(parts[0], -1)
		long := true
		for _, w := range words {
			long = long && len(w) >= minSeparateNumber
		}
		if !long {
			return "", message{fmt.Sprintf("tracking number %q contains spaces: write it without spaces (hyphens are fine)", s),
				fmt.Sprintf("伝票番号「%s」に空白が入っています。空白を除いて入れてください (ハイフンは使えます)。", s)}
		}
		parts = words
	}
	if len(parts) > 1 {
		return "", message{fmt.Sprintf("several tracking numbers in one cell (%s): ColorMe holds one tracking number per delivery; put one per row, each on its own sale_delivery",
			strings.Join(parts, ", ")),
			fmt.Sprintf("1つの欄に伝票番号が%d件あります (%s)。カラーミーショップでは1つのお届け先に伝票番号は1件です。伝票番号は1行に1件にして、それぞれのお届け先IDの行に分けてください。",
				len(parts), strings.Join(parts, ", "))}
	}
	if !trackingChars.MatchString(s) || len(s) > rules.MaxTrackingNumberLen {
		return "", message{fmt.Sprintf("tracking number %q must be 1 to %d letters, digits or hyphens", s, rules.MaxTrackingNumberLen),
			fmt.Sprintf("伝票番号「%s」に使えない文字があるか、長すぎます。伝票番号は半角英数字とハイフンで%d文字までです。", s, rules.MaxTrackingNumberLen)}
	}
	return s, message{}
}

// dateFormat matches 2026-05-01, 2026/5/1, 2026.05.01, 2026年5月1日 and
// 20260501, optionally followed by a time of day (ignored).
var dateFormat = regexp.MustCompile(`^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$`)

// shipDate returns s as YYYY-MM-DD when it is a real calendar date.
func shipDate(s string) (string, bool) {
	m := dateFormat.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	mo, d := m[2], m[3]
	if mo == "" {
		mo, d = m[4], m[5]
	}
	y, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(mo)
	di, _ := strconv.Atoi(d)
	t := time.Date(y, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if y < 2000 || y > 2099 || t.Year() != y || int(t.Month()) != mi || t.Day() != di {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// badSaleID says why sale is not a sale number: a label program's reference
// (the program's issued data, not recognised as such) or anything else.
func badSaleID(sale string) message {
	if refJa, refEn := carrierRef(sale); refJa != "" {
		return message{fmt.Sprintf("sale id %q is a %s reference (sale, then delivery): the file was read as our own CSV because its first line lacks the program's column names; export the issued data again with all columns and the program's header row, or put the plain sale number in the sale id column", sale, refEn),
			fmt.Sprintf("受注番号「%s」は%sの管理番号 (受注番号とお届け先) です。1行目に送り状ソフトの列名がないため、このシステムのCSVとして読みました。送り状ソフトから発行済データを全項目・列名付きで出力し直すか、受注番号の列には受注番号だけを入れてください。", sale, refJa)}
	}
	return message{fmt.Sprintf("sale id %q is not a ColorMe sale number", sale),
		fmt.Sprintf("受注番号「%s」はカラーミーショップの受注番号ではありません。受注番号を数字だけで入れてください。", sale)}
}

// carrierRef names the label programs whose reference (a sale, then its
// delivery) s is, in Japanese and English ("" when none): such a value in our
// CSV's sale id column means a program's issued data that was not recognised
// as such. e飛伝 and ゆうパックプリントR write the same form, so both are named.
func carrierRef(s string) (ja, en string) {
	var jas, ens []string
	for _, l := range carrier.Layouts {
		if !strings.ContainsAny(strings.ToUpper(s), l.RefStyle.Letter()) {
			continue // the hyphen form of earlier builds does not say whose it is
		}
		// e飛伝Ⅱ and Ⅲ are one program to staff
		name, nameEn := strings.TrimRight(l.Name, "ⅡⅢ"), strings.TrimSuffix(strings.TrimSuffix(l.NameEn, " III"), " II")
		if _, delivery, err := l.ParseReference(s); err == nil && delivery != 0 && !slices.Contains(jas, name) {
			jas, ens = append(jas, name), append(ens, nameEn)
		}
	}
	return strings.Join(jas, "または"), strings.Join(ens, " or ")
}
