package consoleflow_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// today is today's date in Tokyo, as staff write a ship date.
func today() string { return time.Now().In(rules.Tokyo).Format("2006/01/02") }

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// seedOrders gives the shop three orders and ColorMe the same three sales, none
// shipped: 5001 and 5002 awaiting shipment and recent, 5003 last changed ten
// days ago, outside the 作成期間 of 5 days.
func seedOrders(t *testing.T, cs *consoleStack, shopID string) {
	t.Helper()
	now := time.Now()
	day := 24 * time.Hour
	orders := []rules.Order{
		{SaleID: 5001, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-2 * day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 9001}}},
		{SaleID: 5002, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-2 * day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 9002}}},
		{SaleID: 5003, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-20 * day), UpdatedAt: now.Add(-10 * day), Deliveries: []rules.Delivery{{ID: 9003}}},
	}
	require.NoError(t, cs.Store.UpsertOrders(context.Background(), shopID, orders))
	for _, o := range orders {
		cs.Sandbox.Seed(colorme.Sale{ID: o.SaleID, MakeDate: o.OrderedAt.Unix(), UpdateDate: o.OrderedAt.Unix(), DeliveredMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: o.Deliveries[0].ID, SaleID: o.SaleID, Name: "山田 太郎", PrefName: "東京都"}}})
	}
}

