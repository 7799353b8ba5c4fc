package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/bundle"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// 同梱候補一覧: unshipped orders of the same customer going to the same
// destination by the same delivery method, placed within the last days
// (internal/bundle says which and why). One click bundles a group with the
// store's bundle operation (oms.Store.Bundle), as 「子注文を同梱」 on the order page.

// candidateData is what 同梱候補一覧 shows.
type candidateData struct {
	Days    int
	MaxDays int
	AsOf    time.Time
	Groups  []candidateGroup
	Capped  bool // more unshipped orders than were looked at
}

// candidateGroup is one proposal with its orders.
type candidateGroup struct {
	bundle.Group
	Orders []candidateOrder
	Days   int
	Back   int64 // the order page to return to after bundling; 0 = 同梱候補一覧
}

// candidateOrder is one order of a proposal.
type candidateOrder struct {
	oms.OrderView
	Parent bool // the parent by rule (preselected)
	Joined bool // already in the bundle the others would join
	Dest   oms.Destination
}

// bundleOrder is an order as internal/bundle sees it.
func bundleOrder(o oms.OrderView) bundle.Order {
	b := bundle.Order{SaleID: o.SaleID, Status: o.Status, OrderedAt: o.OrderedAt, BundleParent: o.BundleParentSaleID,
		ColormeCanceled: o.ColormeCanceled, Customer: o.Customer.Name}
	for i, d := range o.Deliveries {
		var dest oms.Destination
		if i < len(o.Destinations) {
			dest = o.Destinations[i]
		}
		b.Destinations = append(b.Destinations, bundle.Destination{MethodID: dest.MethodID, Name: dest.Name, Postal: dest.Postal,
			Pref: dest.PrefName, Address1: dest.Address1, Address2: dest.Address2, SlipNumber: d.SlipNumber, ShippedOn: d.ShippedOn})
	}
	return b
}

// candidateDays reads the window of ?days=, the default when empty.
func candidateDays(raw string) (int, bool) {
	if raw == "" {
		return bundle.DefaultWindowDays, true
	}
	d, err := strconv.Atoi(strings.TrimSpace(raw))
	return d, err == nil && d >= 1 && d <= bundle.MaxWindowDays
}

// candidates reads the unshipped orders of the last days and groups them.
func (s *Server) candidates(rq *request, now time.Time, days int) ([]candidateGroup, bool, error) {
	views, err := s.d.Store.UnshippedOrders(rq.ctx(), rq.shop.ID, now.Add(-time.Duration(days)*24*time.Hour))
	if err != nil {
		return nil, false, err
	}
	byID := make(map[int64]oms.OrderView, len(views))
	orders := make([]bundle.Order, len(views))
	for i, v := range views {
		byID[v.SaleID], orders[i] = v, bundleOrder(v)
	}
	var out []candidateGroup
	for _, g := range bundle.Candidates(orders, now, days) {
		cg := candidateGroup{Group: g, Days: days}
		for _, id := range g.Sales {
			v := byID[id]
			co := candidateOrder{OrderView: v, Parent: id == g.Parent, Joined: g.Existing && id == g.Parent}
			if len(v.Destinations) > 0 {
				co.Dest = v.Destinations[0]
			}
			cg.Orders = append(cg.Orders, co)
		}
		out = append(out, cg)
	}
	return out, len(views) >= oms.MaxUnshippedOrders, nil
}

// orderCandidates is the 同梱候補 that holds o, for the order page; nil when none.
func (s *Server) orderCandidates(rq *request, o oms.OrderView, now time.Time) (*candidateGroup, error) {
	if bundle.NotProposed(bundleOrder(o), now, bundle.DefaultWindowDays) != "" {
		return nil, nil
	}
	groups, _, err := s.candidates(rq, now, bundle.DefaultWindowDays)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.Has(o.SaleID) {
			g.Back = o.SaleID
			return &g, nil
		}
	}
	return nil, nil
}

// bundleCandidates is 同梱候補一覧.
func (s *Server) bundleCandidates(rq *request) error {
	return s.renderCandidates(rq, http.StatusOK, "")
}

