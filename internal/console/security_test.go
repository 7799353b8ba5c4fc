package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

func TestEveryPageNeedsASession(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	require.NoError(t, h.st.Shops.CreateShop(ctx, shops.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
	for _, path := range []string{"/", "/shops", "/shops/myshop/settings", "/shops/myshop/export", "/shops/myshop/orders",
		"/shops/myshop/upload", "/shops/myshop/runs", "/users", console.CallbackPath + "?code=x&state=y"} {
		res, err := noRedirect().Get(h.base + path)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, path)
		assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login?next="), "%s → %s", path, res.Header.Get("Location"))
	}
	// A POST without a session changes nothing.
	res, err := noRedirect().PostForm(h.base+"/shops/myshop/settings", url.Values{"window_days": {"9"}})
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	sh, err := h.st.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 3, sh.Settings.WindowDays)
}

func TestSessionCookieAndHeaders(t *testing.T) {
	for _, https := range []bool{false, true} {
		h := newHarness(t, servedOverHTTPS(https))
		_, err := h.st.Accounts.CreateUser(context.Background(), "suzuki", "correct-horse-battery", accounts.RoleStaff)
		require.NoError(t, err)
		res, err := noRedirect().PostForm(h.base+"/login", url.Values{"login": {"suzuki"}, "password": {"correct-horse-battery"}})
		require.NoError(t, err)
		res.Body.Close()
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "colorme_console_session" {
				session = c
			}
		}
		require.NotNil(t, session)
		assert.True(t, session.HttpOnly)
		assert.Equal(t, http.SameSiteLaxMode, session.SameSite)
		assert.Equal(t, https, session.Secure, "Secure exactly when served over https")

		res, err = http.Get(h.base + "/login")
		require.NoError(t, err)
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "frame-ancestors 'none'")
		assert.Contains(t, csp, "script-src 'self'")
		assert.NotContains(t, csp, "unsafe-inline")
		assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	require.NoError(t, h.st.Shops.CreateShop(ctx, shops.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
	hc := h.addUser("tanaka", accounts.RoleAdmin, "correct-horse-battery").noFollow

	// A form on another site posting into the console with the operator's cookie.
	req, _ := http.NewRequest(http.MethodPost, h.base+"/shops/myshop/settings", strings.NewReader("window_days=9&export_enabled=on"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err := hc.Do(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	_, text := readPage(t, res)
	assert.Contains(t, text, "別のサイトからの送信は受け付けません")
	sh, err := h.st.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 3, sh.Settings.WindowDays, "nothing changed")

	// The same post from the console itself is accepted (an admin saving).
	req, _ = http.NewRequest(http.MethodPost, h.base+"/shops/myshop/settings", strings.NewReader(
		"api_base_url=https%3A%2F%2Fapi.shop-pro.jp&window_days=9&import_days=7&import_interval_minutes=30&export_interval_minutes=30&export_enabled=on"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err = hc.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	sh, err = h.st.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 9, sh.Settings.WindowDays)
}

func TestLoginThrottledPerAccountAtAddress(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.st.Accounts.CreateUser(ctx, "tanaka", "correct-horse-battery", accounts.RoleAdmin)
	require.NoError(t, err)
	post := func(login, pw string) int {
		res, err := noRedirect().PostForm(h.base+"/login", url.Values{"login": {login}, "password": {pw}})
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	for i := 0; i < 5; i++ {
		assert.Equal(t, http.StatusUnauthorized, post("tanaka", "wrong-password-"+string(rune('a'+i))))
	}
	// The account is locked: even the right password waits.
	assert.Equal(t, http.StatusTooManyRequests, post("tanaka", "correct-horse-battery"))
	// Only this account from this address: another account from the same
	// address (everyone behind one proxy) is not locked out.
	assert.Equal(t, http.StatusUnauthorized, post("someone-else", "whatever-password"))
	assert.Contains(t, h.logs.String(), "login throttled")
}

func TestStaffCannotReachAdminActions(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	require.NoError(t, h.st.Shops.CreateShop(ctx, shops.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
	hc := h.addUser("suzuki", accounts.RoleStaff, "correct-horse-battery").noFollow
	for _, p := range []struct{ method, path string }{
		{"POST", "/shops/myshop/settings"}, {"POST", "/shops/myshop/connect"}, {"POST", "/shops"},
		{"GET", "/users"}, {"POST", "/users"},
	} {
		req, _ := http.NewRequest(p.method, h.base+p.path, strings.NewReader("id=other&window_days=9&login=x&role=admin"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := hc.Do(req)
		require.NoError(t, err)
		_, text := readPage(t, res)
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s %s", p.method, p.path)
		assert.Contains(t, text, "管理者", "%s %s says who can", p.method, p.path)
	}
	sh, err := h.st.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 3, sh.Settings.WindowDays)
	shops, err := h.st.Shops.Shops(ctx)
	require.NoError(t, err)
	assert.Len(t, shops, 1)
}

func TestSecretsNeverRendered(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const secret, token = "client-secret-5b0e1d7a9c", "access-token-2f8c4e6a1b"
	require.NoError(t, h.st.Shops.CreateShop(ctx, shops.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp", ClientID: "app-1"}))
	require.NoError(t, h.st.Shops.SetClientSecret(ctx, "myshop", secret))
	require.NoError(t, h.st.Shops.SetAccessToken(ctx, "myshop", token))
	hc := h.addUser("tanaka", accounts.RoleAdmin, "correct-horse-battery").noFollow
	for _, path := range []string{"/shops", "/shops/myshop/settings", "/shops/myshop/export", "/shops/myshop/orders", "/shops/myshop/runs", "/shops/myshop/upload"} {
		res, err := hc.Get(h.base + path)
		require.NoError(t, err)
		_, page := readPage(t, res)
		assert.Equal(t, 0, strings.Count(page, secret), "%s shows the client secret", path)
		assert.Equal(t, 0, strings.Count(page, token), "%s shows the access token", path)
	}
	assert.NotContains(t, h.logs.String(), secret)
	assert.NotContains(t, h.logs.String(), token)
}

func TestOAuthCallbackNeedsThisBrowsersState(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	require.NoError(t, h.st.Shops.CreateShop(ctx, shops.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
	hc := h.addUser("tanaka", accounts.RoleAdmin, "correct-horse-battery").noFollow
	// A callback this browser did not start (a link on another page) is refused.
	res, err := hc.Get(h.base + console.CallbackPath + "?code=attacker-code&state=attacker-state")
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	_, text := readPage(t, res)
	assert.Contains(t, text, "もう一度「取得する」を押してください")
	sh, err := h.st.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.False(t, sh.HasAccessToken)
}

// TestSecurityCSRFMatrix: every state-changing form, posted from another site
// in each way a browser can, is refused before it acts (login CSRF included).
func TestSecurityCSRFMatrix(t *testing.T) {
	h := newHarness(t, withShop("myshop", "雑貨店"))
	admin := h.addUser("tanaka", accounts.RoleAdmin, "correct-horse-battery")
	posts := []string{"/login", "/logout", "/shops", "/shops/myshop/settings", "/shops/myshop/connect", "/shops/myshop/schedules/import/pause",
		"/shops/myshop/export/preview", "/shops/myshop/export/start", "/shops/myshop/orders/1/status", "/shops/myshop/orders/1/paid", "/shops/myshop/payments", "/shops/myshop/payments/apply", "/shops/myshop/upload",
		"/shops/myshop/upload/apply", "/shops/myshop/labels", "/shops/myshop/runs/1/retry", "/users", "/users/tanaka/role",
		"/users/tanaka/password", "/users/tanaka/shops", "/users/tanaka/delete"}
	origins := []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.example"},
		{"Origin": "https://evil.example"},
	}
	for _, p := range posts {
		for _, hdr := range origins {
			req, _ := http.NewRequest(http.MethodPost, h.base+p, strings.NewReader("login=tanaka&password=correct-horse-battery&role=staff&confirm=on"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			res, err := admin.noFollow.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusForbidden, res.StatusCode, "POST %s with %v", p, hdr)
		}
	}
	users, err := h.st.Accounts.Users(context.Background())
	require.NoError(t, err)
	require.Len(t, users, 1)
	assert.Equal(t, accounts.RoleAdmin, users[0].Role, "nothing changed")
}

// TestSecuritySessionFixation: a session cookie planted before login is
// replaced by a new one, and the planted value never becomes a session.
func TestSecuritySessionFixation(t *testing.T) {
	h := newHarness(t)
	_, err := h.st.Accounts.CreateUser(context.Background(), "tanaka", "correct-horse-battery", accounts.RoleAdmin)
	require.NoError(t, err)
	const planted = "ATTACKERCHOSENTOKENATTACKERCHOSENTOKEN"
	op := h.newOperator()
	base, _ := url.Parse(h.base)
	op.c.Jar.SetCookies(base, []*http.Cookie{{Name: "colorme_console_session", Value: planted, Path: "/"}})
	res, err := op.noFollow.PostForm(h.base+"/login", url.Values{"login": {"tanaka"}, "password": {"correct-horse-battery"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	var issued string
	for _, c := range res.Cookies() {
		if c.Name == "colorme_console_session" {
			issued = c.Value
		}
	}
	assert.NotEmpty(t, issued)
	assert.NotEqual(t, planted, issued)
	attacker := h.newOperator()
	attacker.c.Jar.SetCookies(base, []*http.Cookie{{Name: "colorme_console_session", Value: planted, Path: "/"}})
	res, err = attacker.noFollow.Get(h.base + "/shops")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "the planted token is no session")
}

// TestSecurityXSSThroughColorMeData: markup in ColorMe's data (a customer's
// name, address, item) is escaped on every page that shows it.
func TestSecurityXSSThroughColorMeData(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const shop = "xss"
	h.addShop(shop, "雑貨店")
	now := time.Now()
	run, err := h.st.StartImport(ctx, oms.Run{ShopID: shop, RunKey: "seed-xss", Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	payloads := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `javascript:alert(3)`, `<svg onload=alert(4)>`}
	_, err = h.st.ApplyImport(ctx, shop, run, []oms.ImportedSale{{SaleID: 120000077, OrderedAt: now.Add(-time.Hour), Deliveries: []oms.ImportedDelivery{
		{ID: 3500077, Name: payloads[0], PrefName: "大阪府", Address1: payloads[1], Address2: payloads[3], Postal: "5300001", Tel: "06-6111-2222", PreferredPeriod: payloads[2]}},
		Items: []oms.ImportedItem{{ID: 1, DeliveryID: 3500077, Name: payloads[3], Quantity: 1}}}}, now)
	require.NoError(t, err)
	_, err = h.st.SetStatus(ctx, shop, 120000077, rules.StatusAwaitingShipment, now)
	require.NoError(t, err)
	staff := h.addUser("staff1", accounts.RoleStaff, "staff-password-1")
	raw := func(res *http.Response) string {
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return string(b)
	}
	pages := map[string]string{}
	for _, p := range []string{"/shops/xss/orders", "/shops/xss/orders/120000077"} {
		res, err := staff.c.Get(h.base + p)
		require.NoError(t, err)
		pages[p] = raw(res)
	}
	res, err := staff.c.PostForm(h.base+"/shops/xss/labels", url.Values{"format": {"b2"}, "sales": {"120000077"}, "action": {"check"}, "shipper_name": {payloads[0]}})
	require.NoError(t, err)
	pages["labels 確認"] = raw(res)
	for name, page := range pages {
		for _, p := range []string{"<script>alert", "<img src=x", "<svg onload", `href="javascript:`} {
			assert.NotContains(t, page, p, "%s shows markup from ColorMe unescaped", name)
		}
	}
	assert.Contains(t, pages["/shops/xss/orders/120000077"], "&lt;script&gt;alert(1)&lt;/script&gt;", "the name is shown, escaped")
}
