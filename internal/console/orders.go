package console

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// 受注一覧 and the order page: staff see every order with its export verdict
// (書出対象, or 対象外 and the rule that excludes it, as `starter orders list`
// says), and change an order with the store operations the starter uses.

// orderPageSize is how many orders one page of 受注一覧 shows.
const orderPageSize = 50

// orderOption is one choice of a select.
type orderOption struct {
	Value, Label string
	Selected     bool
}

// orderOnlyOptions are the 書出 filter's choices, as `starter orders list -only` names them.
var orderOnlyOptions = []orderOption{
	{Value: "", Label: "すべて"},
	{Value: oms.OnlyTargets, Label: "書出対象"},
	{Value: oms.OnlyExcluded, Label: "対象外"},
	{Value: oms.OnlyFlagged, Label: "要確認"},
}

// orderListData is what 受注一覧 shows.
type orderListData struct {
	Status, Only, SaleText string // the filters as given
	Payment                string // "unpaid": 入金待ち only (入金連携)
	StatusOptions          []orderOption
	OnlyOptions            []orderOption
	AsOf                   time.Time // the verdict is evaluated at this instant
	WindowDays             int       // with the shop's 作成期間
	Lines                  []orderLine
	Count                  string // 「123件」 or 「10,000件以上」
	From, To               string // 受注日 range, YYYY-MM-DD, as given
	Filtered               bool
	Pager                  orderPager
}

// orderLine is one order of 受注一覧.
type orderLine struct {
	oms.OrderListRow
	Verdict orderVerdict
	Bundle  string // 同梱 / 分割 in words
	Flag    string // why staff should look at it
	Payment string // 決済方法's name, "" when not imported
	Cells   []orderListDelivery
	// PaymentName is the payment method's name (決済方法); PaymentConfirm:
	// staff confirm its payments (入金連携), so the row offers 入金済みにする.
	PaymentName    string
	PaymentConfirm bool
}

// orderListDelivery is one delivery in the list: its slip, ship date and
// delivery method's name (配送方法).
type orderListDelivery struct {
	rules.Delivery
	Method string
	Dest   oms.Destination // where it goes (お届け先)
}

// orderVerdict is an order's export verdict at the page's instant.
type orderVerdict struct {
	Target bool
	Label  string // 書出対象, or the rule in staff's words
	Reason string // rules.Exclusion's reason, as `starter orders list` prints it
}

// orderVerdictOf evaluates the export rules (rules.Exclusion) for o at asOf.
// For a bundled child, parentWhy is why its parent is 対象外 ("" = the parent is
// exported): then nothing of the bundle reaches ColorMe, and the verdict says so.
func orderVerdictOf(o rules.Order, asOf time.Time, windowDays int, parentWhy string) orderVerdict {
	x := rules.Exclude(o, asOf, windowDays)
	if x.Rule == 0 {
		return orderVerdict{Target: true, Label: "書出対象"}
	}
	label := x.Reason
	switch x.Rule {
	case 1:
		label = "ステータスが「" + orderStatusLabel(o.Status) + "」の注文は書き出しません"
	case 2:
		label = "注文日時が1年より前です"
	case 3:
		label = fmt.Sprintf("最終更新日時が作成期間 (%d日) より前です", windowDays)
	case 4:
		label = fmt.Sprintf("同梱の子注文です (親注文 %d が書き出されます)", o.BundleParentSaleID)
		if parentWhy != "" {
			label = fmt.Sprintf("同梱の子注文ですが、親注文 %d も対象外です (%s)。このままでは同梱のどの伝票番号もカラーミーショップに書き出されません。"+
				"親注文を書出対象にする (ステータスを変更するなど) か、この受注の同梱を解除して単独で書き出してください。", o.BundleParentSaleID, parentWhy)
		}
	}
	return orderVerdict{Label: label, Reason: x.Reason}
}

func orderStatusLabel(v string) string {
	if l, ok := rules.StatusLabels[v]; ok {
		return l
	}
	return v
}

