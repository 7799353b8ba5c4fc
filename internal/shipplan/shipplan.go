// Package shipplan checks a shipping-results file (伝票番号 and 出荷日 per
// delivery) against the shop's orders: which rows are refused and why, which
// deliveries change, what staff should know. It reads and writes nothing, as
// importplan does for an import; oms.Store.ApplyShipments locks the orders,
// plans with Plan and stores the changes, all or none.
package shipplan

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// Order is what Plan reads of an OMS order: the order as the export rules see
// it, and its destinations by delivery id, as Order.Deliveries.
type Order struct {
	rules.Order
	Destinations []Destination
}

// Destination is what Plan reads of where a delivery goes.
type Destination struct {
	ID     int64  // sale_delivery id
	Postal string // 郵便番号, as ColorMe gave it
}

// Shipment is one row of a shipping-results file: a tracking number and
// (optionally) a ship date for one delivery of a sale.
type Shipment struct {
	Line           int    `json:"line"`                  // line number in the file, for messages
	SaleID         int64  `json:"sale_id"`               // ColorMe sale id
	DeliveryID     int64  `json:"delivery_id,omitempty"` // sale_delivery id; 0 = the sale's only delivery
	TrackingNumber string `json:"tracking_number"`
	ShipDate       string `json:"ship_date,omitempty"` // YYYY-MM-DD (JST); "" = leave the ship date as it is

	// From a label program's issued data (carrier files):
	DeliveryPos int    `json:"delivery_pos,omitempty"` // with DeliveryID 0: the sale's n-th delivery by id (1 = first)
	Postal      string `json:"postal,omitempty"`       // the label's postal code; a row whose delivery has another is rejected
	Planned     bool   `json:"planned,omitempty"`      // ShipDate is a planned date (出荷予定日): not set while after today
}

// Change is one delivery a shipments file changes.
type Change struct {
	Line            int    `json:"line"`
	SaleID          int64  `json:"sale_id"`
	DeliveryID      int64  `json:"delivery_id"`
	OldSlip         string `json:"old_slip,omitempty"`
	NewSlip         string `json:"new_slip"`
	OldShipDate     string `json:"old_ship_date,omitempty"`
	NewShipDate     string `json:"new_ship_date,omitempty"`
	OverwritingSlip bool   `json:"overwriting_slip,omitempty"` // the delivery had another tracking number
}

// Report is what a shipments file changes, and what was refused or noted
// (oms.Store.ApplyShipments sets Applied).
type Report struct {
	Applied    bool                   `json:"applied"`    // the changes are stored (never when Rejected is non-empty or in a dry run)
	Changes    []Change               `json:"changes"`    // deliveries that change, by line
	Unchanged  int                    `json:"unchanged"`  // rows the OMS already shows
	Duplicates int                    `json:"duplicates"` // rows repeating an earlier row exactly (applied once)
	Orders     int                    `json:"orders"`     // orders whose updated_at moves
	Rejected   []staffmsg.LineMessage `json:"rejected"`   // why rows cannot be applied, by line
	Notes      []staffmsg.LineMessage `json:"notes"`      // worth knowing, not blocking
}

// key is one delivery of one sale.
type key struct{ sale, delivery int64 }

// plan is Plan's state.
type plan struct {
	rep        Report
	first      map[key]Shipment // the first valid row of each delivery
	order      []key            // the deliveries in the order of their first row
	conflicted map[key]bool
	noted      map[int64]bool
	today      string // YYYY-MM-DD (JST)
}

func (p *plan) reject(line int, en, ja string) {
	p.rep.Rejected = append(p.rep.Rejected, staffmsg.LineMessage{Line: line, Message: en, Ja: ja})
}

// rejectFor is reject with the remedy that undoes the rejection.
func (p *plan) rejectFor(line int, en, ja string, remedy staffmsg.Remedy) {
	p.rep.Rejected = append(p.rep.Rejected, staffmsg.LineMessage{Line: line, Message: en, Ja: ja, Remedy: remedy})
}

func (p *plan) note(line int, en, ja string) {
	p.rep.Notes = append(p.rep.Notes, staffmsg.LineMessage{Line: line, Message: en, Ja: ja})
}

