package consoleflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// stockCatalogue is the shop's ColorMe catalogue: a T-shirt with two colours
// (stock per option), a mug, and a product without 型番.
func stockCatalogue() []colorme.Product {
	return []colorme.Product{
		{ID: 301, Name: "リネンシャツ", StockManaged: true,
			Options:  []colorme.ProductOption{{ID: 1, Name: "カラー", Values: []string{"生成り", "紺"}}},
			Variants: []colorme.ProductVariant{{Option1Value: "生成り", ModelNumber: "LS-KINARI", Stocks: 5}, {Option1Value: "紺", ModelNumber: "LS-NAVY", Stocks: 5}}},
		{ID: 302, Name: "豆皿", ModelNumber: "MAME-1", StockManaged: true, Stocks: 9},
		{ID: 303, Name: "ギフト包装", StockManaged: true, Stocks: 99},
	}
}

// colorMeStock is the sandbox's stock of a unit: a product, or its variant.
func colorMeStock(t *testing.T, sb *sandbox.Server, id int64, option string) int64 {
	t.Helper()
	p, ok := sb.Product(id)
	require.True(t, ok)
	for _, v := range p.Variants {
		if v.Option1Value == option {
			return v.Stocks
		}
	}
	return p.Stocks
}

// TestStockInBrowser: 在庫連携 as staff use it, on the real stack. 商品情報を取得
// imports the catalogue (with options) and lists what cannot be mapped; a
// Shift_JIS stock file with a problem is refused line by line, the fixed file
// previews before → after and applies, and ColorMe follows through 自動在庫連携
// without a click (the sandbox shows each SKU's available quantity, a ColorMe
// order's units held), its push in 自動処理ログ; 在庫一覧 searches by 型番; a
// SKU's on-hand is edited with a reason, shows in its history and reaches
// ColorMe; 「在庫を今すぐ送る」 while a push runs says who started it.
func TestStockInBrowser(t *testing.T) {
	cs := newConsoleStack(t)
	ctx := context.Background()
	shop := cs.AddShop(t, "zaiko")
	sh, err := cs.Store.Shops.Shop(ctx, shop) // 自動在庫連携 on (APIアクセス設定)
	require.NoError(t, err)
	sh.Settings.StockEnabled = true
	require.NoError(t, cs.Store.Shops.UpdateShop(ctx, sh))
	t.Cleanup(func() { // the trigger would outlive the stack's worker
		_ = cs.Client.TerminateWorkflow(context.Background(), workflows.StockOnChangeID(shop), "", "test over")
	})
	cs.Sandbox.SeedProducts(stockCatalogue()...)
	pw := cs.addUser(t, "sato", accounts.RoleStaff)
	require.NoError(t, cs.Store.Accounts.SetUserShops(ctx, "sato", []string{shop}))
	b := newBrowser(t)
	b.login(cs.URL, "sato", pw)
	dir := t.TempDir()

	// 在庫一覧 before any import: 商品情報を取得.
	b.open(cs.URL + "/shops/zaiko/stock")
	assert.Contains(t, b.text("#catalogue"), "まだカラーミーショップの商品情報を取得していません")
	b.shot("stock-01-no-catalogue")
	b.click("#catalogue-import")
	assert.Contains(t, b.text(".flash"), "商品情報を取得しました: 商品3件、販売単位4件 (型番で連携できるもの3件、連携できないもの1件)")
	assert.Contains(t, b.text("#unmapped-table"), "型番なし")
	assert.Contains(t, b.text("#unmapped-table"), "型番を登録し")

	// A ColorMe order of 2 × 紺, not yet imported.
	require.NoError(t, cs.Sandbox.PlaceOrder(7001, []sandbox.OrderItem{{ProductID: 301, Option1Value: "紺", Quantity: 2}}))

	// 在庫取込: a Shift_JIS file with a problem, refused by line; then the fixed file.
	b.open(cs.URL + "/shops/zaiko/stock")
	b.click(`#stock-nav a[href$="/stock/upload"]`)
	bad := sjis(t, "型番,在庫数\r\nLS-KINARI,20\r\nLS-NAVY,十\r\n")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{writeFile(t, dir, "zaiko-bad.csv", string(bad))}))
	b.click("#preview-button")
	assert.Contains(t, b.text(".error"), "問題が1件あります")
	assert.Contains(t, b.text("#problems"), "3行目")
	assert.Contains(t, b.text("#problems"), "在庫数「十」が0以上の整数ではありません")
	b.shot("stock-02-upload-problems")
	good := sjis(t, "型番,在庫数\r\nLS-KINARI,20\r\nLS-NAVY,10\r\nMAME-1,9\r\n")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{writeFile(t, dir, "zaiko.csv", string(good))}))
	b.click("#preview-button")
	assert.Contains(t, b.text("#encoding"), "Shift_JIS")
	changes := b.text("#changes")
	assert.Contains(t, changes, "LS-KINARI")
	assert.Contains(t, changes, "未登録")
	assert.Contains(t, b.text("#stock-preview"), "取込の後、自動在庫連携がカラーミーショップの在庫を数秒で合わせます。")
	b.shot("stock-03-upload-preview")
	b.click("#apply")
	assert.Contains(t, b.text(".flash"), "取込が完了しました: 3件の型番の在庫数を更新しました。")
	assert.Contains(t, b.text("#follow"), "自動在庫連携がオンのため、数秒後に在庫連携が始まり、カラーミーショップの在庫がこの変更に追従します")
	b.shot("stock-04-upload-done")

	// The push that followed (変更時) in 自動処理ログ; ColorMe then shows the available quantities.
	b.click("#push-run")
	must(t, strings.HasSuffix(b.location(), "/shops/zaiko/runs?kind=stock"), "自動処理ログ's 在庫連携 runs open, got %s", b.location())
	b.open(cs.URL + waitForRun(t, b, "在庫連携"))
	assert.Equal(t, "在庫連携", b.text("#run-kind"))
	waitFor(t, b, "#run-status.ok")
	b.shot("stock-05-push-run")
	assert.Equal(t, int64(20), colorMeStock(t, cs.Sandbox, 301, "生成り"))
	assert.Equal(t, int64(8), colorMeStock(t, cs.Sandbox, 301, "紺"), "10 on hand, 2 in the imported ColorMe order")
	assert.Equal(t, int64(9), colorMeStock(t, cs.Sandbox, 302, ""))

	// 在庫一覧: the numbers, the last push, search by 型番.
	b.open(cs.URL + "/shops/zaiko/stock")
	table := b.text("#stock-table")
	assert.Contains(t, table, "LS-NAVY")
	assert.Contains(t, b.text("#last-run"), "完了")
	b.shot("stock-06-list")
	b.fill("#q", "ls-")
	b.click("#search")
	table = b.text("#stock-table")
	assert.Contains(t, table, "LS-KINARI")
	assert.NotContains(t, table, "MAME-1")

	// A SKU's page: edit on-hand with a reason, see the history.
	b.click(`#stock-table a.sku[href$="sku=LS-NAVY"]`)
	b.fill("#on-hand", "12")
	b.fill("#reason", "棚卸しの差異")
	b.click("#edit")
	assert.Contains(t, b.text(".flash"), "型番「LS-NAVY」の在庫数を12にしました。自動在庫連携がオンのため")
	history := b.text("#movement-table")
	assert.Contains(t, history, "在庫数の修正: 棚卸しの差異")
	assert.Contains(t, history, "sato")
	assert.Contains(t, history, "在庫取込: zaiko.csv")
	b.shot("stock-07-sku-history")
	waitForNoPush(t, cs)

	// 「在庫を今すぐ送る」 while another push runs: one writer per shop, named.
	run, err := app.StartStockPush(ctx, cs.Client, cs.Config, workflows.StockPushInput{ShopID: shop, StartedBy: "suzuki", StaleWindow: 2 * time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cs.Client.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "test over")
	})
	waitForRunLogged(t, cs, shop, run.GetRunID())
	b.open(cs.URL + "/shops/zaiko/stock")
	b.click("#push-now")
	assert.Contains(t, b.text(".error"), "在庫連携はすでに実行中です (suzuki さん が")
	b.shot("stock-08-push-running")
}

