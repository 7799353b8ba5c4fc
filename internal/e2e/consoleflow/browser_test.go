package consoleflow_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// chromium returns Debian's Chromium: $CHROMIUM, or chromium on PATH. Without it
// the browser tests are skipped on a developer machine and fail in CI.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed: apt-get install chromium chromium-driver fonts-noto-cjk")
	}
	t.Skip("Chromium is not installed (apt-get install chromium fonts-noto-cjk); skipping the browser tests")
	return ""
}

// consoleStack is the real stack (dev server, database, sandbox, worker) with
// the console served on a local port, as a user runs it.
type consoleStack struct {
	*teststack.Stack
	URL      string
	Server   *console.Server
	ClientID string
	Secret   string
}

func newConsoleStack(t *testing.T) *consoleStack {
	t.Helper()
	stack := teststack.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String()
	srv, err := console.New(console.Deps{Config: stack.Config, Store: stack.Store, Temporal: stack.Client, PublicURL: url})
	require.NoError(t, err)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	cs := &consoleStack{Stack: stack, URL: url, Server: srv, ClientID: "console-app-" + strings.ToLower(t.Name()[:4]), Secret: "client-secret-7d41c0e9b2a84f55"}
	stack.Sandbox.AddClient(sandboxClient(cs.ClientID, cs.Secret, srv.CallbackURL()))
	return cs
}

// addUser creates an operator account.
func (cs *consoleStack) addUser(t *testing.T, login, role string) string {
	t.Helper()
	pw := "pass-" + login + "-0123456789"
	_, err := cs.Store.Accounts.CreateUser(context.Background(), login, pw, role)
	require.NoError(t, err)
	return pw
}

// browser is one headless Chromium session.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A Japanese-locale browser, as shop staff have: Chromium on Linux takes
		// its UI locale (the date inputs' 年/月/日, the file input's
		// 「ファイルを選択」) from LANGUAGE/LANG, not from --lang alone; the
		// strings come from Debian's chromium-l10n.
		chromedp.Flag("lang", "ja-JP"),
		chromedp.Flag("accept-lang", "ja-JP,ja"),
		chromedp.Env("LANG=ja_JP.UTF-8", "LANGUAGE=ja"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	_, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err, "starting Chromium")
	return &browser{t: t, ctx: ctx}
}

// do runs actions with a deadline, failing the test with the page's text when
// one does not complete.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatal(err)
	}
}

func (b *browser) fatal(err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	b.t.Fatalf("browser: %v\n at %s\n page: %s", err, loc, text)
}

// get runs one action that returns a value.
func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatal(err)
	}
	return v
}

// open loads a page and waits for its title.
func (b *browser) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main h1")))
}

// text returns the visible text of the first element matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Text(chromedp.CSS(sel)))
}

// source returns the page's HTML as the browser has it.
func (b *browser) source() string {
	b.t.Helper()
	return get(b, chromedp.OuterHTML(chromedp.CSS("html")))
}

// location returns the current URL.
func (b *browser) location() string {
	b.t.Helper()
	return get(b, chromedp.Location())
}

// shot takes a full-page screenshot of the current screen: into
// $SCREENSHOT_DIR when set (`make screenshots` sets docs/screenshots, the
// pictures of docs/manual.ja.md and docs/console.md), else into the test's
// temporary directory.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := get(b, chromedp.FullScreenshot(100))
	require.NotEmpty(b.t, png)
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = b.t.TempDir()
	} else if !filepath.IsAbs(dir) {
		root, err := teststack.RepoRoot()
		require.NoError(b.t, err)
		dir = filepath.Join(root, dir)
	}
	require.NoError(b.t, os.MkdirAll(dir, 0o755))
	require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// click clicks the element and waits for the page it leads to.
func (b *browser) click(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		b.fatal(err)
	}
	b.do(chromedp.WaitReady(chromedp.CSS("body")))
}

// fill replaces an input's value.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.do(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// login signs in on the login page.
func (b *browser) login(base, login, password string) {
	b.t.Helper()
	b.open(base + "/login")
	b.fill(`input[name=login]`, login)
	b.fill(`input[name=password]`, password)
	b.click(`form[action="/login"] button[type=submit]`)
}

func must(t *testing.T, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf(format, args...)
	}
}
