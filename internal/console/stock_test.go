package console_test

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
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/stock"
)

// addStockShop creates a shop with a catalogue (a product with two option
// variants, a plain product, and one unit of each unmappable kind), on-hand
// counts for two SKUs, and an open order holding 2 units of TS-RED.
func (h *harness) addStockShop(shopID string) {
	h.t.Helper()
	ctx := context.Background()
	h.addShopWithOrders(shopID, map[int64][]int64{9001: {90011}})
	sale := colorme.Sale{ID: 9001, MakeDate: time.Now().Add(-time.Hour).Unix(),
		SaleDeliveries: []colorme.SaleDelivery{{ID: 90011, SaleID: 9001, Name: "購入者"}},
		Details:        []colorme.SaleDetail{{ID: 1, SaleDeliveryID: 90011, ProductID: 1, ProductName: "Tシャツ", Option1Value: "赤", ProductNum: 2}}}
	require.NoError(h.t, h.st.SeedFromColorMe(ctx, shopID, []oms.ImportedSale{activities.ImportedSale(sale)}))
	products := []colorme.Product{
		{ID: 1, Name: "Tシャツ", StockManaged: true, Variants: []colorme.ProductVariant{
			{Option1Value: "赤", ModelNumber: "TS-RED", Stocks: 4}, {Option1Value: "青", ModelNumber: "TS-BLUE", Stocks: 9}}},
		{ID: 2, Name: "マグカップ", ModelNumber: "MUG-1", StockManaged: true, Stocks: 7},
		{ID: 3, Name: "型番のない商品", StockManaged: true},
		{ID: 4, Name: "受注生産品", ModelNumber: "MADE-1", StockManaged: false},
	}
	st := stock.New(h.st)
	require.NoError(h.t, st.SaveCatalogue(ctx, shopID, stock.UnitsOf(products, time.Now())))
	_, err := st.SetOnHand(ctx, shopID, map[string]int64{"TS-RED": 10, "MUG-1": 7}, "setup", stock.ReasonFile)
	require.NoError(h.t, err)
}

// uploadStock submits the 在庫取込 form of shopID.
func (o *operator) uploadStock(shopID, name string, data []byte) (int, string) {
	o.h.t.Helper()
	return o.postFile("/shops/"+shopID+"/stock/upload", name, data)
}

// hiddenValue is the value of the hidden input name in page.
func hiddenValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "no %s in the page", name)
	return m[1]
}

// TestStockList: 在庫一覧 shows each mapped unit's on-hand, 引当, 販売可能数 and
// ColorMe's last known value; searches by 型番; lists the unmapped units
// with what to do; and offers 「商品情報を取得」 while the catalogue is empty.
func TestStockList(t *testing.T) {
	h := newHarness(t)
	h.addStockShop("st1")
	staff := h.addUser("staff1", accounts.RoleStaff, "staff-password-1")

	status, page := staff.get("/shops/st1/stock")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `id="nav-stock" class="on">在庫連携</a>`, "the menu has 在庫連携, highlighted")
	table := ordSection(t, page, `id="stock-table"`, "</table>")
	assert.Regexp(t, `TS-RED</a></td>\s*<td>Tシャツ <span class="muted">/ 赤</span></td>\s*<td class="num">10</td><td class="num">2</td><td class="num"><b>8</b></td>\s*<td class="num">4 `, table,
		"on-hand 10, 2 units in the open order, 8 to sell, ColorMe shows 4")
	assert.Regexp(t, `MUG-1</a></td>\s*<td>マグカップ</td>\s*<td class="num">7</td><td class="num">0</td><td class="num"><b>7</b></td>`, table)
	assert.Contains(t, table, "在庫数が未登録", "TS-BLUE has no on-hand yet")
	unmapped := ordSection(t, page, `id="unmapped-table"`, "</table>")
	assert.Contains(t, unmapped, "型番なし")
	assert.Contains(t, unmapped, "在庫管理なし")
	assert.Contains(t, unmapped, "「在庫管理する」をオンにして", "each says what to do")
	assert.Contains(t, page, `id="push-now" disabled`, "not connected: nothing to send with")
	assert.Contains(t, page, "APIアクセス設定でクライアントID", "and it says what to do")

	_, page = staff.get("/shops/st1/stock?q=ts-")
	table = ordSection(t, page, `id="stock-table"`, "</table>")
	assert.Contains(t, table, "TS-RED")
	assert.Contains(t, table, "TS-BLUE")
	assert.NotContains(t, table, "MUG-1", "the search is by 型番")
	_, page = staff.get("/shops/st1/stock?q=NOPE")
	assert.Contains(t, page, "型番に「NOPE」を含む商品はありません")

	h.addShop("st0", "空の店舗")
	h.giveAllShops("staff1", accounts.RoleStaff)
	_, page = staff.get("/shops/st0/stock")
	assert.Contains(t, page, `id="catalogue-import"`)
	assert.Contains(t, page, "まだカラーミーショップの商品情報を取得していません")
	assert.Contains(t, page, "read_products・write_products", "what to do when the shop lacks the products scopes")
	status, page = staff.post("/shops/st0/stock/catalogue", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "カラーミーショップに接続していないため、商品情報を取得できません。APIアクセス設定で")
	status, page = staff.post("/shops/st0/stock/push", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "カラーミーショップに接続していないため送れません。APIアクセス設定で")
}

