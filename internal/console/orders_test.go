package console_test

// Tests of 受注一覧 and the order page: the console on a real PostgreSQL store,
// driven over HTTP by a staff session.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// ordShop is the option the order tests start the console with: the shop
// "ord" (作成期間 3 days), created up front.
var ordShop = withShop("ord", "受注テスト店")

// orders returns every order of the shop, to prove a refused action changed nothing.
func (h *harness) orders() []oms.OrderView {
	h.t.Helper()
	all, err := h.st.Orders(context.Background(), h.shop)
	require.NoError(h.t, err)
	return all
}

// order returns one order of the shop.
func (h *harness) order(sale int64) oms.OrderView {
	h.t.Helper()
	v, err := h.st.Orders(context.Background(), h.shop, sale)
	require.NoError(h.t, err)
	require.Len(h.t, v, 1)
	return v[0]
}

var ordRowPattern = regexp.MustCompile(`<tr id="order-(\d+)"`)

// ordRows returns the sale ids of the rows of 受注一覧, in order.
func ordRows(page string) []int64 {
	var ids []int64
	for _, m := range ordRowPattern.FindAllStringSubmatch(page, -1) {
		var id int64
		_, _ = fmt.Sscan(m[1], &id)
		ids = append(ids, id)
	}
	return ids
}

// ordRow returns the HTML of one row of 受注一覧.
func ordRow(t *testing.T, page string, sale int64) string {
	t.Helper()
	start := strings.Index(page, fmt.Sprintf(`<tr id="order-%d"`, sale))
	require.GreaterOrEqual(t, start, 0, "row of sale %d", sale)
	end := strings.Index(page[start:], "</tr>")
	return page[start : start+end]
}

var ordLinkPattern = regexp.MustCompile(`href="([^"]+)" id="page-(prev|next)"`)

// ordPager returns the pager's links by name (prev, next), as a browser reads them.
func ordPager(page string) map[string]string {
	out := map[string]string{}
	for _, m := range ordLinkPattern.FindAllStringSubmatch(page, -1) {
		out[m[2]] = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return out
}

// ordSeed is a shop of 120 orders at now: sale 1–120 awaiting shipment and
// updated an hour ago (targets), except the ones below, each excluded by one rule.
type ordSeed struct {
	now                                        time.Time
	newSale, cancelled, old, stale, child, flg int64
	parent                                     int64
}

// seed stores the orders of ordSeed in the shop and returns which sale is which.
func (h *harness) seed() ordSeed {
	h.t.Helper()
	now := time.Now()
	s := ordSeed{now: now, newSale: 7, cancelled: 8, old: 9, stale: 10, child: 12, parent: 11, flg: 13}
	var list []rules.Order
	for id := int64(1); id <= 120; id++ {
		o := rules.Order{SaleID: id, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-48 * time.Hour), UpdatedAt: now.Add(-time.Hour),
			Deliveries: []rules.Delivery{{ID: id * 10}}}
		switch id {
		case s.newSale:
			o.Status = rules.StatusNew
		case s.cancelled:
			o.Status = rules.StatusCancelled
		case s.old:
			o.OrderedAt, o.UpdatedAt = now.AddDate(-2, 0, 0), now.AddDate(-2, 0, 0)
			o.Status = rules.StatusCompleted
		case s.stale:
			o.UpdatedAt = now.Add(-10 * 24 * time.Hour)
			o.Status = rules.StatusShipped
			o.Deliveries[0].SlipNumber, o.Deliveries[0].ShippedOn = "4912-0000-0010", now.Add(-10*24*time.Hour).In(rules.Tokyo).Format(time.DateOnly)
		case s.parent:
			o.BundleParentSaleID = s.parent
		case s.child:
			o.BundleParentSaleID = s.parent
		}
		list = append(list, o)
	}
	ctx := context.Background()
	require.NoError(h.t, h.st.UpsertOrders(ctx, h.shop, list))
	require.NoError(h.t, h.st.DB().Exec("UPDATE orders SET flag_reason = ? WHERE shop_id = ? AND sale_id = ?",
		"cancelled on ColorMe after it shipped: check it", h.shop, s.flg).Error)
	require.NoError(h.t, h.st.DB().Exec("UPDATE deliveries SET name = ?, pref_name = ?, address1 = ? WHERE shop_id = ?",
		"山田 太郎", "東京都", "千代田区1-1", h.shop).Error)
	return s
}