// Plan validates the rows against the shop's orders (by sale id,
// with their deliveries) on the day today (YYYY-MM-DD, JST) and returns the
// report (rejections, duplicates, notes, counts; Applied unset), the delivery
// changes by line and the sale ids they touch, sorted. It reads and writes
// nothing: oms.Store.ApplyShipments stores its changes.
func Plan(shopID string, rows []Shipment, orders map[int64]Order, today string) (Report, []Change, []int64) {
	p := plan{first: map[key]Shipment{}, conflicted: map[key]bool{}, noted: map[int64]bool{}, today: today}
	for _, r := range rows {
		o, ok := orders[r.SaleID]
		r, ok = p.resolve(shopID, r, o, ok, today)
		if !ok {
			continue
		}
		p.add(r)
		p.noteSale(r, o)
	}
	for _, k := range p.order {
		if p.conflicted[k] {
			r := p.first[k]
			p.reject(r.Line, fmt.Sprintf("sale %d delivery %d: tracking number %s conflicts with later rows for the same delivery (see below)", k.sale, k.delivery, r.TrackingNumber),
				fmt.Sprintf("受注番号 %d のお届け先ID %d (伝票番号 %s) は、後の行 (下の一覧) で同じお届け先に別の伝票番号か出荷日が指定されています。お届け先ごとに1行にしてください。", k.sale, k.delivery, r.TrackingNumber))
		}
	}
	slices.SortStableFunc(p.rep.Rejected, func(a, b staffmsg.LineMessage) int { return cmp.Compare(a.Line, b.Line) })
	changes, touched := p.changes(orders)
	slices.SortStableFunc(p.rep.Notes, func(a, b staffmsg.LineMessage) int { return cmp.Compare(a.Line, b.Line) })
	p.rep.Changes, p.rep.Orders = changes, len(touched)
	return p.rep, changes, touched
}

// resolve checks a row against its order and names its delivery; false when
// the row is rejected.
func (p *plan) resolve(shopID string, r Shipment, o Order, found bool, today string) (Shipment, bool) {
	if en, ja := checkShipment(r); en != "" {
		p.reject(r.Line, en, ja)
		return r, false
	}
	if !found {
		p.rejectFor(r.Line, fmt.Sprintf("sale %d is not an order of shop %s: import it first or check the sale id", r.SaleID, shopID),
			fmt.Sprintf("受注番号 %d は店舗「%s」の受注データにありません。受注番号を確かめてください。カラーミーショップにある新しい受注なら、%sを実行してから、もう一度取り込んでください。", r.SaleID, shopID, staffmsg.ImportJa),
			staffmsg.Remedy{Do: staffmsg.RemedyImport})
		return r, false
	}
	d, why := pickDelivery(r, o.Destinations)
	if why.Message != "" {
		why.Line = r.Line
		p.rep.Rejected = append(p.rep.Rejected, why)
		return r, false
	}
	r.DeliveryID = d.ID
	if en, ja := postalMismatch(r, d); en != "" {
		p.reject(r.Line, en, ja)
		return r, false
	}
	if o.Status == rules.StatusCancelled {
		p.rejectFor(r.Line, fmt.Sprintf("sale %d is キャンセル (cancelled): set its status first if it really shipped", r.SaleID),
			fmt.Sprintf("受注番号 %d はステータスが「キャンセル」のため、伝票番号を登録できません。本当に出荷した場合は、先に受注ページでステータスを変更してから、もう一度取り込んでください。", r.SaleID),
			staffmsg.Remedy{Do: staffmsg.RemedySetStatus, Sale: r.SaleID})
		return r, false
	}
	if r.ShipDate != "" {
		if ordered := o.OrderedAt.In(rules.Tokyo).Format(time.DateOnly); r.ShipDate < ordered {
			p.reject(r.Line, fmt.Sprintf("ship date %s is before sale %d was ordered (%s): check the date", r.ShipDate, r.SaleID, ordered),
				fmt.Sprintf("出荷日 %s が受注番号 %d の注文日 (%s) より前です。出荷日を確かめて、直してください。", r.ShipDate, r.SaleID, ordered))
			return r, false
		}
		if r.Planned && r.ShipDate > today {
			p.note(r.Line, fmt.Sprintf("sale %d: planned ship date %s is after today: the ship date is left as it is (import the file again on that day, or set it on the order page)", r.SaleID, r.ShipDate),
				fmt.Sprintf("受注番号 %d: 出荷予定日 %s がまだ先のため、出荷日は設定しません (伝票番号だけ登録します)。出荷した日にもう一度取り込むか、受注ページで出荷日を入れてください。", r.SaleID, r.ShipDate))
			r.ShipDate = ""
		}
	}
	return r, true
}

