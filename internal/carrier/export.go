package carrier

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// Label is one parcel to print: one delivery of a sale (a bundle's parcel is
// the parent's delivery; its children ride along and are named in Bundled).
type Label struct {
	SaleID     int64
	DeliveryID int64
	Position   int // the delivery's place among the sale's deliveries by id, 1-based

	Postal, Address, Building, Name, NameKana, Tel string
	PreferredDate                                  string // YYYY-MM-DD, "" = none
	PreferredPeriod                                string // as ColorMe has it: 午前中, 14時～16時, 14:00-16:00, …
	Item                                           string // 品名
	Bundled                                        []int64

	// Options are the parcel's 代金引換, kind and temperature class, as Decide
	// returns them from the order's facts and the export's choice. A label
	// the program cannot print so (ネコポス on e飛伝, クール on e飛伝, …) is
	// left out and reported.
	Options
}

// Shipper is the sender (ご依頼主) and the carrier account, the same for every
// row of a file.
type Shipper struct {
	Name, Tel, Postal, Address string
	BillingCode                string // B2: 請求先顧客コード (10–12 digits)
	FreightNo                  string // B2: 運賃管理番号 (2 digits, usually 01)
}

// Warning is a message about one row of the written file (Row 0: the whole
// file), in English for the CLI and in Japanese for staff, each saying what to do.
type Warning struct {
	Row        int   `json:"row"`         // data row in the file, 1-based (the header is not counted); 0 = the file or a row left out
	SaleID     int64 `json:"sale_id"`     // 0 for the file
	DeliveryID int64 `json:"delivery_id"` // 0 for the file
	Excluded   bool  `json:"excluded"`    // the row is not in the file
	// Info: left out as it should be (a tracking number already registered, a
	// bundled child, a cancelled order): nothing for staff to do.
	Info    bool   `json:"info,omitempty"`
	Message string `json:"message"`
	Ja      string `json:"ja"`
}

// Export is a written label file.
type Export struct {
	Data     []byte    // Shift_JIS, CRLF
	Rows     int       // data rows written
	Warnings []Warning // by row
}

// Export writes the labels in the program's label-data layout, Shift_JIS with
// CRLF. shipDate is the planned ship date (出荷予定日), YYYY-MM-DD. A value
// longer than its column is cut, with a warning; a label with a character
// Shift_JIS (JIS X 0208) cannot hold, or a reference too long for its column,
// is left out of the file and reported: the rest can be printed, and staff
// enter that one by hand.
func (l *Layout) Export(labels []Label, sh Shipper, shipDate string) Export {
	var out Export
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if l.LabelHeader {
		head := make([]string, len(l.Label))
		for i, f := range l.Label {
			head[i] = f.Name
		}
		_ = w.Write(head)
	}
	out.Warnings = append(out.Warnings, l.shipperWarnings(sh)...)
	for _, lb := range labels {
		rec, warns, ok := l.record(lb, sh, shipDate, out.Rows+1)
		out.Warnings = append(out.Warnings, warns...)
		if !ok {
			continue
		}
		_ = w.Write(rec)
		out.Rows++
	}
	w.Flush()
	data, err := japanese.ShiftJIS.NewEncoder().Bytes(buf.Bytes())
	if err != nil { // every value was checked; a header name the encoder refuses is a bug
		panic(fmt.Sprintf("carrier: encoding the %s file: %v", l.NameEn, err))
	}
	out.Data = data
	return out
}