// TestOrderPagesNeedSession: without a session every page and action sends the
// browser to the login page, and an action changes nothing.
func TestOrderPagesNeedSession(t *testing.T) {
	h := newHarness(t, ordShop)
	h.seed()
	before := h.orders()
	nofollow := noRedirect()
	for _, path := range []string{"/shops/ord/orders", "/shops/ord/orders/1", "/shops/ord/orders?only=excluded"} {
		resp, err := nofollow.Get(h.base + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
		assert.Equal(t, "/login?next="+url.QueryEscape(path), resp.Header.Get("Location"), path)
	}
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/shops/ord/orders/1/status", url.Values{"status": {rules.StatusShipped}}},
		{"/shops/ord/orders/1/bundle", url.Values{"mode": {"children"}, "children": {"2"}}},
		{"/shops/ord/orders/11/unbundle", nil},
		{"/shops/ord/orders/1/deliveries/10", url.Values{"slip_number": {"T-1"}}},
	} {
		resp, err := nofollow.PostForm(h.base+p.path, p.form)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, p.path)
		assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/login"), p.path)
	}
	assert.Equal(t, before, h.orders(), "nothing changed without a session")
}

// TestOrderListPagingAndFilters: 50 orders a page, newest sale first, with
// working pager links; each filter (status, 書出対象, 対象外, 要確認, 受注番号)
// shows exactly its orders, and each excluded order the reason rules.Exclusion
// (and `starter orders list`) gives.
func TestOrderListPagingAndFilters(t *testing.T) {
	h := newHarness(t, ordShop)
	s := h.seed()
	staff := h.session("staff1", accounts.RoleStaff)

	status, page := staff.get("/shops/ord/orders")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "<h1>受注一覧</h1>")
	assert.Contains(t, page, `<span id="order-count">120件</span>`)
	rows := ordRows(page)
	require.Len(t, rows, 50)
	assert.Equal(t, int64(120), rows[0])
	assert.Equal(t, int64(71), rows[49])
	links := ordPager(page)
	assert.NotContains(t, links, "prev", "the first page has nothing newer")
	require.Contains(t, links, "next")
	assert.Equal(t, "/shops/ord/orders?page=2&after=71", links["next"])
	assert.Contains(t, page, `<strong class="current" aria-current="page">1</strong>`)
	assert.Contains(t, page, `<a href="/shops/ord/orders?page=3" class="page-number">3</a>`, "page numbers up to the last")
	assert.Contains(t, page, "1 / 3ページ")
	row := ordRow(t, page, 100)
	assert.Contains(t, row, `<a href="/shops/ord/orders/100">100</a>`)
	assert.Contains(t, row, "発送待ち")
	assert.Contains(t, row, s.now.Add(-time.Hour).In(rules.Tokyo).Format("2006/01/02 15:04"), "最終更新日時 in JST")
	assert.Contains(t, row, "書出対象")

	status, page = staff.get(links["next"])
	require.Equal(t, http.StatusOK, status)
	rows = ordRows(page)
	require.Len(t, rows, 50)
	assert.Equal(t, int64(70), rows[0])
	links = ordPager(page)
	require.Contains(t, links, "prev")
	require.Contains(t, links, "next")
	status, last := staff.get(links["next"])
	require.Equal(t, http.StatusOK, status)
	rows = ordRows(last)
	require.Len(t, rows, 20)
	assert.Equal(t, []int64{20, 1}, []int64{rows[0], rows[19]})
	lastLinks := ordPager(last)
	assert.NotContains(t, lastLinks, "next", "the last page has nothing older")
	assert.Contains(t, last, "3 / 3ページ")
	_, back := staff.get(lastLinks["prev"])
	assert.Equal(t, ordRows(page), ordRows(back), "« 前へ goes back one page")
	_, numbered := staff.get("/shops/ord/orders?page=3")
	assert.Equal(t, ordRows(last), ordRows(numbered), "a page number reaches the same orders as 次へ")

	// The 対象外 filter: every excluded order with its reason.
	status, page = staff.get("/shops/ord/orders?only=excluded")
	require.Equal(t, http.StatusOK, status, page)
	assert.ElementsMatch(t, []int64{s.newSale, s.cancelled, s.old, s.stale, s.child}, ordRows(page))
	assert.Contains(t, page, `<span id="order-count">5件</span>`)
	for _, o := range h.orders() {
		why := rules.Exclusion(o.Order, time.Now(), 3)
		if why == "" {
			continue
		}
		row := ordRow(t, page, o.SaleID)
		assert.Contains(t, row, "対象外")
		if strings.HasPrefix(why, "rule 2:") {
			assert.Contains(t, row, "ルール2: 注文日時 "+o.OrderedAt.In(rules.Tokyo).Format(time.RFC3339), "sale %d", o.SaleID)
		} else {
			assert.Contains(t, row, msg.Ja(why), "sale %d shows the reason `starter orders list` gives, in Japanese", o.SaleID)
		}
		assert.NotContains(t, row, why, "no English reason")
	}
	assert.Contains(t, ordRow(t, page, s.stale), "ルール3: 最終更新日時")
	assert.Contains(t, ordRow(t, page, s.stale), "最終更新日時が作成期間 (3日) より前です")
	assert.Contains(t, ordRow(t, page, s.stale), "4912-0000-0010", "the slip number")
	assert.Contains(t, ordRow(t, page, s.child), "ルール4: 受注 11 に同梱されています")
	assert.Contains(t, ordRow(t, page, s.child), "11 に同梱")
	assert.Contains(t, ordRow(t, page, s.newSale), "ステータスが「新規受付」の注文は書き出しません")
	assert.Contains(t, page, `<option value="excluded" selected>対象外</option>`)

	// 書出対象: the others, 115 over three pages; the parent shows its child.
	status, page = staff.get("/shops/ord/orders?only=targets")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `<span id="order-count">115件</span>`)
	assert.Equal(t, "/shops/ord/orders?only=targets&page=2&after=71", ordPager(page)["next"], "the pager keeps the filter")
	_, page = staff.get("/shops/ord/orders?only=targets&page=3")
	assert.NotContains(t, page, `id="order-13"`+">", "sanity")
	ids := ordRows(page)
	assert.NotContains(t, ids, s.newSale)
	assert.NotContains(t, ids, s.child)
	assert.Contains(t, ids, s.parent)
	assert.Contains(t, ordRow(t, page, s.parent), "親注文 (子注文 1件)")

	// Status filter.
	_, page = staff.get("/shops/ord/orders?status=shipped")
	assert.Equal(t, []int64{s.stale}, ordRows(page))
	_, page = staff.get("/shops/ord/orders?status=" + rules.StatusCancelled + "&only=targets")
	assert.Empty(t, ordRows(page))
	assert.Contains(t, page, "条件に合う受注はありません")

	// 要確認.
	_, page = staff.get("/shops/ord/orders?only=flagged")
	assert.Equal(t, []int64{s.flg}, ordRows(page))
	assert.Contains(t, ordRow(t, page, s.flg), "cancelled on ColorMe after it shipped: check it")

	// 受注番号, as staff type it.
	for _, q := range []string{"10", "１０", " #10 "} {
		_, page = staff.get("/shops/ord/orders?sale=" + url.QueryEscape(q))
		assert.Equal(t, []int64{10}, ordRows(page), "sale %q", q)
	}
	_, page = staff.get("/shops/ord/orders?sale=999")
	assert.Empty(t, ordRows(page))

	// Bad filters: refused with what to do.
	for q, msg := range map[string]string{
		"sale=abc":      "受注番号は数字で入力してください",
		"status=bogus":  "ステータスの指定が正しくありません",
		"only=whatever": "書出の指定が正しくありません",
	} {
		status, page = staff.get("/shops/ord/orders?" + q)
		assert.Equal(t, http.StatusBadRequest, status, q)
		assert.Contains(t, page, msg, q)
		assert.Contains(t, page, "もう一度「絞り込む」を押してください", q)
		assert.Empty(t, ordRows(page), q)
	}

	// An admin sees the same list.
	admin := h.session("admin1", accounts.RoleAdmin)
	status, page = admin.get("/shops/ord/orders?only=excluded")
	require.Equal(t, http.StatusOK, status)
	assert.Len(t, ordRows(page), 5)
}