func (s *Server) renderCandidates(rq *request, status int, errMsg string) error {
	now := s.d.Now()
	days, ok := candidateDays(rq.r.FormValue("days"))
	if !ok {
		days = bundle.DefaultWindowDays
		errMsg = fmt.Sprintf("期間は1〜%d日で入力してください。直近%d日で表示しています。", bundle.MaxWindowDays, days)
		status = http.StatusBadRequest
	}
	data := candidateData{Days: days, MaxDays: bundle.MaxWindowDays, AsOf: now}
	var err error
	if data.Groups, data.Capped, err = s.candidates(rq, now, days); err != nil {
		return err
	}
	return s.renderStatus(rq, status, "bundles", "同梱候補一覧", data, errMsg)
}

// bundleCandidate is 「同梱する」 of a proposal: it checks that the posted orders
// still form one 同梱候補 (nothing shipped, cancelled or changed since the page
// was shown), then bundles them into the chosen parent with st.Bundle.
func (s *Server) bundleCandidate(rq *request) error {
	f := rq.r
	if err := f.ParseForm(); err != nil {
		return badRequest("フォームを読めませんでした。同梱候補一覧からもう一度操作してください。")
	}
	back, _ := strconv.ParseInt(f.PostFormValue("back"), 10, 64)
	refuse := func(msg string) error {
		s.d.Logger.Info("console: bundle candidate refused", "shop", rq.shop.ID, "sales", f.PostForm["sales"], "by", rq.user.Login, "reason", msg)
		msg = "同梱できませんでした: " + msg
		if back > 0 {
			return s.renderOrder(rq, http.StatusBadRequest, back, msg, nil)
		}
		return s.renderCandidates(rq, http.StatusBadRequest, msg)
	}
	days, ok := candidateDays(f.PostFormValue("days"))
	if !ok {
		return refuse("期間の指定が正しくありません。同梱候補一覧を開き直してください。")
	}
	var sales []int64
	for _, raw := range f.PostForm["sales"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return refuse("受注番号が正しくありません。同梱候補一覧を開き直してください。")
		}
		sales = append(sales, id)
	}
	parent, _ := strconv.ParseInt(f.PostFormValue("parent"), 10, 64)
	if len(sales) < 2 || !slices.Contains(sales, parent) {
		return refuse("親注文を候補の中から1つ選んでください。")
	}
	now := s.d.Now()
	views, err := s.d.Store.Orders(rq.ctx(), rq.shop.ID, sales...)
	if err != nil {
		return err
	}
	orders := make([]bundle.Order, len(views))
	var why []string
	for i, v := range views {
		orders[i] = bundleOrder(v)
		if w := bundle.NotProposed(orders[i], now, days); w != "" {
			why = append(why, fmt.Sprintf("受注 %d は%s", v.SaleID, w))
		}
	}
	if len(views) != len(sales) {
		return refuse("候補の受注が見つかりません。同梱候補一覧を開き直してください。")
	}
	if len(why) > 0 {
		return refuse(strings.Join(why, "。") + "。同梱候補一覧を開き直して確かめてください。")
	}
	groups := bundle.Candidates(orders, now, days)
	if len(groups) != 1 || len(groups[0].Sales) != len(sales) {
		return refuse("購入者・お届け先・配送方法が一致しなくなりました。同梱候補一覧を開き直して確かめてください。")
	}
	g := groups[0]
	children := g.Children(parent)
	changed, err := s.d.Store.Bundle(rq.ctx(), rq.shop.ID, parent, children, now)
	if err != nil {
		if ja := staffmsg.StaffMessage(err); ja != "" {
			return refuse(ja)
		}
		return err
	}
	s.d.Logger.Info("console: bundle candidate bundled", "shop", rq.shop.ID, "parent", parent, "children", children, "changed", changed, "by", rq.user.Login)
	msg := fmt.Sprintf("受注 %s を親注文 %d に同梱しました。書き出されるのは親注文 %d だけです。", orderIDs(children), parent, parent)
	if len(changed) > 0 {
		msg += s.followExport(rq, fmt.Sprintf("bundle into sale %d", parent))
	}
	if back > 0 {
		return s.redirect(rq, orderPath(rq.shop.ID, back), msg)
	}
	return s.redirect(rq, fmt.Sprintf("/shops/%s/bundles?days=%d", rq.shop.ID, days), msg)
}