// shipperWarnings reports the sender fields the program requires and we lack.
func (l *Layout) shipperWarnings(sh Shipper) []Warning {
	values := map[Meaning]string{ShipperName: sh.Name, ShipperTel: sh.Tel, ShipperPostal: sh.Postal, ShipperAddress: sh.Address,
		BillingCode: sh.BillingCode, FreightNo: sh.FreightNo}
	var missing []string
	for _, f := range l.Label {
		if v, ok := values[f.Meaning]; ok && f.Required && strings.TrimSpace(v) == "" && !slices.Contains(missing, f.Name) {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	names := strings.Join(missing, "、")
	return []Warning{{
		Message: fmt.Sprintf("%s needs %s and they are empty: pass them (-shipper-name, -shipper-tel, -shipper-postal, -shipper-address, -b2-billing-code, -b2-freight-no) or fill them in %s before printing", l.NameEn, names, l.Name),
		Ja:      fmt.Sprintf("%sでは「%s」が必須ですが、空欄です。出力画面のご依頼主・請求先の欄に入れてから出力し直すか、%sで取り込んだ後に入力してから発行してください。", l.Name, names, l.Name),
	}}
}

// record returns one label's row, its warnings and whether it goes in the file.
func (l *Layout) record(lb Label, sh Shipper, shipDate string, row int) ([]string, []Warning, bool) {
	var warns []Warning
	excluded := false
	warn := func(out bool, en, ja string) {
		excluded = excluded || out
		warns = append(warns, Warning{Row: row, SaleID: lb.SaleID, DeliveryID: lb.DeliveryID, Excluded: out, Message: en, Ja: ja})
	}
	if en, ja := l.optionProblem(lb.Options); en != "" {
		warn(true, fmt.Sprintf("sale %d: %s", lb.SaleID, en), fmt.Sprintf("受注番号 %d: %s", lb.SaleID, ja))
	}
	if en, ja := l.timeWarning(lb.PreferredPeriod); en != "" {
		warn(false, fmt.Sprintf("sale %d: %s", lb.SaleID, en), fmt.Sprintf("受注番号 %d: %s", lb.SaleID, ja))
	}
	if lb.PreferredDate != "" && l.date(lb.PreferredDate) == "" {
		warn(false, fmt.Sprintf("sale %d: preferred date %q is not a date YYYY-MM-DD: the label has no date; set it in %s", lb.SaleID, lb.PreferredDate, l.NameEn),
			fmt.Sprintf("受注番号 %d: お届け希望日「%s」を日付として読めないため、お届け日を空欄にしました。%sでお届け日を指定してください。", lb.SaleID, lb.PreferredDate, l.Name))
	}
	values := l.values(lb, sh, shipDate)
	for m, v := range values {
		values[m] = jisEquivalents.Replace(v)
	}
	rec := l.spread(values)
	for i, f := range l.Label {
		if f.Meaning == Ignore {
			continue
		}
		if safe, changed := neutralize(rec[i]); changed {
			warn(false, fmt.Sprintf("sale %d: %s %q starts with a character a spreadsheet runs as a formula: written as %q", lb.SaleID, f.Name, rec[i], safe),
				fmt.Sprintf("受注番号 %d: 「%s」(%s) の先頭の文字を、表計算ソフトで開いたときに数式として実行されないよう全角にしました (「%s」)。送り状ソフトではそのまま使えます。", lb.SaleID, f.Name, rec[i], safe))
			rec[i] = safe
		}
	}
	for i, f := range l.Label {
		v := rec[i]
		if bad := unencodable(v); bad != "" {
			warn(true, fmt.Sprintf("sale %d: %s %q has characters Shift_JIS cannot hold (%s): the row is left out; correct it in ColorMe (re-import) or type this label in %s", lb.SaleID, f.Name, v, bad, l.NameEn),
				fmt.Sprintf("受注番号 %d の「%s」(%s) に、%sで使えない文字「%s」があるため、この行はファイルに入れていません。カラーミーショップで使える文字に直して受注を取り込み直すか、%sでこの送り状だけ手入力してください。", lb.SaleID, f.Name, v, l.Name, bad, l.Name))
			continue
		}
		cut, _ := cutBytes(v, f.Max)
		switch {
		case cut == v:
		case f.Meaning == Reference:
			warn(true, fmt.Sprintf("sale %d: reference %s is longer than %s's %d characters: the row is left out; type this label in %s", lb.SaleID, v, f.Name, f.Max, l.NameEn),
				fmt.Sprintf("受注番号 %d: 管理番号 %s が「%s」の%d文字を超えるため、この行はファイルに入れていません。この送り状は%sで手入力してください。", lb.SaleID, v, f.Name, f.Max, l.Name))
		default:
			warn(false, fmt.Sprintf("sale %d: %s cut to %d bytes: %q → %q; check the label", lb.SaleID, f.Name, f.Max, v, cut),
				fmt.Sprintf("受注番号 %d: 「%s」が長すぎるため、半角%d文字分で切りました (「%s」→「%s」)。%sで内容を確かめ、必要なら直してから発行してください。", lb.SaleID, f.Name, f.Max, v, cut, l.Name))
			rec[i] = cut
		}
	}
	if excluded {
		for i := range warns {
			warns[i].Row, warns[i].Excluded = 0, true
		}
	}
	return rec, warns, !excluded
}

// spread returns the value of each column: a column without meaning gets its
// Fixed value, and an address runs over the columns of its meaning, each
// filled up to its length, the last taking the rest.
func (l *Layout) spread(values map[Meaning]string) []string {
	rec := make([]string, len(l.Label))
	rest := map[Meaning]string{}
	started := map[Meaning]bool{}
	for i, f := range l.Label {
		v := values[f.Meaning]
		switch {
		case f.Meaning == Ignore:
			v = f.Fixed
		case f.Meaning == Address || f.Meaning == ShipperAddress:
			if started[f.Meaning] {
				v = rest[f.Meaning]
			}
			started[f.Meaning] = true
			if l.hasLater(i, f.Meaning) {
				v, rest[f.Meaning] = cutBytes(v, f.Max)
			}
		}
		rec[i] = v
	}
	return rec
}

// hasLater reports whether a column after i has meaning m.
func (l *Layout) hasLater(i int, m Meaning) bool {
	for _, f := range l.Label[i+1:] {
		if f.Meaning == m {
			return true
		}
	}
	return false
}

// values maps each meaning to its value for one label.
func (l *Layout) values(lb Label, sh Shipper, shipDate string) map[Meaning]string {
	v := map[Meaning]string{
		Reference: l.Reference(lb.SaleID, lb.DeliveryID, lb.Position), Tracking: "",
		ShipDate: l.date(shipDate), DeliveryDate: l.date(lb.PreferredDate), DeliveryTime: l.NoTimeCode,
		Tel: lb.Tel, Postal: postal(lb.Postal), Address: lb.Address, Building: lb.Building, Name: lb.Name, NameKana: lb.NameKana,
		Honorific: "様", ShipperTel: sh.Tel, ShipperPostal: postal(sh.Postal), ShipperAddress: sh.Address, ShipperName: sh.Name,
		Item: lb.Item, BillingCode: sh.BillingCode, FreightNo: sh.FreightNo,
		InvoiceType: l.InvoiceCodes[InvoiceKey(lb.Service, lb.COD)], CoolCode: l.CoolCodes[lb.Cool], PaymentType: l.PaymentCodes[lb.COD],
	}
	if code, ok := l.TimeCodes[Slot(lb.PreferredPeriod)]; ok {
		v[DeliveryTime] = code
	}
	if lb.COD {
		v[CODAmount], v[CODTax] = strconv.FormatInt(lb.CODAmount, 10), strconv.FormatInt(lb.CODTax, 10)
	}
	if v[DeliveryDate] != "" {
		v[DateSeal] = "005" // e飛伝 指定シール: 配達日指定
	}
	if len(lb.Bundled) > 0 {
		ids := make([]string, len(lb.Bundled))
		for i, id := range lb.Bundled {
			ids[i] = strconv.FormatInt(id, 10)
		}
		v[Note] = "同梱 " + strings.Join(ids, ",")
	}
	return v
}

// date writes YYYY-MM-DD in the program's format ("" stays "").
func (l *Layout) date(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return ""
	}
	return t.Format(l.DateLayout)
}

// postal writes a postal code as 123-4567.
func postal(p string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return -1
	}, p)
	if len(digits) == 7 {
		return digits[:3] + "-" + digits[3:]
	}
	return p
}

