package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

func TestEveryPageNeedsASession(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	require.NoError(t, h.st.CreateShop(ctx, oms.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
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
	sh, err := h.st.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 3, sh.Settings.WindowDays)
}

func TestSessionCookieAndHeaders(t *testing.T) {
	for _, https := range []bool{false, true} {
		h := newHarness(t, servedOverHTTPS(https))
		_, err := h.st.CreateUser(context.Background(), "suzuki", "correct-horse-battery", oms.RoleStaff)
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
	require.NoError(t, h.st.CreateShop(ctx, oms.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
	hc := h.addUser("tanaka", oms.RoleAdmin, "correct-horse-battery").noFollow

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
	sh, err := h.st.Shop(ctx, "myshop")
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
	sh, err = h.st.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 9, sh.Settings.WindowDays)
}

func TestLoginThrottledPerAccountAtAddress(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.st.CreateUser(ctx, "tanaka", "correct-horse-battery", oms.RoleAdmin)
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
	require.NoError(t, h.st.CreateShop(ctx, oms.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
	hc := h.addUser("suzuki", oms.RoleStaff, "correct-horse-battery").noFollow
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
	sh, err := h.st.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 3, sh.Settings.WindowDays)
	shops, err := h.st.Shops(ctx)
	require.NoError(t, err)
	assert.Len(t, shops, 1)
}

func TestSecretsNeverRendered(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const secret, token = "client-secret-5b0e1d7a9c", "access-token-2f8c4e6a1b"
	require.NoError(t, h.st.CreateShop(ctx, oms.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp", ClientID: "app-1"}))
	require.NoError(t, h.st.SetClientSecret(ctx, "myshop", secret))
	require.NoError(t, h.st.SetAccessToken(ctx, "myshop", token))
	hc := h.addUser("tanaka", oms.RoleAdmin, "correct-horse-battery").noFollow
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
	require.NoError(t, h.st.CreateShop(ctx, oms.Shop{ID: "myshop", APIBaseURL: "https://api.shop-pro.jp"}))
	hc := h.addUser("tanaka", oms.RoleAdmin, "correct-horse-battery").noFollow
	// A callback this browser did not start (a link on another page) is refused.
	res, err := hc.Get(h.base + console.CallbackPath + "?code=attacker-code&state=attacker-state")
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	_, text := readPage(t, res)
	assert.Contains(t, text, "もう一度「取得する」を押してください")
	sh, err := h.st.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.False(t, sh.HasAccessToken)
}