// orderBundleText describes an order's 同梱 and 分割受注 in staff's words.
func orderBundleText(o oms.OrderView, children int) string {
	var parts []string
	switch p := o.BundleParentSaleID; {
	case p == 0:
	case p == o.SaleID && children > 0:
		parts = append(parts, fmt.Sprintf("親注文 (子注文 %d件)", children))
	case p == o.SaleID:
		parts = append(parts, "親注文")
	default:
		parts = append(parts, fmt.Sprintf("%d に同梱", p))
	}
	if o.ColormeParentSaleID != 0 {
		parts = append(parts, fmt.Sprintf("%d から分割", o.ColormeParentSaleID))
	}
	return strings.Join(parts, "、")
}

// orderFlagText is why staff should look at the order: the import's flag, or a sale
// cancelled on ColorMe that the OMS keeps.
func orderFlagText(o oms.OrderView) string {
	switch {
	case o.FlagReason != "":
		return o.FlagReason
	case o.ColormeCanceled && o.Status != rules.StatusCancelled:
		return "カラーミーショップでキャンセルされています"
	}
	return ""
}

// orderCountText is a count of orders, 「10,000件以上」 when capped.
func orderCountText(n int, capped bool) string {
	s := groupDigits(strconv.Itoa(n))
	if capped {
		return s + "件以上"
	}
	return s + "件"
}