var hours = regexp.MustCompile(`(\d{1,2})\D+?(\d{1,2})`)

// Slot returns a preferred time as ColorMe has it ("午前中", "14時～16時",
// "14:00-16:00", "１４時～１６時") as "<from>-<to>" in hours; "" for none or an
// unreadable one.
func Slot(period string) string {
	p := strings.TrimSpace(period)
	if p == "" || p == "指定なし" {
		return ""
	}
	if strings.Contains(p, "午前") {
		return "8-12"
	}
	p = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, p)
	m := hours.FindStringSubmatch(strings.ReplaceAll(p, ":00", ""))
	if m == nil {
		return ""
	}
	from, _ := strconv.Atoi(m[1])
	to, _ := strconv.Atoi(m[2])
	return fmt.Sprintf("%d-%d", from, to)
}

// optionProblem says why the program cannot print a label with these
// options ("" when it can): a parcel kind it does not print (ネコポス and
// 宅急便コンパクト are B2's), クール with ネコポス or コンパクト, a クール class
// it cannot write, 代金引換 it cannot take (ネコポス) or without an amount.
func (l *Layout) optionProblem(o Options) (en, ja string) {
	if _, ok := l.InvoiceCodes[InvoiceKey(o.Service, false)]; !ok {
		return fmt.Sprintf("the parcel is %s, which %s does not print: the row is left out; export it with B2 Cloud (-format b2) or as a regular parcel", o.Service.en(), l.NameEn),
			fmt.Sprintf("%sの荷物ですが、%sでは発行できないため、この行はファイルに入れていません。B2クラウドで出力するか、荷物の種類を「通常」にして出力し直してください。", o.Service.ja(), l.Name)
	}
	if o.Cool != CoolNone && o.Service != ServiceStandard {
		return fmt.Sprintf("%s cannot be %s: the row is left out; choose a regular parcel for this order, or no cool class", o.Service.en(), o.Cool.en()),
			fmt.Sprintf("%sは%sにできないため、この行はファイルに入れていません。荷物の種類を「通常」にするか、クール区分を「普通」にして出力し直してください。", o.Service.ja(), o.Cool.ja())
	}
	if _, ok := l.CoolCodes[o.Cool]; !ok && o.Cool != CoolNone {
		return fmt.Sprintf("%s has no cool class column we know: the row is left out; type this label in %s choosing its cool service (%s)", l.NameEn, l.NameEn, o.Cool.en()),
			fmt.Sprintf("%sの送り状データにはクール区分を書けないため、この行 (%s) はファイルに入れていません。%sでクール便を指定して、この送り状だけ手入力してください。", l.Name, o.Cool.ja(), l.Name)
	}
	if !o.COD {
		return "", ""
	}
	if _, ok := l.InvoiceCodes[InvoiceKey(o.Service, true)]; !ok || !l.has(CODAmount) {
		return fmt.Sprintf("the order is cash on delivery, which %s cannot take on %s: the row is left out; ship it as a regular parcel (-service standard)", l.NameEn, o.Service.en()),
			fmt.Sprintf("代金引換の受注ですが、%sでは%sを代金引換にできないため、この行はファイルに入れていません。荷物の種類を「通常」にして出力し直してください。", l.Name, o.Service.ja())
	}
	if o.CODAmount <= 0 || o.CODTax < 0 || o.CODTax > o.CODAmount {
		return fmt.Sprintf("the order is cash on delivery but its total (%d yen, tax %d) is not an amount to collect: the row is left out; re-import the order (`starter import`) or type this label in %s", o.CODAmount, o.CODTax, l.NameEn),
			fmt.Sprintf("代金引換の受注ですが、合計金額 (%d円、うち消費税%d円) を代引金額にできないため、この行はファイルに入れていません。受注取得で受注を取り込み直すか、%sでこの送り状だけ手入力してください。", o.CODAmount, o.CODTax, l.Name)
	}
	return "", ""
}