// TestStockListPages: 在庫一覧 shows 50 units a page, with the search kept
// across pages.
func TestStockListPages(t *testing.T) {
	h := newHarness(t)
	h.addShop("st2", "st2")
	var products []colorme.Product
	for i := range 120 {
		products = append(products, colorme.Product{ID: int64(i + 1), Name: fmt.Sprintf("商品%03d", i), ModelNumber: fmt.Sprintf("SKU-%03d", i), StockManaged: true})
	}
	require.NoError(t, stock.New(h.st).SaveCatalogue(context.Background(), "st2", stock.UnitsOf(products, time.Now())))
	staff := h.addUser("staff2", accounts.RoleStaff, "staff-password-2")

	_, page := staff.get("/shops/st2/stock")
	assert.Contains(t, page, "1 / 3 ページ (120件)")
	assert.Equal(t, 50, strings.Count(ordSection(t, page, `id="stock-table"`, "</table>"), `class="sku"`))
	_, page = staff.get("/shops/st2/stock?page=3")
	assert.Equal(t, 20, strings.Count(ordSection(t, page, `id="stock-table"`, "</table>"), `class="sku"`))
	assert.Contains(t, page, "SKU-119")
	_, page = staff.get("/shops/st2/stock?q=SKU-0&page=2")
	assert.Contains(t, page, "2 / 2 ページ (100件)")
	assert.Contains(t, page, `href="/shops/st2/stock?page=1&q=SKU-0"`, "the search is kept")
	_, page = staff.get("/shops/st2/stock?page=99")
	assert.Contains(t, page, "3 / 3 ページ", "a page past the end shows the last")
}