// pickDelivery returns the delivery a row names: by id, by position (a label
// program's reference), or the sale's only one. The message (Line unset) says
// why none; its Message is "" when there is one.
func pickDelivery(r Shipment, ds []Destination) (Destination, staffmsg.LineMessage) {
	ids := func(none string) string {
		parts := make([]string, len(ds))
		for i, d := range ds {
			parts[i] = strconv.FormatInt(d.ID, 10)
		}
		return cmp.Or(strings.Join(parts, ", "), none)
	}
	switch {
	case r.DeliveryID != 0:
		if i := slices.IndexFunc(ds, func(d Destination) bool { return d.ID == r.DeliveryID }); i >= 0 {
			return ds[i], staffmsg.LineMessage{}
		}
		return Destination{}, staffmsg.LineMessage{Message: fmt.Sprintf("sale %d has no delivery %d (its deliveries: %s): check the sale_delivery id", r.SaleID, r.DeliveryID, ids("none")),
			Ja: fmt.Sprintf("受注番号 %d にお届け先ID %d はありません (この受注のお届け先ID: %s)。受注ページでお届け先IDを確かめて、直してください。", r.SaleID, r.DeliveryID, ids("なし"))}
	case r.DeliveryPos != 0:
		if r.DeliveryPos <= len(ds) {
			return ds[r.DeliveryPos-1], staffmsg.LineMessage{}
		}
		return Destination{}, staffmsg.LineMessage{Message: fmt.Sprintf("sale %d has %d deliveries, not a delivery number %d: was the label data exported from this shop?", r.SaleID, len(ds), r.DeliveryPos),
			Ja: fmt.Sprintf("受注番号 %d のお届け先は%d件で、%d番目のお届け先はありません。この店舗から出力した送り状データで発行した行か確かめてください。", r.SaleID, len(ds), r.DeliveryPos)}
	case len(ds) == 1:
		return ds[0], staffmsg.LineMessage{}
	case len(ds) == 0:
		return Destination{}, staffmsg.LineMessage{Message: fmt.Sprintf("sale %d has no deliveries in the OMS: re-import it", r.SaleID),
			Ja:     fmt.Sprintf("受注番号 %d にはお届け先がありません。%sで受注を取り込み直してから、もう一度取り込んでください。", r.SaleID, staffmsg.ImportJa),
			Remedy: staffmsg.Remedy{Do: staffmsg.RemedyImport}}
	}
	return Destination{}, staffmsg.LineMessage{Message: fmt.Sprintf("sale %d has %d deliveries (%s): put the sale_delivery id in the second column", r.SaleID, len(ds), ids("none")),
		Ja: fmt.Sprintf("受注番号 %d にはお届け先が%d件 (お届け先ID: %s) あります。お届け先IDの列に、この伝票番号のお届け先IDを入れてください。", r.SaleID, len(ds), ids("なし"))}
}

// postalMismatch says why a row's postal code (from a label program) is not
// its delivery's: the label went elsewhere, or the deliveries changed since
// the label data was exported.
func postalMismatch(r Shipment, d Destination) (string, string) {
	digitsOf := func(s string) string {
		return strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return c
			}
			return -1
		}, s)
	}
	got, want := digitsOf(r.Postal), digitsOf(d.Postal)
	if got == "" || want == "" || got == want {
		return "", ""
	}
	return fmt.Sprintf("sale %d delivery %d goes to 〒%s, but this row's label to 〒%s: the deliveries changed since the label data was exported? set this tracking number on the order page", r.SaleID, d.ID, d.Postal, r.Postal),
		fmt.Sprintf("受注番号 %d のお届け先ID %d の郵便番号は %s ですが、この行の送り状は %s 宛てです。送り状データを出力した後にお届け先が変わった可能性があります。受注ページで正しいお届け先に伝票番号を入れてください。", r.SaleID, d.ID, d.Postal, r.Postal)
}