// orderSaleNumber reads a 受注番号 as staff type it: half- or full-width digits,
// spaces and a leading # ignored.
func orderSaleNumber(s string) (int64, bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case unicode.IsSpace(r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimLeft(s, "#＃")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// orderList is 受注一覧: numbered pages, filtered by status, by 書出対象 /
// 対象外 / 要確認, by 受注番号 and by 受注日, each order with its buyer,
// destination, total, payment method and export verdict.
func (s *Server) orderList(rq *request) error {
	now := s.d.Now()
	q := rq.r.URL.Query()
	data, lq, problems := orderFilters(q, rq.shop.ID, now, rq.shop.Settings.WindowDays)
	methods, err := s.d.Store.Shops.Methods(rq.ctx(), rq.shop.ID)
	if err != nil {
		return err
	}
	problems = append(problems, orderPaymentFilter(&data, &lq, q.Get("payment"), methods)...)
	data.Filtered = data.Filtered || data.Payment != ""
	if len(problems) > 0 {
		data.Count = orderCountText(0, false)
		return s.renderStatus(rq, http.StatusBadRequest, "orders", "受注一覧", data,
			"絞り込めませんでした: "+strings.Join(problems, "、")+"。直してもう一度「絞り込む」を押してください。")
	}
	page, err := s.d.Store.ListOrders(rq.ctx(), lq)
	if err != nil {
		return err
	}
	data.Count = orderCountText(page.Total, page.TotalCapped)
	data.Pager = orderPagerOf(data, lq.Page, page)
	var parents []int64
	for _, o := range page.Orders {
		if p := o.BundleParentSaleID; p != 0 && p != o.SaleID {
			parents = append(parents, p)
		}
	}
	parentWhy, err := s.excludedParents(rq, parents, now, data.WindowDays)
	if err != nil {
		return err
	}
	for _, o := range page.Orders {
		line := orderLine{OrderListRow: o, Verdict: orderVerdictOf(o.Order, now, data.WindowDays, parentWhy[o.BundleParentSaleID]),
			Bundle: orderBundleText(o.OrderView, o.BundleChildren), Flag: orderFlagText(o.OrderView),
			Payment: methods.PaymentLabel(o.PaymentID)}
		if o.PaymentID == 0 {
			line.Payment = ""
		}
		line.PaymentName, line.PaymentConfirm = orderPayment(methods, o.PaymentID)
		for i, d := range o.Deliveries {
			c := orderListDelivery{Delivery: d}
			if i < len(o.Destinations) {
				c.Method = methods.DeliveryLabel(o.Destinations[i].MethodID)
				c.Dest = o.Destinations[i]
			}
			line.Cells = append(line.Cells, c)
		}
		data.Lines = append(data.Lines, line)
	}
	return s.render(rq, "orders", "受注一覧", data)
}

// orderFilters reads 受注一覧's filters and page from the URL: what the page
// shows of them, the store's query, and what staff must fix.
func orderFilters(q url.Values, shopID string, now time.Time, windowDays int) (orderListData, oms.OrderListQuery, []string) {
	data := orderListData{Status: q.Get("status"), Only: q.Get("only"), SaleText: strings.TrimSpace(q.Get("sale")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), AsOf: now, WindowDays: windowDays}
	lq := oms.OrderListQuery{ShopID: shopID, AsOf: now, WindowDays: windowDays, Limit: orderPageSize}
	var problems []string
	if data.Status != "" && !rules.ValidStatus(data.Status) {
		problems = append(problems, "ステータスの指定が正しくありません")
		data.Status = ""
	}
	lq.Status = data.Status
	switch data.Only {
	case "", oms.OnlyTargets, oms.OnlyExcluded, oms.OnlyFlagged:
		lq.Only = data.Only
	default:
		problems = append(problems, "書出の指定が正しくありません")
		data.Only = ""
	}
	if data.SaleText != "" {
		id, ok := orderSaleNumber(data.SaleText)
		if !ok {
			problems = append(problems, "受注番号は数字で入力してください (例: 123456789)")
		}
		lq.SaleID = id
	}
	problems = append(problems, orderDates(&data, &lq)...)
	lq.Page, _ = strconv.Atoi(q.Get("page"))
	lq.Page = max(lq.Page, 1)
	// 次へ carries the last sale id of the page (keyset: cheap at any depth);
	// a page number alone is an offset.
	lq.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	lq.After = max(lq.After, 0)
	for _, st := range rules.Statuses {
		data.StatusOptions = append(data.StatusOptions, orderOption{Value: st, Label: rules.StatusLabels[st], Selected: st == data.Status})
	}
	for _, o := range orderOnlyOptions {
		o.Selected = o.Value == data.Only
		data.OnlyOptions = append(data.OnlyOptions, o)
	}
	data.Filtered = data.Status != "" || data.Only != "" || data.SaleText != "" || data.From != "" || data.To != ""
	return data, lq, problems
}

// orderDates reads the 受注日 range (YYYY-MM-DD on the Tokyo calendar, both days
// included) into the query.
func orderDates(data *orderListData, lq *oms.OrderListQuery) []string {
	var problems []string
	day := func(s, what string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", strings.ReplaceAll(s, "/", "-"), rules.Tokyo)
		if err != nil {
			problems = append(problems, what+"は 2026-04-01 のように入力してください")
		}
		return t
	}
	lq.OrderedFrom = day(data.From, "受注日 (から)")
	if to := day(data.To, "受注日 (まで)"); !to.IsZero() {
		lq.OrderedTo = to.AddDate(0, 0, 1)
	}
	if !lq.OrderedFrom.IsZero() && !lq.OrderedTo.IsZero() && !lq.OrderedFrom.Before(lq.OrderedTo) {
		problems = append(problems, "受注日の「から」は「まで」より前の日にしてください")
	}
	return problems
}

// orderPager is 受注一覧's page numbers.
type orderPager struct {
	Page, Last int          // the page shown, and the last page (0 = not known: more than the count reaches)
	Numbers    []int        // the page numbers linked, in order; 0 = a gap (…)
	Prev, Next int          // 0 = none
	After      int64        // 次へ's cursor: the last sale id shown
	Query      template.URL // the filters, without the page
}

// orderPagerOf numbers the pages around page: the first, the last, and two on
// each side of the current one.
func orderPagerOf(data orderListData, page int, p oms.OrderListPage) orderPager {
	pg := orderPager{Page: page, Query: orderQuery(data)}
	if !p.TotalCapped {
		pg.Last = max(1, (p.Total+orderPageSize-1)/orderPageSize)
	}
	if page > 1 {
		pg.Prev = page - 1
	}
	if p.Older && len(p.Orders) > 0 {
		pg.Next, pg.After = page+1, p.Orders[len(p.Orders)-1].SaleID
	}
	last := pg.Last
	if last == 0 {
		last = max(page+2, (oms.OrderCountCap+orderPageSize-1)/orderPageSize)
	}
	for n := 1; n <= last; n++ {
		near := n >= page-2 && n <= page+2
		if n == 1 || (n == last && pg.Last != 0) || near {
			pg.Numbers = append(pg.Numbers, n)
		} else if len(pg.Numbers) > 0 && pg.Numbers[len(pg.Numbers)-1] != 0 {
			pg.Numbers = append(pg.Numbers, 0)
		}
	}
	return pg
}

// orderQuery is the filters of 受注一覧 as a URL query (without the page).
func orderQuery(d orderListData) template.URL {
	v := url.Values{}
	for k, x := range map[string]string{"status": d.Status, "only": d.Only, "sale": d.SaleText, "from": d.From, "to": d.To, "payment": d.Payment} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return template.URL(v.Encode()) //nolint:gosec // url.Values.Encode escapes every value
}

// excludedParents says, for each of the bundle parents that is 対象外 at asOf,
// why (the verdict's label).
func (s *Server) excludedParents(rq *request, parents []int64, asOf time.Time, windowDays int) (map[int64]string, error) {
	out := map[int64]string{}
	if len(parents) == 0 {
		return out, nil
	}
	views, err := s.d.Store.Orders(rq.ctx(), rq.shop.ID, parents...)
	if err != nil {
		return nil, err
	}
	for _, p := range views {
		if v := orderVerdictOf(p.Order, asOf, windowDays, ""); !v.Target {
			out[p.SaleID] = v.Label
		}
	}
	return out, nil
}

// orderData is what the order page shows.
type orderData struct {
	Order      oms.OrderView
	Verdict    orderVerdict
	AsOf       time.Time
	WindowDays int
	Bundle     string
	Parent     int64           // the bundle's parent; 0 = not bundled
	IsParent   bool            // this order is the parent
	Members    []int64         // the bundle's other orders, the parent not included
	Candidates *candidateGroup // a 同梱候補 with this order; nil = none
	Flag       string
	Deliveries []orderDelivery
	Last       *orderLastExport // nil: no export run has touched the order
	Statuses   []orderOption
	Form       map[string]string // values posted with a refused action, to fill in again
	Payment    string            // the payment method's name (決済方法), or its id when not known
	PaymentCOD bool              // 代金引換
	// PaymentConfirm: staff confirm this method's payments (銀行振込, コンビニ払い…: 入金連携).
	PaymentConfirm bool
	// PaidPushed: the last export wrote 入金済み (paid:true) to ColorMe, at PaidPushedAt.
	PaidPushed   bool
	PaidPushedAt time.Time
}

// orderDelivery is one delivery (お届け先) of the order page.
type orderDelivery struct {
	ID          int64
	Dest        oms.Destination
	SlipNumber  string
	ShippedOn   string
	ColorMe     string // what the last export run found or wrote on ColorMe
	SlipValue   string // the form's values
	ShipDateVal string
	Method      string // the delivery method's name (配送方法), or its id when not known
	Program     string // its label program (送り状ソフト); "" = no known carrier
}

// orderLastExport is the last export run that touched the order.
type orderLastExport struct {
	oms.ExportOutcome
	Label        string // the outcome in staff's words
	Class        string // badge colour
	ChangedSince bool   // the order changed after that run
}

// orderOutcomeLabels are the run outcomes in staff's words, with a badge colour.
var orderOutcomeLabels = map[rules.Outcome][2]string{
	rules.OutcomeUpdated:   {"更新しました", "ok"},
	rules.OutcomeUnchanged: {"変更なし (カラーミーと一致)", "ok"},
	rules.OutcomeSkipped:   {"スキップ (カラーミーでキャンセル済み)", "warn"},
	rules.OutcomeFailed:    {"失敗", "bad"},
	rules.OutcomePlanned:   {"更新予定 (プレビュー)", "warn"},
}

// orderColorMeUnwritten says, for the run outcomes that wrote nothing on ColorMe, why.
var orderColorMeUnwritten = map[rules.Outcome]string{
	rules.OutcomeUnchanged: "カラーミーと一致 (書き込みなし)",
	rules.OutcomeSkipped:   "カラーミーでキャンセル済みのため書き込みなし",
	rules.OutcomeFailed:    "書き込めませんでした (理由は「前回の書出」)",
}

// orderColorMeState says what the last export run found or wrote for one delivery.
func orderColorMeState(last *orderLastExport, deliveryID int64) string {
	if last == nil {
		return "まだ書き出していません"
	}
	if why, ok := orderColorMeUnwritten[last.Outcome]; ok {
		return why
	}
	if last.Outcome != rules.OutcomeUpdated && last.Outcome != rules.OutcomePlanned {
		return string(last.Outcome)
	}
	sent, _ := workflows.DecodeSent(last.Sent)
	for _, d := range sent.SaleDeliveries {
		if d.ID != deliveryID {
			continue
		}
		parts := sentWords(d, "伝票番号 %s", "配送済み")
		if last.Outcome == rules.OutcomePlanned {
			return "プレビュー: " + strings.Join(parts, "・") + " を送信予定"
		}
		return strings.Join(parts, "・") + " を送信しました"
	}
	return orderColorMeUnwritten[rules.OutcomeUnchanged] // nothing sent for this delivery: it matched
}

// orderSaleOf reads the {sale} of the path.
func orderSaleOf(rq *request) (int64, error) {
	raw := rq.r.PathValue("sale")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound(fmt.Sprintf("受注番号「%s」は数字ではありません。受注一覧から受注を選んでください。", raw))
	}
	return id, nil
}

// loadOrder reads the order of the path, or says it is not in the OMS.
func (s *Server) loadOrder(rq *request, sale int64) (oms.OrderView, error) {
	views, err := s.d.Store.Orders(rq.ctx(), rq.shop.ID, sale)
	if err != nil {
		return oms.OrderView{}, err
	}
	if len(views) == 0 {
		return oms.OrderView{}, notFound(fmt.Sprintf("受注番号 %d は店舗「%s」の受注にありません。受注一覧で番号を確かめてください。まだ取り込まれていない受注は、受注取得 (自動取得) のあとで表示されます。", sale, rq.shop.ID))
	}
	return views[0], nil
}

// changeableOrder is the prologue of a change to the order of the path: its
// sale id, once the order is known to be in the OMS.
func (s *Server) changeableOrder(rq *request) (int64, error) {
	sale, err := orderSaleOf(rq)
	if err != nil {
		return 0, err
	}
	_, err = s.loadOrder(rq, sale)
	return sale, err
}

// orderPage is one order: status, dates, 同梱, flag, destinations, the export
// verdict, each delivery with its ColorMe state from the last export run, and
// the actions.
func (s *Server) orderPage(rq *request) error {
	sale, err := orderSaleOf(rq)
	if err != nil {
		return err
	}
	return s.renderOrder(rq, http.StatusOK, sale, "", nil)
}

// renderOrder shows the order page; errMsg and form are a refused action's
// message and posted values.
func (s *Server) renderOrder(rq *request, status int, sale int64, errMsg string, form map[string]string) error {
	o, err := s.loadOrder(rq, sale)
	if err != nil {
		return err
	}
	now := s.d.Now()
	data := orderData{Order: o, AsOf: now, WindowDays: rq.shop.Settings.WindowDays, Flag: orderFlagText(o), Form: form}
	var parents []int64
	if p := o.BundleParentSaleID; p != 0 && p != o.SaleID {
		parents = append(parents, p)
	}
	parentWhy, err := s.excludedParents(rq, parents, now, data.WindowDays)
	if err != nil {
		return err
	}
	data.Verdict = orderVerdictOf(o.Order, now, data.WindowDays, parentWhy[o.BundleParentSaleID])
	if p := o.BundleParentSaleID; p != 0 {
		members, err := s.d.Store.BundleMembers(rq.ctx(), rq.shop.ID, p)
		if err != nil {
			return err
		}
		data.Parent, data.IsParent = p, p == o.SaleID
		for _, m := range members {
			if m != o.SaleID && m != p { // the parent is named apart
				data.Members = append(data.Members, m)
			}
		}
	}
	children := 0
	if data.IsParent {
		children = len(data.Members)
	}
	data.Bundle = orderBundleText(o, children)
	if data.Candidates, err = s.orderCandidates(rq, o, now); err != nil {
		return err
	}
	last, ok, err := s.d.Store.LastExportOutcome(rq.ctx(), rq.shop.ID, sale)
	if err != nil {
		return err
	}
	if ok {
		l := orderOutcomeLabels[last.Outcome]
		if l[0] == "" {
			l = [2]string{string(last.Outcome), ""}
		}
		data.Last = &orderLastExport{ExportOutcome: last, Label: l[0], Class: l[1], ChangedSince: o.UpdatedAt.After(last.At)}
		data.PaidPushed, data.PaidPushedAt = paidPushed(last), last.At
	}
	methods, err := s.d.Store.Shops.Methods(rq.ctx(), rq.shop.ID)
	if err != nil {
		return err
	}
	data.Payment = methods.PaymentLabel(o.PaymentID)
	if p, ok := methods.Payment(o.PaymentID); ok {
		data.PaymentCOD = p.COD
		data.PaymentConfirm = p.NeedsConfirmation()
	}
	for i, d := range o.Deliveries {
		line := orderDelivery{ID: d.ID, SlipNumber: d.SlipNumber, ShippedOn: d.ShippedOn, ColorMe: orderColorMeState(data.Last, d.ID),
			SlipValue: d.SlipNumber, ShipDateVal: d.ShippedOn}
		if i < len(o.Destinations) {
			line.Dest = o.Destinations[i]
			line.Method = methods.DeliveryLabel(line.Dest.MethodID)
			if dm, ok := methods.Delivery(line.Dest.MethodID); ok {
				line.Program = app.ProgramName(dm)
			}
		}
		if v, ok := form[fmt.Sprintf("slip-%d", d.ID)]; ok {
			line.SlipValue = v
		}
		if v, ok := form[fmt.Sprintf("date-%d", d.ID)]; ok {
			line.ShipDateVal = v
		}
		data.Deliveries = append(data.Deliveries, line)
	}
	for _, st := range rules.Statuses {
		data.Statuses = append(data.Statuses, orderOption{Value: st, Label: rules.StatusLabels[st], Selected: st == o.Status})
	}
	return s.renderStatus(rq, status, "order", fmt.Sprintf("受注 %d", sale), data, errMsg)
}

// orderPath is the order page's address.
func orderPath(shopID string, sale int64) string {
	return fmt.Sprintf("/shops/%s/orders/%d", shopID, sale)
}

// refuseOrder shows the order page again with why the action was not done and what
// to do; nothing was changed.
func (s *Server) refuseOrder(rq *request, sale int64, action string, cause error, msg string, form map[string]string) error {
	s.d.Logger.Info("console: order action refused", "shop", rq.shop.ID, "sale", sale, "action", action, "by", rq.user.Login, "reason", orderErrText(cause, msg))
	return s.renderOrder(rq, http.StatusBadRequest, sale, msg, form)
}

func orderErrText(err error, fallback string) string {
	if err != nil {
		return err.Error()
	}
	return fallback
}

// orderStoreFailed handles the store's error for an order action: a refusal staff
// can act on (staffmsg.StaffMessage) shows the order page again with the posted form and
// the refusal after failed (「…できませんでした: 」); other errors are returned as they are.
func (s *Server) orderStoreFailed(rq *request, sale int64, action string, err error, failed string, form map[string]string) error {
	if ja := staffmsg.StaffMessage(err); ja != "" {
		return s.refuseOrder(rq, sale, action, err, failed+ja, form)
	}
	return err
}

// orderChanged ends an order action that changed something: it tells the on-change
// export (change says what, for its log) and goes back to the order page with msg
// (and, when no worker runs the export, that it waits for one).
func (s *Server) orderChanged(rq *request, sale int64, change, msg string) error {
	return s.redirect(rq, orderPath(rq.shop.ID, sale), msg+s.followExport(rq, change))
}

// orderSetStatus is 「ステータスを変更」 (st.SetStatus, as `starter orders status`).
func (s *Server) orderSetStatus(rq *request) error {
	sale, err := s.changeableOrder(rq)
	if err != nil {
		return err
	}
	status := rq.r.FormValue("status")
	if !rules.ValidStatus(status) {
		return s.refuseOrder(rq, sale, "status", nil, "ステータスを変更できませんでした: 選択肢にないステータスです。一覧から選び直して「ステータスを変更」を押してください。", nil)
	}
	ch, err := s.d.Store.SetStatus(rq.ctx(), rq.shop.ID, sale, status, s.d.Now())
	if err != nil {
		return s.orderStoreFailed(rq, sale, "status", err, "ステータスを変更できませんでした: ", nil)
	}
	if !ch.Changed {
		return s.redirect(rq, orderPath(rq.shop.ID, sale), fmt.Sprintf("受注 %d はすでに「%s」です。変更はありません。", sale, orderStatusLabel(status)))
	}
	s.d.Logger.Info("console: order status set", "shop", rq.shop.ID, "sale", sale, "from", ch.Previous, "to", status,
		"cleared_flag", ch.ClearedFlag, "by", rq.user.Login)
	msg := fmt.Sprintf("受注 %d のステータスを「%s」から「%s」に変更しました。", sale, orderStatusLabel(ch.Previous), orderStatusLabel(status))
	if ch.ClearedFlag != "" {
		msg += "要確認 (" + ch.ClearedFlag + ") を解除しました。"
	}
	s.notifyStockChange(rq, fmt.Sprintf("status of sale %d", sale)) // a cancellation or shipment moves the available quantity
	return s.orderChanged(rq, sale, fmt.Sprintf("status of sale %d", sale), msg)
}

// orderSaleNumbers reads a list of 受注番号 separated by commas, 、 or spaces.
func orderSaleNumbers(s string) ([]int64, []string) {
	var ids []int64
	var bad []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == '，' || unicode.IsSpace(r) }) {
		id, ok := orderSaleNumber(f)
		if !ok {
			bad = append(bad, f)
			continue
		}
		ids = append(ids, id)
	}
	return ids, bad
}

