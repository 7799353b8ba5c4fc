package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// LabelSelection chooses the orders whose label data is written: those with
// one of Statuses, those the export rules target now (Targets), or the given
// SaleIDs. The criteria given must all hold; at least one is required. Choice
// is staff's choice of parcel kind and cool class for the whole file (zero:
// each order's, see labelFacts).
type LabelSelection struct {
	Statuses []string
	Targets  bool
	SaleIDs  []int64
	Choice   carrier.Choice
}

// LabelExport is a written label file and what staff should know about it.
type LabelExport struct {
	Format     string            `json:"format"`      // "b2", "ehiden", "yupack"
	FormatName string            `json:"format_name"` // as staff call it (B2クラウド)
	FileName   string            `json:"file_name"`   // e.g. b2-myshop-20261128.csv
	Data       []byte            `json:"-"`           // Shift_JIS, CRLF
	Orders     int               `json:"orders"`      // orders selected
	Rows       int               `json:"rows"`        // label rows written (one per parcel)
	Warnings   []carrier.Warning `json:"warnings"`    // cut values, rows left out, deliveries skipped (English and Japanese)
	Labels     []carrier.Label   `json:"-"`           // the labels given to the layout (those it left out are among Warnings)
}

// ExportLabels writes the label data of the selected orders in a label
// program's import layout ("b2", "ehiden", "ehiden3", "yupack"), as `starter orders
// carrier-export` and the console's 送り状データ出力 do. One row per delivery
// (parcel); a bundle (同梱) is one parcel: its children are named in the
// parent's first row and get no row of their own. Cancelled orders and
// deliveries that already have a tracking number are skipped (unless named by
// SaleIDs), and so is a delivery without address; each skip is a warning.
// shipDate is the planned ship date (出荷予定日), YYYY-MM-DD; "" = today (JST).
// The sender's name defaults to the shop's name.
func ExportLabels(ctx context.Context, st *stores.Stores, shopID, format string, sel LabelSelection, sh carrier.Shipper, shipDate string, now time.Time) (LabelExport, error) {
	l, ok := carrier.ByFormat(format)
	if !ok {
		return LabelExport{}, &staffmsg.StaffError{En: fmt.Sprintf("format %q is not a label program: use one of %s", format, carrier.Formats()),
			Ja: "送り状ソフトを選んでください (B2クラウド、e飛伝Ⅱ、e飛伝Ⅲ、ゆうパックプリントR)。"}
	}
	j, err := selectShopLabels(ctx, st, shopID, sel, &sh, shipDate, now)
	if err != nil {
		return LabelExport{}, err
	}
	ex := l.Export(j.labels, sh, j.shipDate)
	out := LabelExport{Format: string(l.Format), FormatName: l.Name, Data: ex.Data, Orders: j.selected, Rows: ex.Rows,
		FileName: fmt.Sprintf("%s-%s-%s.csv", l.Format, shopID, strings.ReplaceAll(j.today, "-", ""))}
	out.Warnings = append(j.warnings, ex.Warnings...)
	out.Labels = j.labels
	return out, nil
}

// labelJob is a selection's labels before they are written in a layout.
type labelJob struct {
	orders   []oms.OrderView
	methods  shops.ShopMethods
	labels   []carrier.Label
	warnings []carrier.Warning
	selected int    // orders selected
	shipDate string // YYYY-MM-DD
	today    string // YYYY-MM-DD, JST
}

