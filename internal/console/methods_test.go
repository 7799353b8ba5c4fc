package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// methodsShop creates shop id on a ColorMe sandbox, connected, and imports
// sale 130000001 (paid with 代金引換, two deliveries: 宅急便 and 店頭受取) as
// 発送待ち.
func (h *harness) methodsShop(id string) *sandbox.Server {
	h.t.Helper()
	ctx := context.Background()
	sb := sandbox.New(sandbox.Options{Tokens: []string{"tok-" + id}})
	srv := httptest.NewServer(sb)
	h.t.Cleanup(srv.Close)
	require.NoError(h.t, h.st.Shops.CreateShop(ctx, shops.Shop{ID: id, Name: "雑貨店", APIBaseURL: srv.URL, Settings: shops.DefaultSettings()}))
	require.NoError(h.t, h.st.Shops.SetAccessToken(ctx, id, "tok-"+id))
	now := time.Now()
	run, err := h.st.StartImport(ctx, oms.Run{ShopID: id, RunKey: "seed-" + id, Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(h.t, err)
	_, err = h.st.ApplyImport(ctx, id, run, []oms.ImportedSale{{SaleID: 130000001, OrderedAt: now.Add(-48 * time.Hour), PaymentID: 752, // 代金引換
		Totals: oms.SaleTotals{Total: 5500, Tax: 500},
		Deliveries: []oms.ImportedDelivery{
			{ID: 4100001, MethodID: 1, Name: "佐藤 花子", PrefName: "大阪府", Address1: "大阪市北区梅田2-2-2", Postal: "5300001", Tel: "06-6111-2222"},
			{ID: 4100002, MethodID: 6, Name: "佐藤 一郎", PrefName: "大阪府", Address1: "大阪市北区梅田2-2-2", Postal: "5300001", Tel: "06-6111-2222"}}}}, now)
	require.NoError(h.t, err)
	_, err = h.st.SetStatus(ctx, id, 130000001, rules.StatusAwaitingShipment, now)
	require.NoError(h.t, err)
	return sb
}

// TestMethodsPageAndNames: before the methods are read, the order page shows
// the ids as unknown names; 「再取得」 reads them from ColorMe (two calls) and
// the methods page lists each delivery method's label program (店頭受取:
// none) and 代金引換; the order page then shows the names; a クール区分 set on
// the page stays.
func TestMethodsPageAndNames(t *testing.T) {
	h := newHarness(t)
	sb := h.methodsShop("mt1")
	staff := h.addUser("staff1", accounts.RoleStaff, "staff-password-1")

	status, page := staff.get("/shops/mt1/orders/130000001")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "決済方法ID 752 (名前未取得)")
	assert.Contains(t, page, "配送方法 配送方法ID 1 (名前未取得)")
	status, page = staff.get("/shops/mt1/orders")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<span class="hint method">配送方法ID 1 (名前未取得)</span>`)

	status, page = staff.get("/shops/mt1/methods")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `href="/shops/mt1/methods" class="on"`, "the nav links the screen")
	assert.Contains(t, page, "まだ読み込んでいません。")

	status, page = staff.post("/shops/mt1/methods/refresh", url.Values{})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "カラーミーショップから配送方法 6 件・決済方法 4 件を読み込みました (前回から変更あり)。")
	assert.Equal(t, 2, sb.Counters().MethodReads)
	assert.Regexp(t, `<tr id="delivery-method-1">\s*<td>1</td>\s*<td>宅急便 \(ヤマト運輸\)</td>\s*<td>yamato</td>\s*<td class="program">B2クラウド</td>`, page)
	assert.Regexp(t, `<tr id="delivery-method-6" class="warn">\s*<td>6</td>\s*<td>店頭受取</td>\s*<td>other</td>\s*<td class="program">なし \(運送会社がわからない`, page)
	assert.Contains(t, page, `<tr id="payment-method-752"><td>752</td><td>代金引換</td><td>代金引換</td><td>¥330</td></tr>`)

	status, page = staff.get("/shops/mt1/orders")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<span class="muted">4100001</span> - / - <span class="hint method">宅急便 (ヤマト運輸)</span>`, "受注一覧 names the method")
	assert.Contains(t, page, `<td class="num nowrap total">¥5,500</td>`, "受注一覧 shows the total with a comma")
	assert.Contains(t, page, `<td class="payment">代金引換</td>`, "and the payment method by name")
	assert.Contains(t, page, `〒530-0001 大阪府`, "and where the first parcel goes")

	status, page = staff.get("/shops/mt1/orders/130000001")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<dd id="payment">代金引換 <span class="badge warn">代金引換</span></dd>`)
	assert.Contains(t, page, "配送方法 宅急便 (ヤマト運輸) ・ 送り状ソフト B2クラウド")
	assert.Contains(t, page, "配送方法 店頭受取 ・ 送り状ソフト なし (運送会社が決まらない配送方法")
	assert.NotContains(t, page, "名前未取得")

	status, page = staff.post("/shops/mt1/methods/1/cool", url.Values{"cool": {"frozen"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "配送方法ID 1 のクール区分を「冷凍」にしました。")
	assert.Regexp(t, `<option value="frozen" selected>冷凍</option>`, page)
	status, page = staff.post("/shops/mt1/methods/99/cool", url.Values{"cool": {"chilled"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "配送方法ID 99 はこの店舗にありません。")

	// ColorMe unreachable: the methods read before stay, and staff are told what to do.
	sb.SetFaults(sandbox.Faults{ErrorRate: 1, Seed: 1})
	status, page = staff.post("/shops/mt1/methods/refresh", url.Values{})
	assert.Equal(t, http.StatusBadGateway, status)
	assert.Contains(t, page, "カラーミーショップから配送方法・決済方法を読めませんでした (前回読んだものはそのまま使います)。")
	assert.Contains(t, page, "<td>宅急便 (ヤマト運輸)</td>")
}

// TestLabelsByCarrier: 送り状データ出力 with 配送方法から自動 lists the file of
// each program and the delivery left out (店頭受取, in Japanese), and
// downloads a zip holding the B2クラウド file.
func TestLabelsByCarrier(t *testing.T) {
	h := newHarness(t)
	h.methodsShop("mt2")
	staff := h.addUser("staff2", accounts.RoleStaff, "staff-password-2")
	status, page := staff.post("/shops/mt2/methods/refresh", url.Values{})
	require.Equal(t, http.StatusOK, status, page)

	status, page = staff.get("/shops/mt2/labels")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `value="auto"`)
	form := url.Values{"format": {"auto"}, "status": {rules.StatusAwaitingShipment}, "ship_date": {dataToday()}, "shipper_name": {"雑貨店"},
		"shipper_tel": {"03-1234-5678"}, "shipper_postal": {"101-0021"}, "shipper_address": {"東京都千代田区外神田1-2-3"},
		"b2_billing_code": {"0312345678"}, "b2_freight_no": {"01"}, "action": {"check"}}
	status, page = staff.post("/shops/mt2/labels", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "確認結果 — 配送方法から自動")
	assert.Regexp(t, `<tr><td>B2クラウド</td><td>b2-mt2-\d{8}\.csv</td><td>1件</td><td>1行</td></tr>`, page)
	assert.Contains(t, page, "受注番号 130000001 のお届け先ID 4100002: 配送方法「店頭受取」は対応する運送会社がないため")

	form.Set("action", "download")
	resp, err := staff.c.PostForm(h.base+"/shops/mt2/labels", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	assert.Regexp(t, `^b2-mt2-\d{8}\.csv$`, zr.File[0].Name)
}