// orderBundle is 同梱 (st.Bundle, as `starter orders bundle`): make this order
// the parent of the given children, or put it into a parent's bundle.
func (s *Server) orderBundle(rq *request) error {
	sale, err := s.changeableOrder(rq)
	if err != nil {
		return err
	}
	f := rq.r
	form := map[string]string{"children": f.FormValue("children"), "parent": f.FormValue("parent")}
	var parent int64
	var children []int64
	switch f.FormValue("mode") {
	case "children":
		ids, bad := orderSaleNumbers(form["children"])
		if len(bad) > 0 || len(ids) == 0 {
			return s.refuseOrder(rq, sale, "bundle", nil, "同梱できませんでした: 同梱する受注番号を数字で、カンマ区切りで入力してください (例: 1001, 1002)。", form)
		}
		parent, children = sale, ids
	case "parent":
		id, ok := orderSaleNumber(form["parent"])
		if !ok {
			return s.refuseOrder(rq, sale, "bundle", nil, "同梱できませんでした: 親注文の受注番号を数字で入力してください (例: 1001)。", form)
		}
		parent, children = id, []int64{sale}
	default:
		return s.refuseOrder(rq, sale, "bundle", nil, "同梱できませんでした: 「子注文を同梱」か「親注文に同梱」のボタンから操作してください。", form)
	}
	changed, err := s.d.Store.Bundle(rq.ctx(), rq.shop.ID, parent, children, s.d.Now())
	if err != nil {
		return s.orderStoreFailed(rq, sale, "bundle", err, "同梱できませんでした: ", form)
	}
	if len(changed) == 0 {
		return s.redirect(rq, orderPath(rq.shop.ID, sale), fmt.Sprintf("%s はすでに親注文 %d に同梱されています。変更はありません。", orderIDs(children), parent))
	}
	s.d.Logger.Info("console: orders bundled", "shop", rq.shop.ID, "parent", parent, "children", children, "changed", changed, "by", rq.user.Login)
	return s.orderChanged(rq, sale, fmt.Sprintf("bundle into sale %d", parent),
		fmt.Sprintf("受注 %s を親注文 %d に同梱しました。書き出されるのは親注文 %d だけです。", orderIDs(children), parent, parent))
}

