package consoleflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/stretchr/testify/assert"
)

// TestManualScreens takes the screenshots of the staff manual
// (docs/manual.ja.md) that TestConsoleInBrowser does not: 配送・決済方法, a
// 受注取得 started by 今すぐ実行 on the paused 自動取得 (the confirmation, then
// its run in 自動処理ログ), and ユーザー管理. `make screenshots` runs it.
func TestManualScreens(t *testing.T) {
	cs := newConsoleStack(t)
	adminPW := cs.addUser(t, "tanaka", accounts.RoleAdmin)
	cs.addUser(t, "suzuki", accounts.RoleStaff)
	b := newBrowser(t)
	b.login(cs.URL, "tanaka", adminPW)

	// 接続する: 店舗を追加, クライアントID and シークレット, 「取得する」, 承認する.
	b.open(cs.URL + "/shops")
	b.fill(`input[name=id]`, "myshop")
	b.fill(`input[name=name]`, "テスト雑貨店")
	b.fill(`input[name=api_base_url]`, cs.SandboxURL)
	b.click(`form[action="/shops"] button[type=submit]`)
	b.fill(`input[name=client_id]`, cs.ClientID)
	b.fill(`input[name=client_secret]`, cs.Secret)
	b.click(`#save`)
	b.click(`#connect-button`)
	b.click(`button[value=approve]`)
	must(t, b.text("#connection") == "接続済み", "the shop must be connected, got %q", b.text("#connection"))
	seedOrders(t, cs, "myshop")

	// 配送・決済方法: read from ColorMe when the shop connected.
	b.open(cs.URL + "/shops/myshop/methods")
	assert.Contains(t, b.text("main"), "送り状ソフト")
	b.shot("19-methods")

	// 受注取込: 今すぐ実行 on the paused 自動取得 asks first, then runs once.
	b.open(cs.URL + "/shops/myshop/settings")
	b.click(`#schedule-import form[action$="/run"] button`)
	assert.Contains(t, b.text("#schedule-confirm"), "今回だけ実行しますか")
	b.shot("20-import-confirm")
	b.click(`#run-anyway`)
	b.open(cs.URL + "/shops/myshop/runs")
	href := waitForRun(t, b, "受注取得")
	b.open(cs.URL + href)
	assert.Contains(t, b.text("main"), "受注取得")
	b.shot("21-import-run")

	// ユーザー管理: accounts, roles and 担当店舗 (admins only).
	b.open(cs.URL + "/users")
	assert.Contains(t, b.text("main"), "suzuki")
	b.shot("22-users")
}

// waitForRun reloads 自動処理ログ until a finished run of the kind (its label,
// e.g. 受注取得) is listed, and returns the path of its page.
func waitForRun(t *testing.T, b *browser, kind string) string {
	t.Helper()
	js := `(() => { const r = [...document.querySelectorAll('#runs tbody tr')].find(r => r.textContent.includes('` +
		kind + `') && r.textContent.includes('完了')); return r ? r.querySelector('a').getAttribute('href') : ''; })()`
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if href := get(b, chromedp.Evaluate[string](js)); strings.HasPrefix(href, "/") {
			return href
		}
		time.Sleep(500 * time.Millisecond)
		b.do(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("main h1")))
	}
	t.Fatalf("no finished %s run in 自動処理ログ within 2 minutes: %s", kind, b.text("main"))
	return ""
}