// selectShopLabels checks the selection and the ship date ("" = today, JST),
// names the sender after the shop when sh has no name, and returns the labels
// of the selected orders, with their options from the shop's payment and
// delivery methods: the part ExportLabels and ExportLabelsByCarrier share.
func selectShopLabels(ctx context.Context, st *stores.Stores, shopID string, sel LabelSelection, sh *carrier.Shipper, shipDate string, now time.Time) (labelJob, error) {
	if len(sel.Statuses) == 0 && !sel.Targets && len(sel.SaleIDs) == 0 {
		return labelJob{}, &staffmsg.StaffError{En: "choose the orders: by status (-status), the export targets (-targets) or sale ids (-sales)",
			Ja: "出力する受注を、ステータス・書出対象・受注番号のいずれかで選んでください。"}
	}
	for _, s := range sel.Statuses {
		if !rules.ValidStatus(s) {
			return labelJob{}, &staffmsg.StaffError{En: fmt.Sprintf("status %q is not an OMS status: use one of %s", s, strings.Join(rules.Statuses, ", ")),
				Ja: fmt.Sprintf("ステータス「%s」はありません。一覧から選んでください。", s)}
		}
	}
	j := labelJob{today: now.In(rules.Tokyo).Format(time.DateOnly), shipDate: shipDate}
	if j.shipDate == "" {
		j.shipDate = j.today
	} else if _, err := time.Parse(time.DateOnly, j.shipDate); err != nil {
		return labelJob{}, &staffmsg.StaffError{En: fmt.Sprintf("ship date %q is not a date YYYY-MM-DD", j.shipDate),
			Ja: fmt.Sprintf("出荷予定日「%s」が日付として読めません。2026-05-01 の形で入れてください。", j.shipDate)}
	}
	shop, err := st.Shops.Shop(ctx, shopID)
	if err != nil {
		return labelJob{}, err
	}
	if j.orders, err = st.Orders(ctx, shopID); err != nil {
		return labelJob{}, err
	}
	if j.methods, err = st.Shops.Methods(ctx, shopID); err != nil {
		return labelJob{}, err
	}
	if strings.TrimSpace(sh.Name) == "" {
		sh.Name = shop.Name
	}
	j.labels, j.warnings, j.selected = selectLabels(j.orders, j.methods, sel, now, shop.Settings.WindowDays)
	return j, nil
}

// selectLabels returns the labels of the selected orders, the warnings about
// what it skipped and the number of orders selected.
func selectLabels(orders []oms.OrderView, methods shops.ShopMethods, sel LabelSelection, now time.Time, windowDays int) ([]carrier.Label, []carrier.Warning, int) {
	children := map[int64][]int64{}
	for _, o := range orders {
		if p := o.BundleParentSaleID; p != 0 && p != o.SaleID && o.Status != rules.StatusCancelled {
			children[p] = append(children[p], o.SaleID)
		}
	}
	var labels []carrier.Label
	var warns []carrier.Warning
	warn := func(sale, delivery int64, en, ja string) {
		warns = append(warns, carrier.Warning{SaleID: sale, DeliveryID: delivery, Excluded: true, Message: en, Ja: ja})
	}
	info := func(sale, delivery int64, en, ja string) {
		warn(sale, delivery, en, ja)
		warns[len(warns)-1].Info = true
	}
	named := len(sel.SaleIDs) > 0
	picked := map[int64]bool{}
	for _, o := range orders {
		if sel.picks(o, now, windowDays) {
			picked[o.SaleID] = true
		}
	}
	for _, id := range sel.SaleIDs {
		if !slices.ContainsFunc(orders, func(o oms.OrderView) bool { return o.SaleID == id }) {
			warn(id, 0, fmt.Sprintf("sale %d is not an order of this shop in the OMS: no label (check the number, or import the order first)", id),
				fmt.Sprintf("受注番号 %d はこの店舗の受注にありません。番号を確かめるか、受注取得で取り込んでから出力してください。", id))
		}
	}
	selected := 0
	for _, o := range orders {
		if !picked[o.SaleID] {
			continue
		}
		selected++
		switch p := o.BundleParentSaleID; {
		case o.Status == rules.StatusCancelled:
			info(o.SaleID, 0, fmt.Sprintf("sale %d is cancelled: no label", o.SaleID),
				fmt.Sprintf("受注番号 %d はキャンセルのため、送り状データに入れていません。", o.SaleID))
			continue
		case p != 0 && p != o.SaleID:
			if !picked[p] {
				info(o.SaleID, 0, fmt.Sprintf("sale %d is bundled into sale %d: it ships in sale %d's parcel; export sale %d", o.SaleID, p, p, p),
					fmt.Sprintf("受注番号 %d は親注文 %d に同梱された子注文のため、送り状は親注文 %d の分だけです。親注文 %d を選んで出力してください。", o.SaleID, p, p, p))
			}
			continue
		}
		for i, d := range o.Destinations {
			lb, en, ja := labelOf(o, i, named)
			if en != "" {
				if o.Deliveries[i].SlipNumber != "" && !named {
					info(o.SaleID, d.ID, en, ja) // 伝票番号登録済み: as it should be
				} else {
					warn(o.SaleID, d.ID, en, ja)
				}
				continue
			}
			var moved bool
			if lb.Options, moved = carrier.Decide(labelFacts(o, d, methods), sel.Choice).ForParcel(i); moved {
				warns = append(warns, carrier.Warning{SaleID: o.SaleID, DeliveryID: d.ID,
					Message: fmt.Sprintf("sale %d: cash on delivery is collected with the parcel of its first delivery; delivery %d is written prepaid", o.SaleID, d.ID),
					Ja:      fmt.Sprintf("受注番号 %d: 代金引換の代金は1つ目のお届け先の荷物で受け取るため、お届け先ID %d の送り状は元払いにしました。", o.SaleID, d.ID)})
			}
			if i == 0 {
				lb.Bundled = children[o.SaleID]
			}
			labels = append(labels, lb)
		}
	}
	return labels, warns, selected
}