// orderUnbundle is 「同梱を解除」 (st.Unbundle, as `starter orders unbundle`).
func (s *Server) orderUnbundle(rq *request) error {
	sale, err := s.changeableOrder(rq)
	if err != nil {
		return err
	}
	changed, err := s.d.Store.Unbundle(rq.ctx(), rq.shop.ID, sale, s.d.Now())
	if err != nil {
		return s.orderStoreFailed(rq, sale, "unbundle", err, "同梱を解除できませんでした: ", nil)
	}
	s.d.Logger.Info("console: order unbundled", "shop", rq.shop.ID, "sale", sale, "changed", changed, "by", rq.user.Login)
	wait := ""
	if len(changed) > 0 {
		wait = s.followExport(rq, fmt.Sprintf("unbundle of sale %d", sale))
	}
	return s.redirect(rq, orderPath(rq.shop.ID, sale), fmt.Sprintf("同梱を解除しました (受注 %s)。それぞれ単独で書き出されます。", orderIDs(changed))+wait)
}

func orderIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// orderShipment saves a delivery's 伝票番号 and 出荷日. The values go through
// the shipping-results import (app.ApplyShipmentCSV: the CSV parser, then
// st.ApplyShipments), so they are checked exactly as a データ取込 row is.
func (s *Server) orderShipment(rq *request) error {
	sale, err := s.changeableOrder(rq)
	if err != nil {
		return err
	}
	delivery, err := strconv.ParseInt(rq.r.PathValue("delivery"), 10, 64)
	if err != nil || delivery <= 0 {
		return notFound("お届け先IDが数字ではありません。受注のページから操作してください。")
	}
	slip, date := strings.TrimSpace(rq.r.FormValue("slip_number")), strings.TrimSpace(rq.r.FormValue("ship_date"))
	form := map[string]string{fmt.Sprintf("slip-%d", delivery): slip, fmt.Sprintf("date-%d", delivery): date}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"受注番号", "お届け先ID", "伝票番号", "出荷日"})
	_ = w.Write([]string{strconv.FormatInt(sale, 10), strconv.FormatInt(delivery, 10), slip, date})
	w.Flush()
	rep, err := app.ApplyShipmentCSV(rq.ctx(), s.d.Store, rq.shop.ID, buf.Bytes(), false, s.d.Now())
	if err != nil {
		return err
	}
	if len(rep.Rejected) > 0 {
		en, ja := make([]string, len(rep.Rejected)), make([]string, len(rep.Rejected))
		for i, m := range rep.Rejected {
			en[i], ja[i] = m.Message, staffLineText(m)
		}
		return s.refuseOrder(rq, sale, "shipment", errors.New(strings.Join(en, "; ")),
			"保存できませんでした: "+strings.Join(ja, "")+"直したら、もう一度「保存」を押してください。", form)
	}
	if !rep.Applied {
		return s.redirect(rq, orderPath(rq.shop.ID, sale), fmt.Sprintf("お届け先 %d はすでにこの伝票番号・出荷日です。変更はありません。", delivery))
	}
	c := rep.Changes[0]
	s.d.Logger.Info("console: delivery shipment saved", "shop", rq.shop.ID, "sale", sale, "delivery", delivery,
		"slip_number", c.NewSlip, "ship_date", c.NewShipDate, "previous_slip", c.OldSlip, "previous_ship_date", c.OldShipDate, "by", rq.user.Login)
	msg := fmt.Sprintf("お届け先 %d の伝票番号 %s・出荷日 %s を保存しました。", delivery, c.NewSlip, orderDash(c.NewShipDate))
	for _, n := range rep.Notes {
		msg += " " + staffLineText(n)
	}
	return s.orderChanged(rq, sale, fmt.Sprintf("slip number and ship date of sale %d", sale), msg)
}

func orderDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
