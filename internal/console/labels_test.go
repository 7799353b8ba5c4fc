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
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// addLabelOrders imports sale 120000002 (two destinations, one name with 髙)
// into shopID and makes it 発送待ち.
func (h *harness) addLabelOrders(shopID string) {
	h.t.Helper()
	ctx := context.Background()
	now := time.Now()
	run, err := h.st.StartImport(ctx, oms.Run{ShopID: shopID, RunKey: "seed-" + shopID, Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(h.t, err)
	_, err = h.st.ApplyImport(ctx, shopID, run, []oms.ImportedSale{{SaleID: 120000002, OrderedAt: now.Add(-48 * time.Hour), Deliveries: []oms.ImportedDelivery{
		{ID: 3500002, Name: "佐藤 花子", PrefName: "大阪府", Address1: "大阪市北区梅田2-2-2", Postal: "5300001", Tel: "06-6111-2222", PreferredPeriod: "12時～14時"},
		{ID: 3500003, Name: "髙橋 一郎", PrefName: "福岡県", Address1: "福岡市中央区天神3-3-3", Postal: "8100001", Tel: "092-711-3333"}}}}, now)
	require.NoError(h.t, err)
	_, err = h.st.SetStatus(ctx, shopID, 120000002, rules.StatusAwaitingShipment, now)
	require.NoError(h.t, err)
}

// TestLabelsCheckDownloadAndImportBack is 送り状データ出力 and データ取込 as staff
// use them with B2クラウド: 「確認」 lists, in Japanese, the row left out (髙)
// and the time slot B2 cannot take, each with what to do; 「ダウンロード」 gives
// the Shift_JIS file; the issued data made from it is read as B2クラウド形式.
func TestLabelsCheckDownloadAndImportBack(t *testing.T) {
	h := newHarness(t)
	const shop = "lb1"
	h.addShop(shop, "雑貨店")
	h.addLabelOrders(shop)
	staff := h.addUser("staff1", accounts.RoleStaff, "staff-password-1")

	status, page := staff.get("/shops/" + shop + "/labels")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "<h1>送り状データ出力</h1>")
	assert.Contains(t, page, `href="/shops/lb1/labels" class="on"`, "the nav links the screen")
	assert.Contains(t, page, `value="雑貨店"`, "the sender defaults to the shop's name")

	form := url.Values{"format": {"b2"}, "status": {rules.StatusAwaitingShipment}, "ship_date": {dataToday()}, "shipper_name": {"雑貨店"},
		"shipper_tel": {"03-1234-5678"}, "shipper_postal": {"101-0021"}, "shipper_address": {"東京都千代田区外神田1-2-3"},
		"b2_billing_code": {"0312345678"}, "b2_freight_no": {"01"}, "action": {"check"}}
	status, page = staff.post("/shops/"+shop+"/labels", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "確認結果 — B2クラウド")
	assert.Contains(t, page, `<dd id="labels-rows">1行</dd>`)
	assert.Contains(t, page, "受注番号 120000002 の「お届け先名」(髙橋 一郎) に、B2クラウドで使えない文字「髙」があるため、この行はファイルに入れていません。")
	assert.Contains(t, page, "お届け希望時間帯「12時～14時」はB2クラウドで指定できない時間帯のため、配達時間帯を空欄にしました。お客様と時間帯を確認し")
	assert.NotContains(t, page, "ご依頼主電話番号", "the sender is complete")
	written := ordSection(t, page, `<table id="labels-lines"`, "</table>")
	assert.Contains(t, written, `<a href="/shops/lb1/orders/120000002">120000002</a>`, "the rows to be written, each linked to its order")
	assert.Contains(t, written, "佐藤 花子")
	assert.Contains(t, written, "〒530-0001 大阪府大阪市北区梅田2-2-2")
	assert.NotContains(t, written, "髙橋", "a row left out is not listed as written")
	assert.Contains(t, page, `<dd id="labels-info-count">0件`)

	form.Set("action", "download")
	res, err := staff.c.PostForm(h.base+"/shops/"+shop+"/labels", form)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/csv; charset=Shift_JIS", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Disposition"), `attachment; filename="b2-lb1-`)
	text, err := japanese.ShiftJIS.NewDecoder().String(string(body))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	require.Len(t, lines, 2)
	assert.True(t, strings.HasPrefix(lines[0], "お客様管理番号,送り状種類,クール区分,伝票番号,出荷予定日"))
	assert.True(t, strings.HasPrefix(lines[1], "120000002D3500002,0,0,,"+strings.ReplaceAll(dataToday(), "-", "/")), "発払い, クール区分 普通")

	// B2クラウド's issued data: the same row with 伝票番号
	f := strings.Split(lines[1], ",")
	f[3] = "400012345682"
	issued, err := japanese.ShiftJIS.NewEncoder().String(lines[0] + "\r\n" + strings.Join(f, ",") + "\r\n")
	require.NoError(t, err)
	status, page = staff.upload(shop, "hakkozumi.csv", []byte(issued))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<dd id="format-name">B2クラウド形式として読み込みました</dd>`)
	assert.Contains(t, page, "400012345682")
	assert.Contains(t, page, `name="token"`, "it can be applied")

	// without its header row it is read by B2's column positions, and the page
	// says so, not that the columns are 受注番号, お届け先ID, 伝票番号, 出荷日
	noHeader, err := japanese.ShiftJIS.NewEncoder().String(strings.Join(f, ",") + "\r\n")
	require.NoError(t, err)
	status, page = staff.upload(shop, "hakkozumi-noheader.csv", []byte(noHeader))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<dd id="format-name">B2クラウド形式として読み込みました</dd>`)
	assert.Contains(t, page, `<dd id="header">ヘッダー行なし (B2クラウドの列の位置で読み取り)</dd>`)

	// the export's choice of parcel kind and cool class: ネコポス for every
	// label (送り状種類 7); クール with ネコポス is left out and says why
	form.Set("action", "download")
	form.Set("service", "nekopos")
	res, err = staff.c.PostForm(h.base+"/shops/"+shop+"/labels", form)
	require.NoError(t, err)
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	text, err = japanese.ShiftJIS.NewDecoder().String(string(body))
	require.NoError(t, err)
	assert.Contains(t, text, "\r\n120000002D3500002,7,0,,")
	form.Set("action", "check")
	form.Set("cool", "chilled")
	status, page = staff.post("/shops/"+shop+"/labels", form)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, page, `<option value="nekopos" selected>`)
	assert.Contains(t, page, "ネコポスはクール冷蔵にできないため、この行はファイルに入れていません。")
	form.Set("cool", "warm")
	status, page = staff.post("/shops/"+shop+"/labels", form)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "荷物の種類とクール区分を一覧から選んでください。")
	form.Del("service")
	form.Del("cool")

	// no choice of orders, and a cross-site post, are refused
	status, page = staff.post("/shops/"+shop+"/labels", url.Values{"format": {"b2"}, "status": {""}, "action": {"check"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "出力する受注を、ステータス・書出対象・受注番号のいずれかで選んでください。")
	req, _ := http.NewRequest(http.MethodPost, h.base+"/shops/"+shop+"/labels", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err = staff.c.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
}

// TestLabelsCheckInformsCalmly: a delivery whose tracking number is registered
// and a bundled child are left out as they should be; 「確認」 lists them
// apart, as information, and not among what staff must fix.
func TestLabelsCheckInformsCalmly(t *testing.T) {
	h := newHarness(t)
	const shop = "lb3"
	h.addShop(shop, "雑貨店")
	h.addLabelOrders(shop)
	require.NoError(t, h.st.DB().Exec("UPDATE deliveries SET slip_number = ? WHERE shop_id = ? AND delivery_id = ?", "400012345682", shop, 3500003).Error)
	staff := h.addUser("staff1", accounts.RoleStaff, "staff-password-1")
	form := url.Values{"format": {"yupack"}, "status": {rules.StatusAwaitingShipment}, "ship_date": {dataToday()}, "shipper_name": {"雑貨店"},
		"shipper_tel": {"03-1234-5678"}, "shipper_postal": {"101-0021"}, "shipper_address": {"東京都千代田区外神田1-2-3"}, "action": {"check"}}
	status, page := staff.post("/shops/"+shop+"/labels", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<dd id="labels-excluded-count">0件</dd>`, "nothing for staff to fix, and not in red")
	assert.Contains(t, page, `<dd id="labels-info-count">1件`)
	infos := ordSection(t, page, `<details class="info-list" id="labels-infos">`, "</details>")
	assert.Contains(t, infos, "伝票番号 400012345682 が登録済みのため")
	assert.NotContains(t, page, `<table id="labels-excluded"`)
	assert.Contains(t, ordSection(t, page, `<table id="labels-lines"`, "</table>"), "佐藤 花子")
}