// timeWarning says why a preferred time cannot be coded for this program.
func (l *Layout) timeWarning(period string) (en, ja string) {
	p := strings.TrimSpace(period)
	if p == "" || p == "指定なし" {
		return "", ""
	}
	if _, ok := l.TimeCodes[Slot(p)]; ok {
		return "", ""
	}
	if l.NoTimeCode != "" {
		return fmt.Sprintf("preferred time %q has no %s code: the label says %s (no time); agree a time with the customer and set it in %s", p, l.NameEn, l.NoTimeCode, l.NameEn),
			fmt.Sprintf("お届け希望時間帯「%s」は%sで指定できない時間帯のため、配達時間帯を「指定なし」(%s) にしました。お客様と時間帯を確認し、%sで指定してください。", p, l.Name, l.NoTimeCode, l.Name)
	}
	return fmt.Sprintf("preferred time %q has no %s code: the label has no time; agree a time with the customer and set it in %s", p, l.NameEn, l.NameEn),
		fmt.Sprintf("お届け希望時間帯「%s」は%sで指定できない時間帯のため、配達時間帯を空欄にしました。お客様と時間帯を確認し、%sで指定してください。", p, l.Name, l.Name)
}

// jisEquivalents maps characters to the ones Shift_JIS encoders hold for the
// same JIS X 0208 cell (〜 WAVE DASH and ～ FULLWIDTH TILDE are both 1-33):
// the label shows the same character, so this is not a replacement.
var jisEquivalents = strings.NewReplacer("〜", "～", "−", "－", "‖", "∥", "¢", "￠", "£", "￡", "¬", "￢", "—", "―")