// sjis encodes s as Shift_JIS, as a warehouse system writes it.
func sjis(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

// waitForNoPush waits until the edit reached ColorMe (12 on hand, 2 held)
// through the on-change stock trigger and the trigger is idle with no push of
// the shop running.
func waitForNoPush(t *testing.T, cs *consoleStack) {
	t.Helper()
	ctx := context.Background()
	lv, err := stock.New(cs.Store).Levels(ctx, "zaiko")
	require.NoError(t, err)
	assert.Equal(t, int64(12), lv["LS-NAVY"].OnHand)
	require.Eventually(t, func() bool { return colorMeStock(t, cs.Sandbox, 301, "紺") == 10 }, 2*time.Minute, 200*time.Millisecond,
		"the edit reaches ColorMe without a click")
	require.Eventually(t, func() bool {
		v, err := cs.Client.QueryWorkflow(ctx, workflows.StockOnChangeID("zaiko"), "", workflows.ProgressQuery)
		var st workflows.TriggerState
		if err != nil || v.Get(&st) != nil || st.State != workflows.TriggerIdle || st.Pending {
			return false
		}
		runs, _, err := cs.Store.ListRuns(ctx, oms.RunFilter{ShopID: "zaiko", Kind: string(oms.KindStock), Limit: 5})
		require.NoError(t, err)
		for _, r := range runs {
			if r.Status == oms.RunRunning {
				return false
			}
		}
		return true
	}, 2*time.Minute, 200*time.Millisecond, "the on-change stock trigger settles")
}

// waitForRunLogged waits until the push's run is in 自動処理ログ.
func waitForRunLogged(t *testing.T, cs *consoleStack, shop, runKey string) {
	t.Helper()
	require.Eventually(t, func() bool {
		runs, _, err := cs.Store.ListRuns(context.Background(), oms.RunFilter{ShopID: shop, Kind: string(oms.KindStock), Limit: 5})
		require.NoError(t, err)
		for _, r := range runs {
			if r.RunKey == runKey {
				return true
			}
		}
		return false
	}, time.Minute, 100*time.Millisecond)
}

// TestStockScopesInBrowser: a shop connected with the sales scopes only (what
// 取得する asks for today) cannot read the products: 「商品情報を取得」 says to
// enable the products permission and reconnect, and the shop's export keeps
// working (the shop is not marked for reconnection).
func TestStockScopesInBrowser(t *testing.T) {
	cs := newConsoleStack(t)
	ctx := context.Background()
	require.NoError(t, cs.Store.Shops.CreateShop(ctx, shops.Shop{ID: "kengen", Name: "権限不足の店", APIBaseURL: cs.SandboxURL, ClientID: cs.ClientID, Settings: shops.DefaultSettings()}))
	require.NoError(t, cs.Store.Shops.SetClientSecret(ctx, "kengen", cs.Secret))
	cs.Sandbox.SeedProducts(stockCatalogue()...)
	pw := cs.addUser(t, "kanri", accounts.RoleAdmin)
	b := newBrowser(t)
	b.login(cs.URL, "kanri", pw)
	b.open(cs.URL + "/shops/kengen/settings")
	b.click(`#connect-button`)
	b.click(`button[value=approve]`)
	assert.Equal(t, "接続済み", b.text("#connection"))

	b.open(cs.URL + "/shops/kengen/stock")
	b.click("#catalogue-import")
	msg := b.text(".error")
	assert.Contains(t, msg, "カラーミーショップが商品情報の読み取りを許可しませんでした。在庫連携には商品の権限 (read_products・write_products) が必要です。")
	assert.Contains(t, msg, "「取得する」を押して接続し直して")
	b.shot("stock-09-no-product-scope")
	sh, err := cs.Store.Shops.Shop(ctx, "kengen")
	require.NoError(t, err)
	assert.False(t, sh.ReconnectNeeded, "the sales side keeps working")
}
