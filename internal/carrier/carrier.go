// Package carrier knows the files of the carriers' label programs: ヤマト運輸
// B2クラウド, 佐川急便 e飛伝Ⅱ/Ⅲ and 日本郵便 ゆうパックプリントR. Each program has
// one Layout, kept as data: the columns of its label-data import (送り状発行データ,
// 出荷データ), which Export writes, and the columns of its issued-data export
// (発行済データ, 出荷履歴), from which Detect finds the reference, the tracking
// number (伝票番号) and the planned ship date. It is pure: bytes and rows in,
// bytes, rows and messages out.
//
// Lengths are Shift_JIS bytes, i.e. half-width characters (半角), as the
// programs' specifications count them: a full-width character (全角) takes two.
package carrier

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"
)

// Format names a label program.
type Format string

// The label programs.
const (
	B2      Format = "b2"      // ヤマト運輸 B2クラウド
	Ehiden  Format = "ehiden"  // 佐川急便 e飛伝Ⅱ 出荷データ (標準パターン); issued data 出荷履歴
	Ehiden3 Format = "ehiden3" // 佐川急便 e飛伝Ⅲ 標準_飛脚宅配便_CSV_ヘッダ無 (74 columns)
	Yupack  Format = "yupack"  // 日本郵便 ゆうパックプリントR
)

// Meaning is what a column holds.
type Meaning int

// The meanings of columns. A column with no meaning (Ignore) is written empty
// (or with its Fixed value) and ignored when read.
const (
	Ignore         Meaning = iota
	Reference              // our reference: sale and delivery (see Reference)
	Tracking               // 伝票番号 / お問い合わせ番号, filled in by the program
	ShipDate               // 出荷予定日 / 発送予定日 (planned ship date)
	DeliveryDate           // お届け予定日 / 配達日 (the customer's preferred date)
	DeliveryTime           // 配達時間帯, as the program's code
	Tel                    // お届け先電話番号
	Postal                 // お届け先郵便番号
	Address                // 都道府県+住所 (address1); split over the columns with this meaning
	Building               // 建物名 (address2)
	Name                   // お届け先名
	NameKana               // お届け先名 カナ
	Honorific              // 敬称 (様)
	ShipperTel             // ご依頼主電話番号
	ShipperPostal          // ご依頼主郵便番号
	ShipperAddress         // ご依頼主住所
	ShipperName            // ご依頼主名
	Item                   // 品名
	Note                   // 記事: the sales a parcel carries when it is a bundle (同梱)
	BillingCode            // B2: 請求先顧客コード
	FreightNo              // B2: 運賃管理番号
	InvoiceType            // B2 送り状種類: the parcel kind and コレクト (Layout.InvoiceCodes)
	CoolCode               // クール区分 / 保冷種別 (Layout.CoolCodes)
	PaymentType            // ゆうプリR 元/着払/代引 (Layout.PaymentCodes)
	CODAmount              // 代金引換額 (tax included), when the label is 代金引換
	CODTax                 // its consumption tax
	DateSeal               // e飛伝 指定シール: 005 (配達日指定) when the label has a date
	Deleted                // issued data: 削除区分; a row marked deleted is skipped
)

// Field is one column of a layout.
type Field struct {
	Name     string   // the column name as the program writes it in a header row
	Aliases  []string // other names it goes by (versions, e飛伝Ⅲ)
	Max      int      // maximum length in Shift_JIS bytes (半角); 0 = no limit we know of
	Required bool     // the program refuses a label row without it
	Meaning  Meaning
	Fixed    string // the value written when Meaning is Ignore (e.g. 送り状種類 0 = 発払い)
	Guessed  bool   // name, length or meaning not confirmed by a published specification
}

// RefStyle is how a layout's reference names the delivery of a sale. A
// reference is letters and digits only (半角英数字), as the programs' fields
// are specified (B2's お客様管理番号 is 半角英数字 20文字): the sale id, a
// letter naming what follows, and the delivery. Builds before this wrote a
// hyphen instead of the letter ("<sale id>-<delivery>"); ParseReference still
// reads that.
type RefStyle int

// The reference styles.
const (
	// RefDeliveryID: "<sale id>D<sale_delivery id>", e.g. 123456789D98765432.
	RefDeliveryID RefStyle = iota
	// RefPosition: "<sale id>N<n>", n the delivery's place among the sale's
	// deliveries by id (1 = the first), for fields too short for both ids.
	RefPosition
)

// Letter is the letter between the sale id and the delivery in a reference of
// this style.
func (r RefStyle) Letter() string {
	if r == RefPosition {
		return "N"
	}
	return "D"
}