// TestOrderPageShowsDeliveriesAndLastExport: the order page shows the status,
// 同梱, the flag, destinations, the verdict with its reason, and each delivery's
// ColorMe state from the last export run that touched the order, linking it.
func TestOrderPageShowsDeliveriesAndLastExport(t *testing.T) {
	h := newHarness(t, ordShop)
	s := h.seed()
	ctx := context.Background()
	staff := h.session("staff1", accounts.RoleStaff)

	// Sale 5 gets a second delivery; an export run sent its first one.
	o := h.order(5)
	o.Deliveries = append(o.Deliveries, rules.Delivery{ID: 51, SlipNumber: "4912-0000-0051"})
	o.Deliveries[0].SlipNumber, o.Deliveries[0].ShippedOn = "4912-0000-0050", s.now.In(rules.Tokyo).Format(time.DateOnly)
	require.NoError(t, h.st.UpsertOrders(ctx, h.shop, []rules.Order{o.Order}))
	require.NoError(t, h.st.DB().Exec("UPDATE deliveries SET name = ?, pref_name = ?, address1 = ? WHERE shop_id = ? AND sale_id = 5",
		"山田 太郎", "東京都", "千代田区1-1", h.shop).Error)
	preview, err := h.st.StartRun(ctx, oms.Run{RunKey: "p1", ShopID: h.shop, Kind: oms.KindExport, DryRun: true, AsOf: s.now, WindowDays: 3})
	require.NoError(t, err)
	require.NoError(t, h.st.RecordOutcomes(ctx, preview, []oms.Outcome{{SaleID: 5, Outcome: rules.OutcomePlanned, Reason: "dry run: nothing written"}}))
	run, err := h.st.StartRun(ctx, oms.Run{RunKey: "r1", ShopID: h.shop, Kind: oms.KindExport, AsOf: s.now, WindowDays: 3})
	require.NoError(t, err)
	require.NoError(t, h.st.RecordOutcomes(ctx, run, []oms.Outcome{
		{SaleID: 5, Outcome: rules.OutcomeUpdated, Sent: `{"sale_deliveries":[{"id":50,"slip_number":"4912-0000-0050","delivered":true}]}`, Mailed: true},
		{SaleID: 6, Outcome: rules.OutcomeFailed, Reason: "delivery 60 is not on the ColorMe sale: check the OMS delivery ids (re-import the order)"},
	}))

	status, page := staff.get("/shops/ord/orders/5")
	require.Equal(t, http.StatusOK, status, page)
	assert.NotContains(t, page, "この受注は前回の書出のあとで更新されています")
	_, err = h.st.SetStatus(ctx, h.shop, 5, rules.StatusShipped, time.Now())
	require.NoError(t, err)
	status, page = staff.get("/shops/ord/orders/5")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "<h1>受注 5</h1>")
	assert.Contains(t, page, `<dd id="status">出荷済み</dd>`)
	assert.Contains(t, page, "書出対象")
	assert.Contains(t, page, fmt.Sprintf(`<a href="/shops/ord/runs/%d">自動処理ログ #%d</a>`, run, run), "the last real run, not the preview")
	assert.Contains(t, page, "更新しました")
	assert.Contains(t, page, "商品発送メールを送信")
	d50 := ordSection(t, page, `<tr id="delivery-50">`, "</tr>")
	assert.Contains(t, d50, "山田 太郎")
	assert.Contains(t, d50, "東京都 千代田区1-1")
	assert.Contains(t, d50, "4912-0000-0050")
	assert.Contains(t, d50, s.now.In(rules.Tokyo).Format(time.DateOnly))
	assert.Contains(t, d50, "伝票番号 4912-0000-0050・配送済み を送信しました")
	d51 := ordSection(t, page, `<tr id="delivery-51">`, "</tr>")
	assert.Contains(t, d51, "4912-0000-0051")
	assert.Contains(t, d51, "カラーミーと一致 (書き込みなし)")
	assert.Contains(t, page, "この受注は前回の書出のあとで更新されています", "the order changed after the run")

	_, page = staff.get("/shops/ord/orders/6")
	assert.Contains(t, page, "失敗")
	assert.Contains(t, page, "お届け先 60 がカラーミーショップの受注にありません")
	assert.Contains(t, ordSection(t, page, `<tr id="delivery-60">`, "</tr>"), "書き込めませんでした")

	_, page = staff.get(fmt.Sprintf("/shops/ord/orders/%d", s.stale))
	assert.Contains(t, page, "対象外")
	assert.Contains(t, page, msg.Ja(rules.Exclusion(h.order(s.stale).Order, time.Now(), 3)))
	assert.Contains(t, page, "この受注はまだ書き出されていません。")

	_, page = staff.get(fmt.Sprintf("/shops/ord/orders/%d", s.child))
	assert.Contains(t, page, `親注文 <a href="/shops/ord/orders/11">11</a> に同梱`)
	assert.Contains(t, page, "ルール4: 受注 11 に同梱されています (親注文の伝票番号が書き出されます)")
	assert.Contains(t, page, `id="unbundle-form"`)
	_, page = staff.get(fmt.Sprintf("/shops/ord/orders/%d", s.parent))
	assert.Contains(t, page, `子注文: <a href="/shops/ord/orders/12">12</a>`)

	_, page = staff.get(fmt.Sprintf("/shops/ord/orders/%d", s.flg))
	assert.Contains(t, page, "cancelled on ColorMe after it shipped: check it")

	for path, msg := range map[string]string{
		"/shops/ord/orders/999": "受注番号 999 は店舗「ord」の受注にありません。受注一覧で番号を確かめてください。",
		"/shops/ord/orders/abc": "受注番号「abc」は数字ではありません。受注一覧から受注を選んでください。",
		"/shops/nope/orders":    "店舗「nope」は登録されていません。店舗一覧から選んでください。",
	} {
		status, page = staff.get(path)
		assert.Equal(t, http.StatusNotFound, status, path)
		assert.Contains(t, page, msg, path)
	}
}

