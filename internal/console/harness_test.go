package console_test

// The harness every console test uses: the console on a real PostgreSQL store
// (internal/testenv), served over HTTP, driven by operators that each have
// their own cookie jar, with the log it writes kept to search.

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// harness is the console on its own database, served over HTTP, with its log.
type harness struct {
	t    testing.TB
	st   *stores.Stores
	srv  *console.Server
	base string     // the server's address, e.g. http://127.0.0.1:41234
	logs *logBuffer // the console's log, JSON lines at debug level
	shop string     // the shop withShop created, "" without it
	// entered counts the requests that reached the server's handler.
	entered atomic.Int64
}

// harnessOption changes how newHarness sets up the console.
type harnessOption func(*harnessSetup)

// harnessSetup is what the options of newHarness choose.
type harnessSetup struct {
	https            bool
	shopID, shopName string
	deps             func(*console.Deps)
	store            *stores.Stores
}

// onStore serves the console on st (another console's database) instead of a fresh one.
func onStore(st *stores.Stores) harnessOption {
	return func(s *harnessSetup) { s.store = st }
}

// withDeps lets a test change the console's dependencies (limits, proxies) before it starts.
func withDeps(f func(*console.Deps)) harnessOption {
	return func(s *harnessSetup) { s.deps = f }
}

// servedOverHTTPS makes the console's public URL https (Secure cookies) when https is true.
func servedOverHTTPS(https bool) harnessOption {
	return func(s *harnessSetup) { s.https = https }
}

// withShop creates the shop id (named name) up front and makes it h.shop.
func withShop(id, name string) harnessOption {
	return func(s *harnessSetup) { s.shopID, s.shopName = id, name }
}

// newHarness starts the console on a fresh PostgreSQL store; all stops at t.Cleanup.
func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	var setup harnessSetup
	for _, o := range opts {
		o(&setup)
	}
	st := setup.store
	if st == nil {
		st = testenv.OpenStore(t)
	}
	cfg, err := config.Load()
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(nil)
	public := "http://" + ts.Listener.Addr().String()
	if setup.https {
		public = "https://console.example.com"
	}
	logs := &logBuffer{}
	deps := console.Deps{Config: cfg, Store: st, Temporal: testTemporal(t), PublicURL: public,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if setup.deps != nil {
		setup.deps(&deps)
	}
	srv, err := console.New(deps)
	require.NoError(t, err)
	h := &harness{t: t, st: st, srv: srv, logs: logs}
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.entered.Add(1)
		srv.Handler().ServeHTTP(w, r)
	})
	ts.Start()
	t.Cleanup(ts.Close)
	h.base = ts.URL
	if setup.shopID != "" {
		h.addShop(setup.shopID, setup.shopName)
		h.shop = setup.shopID
	}
	return h
}