// Layout is one label program's files.
type Layout struct {
	Format Format
	Name   string // as staff call it, e.g. "B2クラウド"
	NameEn string // for the CLI
	// Label is the program's label-data import (what Export writes), in column order.
	Label []Field
	// LabelHeader: Export writes a header row of the Label names (the program's
	// import is set to start at line 2).
	LabelHeader bool
	// Issued is the program's issued-data export (what staff import back), in
	// column order; Detect finds these columns by name, or by position in a file
	// without a header row.
	Issued []Field
	// DateLayout is the programs' date format (Go layout), both ways.
	DateLayout string
	// TimeCodes maps a preferred time slot "<from>-<to>" in hours (8-12 =
	// 午前中) to the program's code. A slot missing here cannot be asked of
	// this carrier.
	TimeCodes map[string]string
	RefStyle  RefStyle
	// NoTimeCode is the DeliveryTime value written when the label has no time
	// (ゆうプリR 00 指定なし); "" = empty.
	NoTimeCode string
	// InvoiceCodes maps a parcel kind (InvoiceKey) to the program's code
	// (B2 送り状種類). A kind missing here cannot be printed by this program.
	// Layouts without an InvoiceType column print regular parcels only.
	InvoiceCodes map[string]string
	// CoolCodes maps a temperature class to the program's code; a class
	// missing here cannot be written (the row is left out and reported).
	CoolCodes map[Cool]string
	// PaymentCodes is the PaymentType value of a prepaid (false) and a 代金引換
	// (true) label.
	PaymentCodes map[bool]string
	// ByName: the issued data has no fixed layout (ゆうプリR's output filter is
	// the user's own); it is read by header names only, never by position.
	ByName bool
	// Keys are column names only this program writes: Detect scores a header
	// row by them.
	Keys []string
}

// InvoiceKey is the key of InvoiceCodes for a parcel kind, 代金引換 or not:
// "standard", "standard+cod", "compact", "compact+cod", "nekopos", ….
func InvoiceKey(s Service, cod bool) string {
	k := string(s)
	if s == ServiceStandard {
		k = "standard"
	}
	if cod {
		k += "+cod"
	}
	return k
}

// has reports whether the label data has a column of meaning m.
func (l *Layout) has(m Meaning) bool {
	return slices.ContainsFunc(l.Label, func(f Field) bool { return f.Meaning == m })
}

// Layouts are the supported programs, in the order staff see them.
var Layouts = []*Layout{&b2Layout, &ehidenLayout, &ehiden3Layout, &yupackLayout}

// ByFormat returns the layout of a format ("b2", "ehiden", "ehiden3", "yupack").
func ByFormat(f string) (*Layout, bool) {
	for _, l := range Layouts {
		if string(l.Format) == strings.ToLower(strings.TrimSpace(f)) {
			return l, true
		}
	}
	return nil, false
}

// Formats lists the format names, for messages.
func Formats() string {
	names := make([]string, len(Layouts))
	for i, l := range Layouts {
		names[i] = string(l.Format)
	}
	return strings.Join(names, ", ")
}

// Columns are the positions (0-based, -1 = absent) of what the importer reads
// in an issued-data file.
type Columns struct {
	Reference, Tracking, ShipDate, Postal, Deleted int
}

// Match is a file recognised as one program's issued data.
type Match struct {
	Layout *Layout
	Cols   Columns
}

// NormName normalizes a column name for comparison: width-folded, lower case,
// without spaces, brackets, dots and the like (お届け先名(ｶﾅ) = お届け先名（カナ）),
// № written No (お問合せ送り状№ = お問合せ送り状No.), circled and full-width
// digits as digits (指定シール① = 指定シール１ = 指定シール1).
func NormName(s string) string {
	s = strings.ToLower(width.Fold.String(s))
	return strings.NewReplacer("№", "no", "①", "1", "②", "2", "③", "3", "／", "/", " ", "", "_", "", "-", "", ".", "", "・", "", "#", "", "\u3000", "",
		"(", "", ")", "", "（", "", "）", "", "「", "", "」", "", "〔", "", "〕", "").Replace(s)
}

// names returns a field's normalized names.
func (f Field) names() []string {
	out := []string{NormName(f.Name)}
	for _, a := range f.Aliases {
		out = append(out, NormName(a))
	}
	return out
}

// Detect recognises a header row as one program's issued data: the layout
// whose Keys match most names of the row, provided the row has its reference
// and tracking-number columns. ok is false for any other header (the generic
// shipping-results format).
func Detect(header []string) (Match, bool) {
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = NormName(h)
	}
	var best Match
	bestScore := 0
	for _, l := range Layouts {
		score := 0
		for _, k := range l.Keys {
			if slices.Contains(norm, NormName(k)) {
				score++
			}
		}
		cols := l.find(norm)
		if score > bestScore && cols.Reference >= 0 && cols.Tracking >= 0 {
			best, bestScore = Match{Layout: l, Cols: cols}, score
		}
	}
	return best, bestScore > 0
}