// ordSection returns page from the first from to the next to.
func ordSection(t *testing.T, page, from, to string) string {
	t.Helper()
	start := strings.Index(page, from)
	require.GreaterOrEqual(t, start, 0, "%s in the page", from)
	end := strings.Index(page[start:], to)
	require.GreaterOrEqual(t, end, 0)
	return page[start : start+end]
}

// TestOrderActions: staff set the status, bundle, unbundle and edit a slip and
// ship date from the order page; each is done by the store operation the
// starter uses, says what it did, and is logged with who did it. Bad input is
// refused with what to do, and changes nothing.
func TestOrderActions(t *testing.T) {
	h := newHarness(t, ordShop)
	s := h.seed()
	staff := h.session("staff1", accounts.RoleStaff)
	today := time.Now().In(rules.Tokyo).Format(time.DateOnly)

	refused := func(path string, form url.Values, msgs ...string) {
		t.Helper()
		before := h.orders()
		status, page := staff.post(path, form)
		assert.Equal(t, http.StatusBadRequest, status, "%s %v: %s", path, form, page)
		assert.Contains(t, page, `class="error"`)
		for _, m := range msgs {
			assert.Contains(t, page, m, "%s %v", path, form)
		}
		assert.Equal(t, before, h.orders(), "a refused %s %v changes nothing", path, form)
		assert.Regexp(t, `<meta name="get-url" content="/shops/ord/orders/\d+">`, page,
			"a reload of the refusal shows the order's page, not the form sent again")
		msg := ordSection(t, page, `<p class="error"`, "</p>")
		for _, english := range []string{"sale ", "delivery", "tracking", "ship date", "starter", "`", "&#96;"} {
			assert.NotContains(t, msg, english, "the refusal is in staff's words")
		}
	}

	// ステータスを変更.
	before := h.order(1)
	status, page := staff.post("/shops/ord/orders/1/status", url.Values{"status": {rules.StatusShipped}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "受注 1 のステータスを「発送待ち」から「出荷済み」に変更しました。")
	assert.Contains(t, page, `<dd id="status">出荷済み</dd>`)
	after := h.order(1)
	assert.Equal(t, rules.StatusShipped, after.Status)
	assert.True(t, after.UpdatedAt.After(before.UpdatedAt), "the change moves updated_at")
	_, page = staff.post("/shops/ord/orders/1/status", url.Values{"status": {rules.StatusShipped}})
	assert.Contains(t, page, "受注 1 はすでに「出荷済み」です。変更はありません。")
	refused("/shops/ord/orders/1/status", url.Values{"status": {"bogus"}}, "選択肢にないステータスです")
	_, page = staff.post(fmt.Sprintf("/shops/ord/orders/%d/status", s.flg), url.Values{"status": {rules.StatusCompleted}})
	assert.Contains(t, page, "要確認 (cancelled on ColorMe after it shipped: check it) を解除しました。")
	assert.Empty(t, h.order(s.flg).FlagReason)

	// 同梱: make sale 20 the parent of 21 and 22, then 23 joins it.
	_, page = staff.post("/shops/ord/orders/20/bundle", url.Values{"mode": {"children"}, "children": {"21、 22"}})
	assert.Contains(t, page, "受注 21, 22 を親注文 20 に同梱しました。書き出されるのは親注文 20 だけです。")
	assert.Equal(t, int64(20), h.order(21).BundleParentSaleID)
	assert.Equal(t, int64(20), h.order(20).BundleParentSaleID)
	_, page = staff.post("/shops/ord/orders/23/bundle", url.Values{"mode": {"parent"}, "parent": {"20"}})
	assert.Contains(t, page, "受注 23 を親注文 20 に同梱しました。")
	assert.Equal(t, int64(20), h.order(23).BundleParentSaleID)
	_, page = staff.get("/shops/ord/orders?only=excluded")
	assert.Contains(t, ordRow(t, page, 23), "ルール4: 受注 20 に同梱されています")

	refused("/shops/ord/orders/24/bundle", url.Values{"mode": {"children"}, "children": {"25, abc"}}, "同梱する受注番号を数字で")
	refused("/shops/ord/orders/24/bundle", url.Values{"mode": {"children"}, "children": {""}}, "同梱する受注番号を数字で")
	refused("/shops/ord/orders/24/bundle", url.Values{"mode": {"parent"}, "parent": {"x"}}, "親注文の受注番号を数字で")
	refused("/shops/ord/orders/24/bundle", url.Values{"mode": {"children"}, "children": {fmt.Sprint(s.cancelled)}},
		"同梱できませんでした: ", fmt.Sprintf("受注番号 %d はステータスが「キャンセル」のため同梱できません", s.cancelled), "受注ページでステータスを変更してください")
	refused("/shops/ord/orders/24/bundle", url.Values{"mode": {"children"}, "children": {"21"}},
		"同梱できませんでした: 受注番号 21 はすでに親注文 20 に同梱されています。先に受注 21 のページで「同梱を解除」してから、もう一度同梱してください。")
	refused("/shops/ord/orders/24/bundle", url.Values{"mode": {"children"}, "children": {"99999"}},
		"受注番号 99999 は店舗「ord」の受注データにありません。", "受注取得 (APIアクセス設定の自動取得「今すぐ実行」)を実行してから")
	refused("/shops/ord/orders/24/bundle", url.Values{"mode": {"parent"}, "parent": {"21"}}, "受注番号 21 は親注文 20 に同梱された子注文のため、親注文にできません。")
	refused("/shops/ord/orders/20/bundle", url.Values{"mode": {"children"}, "children": {"20"}}, "受注番号 20 が2回指定されています")
	refused("/shops/ord/orders/24/bundle", url.Values{"children": {"25"}}, "ボタンから操作してください")
	_, page = staff.post("/shops/ord/orders/24/bundle", url.Values{"mode": {"children"}, "children": {"25, abc"}})
	assert.Contains(t, page, `value="25, abc"`, "the refused input is filled in again")

	// 同梱を解除: a child leaves; then the parent dissolves the rest.
	_, page = staff.post("/shops/ord/orders/23/unbundle", nil)
	assert.Contains(t, page, "同梱を解除しました (受注 23)。")
	assert.Zero(t, h.order(23).BundleParentSaleID)
	_, page = staff.post("/shops/ord/orders/20/unbundle", nil)
	assert.Contains(t, page, "同梱を解除しました (受注 20, 21, 22)。")
	assert.Zero(t, h.order(21).BundleParentSaleID)
	refused("/shops/ord/orders/20/unbundle", nil, "同梱を解除できませんでした: 受注番号 20 は同梱されていないため、解除するものはありません")

	// 伝票番号・出荷日.
	before = h.order(30)
	_, page = staff.post("/shops/ord/orders/30/deliveries/300", url.Values{"slip_number": {"4912-3456-0300"}, "ship_date": {today}})
	assert.Contains(t, page, "お届け先 300 の伝票番号 4912-3456-0300・出荷日 "+today+" を保存しました。")
	after = h.order(30)
	assert.Equal(t, []rules.Delivery{{ID: 300, SlipNumber: "4912-3456-0300", ShippedOn: today}}, after.Deliveries)
	assert.True(t, after.UpdatedAt.After(before.UpdatedAt))
	assert.Contains(t, ordSection(t, page, `<tr id="delivery-300">`, "</tr>"), "4912-3456-0300")
	// The CSV import's date forms are accepted; an empty date keeps the date.
	_, page = staff.post("/shops/ord/orders/31/deliveries/310", url.Values{"slip_number": {"4912-3456-0310"}, "ship_date": {strings.ReplaceAll(today, "-", "/")}})
	assert.Contains(t, page, "を保存しました。")
	assert.Equal(t, today, h.order(31).Deliveries[0].ShippedOn)
	_, page = staff.post("/shops/ord/orders/31/deliveries/310", url.Values{"slip_number": {"4912-3456-9999"}})
	assert.Contains(t, page, "伝票番号 4912-3456-9999・出荷日 "+today+" を保存しました。")
	assert.Contains(t, page, "受注番号 31 のお届け先ID 310 の伝票番号は、4912-3456-0310 から 4912-3456-9999 への上書きです。", "the store's note, in Japanese")
	assert.NotContains(t, page, "replaces")
	_, page = staff.post("/shops/ord/orders/31/deliveries/310", url.Values{"slip_number": {"4912-3456-9999"}})
	assert.Contains(t, page, "お届け先 310 はすでにこの伝票番号・出荷日です。変更はありません。")

	refused("/shops/ord/orders/32/deliveries/320", url.Values{"slip_number": {""}}, "保存できませんでした: 伝票番号が空欄です。", "もう一度「保存」を押してください")
	refused("/shops/ord/orders/32/deliveries/320", url.Values{"slip_number": {"4912 34"}}, "伝票番号「4912 34」に空白が入っています")
	refused("/shops/ord/orders/32/deliveries/320", url.Values{"slip_number": {"4912-1, 4912-2"}}, "1つの欄に伝票番号が2件あります")
	refused("/shops/ord/orders/32/deliveries/320", url.Values{"slip_number": {"T-1"}, "ship_date": {"2026-02-30"}}, "出荷日「2026-02-30」が日付として読めません")
	refused("/shops/ord/orders/32/deliveries/320", url.Values{"slip_number": {"T-1"}, "ship_date": {"2001-01-01"}}, "出荷日 2001-01-01 が受注番号 32 の注文日")
	refused("/shops/ord/orders/32/deliveries/999", url.Values{"slip_number": {"T-1"}}, "受注番号 32 にお届け先ID 999 はありません (この受注のお届け先ID: 320)")
	refused(fmt.Sprintf("/shops/ord/orders/%d/deliveries/%d", s.cancelled, s.cancelled*10), url.Values{"slip_number": {"T-1"}},
		"ステータスが「キャンセル」のため、伝票番号を登録できません", "受注ページでステータスを変更してから")
	_, page = staff.post("/shops/ord/orders/32/deliveries/320", url.Values{"slip_number": {"4912 34"}, "ship_date": {today}})
	assert.Contains(t, page, `value="4912 34"`, "the refused input is filled in again")

	// Admins may do the same; every action is logged with who did it.
	admin := h.session("admin1", accounts.RoleAdmin)
	_, page = admin.post("/shops/ord/orders/33/status", url.Values{"status": {rules.StatusOnHold}})
	assert.Contains(t, page, "「保留」に変更しました")
	logs := h.logs.String()
	for _, msg := range []string{"console: order status set", "console: orders bundled", "console: order unbundled", "console: delivery shipment saved", "console: order action refused"} {
		assert.Contains(t, logs, `"msg":"`+msg+`"`)
	}
	assert.Contains(t, logs, `"by":"staff1"`)
	assert.Contains(t, logs, `"by":"admin1"`)

	// Unknown orders are 404 with what to do, and nothing changes.
	before2 := h.orders()
	status, page = staff.post("/shops/ord/orders/999/status", url.Values{"status": {rules.StatusShipped}})
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, page, "受注一覧で番号を確かめてください")
	assert.Equal(t, before2, h.orders())
}