// seedLabelOrder imports sale 5004 with two destinations (9005, and 9006
// named with 髙, which Shift_JIS cannot hold) as a full import leaves it, 発送待ち.
func seedLabelOrder(t *testing.T, cs *consoleStack, shopID string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	run, err := cs.Store.StartImport(ctx, oms.Run{ShopID: shopID, RunKey: "labels", Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	_, err = cs.Store.ApplyImport(ctx, shopID, run, []oms.ImportedSale{{SaleID: 5004, OrderedAt: now.Add(-24 * time.Hour), Deliveries: []oms.ImportedDelivery{
		{ID: 9005, Name: "佐藤 花子", PrefName: "大阪府", Address1: "大阪市北区梅田2-2-2", Postal: "5300001", Tel: "06-6111-2222", PreferredPeriod: "午前中"},
		{ID: 9006, Name: "髙橋 一郎", PrefName: "福岡県", Address1: "福岡市中央区天神3-3-3", Postal: "8100001", Tel: "092-711-3333"}},
		Items: []oms.ImportedItem{{ID: 1, DeliveryID: 9005, Name: "マグカップ", Quantity: 1}}}}, now)
	require.NoError(t, err)
	_, err = cs.Store.SetStatus(ctx, shopID, 5004, rules.StatusAwaitingShipment, now)
	require.NoError(t, err)
}

// seedBundleOrders imports sales 5101 and 5102 of one customer to one address
// (written once in half-width, once in full-width with other spaces), both
// 発送待ち, and gives ColorMe the same two sales: a 同梱候補.
func seedBundleOrders(t *testing.T, cs *consoleStack, shopID string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	run, err := cs.Store.StartImport(ctx, oms.Run{ShopID: shopID, RunKey: "bundles", Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	home := oms.ImportedDelivery{ID: 9101, MethodID: 1, Name: "山田 太郎", PrefName: "静岡県", Postal: "4313597", Address1: "浜松市浜名区三ヶ日町1-2-3", Address2: "コーポ富士 101"}
	again := home
	again.ID, again.Name, again.Postal, again.Address1 = 9102, "山田　太郎", "431-3597", "浜松市浜名区三ヶ日町１－２－３"
	sales := []oms.ImportedSale{
		{SaleID: 5101, OrderedAt: now.Add(-30 * time.Hour), Customer: oms.ImportedCustomer{Name: "山田 太郎"}, Deliveries: []oms.ImportedDelivery{home}},
		{SaleID: 5102, OrderedAt: now.Add(-3 * time.Hour), Customer: oms.ImportedCustomer{Name: "山田 太郎"}, Deliveries: []oms.ImportedDelivery{again}},
	}
	_, err = cs.Store.ApplyImport(ctx, shopID, run, sales, now)
	require.NoError(t, err)
	for _, s := range sales {
		_, err = cs.Store.SetStatus(ctx, shopID, s.SaleID, rules.StatusAwaitingShipment, now)
		require.NoError(t, err)
		d := s.Deliveries[0]
		cs.Sandbox.Seed(colorme.Sale{ID: s.SaleID, MakeDate: s.OrderedAt.Unix(), UpdateDate: s.OrderedAt.Unix(), DeliveredMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: d.ID, SaleID: s.SaleID, Name: d.Name, PrefName: d.PrefName}}})
	}
}

// TestConsoleInBrowser clicks through the seed manual's whole procedure in
// Chromium, as shop staff would: login, 店舗を追加, APIアクセス設定 with 設定を保存,
// 「取得する」 through ColorMe's (the sandbox's) authorize page, and takes a
// screenshot of each screen for docs/manual.ja.md and docs/console.md.
func TestConsoleInBrowser(t *testing.T) {
	cs := newConsoleStack(t)
	adminPW := cs.addUser(t, "tanaka", accounts.RoleAdmin)
	b := newBrowser(t)
	ctx := context.Background()

	// ログイン: a wrong password is refused with what to do.
	b.open(cs.URL + "/")
	must(t, strings.Contains(b.location(), "/login"), "no session must lead to the login page, got %s", b.location())
	b.shot("01-login")
	b.fill(`input[name=login]`, "tanaka")
	b.fill(`input[name=password]`, "wrong-password-123")
	b.click(`form[action="/login"] button[type=submit]`)
	assert.Contains(t, b.text(".error"), "ログインIDまたはパスワードが違います")
	b.login(cs.URL, "tanaka", adminPW)

	// 店舗一覧 → 店舗を追加.
	b.open(cs.URL + "/shops")
	b.fill(`input[name=id]`, "myshop")
	b.fill(`input[name=name]`, "テスト雑貨店")
	b.fill(`input[name=api_base_url]`, cs.SandboxURL)
	b.click(`form[action="/shops"] button[type=submit]`)
	must(t, strings.HasSuffix(b.location(), "/shops/myshop/settings"), "adding a shop opens its settings, got %s", b.location())

	// APIアクセス設定: the redirect URL to copy, then 設定を保存.
	assert.Equal(t, cs.Server.CallbackURL(), b.text("#redirect-url"))
	assert.Equal(t, "未接続", b.text("#connection"))
	b.fill(`input[name=client_id]`, cs.ClientID)
	b.fill(`input[name=client_secret]`, cs.Secret)
	b.fill(`input[name=import_days]`, "14")
	b.fill(`input[name=window_days]`, "5")
	b.click(`#save`)
	assert.Contains(t, b.text(".flash"), "設定を保存しました")
	sh, err := cs.Store.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 14, sh.Settings.ImportDays)
	assert.Equal(t, 5, sh.Settings.WindowDays)
	assert.True(t, sh.HasClientSecret)
	assert.NotContains(t, b.source(), cs.Secret, "the client secret is write-only")

	// An invalid setting is refused, nothing stored, and the page says what to do.
	// (The browser's own check stops 400 first; without it the server refuses it.)
	b.do(chromedp.RemoveAttribute(chromedp.CSS(`input[name=window_days]`), "max"))
	b.fill(`input[name=window_days]`, "400")
	b.click(`#save`)
	assert.Contains(t, b.text(".error"), "作成期間は1〜365日で入力してください")
	sh, err = cs.Store.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	assert.Equal(t, 5, sh.Settings.WindowDays)

	// 取得する: ColorMe's authorize page, 承認する, back to 接続済み.
	b.open(cs.URL + "/shops/myshop/settings")
	b.click(`#connect-button`)
	must(t, strings.HasPrefix(b.location(), cs.SandboxURL+"/oauth/authorize"), "取得する opens ColorMe's authorize page, got %s", b.location())
	b.click(`button[value=approve]`)
	must(t, strings.HasSuffix(b.location(), "/shops/myshop/settings"), "ColorMe sends the browser back to the settings, got %s", b.location())
	assert.Contains(t, b.text(".flash"), "接続済み")
	assert.Equal(t, "接続済み", b.text("#connection"))
	b.shot("02-settings")
	token, err := cs.Store.Shops.AccessToken(ctx, "myshop")
	require.NoError(t, err)
	require.NotEmpty(t, token)
	assert.NotContains(t, b.source(), token, "the access token never reaches a page")
	assert.NotContains(t, b.source(), cs.Secret)

	// The export schedule runs now that the shop is connected; import stays off.
	assert.Contains(t, b.text("#schedule-export"), "有効")
	assert.Contains(t, b.text("#schedule-import"), "自動取得がオフです")

	// 店舗一覧 shows the connection.
	b.open(cs.URL + "/shops")
	assert.Contains(t, b.text("table"), "接続済み")
	b.shot("03-shops")

	// The shop's orders, as an import leaves them, and the same sales on ColorMe.
	seedOrders(t, cs, "myshop")
	// Staff press 発送情報の更新 themselves below: 変更時にすぐ書き出す (tested in
	// internal/console and internal/e2e/incrementalflow) would race them to it.
	sh, err = cs.Store.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	sh.Settings.ExportOnChange = false
	require.NoError(t, cs.Store.Shops.UpdateShop(ctx, sh))

	// データ取込: one bad row rejects the whole file, nothing applied.
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "受注番号,お届け先ID,伝票番号,出荷日\r\n"+
		"5001,,4912-0000-0001,"+today()+"\r\n"+
		"5002,99999,4912-0000-0002,"+today()+"\r\n")
	b.open(cs.URL + "/shops/myshop/upload")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}))
	b.click("#preview-button")
	assert.Contains(t, b.text("#problems"), "3")
	assert.Equal(t, "1件", b.text("#problem-count"))
	b.shot("04-upload-rejected")
	o, err := cs.Store.Orders(ctx, "myshop", 5001)
	require.NoError(t, err)
	assert.Empty(t, o[0].Deliveries[0].SlipNumber, "nothing applied from a file with a bad row")

	// Fixed: the preview shows each change, 取込 applies them all.
	good := writeFile(t, dir, "good.csv", "受注番号,お届け先ID,伝票番号,出荷日\r\n"+
		"5001,,4912-0000-0001,"+today()+"\r\n"+
		"5002,9002,4912-0000-0002,"+today()+"\r\n")
	b.open(cs.URL + "/shops/myshop/upload")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{good}))
	b.click("#preview-button")
	assert.Contains(t, b.text("#change-count"), "2件")
	b.shot("05-upload-preview")
	b.click("#apply")
	b.do(chromedp.WaitVisible(chromedp.CSS("#upload-done")))
	o, err = cs.Store.Orders(ctx, "myshop", 5001, 5002)
	require.NoError(t, err)
	assert.Equal(t, "4912-0000-0001", o[0].Deliveries[0].SlipNumber)
	assert.Equal(t, "4912-0000-0002", o[1].Deliveries[0].SlipNumber)

	// 受注一覧: the order outside the 作成期間 says why it is not exported.
	b.open(cs.URL + "/shops/myshop/orders?only=excluded")
	row := b.text("#order-5003")
	assert.Contains(t, row, "作成期間")
	b.open(cs.URL + "/shops/myshop/orders")
	b.shot("06-orders")
	b.open(cs.URL + "/shops/myshop/orders/5003")
	assert.Contains(t, b.text("#verdict"), "作成期間")
	b.shot("07-order")

	// データ書出: 作成期間 and the checkbox come from the settings.
	b.open(cs.URL + "/shops/myshop/export")
	assert.Equal(t, "5", get(b, chromedp.Value(chromedp.CSS("#window_days"))))
	b.shot("08-export")

	// プレビュー: what would be written, per order; ColorMe is not touched.
	writesBefore := cs.Sandbox.Counters().Writes
	b.click("#preview-button")
	waitFor(t, b, "#summary")
	assert.Equal(t, "2", b.text("#sum-updated"), "5001 and 5002 would get their slips")
	assert.Contains(t, b.text("#outcomes"), "4912-0000-0001")
	b.shot("09-export-preview")
	assert.Equal(t, writesBefore, cs.Sandbox.Counters().Writes, "a preview writes nothing")

	// 発送情報の更新: progress while it runs, then the summary.
	b.open(cs.URL + "/shops/myshop/export")
	b.click("#export-button")
	waitFor(t, b, "#summary")
	assert.Equal(t, "2", b.text("#sum-updated"))
	assert.Equal(t, "0", b.text("#sum-failed"))
	b.shot("10-export-done")
	for id, slip := range map[int64]string{5001: "4912-0000-0001", 5002: "4912-0000-0002"} {
		sale, ok := cs.Sandbox.Sale(id)
		require.True(t, ok)
		require.NotNil(t, sale.SaleDeliveries[0].SlipNumber, "sale %d", id)
		assert.Equal(t, slip, *sale.SaleDeliveries[0].SlipNumber, "ColorMe shows the slip of sale %d", id)
		assert.True(t, sale.SaleDeliveries[0].Delivered, "sale %d is 配送済み", id)
	}
	sale, _ := cs.Sandbox.Sale(5003)
	assert.Nil(t, sale.SaleDeliveries[0].SlipNumber, "5003 is outside the 作成期間")

	// 自動処理ログ: the export, who started it, and its page with every order.
	b.open(cs.URL + "/shops/myshop/runs")
	runs := b.text("#runs")
	assert.Contains(t, runs, "tanaka")
	assert.Contains(t, runs, "発送情報の更新")
	b.shot("11-runs")
	b.click("#runs tbody tr a")
	assert.Contains(t, b.text("main"), "5001")
	b.shot("12-run")

	// 同梱候補一覧 → 同梱する → 伝票番号 on the parent → the on-change export
	// writes it to ColorMe.
	seedBundleOrders(t, cs, "myshop")
	b.open(cs.URL + "/shops/myshop/bundles")
	assert.Equal(t, "1組", b.text("#candidate-count"))
	group := b.text("#candidate-5101")
	assert.Contains(t, group, "5102")
	assert.Contains(t, group, "配送方法が同じ未発送の受注です")
	b.shot("15-bundle-candidates")
	b.click("#candidate-5101 .bundle-button")
	assert.Contains(t, b.text(".flash"), "受注 5102 を親注文 5101 に同梱しました。")
	child, err := cs.Store.Orders(ctx, "myshop", 5102)
	require.NoError(t, err)
	assert.Equal(t, int64(5101), child[0].BundleParentSaleID)
	b.open(cs.URL + "/shops/myshop/orders/5102")
	assert.Contains(t, b.text("#verdict"), "親注文 5101 が書き出されます")
	b.open(cs.URL + "/shops/myshop/orders/5101")
	b.fill("#delivery-9101 input[name=slip_number]", "4912-0000-5101")
	b.do(chromedp.SetValue(chromedp.CSS("#delivery-9101 input[name=ship_date]"), time.Now().In(rules.Tokyo).Format(time.DateOnly)))
	b.click("#delivery-9101 button[type=submit]")
	assert.Contains(t, b.text(".flash"), "4912-0000-5101")
	b.open(cs.URL + "/shops/myshop/export")
	b.click("#export-button")
	waitFor(t, b, "#summary")
	assert.Equal(t, "1", b.text("#sum-updated"), "the parent, not its child")
	sale, ok := cs.Sandbox.Sale(5101)
	require.True(t, ok)
	if d := sale.SaleDeliveries[0]; assert.NotNil(t, d.SlipNumber) {
		assert.Equal(t, "4912-0000-5101", *d.SlipNumber, "ColorMe shows the parent's slip")
		assert.True(t, d.Delivered)
	}
	b.open(cs.URL + "/shops/myshop/orders/5101")
	assert.Contains(t, b.text("#deliveries"), "伝票番号 4912-0000-5101・配送済み を送信しました")
	b.shot("16-bundle-exported")

	// 稼働状況 (from the navigation): whether a worker polls (the stack's does),
	// then the shop's last export and its charts, drawn on the server as SVG.
	b.click("#nav-status")
	assert.Contains(t, b.text("#worker"), "処理を実行するワーカー: 稼働中 (最終確認 ")
	status := b.text("#status-myshop")
	assert.Contains(t, status, "最終書き出し")
	assert.NotContains(t, b.text("#last-export-myshop"), "まだありません")
	assert.Contains(t, b.source(), `<svg class="chart"`)
	b.shot("17-status")

	// 送り状データ出力 → B2クラウド → データ取込: label data for a sale with two
	// destinations (one name B2 cannot print: 髙), then B2's issued data
	// made from it is recognised as B2クラウド形式.
	seedLabelOrder(t, cs, "myshop")
	b.open(cs.URL + "/shops/myshop/labels")
	b.do(chromedp.SetValue(chromedp.CSS("input[name=shipper_tel]"), "03-1234-5678"),
		chromedp.SetValue(chromedp.CSS("input[name=shipper_postal]"), "101-0021"),
		chromedp.SetValue(chromedp.CSS("input[name=shipper_address]"), "東京都千代田区外神田1-2-3"),
		chromedp.SetValue(chromedp.CSS("input[name=b2_billing_code]"), "0312345678"),
		chromedp.SetValue(chromedp.CSS("input[name=sales]"), "5004"))
	b.click("#check-button")
	waitFor(t, b, "#labels-result")
	assert.Equal(t, "1行", b.text("#labels-rows"))
	assert.Contains(t, b.text("#labels-excluded"), "「髙」")
	b.shot("13-labels")
	ex, err := app.ExportLabels(ctx, cs.Store, "myshop", "b2", app.LabelSelection{SaleIDs: []int64{5004}},
		carrier.Shipper{Tel: "03-1234-5678", Postal: "1010021", Address: "東京都千代田区外神田1-2-3", BillingCode: "0312345678", FreightNo: "01"}, "", time.Now())
	require.NoError(t, err)
	text, err := japanese.ShiftJIS.NewDecoder().String(string(ex.Data))
	require.NoError(t, err)
	issued, err := japanese.ShiftJIS.NewEncoder().String(strings.Replace(text, "5004D9005,0,0,,", "5004D9005,0,0,400012345671,", 1))
	require.NoError(t, err)
	b.open(cs.URL + "/shops/myshop/upload")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{writeFile(t, dir, "b2-hakkozumi.csv", issued)}))
	b.click("#preview-button")
	assert.Equal(t, "B2クラウド形式として読み込みました", b.text("#format-name"))
	assert.Contains(t, b.text("#changes"), "400012345671")
	b.shot("14-upload-b2")

	// お知らせ: ColorMe refuses the token; the monitor's check (notify.Detect and
	// Reconcile, as the CheckNotifications activity runs them) lists it for
	// every user, linked to APIアクセス設定 where it is fixed.
	require.NoError(t, cs.Store.Shops.MarkReconnectNeeded(ctx, "myshop", "401010 アクセストークンが無効です"))
	shop, err := cs.Store.Shops.Shop(ctx, "myshop")
	require.NoError(t, err)
	conds, err := notify.Detect(ctx, cs.Store, shop, time.Now(), nil)
	require.NoError(t, err)
	_, err = notify.NewStore(cs.Store.DB()).Reconcile(ctx, "myshop", notify.ShopKinds, conds, time.Now(), time.Hour)
	require.NoError(t, err)
	b.open(cs.URL + "/shops")
	assert.Contains(t, b.text("#notices-link"), "お知らせ 1")
	b.click("#notices-link")
	assert.Contains(t, b.text("#notices"), "カラーミーショップへの再接続が必要です")
	b.shot("18-notices")
	b.click("#notices a[href='/shops/myshop/settings']")
	assert.Contains(t, b.location(), "/shops/myshop/settings")

	// A member of staff sees only the shops an admin gave them in ユーザー管理,
	// can work there but not change settings.
	require.NoError(t, cs.Store.Shops.CreateShop(ctx, shops.Shop{ID: "othershop", Name: "別の店", APIBaseURL: cs.SandboxURL, Settings: shops.DefaultSettings()}))
	staffPW := cs.addUser(t, "suzuki", accounts.RoleStaff)
	b.open(cs.URL + "/users")
	b.do(chromedp.Click(chromedp.CSS(`#shops-suzuki input[value=myshop]`)))
	b.click(`#shops-suzuki button[type=submit]`)
	assert.Contains(t, b.text(".flash"), "担当店舗を保存しました")
	b.click("form[action='/logout'] button")
	b.login(cs.URL, "suzuki", staffPW)
	b.open(cs.URL + "/shops")
	assert.Contains(t, b.text("main"), "myshop")
	assert.NotContains(t, b.source(), "othershop", "a staff user sees only their shop")
	b.open(cs.URL + "/shops/othershop/orders")
	assert.Contains(t, b.source(), "店舗「othershop」は登録されていません", "another shop answers as an unknown one")
	b.open(cs.URL + "/shops/myshop/settings")
	must(t, strings.Contains(b.source(), "管理者 (admin) だけ"), "staff are told who can change settings")
	assert.Equal(t, 0, strings.Count(b.source(), `id="save"`), "staff get no 設定を保存 button")
}

// waitFor reloads the page until sel appears (a run finishing), at most 2 minutes.
func waitFor(t *testing.T, b *browser, sel string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		n := get(b, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		if n > 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
		b.do(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("main h1")))
	}
	t.Fatalf("%s did not appear within 2 minutes: %s", sel, b.text("main"))
}