// find returns where the issued-data columns are in a normalized header.
func (l *Layout) find(norm []string) Columns {
	cols := Columns{-1, -1, -1, -1, -1}
	for _, f := range l.Issued {
		var at *int
		switch f.Meaning {
		case Reference:
			at = &cols.Reference
		case Tracking:
			at = &cols.Tracking
		case ShipDate:
			at = &cols.ShipDate
		case Postal:
			at = &cols.Postal
		case Deleted:
			at = &cols.Deleted
		default:
			continue
		}
		for i, n := range norm {
			if *at < 0 && slices.Contains(f.names(), n) {
				*at = i
			}
		}
	}
	return cols
}

// DetectPositional recognises a first row without header as one program's
// issued data written without header: it has the program's number of columns
// (a program with exactly that many is tried first, then one with fewer), a
// reference we wrote (sale id and delivery) where the program keeps it and
// digits where it keeps the tracking number. A program whose issued data is
// read by names only (ByName) is never recognised so.
func DetectPositional(row []string) (Match, bool) {
	for _, exact := range []bool{true, false} {
		if m, ok := detectPositional(row, exact); ok {
			return m, true
		}
	}
	return Match{}, false
}

func detectPositional(row []string, exact bool) (Match, bool) {
	for _, l := range Layouts {
		if l.ByName || len(row) < len(l.Issued) || (exact && len(row) != len(l.Issued)) {
			continue
		}
		cols := l.positions()
		if _, delivery, err := l.ParseReference(row[cols.Reference]); err != nil || delivery == 0 {
			continue
		}
		if tn := strings.ReplaceAll(row[cols.Tracking], "-", ""); tn == "" || strings.Trim(tn, "0123456789") != "" {
			continue
		}
		return Match{Layout: l, Cols: cols}, true
	}
	return Match{}, false
}

// positions returns the issued-data columns by their place in the layout.
func (l *Layout) positions() Columns {
	cols := Columns{-1, -1, -1, -1, -1}
	for i, f := range l.Issued {
		switch f.Meaning {
		case Reference:
			cols.Reference = i
		case Tracking:
			cols.Tracking = i
		case ShipDate:
			cols.ShipDate = i
		case Postal:
			cols.Postal = i
		case Deleted:
			cols.Deleted = i
		}
	}
	return cols
}

// Reference returns the reference of a delivery in this layout's style: the
// sale id, then D and the delivery id (RefDeliveryID) or N and its 1-based
// position among the sale's deliveries by id (RefPosition). It is not cut: a
// reference longer than the field is the exporter's to report (RefMax).
func (l *Layout) Reference(saleID, deliveryID int64, pos int) string {
	if l.RefStyle == RefPosition {
		return fmt.Sprintf("%d%s%d", saleID, l.RefStyle.Letter(), pos)
	}
	return fmt.Sprintf("%d%s%d", saleID, l.RefStyle.Letter(), deliveryID)
}

// ParseReference reads a reference written by Reference, or by the builds that
// wrote a hyphen for the letter ("123-45"): the sale id, and the delivery id or
// position (per RefStyle; 0 when the reference is a bare sale id, i.e. the
// sale's only delivery). Full-width digits and a lower-case letter are read
// too (a program or a spreadsheet may have changed them).
func (l *Layout) ParseReference(s string) (sale, delivery int64, err error) {
	s = strings.ToUpper(strings.TrimSpace(width.Narrow.String(s)))
	bad := fmt.Errorf("%q is not a reference of this program: %s", s, l.RefForm())
	saleText, rest := s, ""
	if i := strings.IndexAny(s, l.RefStyle.Letter()+"-"); i >= 0 {
		saleText, rest = s[:i], s[i+1:]
		if rest == "" {
			return 0, 0, bad
		}
	}
	sale, err = strconv.ParseInt(saleText, 10, 64)
	if err != nil || sale <= 0 || strings.Trim(saleText, "0123456789") != "" {
		return 0, 0, bad
	}
	if rest == "" {
		return sale, 0, nil
	}
	delivery, err = strconv.ParseInt(rest, 10, 64)
	if err != nil || delivery <= 0 || strings.Trim(rest, "0123456789") != "" {
		return 0, 0, bad
	}
	return sale, delivery, nil
}

// RefForm describes the layout's reference for messages, with an example.
func (l *Layout) RefForm() string {
	if l.RefStyle == RefPosition {
		return fmt.Sprintf("sale id, %s, delivery number (1, 2, …), e.g. %s", l.RefStyle.Letter(), l.RefExample())
	}
	return fmt.Sprintf("sale id, %s, sale_delivery id, e.g. %s", l.RefStyle.Letter(), l.RefExample())
}

// RefExample is a reference in the layout's style, for staff messages.
func (l *Layout) RefExample() string {
	if l.RefStyle == RefPosition {
		return l.Reference(120000001, 0, 2)
	}
	return l.Reference(120000001, 3500001, 0)
}

// RefMax is the length of the layout's reference field.
func (l *Layout) RefMax() int {
	for _, f := range l.Label {
		if f.Meaning == Reference {
			return f.Max
		}
	}
	return 0
}