// TestStockEdit: editing on-hand needs a reason and a number, records a
// movement (who, when, why) shown on the SKU's page, and says what follows.
func TestStockEdit(t *testing.T) {
	h := newHarness(t)
	h.addStockShop("st3")
	staff := h.addUser("staff3", accounts.RoleStaff, "staff-password-3")

	status, page := staff.get("/shops/st3/stock/sku?sku=TS-RED")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, ordSection(t, page, `id="movement-table"`, "</table>"), "在庫取込")
	status, page = staff.post("/shops/st3/stock/sku", url.Values{"sku": {"TS-RED"}, "on_hand": {"12"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "修正の理由を入力してください")
	status, page = staff.post("/shops/st3/stock/sku", url.Values{"sku": {"TS-RED"}, "on_hand": {"-1"}, "reason": {"棚卸し"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "在庫数「-1」は0以上の整数ではありません")
	assert.Contains(t, page, `value="棚卸し"`, "the reason is kept")

	status, page = staff.post("/shops/st3/stock/sku", url.Values{"sku": {"TS-RED"}, "on_hand": {"12"}, "reason": {"棚卸しの差異"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "型番「TS-RED」の在庫数を12にしました。カラーミーショップに接続していないため、まだ送っていません。")
	moves := ordSection(t, page, `id="movement-table"`, "</table>")
	assert.Regexp(t, `<td class="num">\+2</td><td class="num">12</td><td>在庫数の修正: 棚卸しの差異</td><td>staff3</td>`, moves)
	assert.Regexp(t, `<td class="num">12</td><td class="num">2</td><td class="num"><b>10</b></td>`, ordSection(t, page, `id="sku-table"`, "</table>"))
	m, err := stock.New(h.st).Movements(context.Background(), "st3", "TS-RED", 1)
	require.NoError(t, err)
	assert.Equal(t, "staff3", m[0].Actor)

	_, page = staff.post("/shops/st3/stock/sku", url.Values{"sku": {"TS-RED"}, "on_hand": {"12"}, "reason": {"再確認"}})
	assert.Contains(t, page, "型番「TS-RED」の在庫数はすでに12です。変更していません。")
	status, page = staff.get("/shops/st3/stock/sku?sku=NOSUCH")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, page, "在庫一覧で型番を確かめてください")
}

// TestStockUpload: 在庫取込 previews before → after for a UTF-8 or Shift_JIS
// file, lists every problem by line and applies nothing then, refuses a file
// that is not CSV before reading it, and applies all lines on 「取込」 once.
func TestStockUpload(t *testing.T) {
	h := newHarness(t)
	h.addStockShop("st4")
	staff := h.addUser("staff4", accounts.RoleStaff, "staff-password-4")

	status, page := staff.uploadStock("st4", "bad.csv", []byte("型番,在庫数\nTS-RED,x\nTS-BLUE,3\nTS-BLUE,4\n"))
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	problems := ordSection(t, page, `id="problems"`, "</table>")
	assert.Contains(t, problems, `<td class="where">2行目</td><td>在庫数「x」が0以上の整数ではありません。`)
	assert.Contains(t, problems, `<td class="where">4行目</td><td>型番「TS-BLUE」が3行目にもあります。`)
	assert.NotContains(t, page, `id="apply-form"`, "nothing to apply")

	status, page = staff.uploadStock("st4", "photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n1,2\n"))
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	assert.Contains(t, page, "「photo.png」は読み込みませんでした: 選んだファイルはPNG画像で、CSVファイルではありません。")
	assert.NotContains(t, page, `id="stock-preview"`, "nothing was read")

	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte("型番,在庫数\r\nTS-RED,10\r\nTS-BLUE,5\r\nMUG-1,6\r\n倉庫だけ,1\r\n"))
	require.NoError(t, err)
	status, page = staff.uploadStock("st4", "在庫.csv", sjis)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "Shift_JIS (CP932)")
	changes := ordSection(t, page, `id="changes"`, "</table>")
	assert.Regexp(t, `<td class="num">3</td><td>TS-BLUE</td><td>Tシャツ 青</td><td class="num">未登録</td><td class="num"><b>5</b></td>`, changes)
	assert.Regexp(t, `<td class="num">4</td><td>MUG-1</td><td>マグカップ</td><td class="num">7</td><td class="num"><b>6</b></td><td class="num">-1</td>`, changes)
	assert.NotContains(t, changes, "TS-RED", "unchanged")
	assert.Contains(t, ordSection(t, page, `id="notes"`, "</table>"), "5行目")
	lv, err := stock.New(h.st).Levels(context.Background(), "st4")
	require.NoError(t, err)
	assert.Equal(t, int64(7), lv["MUG-1"].OnHand, "a preview changes nothing")

	token, sum := hiddenValue(t, page, "token"), hiddenValue(t, page, "sha256")
	status, page = staff.post("/shops/st4/upload/apply", url.Values{"token": {token}, "sha256": {sum}})
	assert.NotEqual(t, http.StatusOK, status, "データ取込 does not apply a stock file: %s", page)
	status, page = staff.post("/shops/st4/stock/upload/apply", url.Values{"token": {token}, "sha256": {sum}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込が完了しました: 3件の型番の在庫数を更新しました。")
	assert.Contains(t, page, "カラーミーショップに接続していないため、まだ送っていません。", "says what follows on ColorMe")
	lv, err = stock.New(h.st).Levels(context.Background(), "st4")
	require.NoError(t, err)
	assert.Equal(t, int64(6), lv["MUG-1"].OnHand)
	assert.Equal(t, int64(5), lv["TS-BLUE"].OnHand)
	m, err := stock.New(h.st).Movements(context.Background(), "st4", "MUG-1", 1)
	require.NoError(t, err)
	assert.Equal(t, "staff4", m[0].Actor)
	assert.Equal(t, "在庫取込: 在庫.csv", m[0].Reason)

	_, page = staff.post("/shops/st4/stock/upload/apply", url.Values{"token": {token}, "sha256": {sum}})
	assert.Contains(t, page, "このファイルはすでに取り込み済みです。")
}

// TestStockShopAccess: the 在庫連携 screens answer another shop's staff as an
// unknown shop does, and a cross-site post changes nothing.
func TestStockShopAccess(t *testing.T) {
	h := newHarness(t)
	h.addStockShop("mine")
	staff := h.addUser("staff5", accounts.RoleStaff, "staff-password-5")
	h.addStockShop("theirs")
	for _, p := range []struct{ method, path string }{
		{"GET", "/shops/theirs/stock"}, {"GET", "/shops/theirs/stock/sku?sku=TS-RED"}, {"GET", "/shops/theirs/stock/upload"},
		{"POST", "/shops/theirs/stock/sku"}, {"POST", "/shops/theirs/stock/push"}, {"POST", "/shops/theirs/stock/catalogue"},
		{"POST", "/shops/theirs/stock/upload/apply"}, {"GET", "/shops/theirs/stock/runs/x"},
	} {
		req, _ := http.NewRequest(p.method, h.base+p.path, strings.NewReader("sku=TS-RED&on_hand=0&reason=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := staff.noFollow.Do(req)
		require.NoError(t, err)
		status, page := readPage(t, res)
		assert.Equal(t, http.StatusNotFound, status, "%s %s", p.method, p.path)
		assert.Contains(t, page, "店舗「theirs」は登録されていません", "%s %s", p.method, p.path)
	}
	for _, path := range []string{"/shops/mine/stock", "/shops/mine/stock/upload", "/shops/mine/stock/sku?sku=TS-RED"} {
		res, err := noRedirect().Get(h.base + path)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, "%s without a session", path)
		assert.Contains(t, res.Header.Get("Location"), "/login", "%s leads to the login page", path)
	}
	req, _ := http.NewRequest(http.MethodPost, h.base+"/shops/mine/stock/sku", strings.NewReader("sku=TS-RED&on_hand=0&reason=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err := staff.noFollow.Do(req)
	require.NoError(t, err)
	status, _ := readPage(t, res)
	assert.Equal(t, http.StatusForbidden, status)
	for _, shop := range []string{"mine", "theirs"} {
		lv, err := stock.New(h.st).Levels(context.Background(), shop)
		require.NoError(t, err)
		assert.Equal(t, int64(10), lv["TS-RED"].OnHand, "%s: nothing changed", shop)
	}
}

// TestStockRunLink: the link to a started 在庫連携 opens its entry in
// 自動処理ログ (found by the Temporal run id), and, before the worker has
// written the entry, 自動処理ログ's 在庫連携 runs with what to do.
func TestStockRunLink(t *testing.T) {
	h := newHarness(t)
	h.addStockShop("st6")
	id, err := h.st.StartRun(context.Background(), oms.Run{ShopID: "st6", Kind: oms.KindStock, WorkflowID: "stock-push-st6", RunKey: "temporal-run-1",
		Trigger: oms.TriggerManual, StartedBy: "staff6"})
	require.NoError(t, err)
	staff := h.addUser("staff6", accounts.RoleStaff, "staff-password-6")

	res, err := staff.noFollow.Get(h.base + "/shops/st6/stock/runs/temporal-run-1")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, fmt.Sprintf("/shops/st6/runs/%d", id), res.Header.Get("Location"))
	_, page := staff.get(res.Header.Get("Location"))
	assert.Contains(t, page, `<dd id="run-kind">在庫連携</dd>`)
	assert.Contains(t, page, `id="stock-run-hint"`)
	assert.NotContains(t, page, "注文ごとの結果")

	status, page := staff.get("/shops/st6/stock/runs/not-yet")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "在庫連携 (ラン not-yet) はまだ自動処理ログに記録されていません")
	assert.Contains(t, page, "しばらくしてからこの画面を再読み込みしてください")
	_, page = staff.get("/shops/st6/stock")
	assert.Contains(t, page, "前回の在庫連携")
	assert.Contains(t, page, "実行中")
}

// connectStock connects shopID (an access token) with 自動在庫連携 on or off.
func (h *harness) connectStock(shopID string, stockEnabled bool) {
	h.t.Helper()
	ctx := context.Background()
	require.NoError(h.t, h.st.Shops.SetAccessToken(ctx, shopID, "token-"+shopID))
	sh, err := h.st.Shops.Shop(ctx, shopID)
	require.NoError(h.t, err)
	sh.Settings.StockEnabled = stockEnabled
	require.NoError(h.t, h.st.Shops.UpdateShop(ctx, sh))
}

// TestStockEditAutoOff: with 自動在庫連携 off, an edit or a stock file is stored
// and nothing is sent behind the setting's back: the page says so plainly and
// that 「在庫を今すぐ送る」 sends now; the preview says the same before 「取込」.
func TestStockEditAutoOff(t *testing.T) {
	h := newHarness(t)
	h.addStockShop("st7")
	h.connectStock("st7", false)
	staff := h.addUser("staff7", accounts.RoleStaff, "staff-password-7")

	status, page := staff.post("/shops/st7/stock/sku", url.Values{"sku": {"TS-RED"}, "on_hand": {"11"}, "reason": {"棚卸しの差異"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "型番「TS-RED」の在庫数を11にしました。自動在庫連携がオフのため、カラーミーショップにはまだ送っていません。在庫一覧の「在庫を今すぐ送る」を押すと、いま送ります")
	assert.Contains(t, page, "APIアクセス設定で「自動在庫連携」をオンにしてください")
	assert.NotContains(t, page, `id="push-run"`, "nothing started: nothing to watch")
	assert.NotContains(t, h.logs.String(), "stock push started")
	assert.NotContains(t, h.logs.String(), "on-change stock push was")

	status, page = staff.uploadStock("st7", "zaiko.csv", []byte("型番,在庫数\nMUG-1,3\n"))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "自動在庫連携がオフのため、取込の後、在庫一覧の「在庫を今すぐ送る」を押すとカラーミーショップに送ります。")
	status, page = staff.post("/shops/st7/stock/upload/apply", url.Values{"token": {hiddenValue(t, page, "token")}, "sha256": {hiddenValue(t, page, "sha256")}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込が完了しました: 1件の型番の在庫数を更新しました。")
	assert.Contains(t, ordSection(t, page, `id="follow"`, "</p>"), "自動在庫連携がオフのため、カラーミーショップにはまだ送っていません。")
	assert.NotContains(t, page, `id="push-run"`)
}

// TestStockEditAutoOnWithoutTemporal: with 自動在庫連携 on, an edit tells the
// on-change stock trigger; when Temporal cannot be reached the edit is stored
// all the same, the log has a warning, and the page says that the scheduled
// reconcile carries it (or 「在庫を今すぐ送る」 sends it sooner). Before the
// edit and 「取込」, the pages cannot tell whether a worker polls and keep
// their usual wording.
func TestStockEditAutoOnWithoutTemporal(t *testing.T) {
	h := newHarness(t)
	h.addStockShop("st8")
	h.connectStock("st8", true)
	staff := h.addUser("staff8", accounts.RoleStaff, "staff-password-8")

	status, page := staff.uploadStock("st8", "zaiko.csv", []byte("型番,在庫数\nMUG-1,3\n"))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込の後、自動在庫連携がカラーミーショップの在庫を数秒で合わせます。")
	status, page = staff.get("/shops/st8/stock/sku?sku=TS-RED")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "自動在庫連携がオンなら、カラーミーショップの在庫も数秒後に追従します", "Temporal cannot say whether a worker polls: the usual help")
	assert.NotContains(t, page, "ワーカーが動いていない")
	assert.Contains(t, h.logs.String(), "could not ask Temporal whether a worker polls the task queue")

	status, page = staff.post("/shops/st8/stock/sku", url.Values{"sku": {"TS-RED"}, "on_hand": {"11"}, "reason": {"破損"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "型番「TS-RED」の在庫数を11にしました。自動在庫連携に変更を知らせられませんでした (Temporal に接続できません)。変更は保存済みで、次の定期照合 (60分ごと) でカラーミーショップに送ります。")
	assert.Contains(t, page, "「在庫を今すぐ送る」を押してください")
	lv, err := stock.New(h.st).Levels(context.Background(), "st8")
	require.NoError(t, err)
	assert.Equal(t, int64(11), lv["TS-RED"].OnHand, "the edit is stored")
	assert.Contains(t, h.logs.String(), "the on-change stock push was not told of a change; the scheduled reconcile carries it")
	assert.Contains(t, h.logs.String(), `"reason":"on-hand edit: TS-RED = 11"`)
}