// add records a resolved row: the first for its delivery, a duplicate, or a
// conflict.
func (p *plan) add(r Shipment) {
	k := key{r.SaleID, r.DeliveryID}
	prev, seen := p.first[k]
	switch {
	case !seen:
		p.first[k] = r
		p.order = append(p.order, k)
	case prev.TrackingNumber != r.TrackingNumber:
		p.reject(r.Line, fmt.Sprintf("sale %d delivery %d gets tracking number %s here but %s on line %d: one delivery takes one tracking number on ColorMe; keep one row per delivery (the others go on their own sale_delivery)",
			r.SaleID, r.DeliveryID, r.TrackingNumber, prev.TrackingNumber, prev.Line),
			fmt.Sprintf("受注番号 %d のお届け先ID %d の伝票番号が、この行では %s、%d行目では %s です。カラーミーショップでは1つのお届け先に伝票番号は1件です。お届け先ごとに1行にして、ほかの伝票番号はそれぞれのお届け先IDの行にしてください。",
				r.SaleID, r.DeliveryID, r.TrackingNumber, prev.Line, prev.TrackingNumber))
		p.conflicted[k] = true
	case prev.ShipDate != r.ShipDate:
		p.reject(r.Line, fmt.Sprintf("sale %d delivery %d gets ship date %q here but %q on line %d: keep one ship date per delivery",
			r.SaleID, r.DeliveryID, r.ShipDate, prev.ShipDate, prev.Line),
			fmt.Sprintf("受注番号 %d のお届け先ID %d の出荷日が、この行では%s、%d行目では%sです。1つのお届け先の出荷日は1つにしてください。",
				r.SaleID, r.DeliveryID, shipDateJa(r.ShipDate), prev.Line, shipDateJa(prev.ShipDate)))
		p.conflicted[k] = true
	default:
		p.rep.Duplicates++
		p.note(r.Line, fmt.Sprintf("repeats line %d: applied once", prev.Line), fmt.Sprintf("%d行目と同じ内容です。1回だけ反映します。", prev.Line))
	}
}

// noteSale notes, once per sale, what keeps it from being exported.
func (p *plan) noteSale(r Shipment, o Order) {
	if p.noted[r.SaleID] {
		return
	}
	p.noted[r.SaleID] = true
	if o.Status == rules.StatusNew {
		p.note(r.Line, fmt.Sprintf("sale %d is still 新規受付 (new): it is not exported until its status moves on", r.SaleID),
			fmt.Sprintf("受注番号 %d はステータスが「新規受付」のままです。ステータスを進めるまで、発送情報の更新で書き出されません。", r.SaleID))
	}
	if day, err := time.ParseInLocation(time.DateOnly, p.today, rules.Tokyo); err == nil {
		// Rule 2 from today on: an order placed more than a year before today's
		// first instant is never exported again.
		if since, _ := rules.Window(day, rules.MinDays); o.OrderedAt.Before(since) {
			ordered := o.OrderedAt.In(rules.Tokyo).Format(time.DateOnly)
			p.note(r.Line, fmt.Sprintf("sale %d was ordered on %s, more than a year ago: the export never sends it to ColorMe (rule 2); enter the tracking number on ColorMe by hand if it must be there", r.SaleID, ordered),
				fmt.Sprintf("受注番号 %d は注文日 (%s) が1年より前のため、発送情報の更新ではカラーミーショップに書き出されません (書き出すのは注文日時が1年以内の注文です)。カラーミーショップに必要なら、カラーミーショップの管理画面で直接入力してください。", r.SaleID, ordered))
		}
	}
	if parent := o.BundleParentSaleID; parent != 0 && parent != r.SaleID {
		p.note(r.Line, fmt.Sprintf("sale %d is bundled into sale %d: only sale %d's deliveries are exported", r.SaleID, parent, parent),
			fmt.Sprintf("受注番号 %d は親注文 %d に同梱された子注文です。書き出されるのは親注文 %d のお届け先だけです。", r.SaleID, parent, parent))
	}
}

