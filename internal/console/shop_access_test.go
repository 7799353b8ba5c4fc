package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/notify"
)

// TestStaffReachOnlyTheirShops: a staff user sees and acts on only the shops
// an admin gave them; another shop's ID in a URL answers 404 as an unknown
// shop does. Admins reach every shop and give shops in ユーザー管理.
func TestStaffReachOnlyTheirShops(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.addShopWithOrders("alpha", map[int64][]int64{1001: {10011}})
	admin := h.addUser("tanaka", accounts.RoleAdmin, "admin-password-1")
	_, err := h.st.Accounts.CreateUser(ctx, "suzuki", "staff-password-1", accounts.RoleStaff)
	require.NoError(t, err)
	h.addShopWithOrders("beta", map[int64][]int64{2001: {20011}})
	status, page := admin.post("/users/suzuki/shops", url.Values{"shop": {"alpha"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "担当店舗を保存しました")
	staff := h.login("suzuki", "staff-password-1")

	_, page = staff.get("/shops")
	assert.Contains(t, page, "/shops/alpha/")
	assert.NotContains(t, page, "beta", "another shop is not listed")
	res, err := staff.noFollow.Get(h.base + "/")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, "/shops/alpha/runs", res.Header.Get("Location"), "one shop: home opens it")

	_, unknown := staff.get("/shops/nosuch/orders")
	for _, p := range []struct{ method, path string }{
		{"GET", "/shops/beta/orders"}, {"GET", "/shops/beta/orders/2001"}, {"GET", "/shops/beta/settings"}, {"GET", "/shops/beta/export"},
		{"GET", "/shops/beta/upload"}, {"GET", "/shops/beta/labels"}, {"GET", "/shops/beta/runs"},
		{"POST", "/shops/beta/orders/2001/status"}, {"POST", "/shops/beta/labels"}, {"POST", "/shops/beta/export/start"},
		{"POST", "/shops/beta/schedules/import/pause"}, {"POST", "/shops/beta/upload/apply"},
		{"GET", "/shops/beta/payments"}, {"POST", "/shops/beta/payments/apply"},
	} {
		req, _ := http.NewRequest(p.method, h.base+p.path, strings.NewReader("status=shipped&format=b2&sales=2001&action=check"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := staff.noFollow.Do(req)
		require.NoError(t, err)
		status, page := readPage(t, res)
		assert.Equal(t, http.StatusNotFound, status, "%s %s", p.method, p.path)
		assert.Contains(t, page, "店舗「beta」は登録されていません", "%s %s answers as an unknown shop", p.method, p.path)
		assert.Equal(t, strings.ReplaceAll(unknown, "nosuch", "beta"), strings.ReplaceAll(page, "nosuch", "beta"), "%s %s: the same page as an unknown shop", p.method, p.path) // nothing tells it exists
	}
	o, err := h.st.Order(ctx, "beta", 2001)
	require.NoError(t, err)
	assert.NotEqual(t, "shipped", o.Status, "nothing changed in the other shop")

	status, _ = staff.get("/shops/alpha/orders")
	assert.Equal(t, http.StatusOK, status)
	status, _ = admin.get("/shops/beta/orders")
	assert.Equal(t, http.StatusOK, status, "an admin reaches every shop")

	// Given beta instead, the staff user reaches beta and no longer alpha.
	admin.post("/users/suzuki/shops", url.Values{"shop": {"beta"}})
	status, _ = staff.get("/shops/beta/orders")
	assert.Equal(t, http.StatusOK, status)
	status, _ = staff.get("/shops/alpha/orders")
	assert.Equal(t, http.StatusNotFound, status)
	// A staff user cannot give itself shops.
	res, err = staff.noFollow.PostForm(h.base+"/users/suzuki/shops", url.Values{"shop": {"alpha"}})
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
}

// TestStaffSeeOnlyTheirShopsNotices: お知らせ, its header count and 稼働状況
// show a staff user only the shops they were given; an admin sees all.
func TestStaffSeeOnlyTheirShopsNotices(t *testing.T) {
	h := newHarness(t, withShop("alpha", "アルファ店"))
	ctx := context.Background()
	admin := h.addUser("tanaka", accounts.RoleAdmin, "admin-password-1")
	_, err := h.st.Accounts.CreateUser(ctx, "suzuki", "staff-password-1", accounts.RoleStaff)
	require.NoError(t, err)
	h.addShop("beta", "ベータ店")
	status, page := admin.post("/users/suzuki/shops", url.Values{"shop": {"alpha"}})
	require.Equal(t, http.StatusOK, status, page)
	notes := notify.NewStore(h.st.DB())
	_, err = notes.Reconcile(ctx, "beta", notify.ShopKinds, []notify.Condition{{ShopID: "beta", Kind: notify.KindReconnect,
		Summary: "カラーミーショップへの再接続が必要です", Detail: "「取得する」を押してください。", FixPath: "/shops/beta/settings"}}, time.Now(), time.Hour)
	require.NoError(t, err)

	staff := h.login("suzuki", "staff-password-1")
	_, page = staff.get("/notices")
	assert.NotContains(t, page, "ベータ店", "another shop's problem is not listed")
	assert.Contains(t, page, "現在、対応が必要なお知らせはありません。")
	assert.NotContains(t, page, `お知らせ <span class="badge bad">1</span>`, "the header does not count it")
	_, page = staff.get("/status")
	assert.NotContains(t, page, "ベータ店")
	assert.NotContains(t, page, `id="status-beta"`)

	_, page = admin.get("/notices")
	assert.Contains(t, page, "ベータ店")
	assert.Contains(t, page, `お知らせ <span class="badge bad">1</span>`)
	_, page = admin.get("/status")
	assert.Contains(t, page, `id="status-beta"`)
}