// logBuffer is a log sink safe for the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the log.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testTemporal is the package's dev server when a TestMain started one (teststack.Main), else a lazy client that is never reached.
func testTemporal(t testing.TB) client.Client {
	t.Helper()
	if teststack.DevServer != nil {
		return teststack.DevServer.Client()
	}
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Namespace: "default",
		Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// addShop creates a shop on the ColorMe test address with the default settings.
func (h *harness) addShop(id, name string) {
	h.t.Helper()
	require.NoError(h.t, h.st.Shops.CreateShop(context.Background(), shops.Shop{ID: id, Name: name, APIBaseURL: "https://colorme.test", Settings: shops.DefaultSettings()}))
}

// giveAllShops gives a staff user every shop there is now, as an admin does
// in ユーザー管理 (admins reach every shop anyway).
func (h *harness) giveAllShops(login, role string) {
	h.t.Helper()
	if role != accounts.RoleStaff {
		return
	}
	shops, err := h.st.Shops.Shops(context.Background())
	require.NoError(h.t, err)
	ids := make([]string, len(shops))
	for i, sh := range shops {
		ids[i] = sh.ID
	}
	require.NoError(h.t, h.st.Accounts.SetUserShops(context.Background(), login, ids))
}

// operator is a browser with its own cookie jar.
type operator struct {
	h        *harness
	c        *http.Client // follows redirects
	noFollow *http.Client // the same jar; returns 303s and their cookies as they are
}

// newOperator is a browser with an empty cookie jar.
func (h *harness) newOperator() *operator {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(h.t, err)
	return &operator{h: h, c: &http.Client{Jar: jar, Timeout: time.Minute},
		noFollow: &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// addUser creates an operator in the store and logs in as it through /login.
func (h *harness) addUser(login, role, password string) *operator {
	h.t.Helper()
	_, err := h.st.Accounts.CreateUser(context.Background(), login, password, role)
	require.NoError(h.t, err)
	h.giveAllShops(login, role)
	return h.login(login, password)
}

// login logs in through /login with a fresh cookie jar: a 303 to /shops, which shows who is logged in.
func (h *harness) login(login, password string) *operator {
	h.t.Helper()
	op := h.newOperator()
	res, err := op.noFollow.PostForm(h.base+"/login", url.Values{"login": {login}, "password": {password}, "next": {"/shops"}})
	require.NoError(h.t, err)
	res.Body.Close()
	require.Equal(h.t, http.StatusSeeOther, res.StatusCode, "login as %s", login)
	status, page := op.get(res.Header.Get("Location"))
	require.Equal(h.t, http.StatusOK, status, page)
	require.Contains(h.t, page, login+" (", "logged in as %s", login)
	return op
}

// session creates an operator (password "password-"+login) and a browser holding a session for it, as a login does.
func (h *harness) session(login, role string) *operator {
	h.t.Helper()
	token := h.sessionToken(login, role)
	op := h.newOperator()
	base, err := url.Parse(h.base)
	require.NoError(h.t, err)
	op.c.Jar.SetCookies(base, []*http.Cookie{{Name: "colorme_console_session", Value: token, Path: "/"}})
	return op
}

// sessionToken creates an operator (password "password-"+login) and returns the token of a new session for it.
func (h *harness) sessionToken(login, role string) string {
	h.t.Helper()
	ctx := context.Background()
	u, err := h.st.Accounts.CreateUser(ctx, login, "password-"+login, role)
	require.NoError(h.t, err)
	h.giveAllShops(login, role)
	token, err := h.st.Accounts.CreateSession(ctx, u.ID, time.Now())
	require.NoError(h.t, err)
	return token
}

// get opens a page (following redirects): its status and its HTML with entities unescaped.
func (o *operator) get(path string) (int, string) {
	o.h.t.Helper()
	resp, err := o.c.Get(o.h.base + path)
	require.NoError(o.h.t, err)
	return readPage(o.h.t, resp)
}

// post submits a form and follows the redirect (post/redirect/get).
func (o *operator) post(path string, form url.Values) (int, string) {
	o.h.t.Helper()
	resp, err := o.c.PostForm(o.h.base+path, form)
	require.NoError(o.h.t, err)
	return readPage(o.h.t, resp)
}

// upload submits the データ取込 form of shopID with the CSV data as the file name.
func (o *operator) upload(shopID, name string, data []byte) (int, string) {
	o.h.t.Helper()
	return o.postFile("/shops/"+shopID+"/upload", name, data)
}

// postFile posts data as the multipart form field "file" named name to path,
// as an upload screen's 「プレビュー」 does.
func (o *operator) postFile(path, name string, data []byte) (int, string) {
	o.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(o.h.t, err)
	_, err = fw.Write(data)
	require.NoError(o.h.t, err)
	require.NoError(o.h.t, mw.Close())
	resp, err := o.c.Post(o.h.base+path, mw.FormDataContentType(), &body)
	require.NoError(o.h.t, err)
	return readPage(o.h.t, resp)
}

// noRedirect is a browser without a session that returns redirects as they are.
func noRedirect() *http.Client {
	return &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// readPage reads and closes resp: its status and its body with HTML entities unescaped.
func readPage(t testing.TB, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, html.UnescapeString(string(b))
}