// labelFacts returns what the options of an order's labels are decided from
// (carrier.Decide): the order's total and tax, for 代金引換; its payment method
// (is it 代金引換?) and the destination's delivery method (name, method_type,
// the shop's クール区分 for it), as read from ColorMe's GET /v1/payments and
// /v1/deliveries (shops.ShopMethods).
func labelFacts(o oms.OrderView, d oms.Destination, methods shops.ShopMethods) carrier.OrderFacts {
	f := methods.Facts(o.PaymentID, d.MethodID)
	return carrier.OrderFacts{Total: o.Totals.Total, Tax: o.Totals.Tax,
		PaymentCOD: f.PaymentCOD, PaymentName: f.PaymentName,
		DeliveryName: f.DeliveryName, DeliveryMethodType: f.DeliveryMethodType,
		Cool: carrier.Cool(f.Cool), CoolSet: f.Cool != shops.CoolNone}
}

// picks reports whether the selection takes the order.
func (sel LabelSelection) picks(o oms.OrderView, now time.Time, windowDays int) bool {
	switch {
	case len(sel.Statuses) > 0 && !slices.Contains(sel.Statuses, o.Status):
		return false
	case sel.Targets && !rules.IsTarget(o.Order, now, windowDays):
		return false
	case len(sel.SaleIDs) > 0 && !slices.Contains(sel.SaleIDs, o.SaleID):
		return false
	}
	return true
}

// labelOf returns the label of the order's i-th delivery, or why it has none.
func labelOf(o oms.OrderView, i int, named bool) (carrier.Label, string, string) {
	d, del := o.Destinations[i], o.Deliveries[i]
	if del.SlipNumber != "" && !named {
		return carrier.Label{}, fmt.Sprintf("sale %d delivery %d already has tracking number %s: not written (name the sale with -sales to print it again)", o.SaleID, d.ID, del.SlipNumber),
			fmt.Sprintf("受注番号 %d のお届け先ID %d には伝票番号 %s が登録済みのため、入れていません。送り状を発行し直すときは、受注番号を指定して出力してください。", o.SaleID, d.ID, del.SlipNumber)
	}
	if strings.TrimSpace(d.Postal) == "" || strings.TrimSpace(d.Address1) == "" {
		return carrier.Label{}, fmt.Sprintf("sale %d delivery %d has no postal code or address in the OMS: re-import the order (`starter import`)", o.SaleID, d.ID),
			fmt.Sprintf("受注番号 %d のお届け先ID %d に郵便番号か住所がないため、入れていません。受注取得で受注を取り込み直してから、もう一度出力してください。", o.SaleID, d.ID)
	}
	return carrier.Label{SaleID: o.SaleID, DeliveryID: d.ID, Position: i + 1, Postal: d.Postal, Address: d.PrefName + d.Address1, Building: d.Address2,
		Name: d.Name, NameKana: halfKana(d.Furigana), Tel: d.Tel, PreferredDate: d.PreferredDate, PreferredPeriod: d.PreferredPeriod,
		Item: itemsOf(o, d.ID)}, "", ""
}

// itemsOf names what a delivery carries: its first line item, and how many more.
func itemsOf(o oms.OrderView, deliveryID int64) string {
	var names []string
	for _, it := range o.Items {
		if it.DeliveryID == deliveryID || it.DeliveryID == 0 {
			names = append(names, it.Name)
		}
	}
	switch len(names) {
	case 0:
		return "商品"
	case 1:
		return names[0]
	}
	return fmt.Sprintf("%s 他%d点", names[0], len(names)-1)
}

// halfKana writes furigana as half-width katakana, as the programs' カナ
// columns want it (ひらがな and 全角カタカナ alike).
func halfKana(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'ぁ' && r <= 'ゖ' {
			return r + ('ァ' - 'ぁ')
		}
		return r
	}, s)
	return width.Narrow.String(s)
}