// cutBytes cuts s to at most max Shift_JIS bytes on a character boundary and
// returns the rest; max 0 = no limit.
func cutBytes(s string, max int) (string, string) {
	if max <= 0 {
		return s, ""
	}
	n := 0
	for i, r := range s {
		w := sjisWidth(r)
		if n+w > max {
			return s[:i], s[i:]
		}
		n += w
	}
	return s, ""
}

// sjisWidth is a character's width in Shift_JIS bytes: 1 for ASCII and
// half-width katakana, 2 otherwise.
func sjisWidth(r rune) int {
	if r < 0x80 || (r >= 0xFF61 && r <= 0xFF9F) {
		return 1
	}
	return 2
}

// unencodable returns the characters of s that Shift_JIS (JIS X 0208, the set
// the label programs accept) cannot hold, "" when there are none. Windows'
// extensions (NEC special characters such as ①, IBM extensions such as 髙) are
// refused too: the programs reject 機種依存文字.
func unencodable(s string) string {
	var bad []string
	enc := japanese.ShiftJIS.NewEncoder()
	for _, r := range s {
		if r < 0x80 {
			continue
		}
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil || r == utf8.RuneError || !jisX0208(b) {
			if !slices.Contains(bad, string(r)) {
				bad = append(bad, string(r))
			}
		}
	}
	return strings.Join(bad, "")
}

// jisX0208 reports whether an encoded character is ASCII, half-width katakana
// or in JIS X 0208 (rows 1–8 and 16–84).
func jisX0208(b []byte) bool {
	switch len(b) {
	case 1:
		return b[0] < 0x80 || (b[0] >= 0xA1 && b[0] <= 0xDF)
	case 2:
		lead, trail := b[0], b[1]
		switch {
		case lead >= 0x81 && lead <= 0x84:
			return true
		case lead == 0x88:
			return trail >= 0x9F
		case lead >= 0x89 && lead <= 0x9F, lead >= 0xE0 && lead <= 0xEA:
			return true
		}
	}
	return false
}