// changes returns the deliveries that change, in the order of their rows, and
// the sale ids they touch (sorted); rows the OMS already shows are counted.
func (p *plan) changes(orders map[int64]Order) ([]Change, []int64) {
	var changes []Change
	var touched []int64
	for _, k := range p.order {
		if p.conflicted[k] {
			continue
		}
		r := p.first[k]
		ds := orders[k.sale].Deliveries
		cur := ds[slices.IndexFunc(ds, func(d rules.Delivery) bool { return d.ID == k.delivery })]
		c := Change{Line: r.Line, SaleID: k.sale, DeliveryID: k.delivery, OldSlip: cur.SlipNumber, NewSlip: r.TrackingNumber,
			OldShipDate: cur.ShippedOn, NewShipDate: cmp.Or(r.ShipDate, cur.ShippedOn)}
		if c.OldSlip == c.NewSlip && c.OldShipDate == c.NewShipDate {
			p.rep.Unchanged++
			continue
		}
		c.OverwritingSlip = c.OldSlip != "" && c.OldSlip != c.NewSlip
		if c.OverwritingSlip {
			p.note(r.Line, fmt.Sprintf("sale %d delivery %d: tracking number %s replaces %s", k.sale, k.delivery, c.NewSlip, c.OldSlip),
				fmt.Sprintf("受注番号 %d のお届け先ID %d の伝票番号は、%s から %s への上書きです。", k.sale, k.delivery, c.OldSlip, c.NewSlip))
		}
		changes = append(changes, c)
		if !slices.Contains(touched, k.sale) {
			touched = append(touched, k.sale)
		}
	}
	slices.Sort(touched)
	return changes, touched
}

// checkShipment re-checks what the file parser guarantees, for callers that
// build rows themselves. It returns why the row is refused, in English and in
// Japanese; "" when it is fine.
func checkShipment(r Shipment) (en, ja string) {
	switch {
	case r.SaleID <= 0:
		return fmt.Sprintf("sale id must be a positive number, got %d", r.SaleID),
			fmt.Sprintf("受注番号 %d は正しくありません。カラーミーショップの受注番号を入れてください。", r.SaleID)
	case r.DeliveryID < 0 || r.DeliveryPos < 0:
		return fmt.Sprintf("sale_delivery id must be a positive number, got %d", r.DeliveryID),
			fmt.Sprintf("お届け先ID %d は正しくありません。受注ページにあるお届け先IDを入れるか、お届け先が1つの受注なら空欄にしてください。", r.DeliveryID)
	case strings.TrimSpace(r.TrackingNumber) == "":
		return "the tracking number (伝票番号) is empty", "伝票番号が空欄です。伝票番号を入れてください。"
	case r.TrackingNumber != strings.TrimSpace(r.TrackingNumber) || len(r.TrackingNumber) > rules.MaxTrackingNumberLen:
		return fmt.Sprintf("tracking number %q must be 1 to %d characters without surrounding spaces", r.TrackingNumber, rules.MaxTrackingNumberLen),
			fmt.Sprintf("伝票番号「%s」の前後に空白があるか、長すぎます。伝票番号は前後の空白なしで%d文字までにしてください。", r.TrackingNumber, rules.MaxTrackingNumberLen)
	}
	if r.ShipDate != "" {
		if _, err := time.Parse(time.DateOnly, r.ShipDate); err != nil {
			return fmt.Sprintf("ship date %q is not a date YYYY-MM-DD", r.ShipDate),
				fmt.Sprintf("出荷日「%s」が日付として読めません。2026-05-01 の形で、実在する日付を入れてください。", r.ShipDate)
		}
	}
	return "", ""
}

// shipDateJa is a ship date of a row for staff: 「2026-05-01」 or 空欄.
func shipDateJa(d string) string {
	if d == "" {
		return "空欄"
	}
	return "「" + d + "」"
}
