package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// addPaymentShop creates a shop with bank-transfer orders 入金待ち: sale id →
// its total (合計金額).
func (h *harness) addPaymentShop(shopID string, totals map[int64]int64) {
	h.t.Helper()
	ctx := context.Background()
	h.addShop(shopID, shopID)
	ordered := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	var orders []rules.Order
	var sales []oms.ImportedSale
	for id, total := range totals {
		orders = append(orders, rules.Order{SaleID: id, Status: rules.StatusAwaitingPayment, OrderedAt: ordered, UpdatedAt: ordered,
			Deliveries: []rules.Delivery{{ID: id * 10}}})
		sales = append(sales, oms.ImportedSale{SaleID: id, OrderedAt: ordered, PaymentID: 753, Totals: oms.SaleTotals{Total: total},
			Customer: oms.ImportedCustomer{Name: "振込 花子"}, Deliveries: []oms.ImportedDelivery{{ID: id * 10, Name: "振込 花子", PrefName: "東京都"}}})
	}
	require.NoError(h.t, h.st.UpsertOrders(ctx, shopID, orders))
	require.NoError(h.t, h.st.SeedFromColorMe(ctx, shopID, sales))
}

// uploadPayments submits the 入金取込 form of shopID (「プレビュー」).
func (o *operator) uploadPayments(shopID, name string, data []byte) (int, string) {
	o.h.t.Helper()
	return o.postFile("/shops/"+shopID+"/payments", name, data)
}

// paidState is a sale's 入金済み in the OMS: "" when not paid, else who and the 入金日.
func (h *harness) paidState(shopID string, sale int64) string {
	h.t.Helper()
	views, err := h.st.Orders(context.Background(), shopID, sale)
	require.NoError(h.t, err)
	require.Len(h.t, views, 1)
	o := views[0]
	if o.PaidAt == nil {
		return ""
	}
	return strings.TrimSpace(o.PaidBy + " " + o.PaidOn)
}

// TestPaymentUploadPreviewThenApply is 入金取込 as staff do it: a file with
// problems is refused line by line and nothing is written; a good file is
// previewed (入金済みになる受注, すでに入金済み; still nothing written) and
// 「この内容で取り込む」 applies exactly that file, without choosing it again,
// once: a second click shows the first one's summary and writes nothing.
func TestPaymentUploadPreviewThenApply(t *testing.T) {
	h := newHarness(t)
	const shop = "pay1"
	h.addPaymentShop(shop, map[int64]int64{8001: 5400, 8002: 3300, 8003: 1200})
	staff := h.addUser("keiri1", accounts.RoleStaff, "keiri-password-1")
	ctx := context.Background()
	_, err := h.st.Payments.MarkPaid(ctx, shop, []payment.Payment{{SaleID: 8003}}, "earlier", false, time.Now())
	require.NoError(t, err)

	status, page := staff.get("/shops/" + shop + "/payments")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "<h1>入金取込</h1>")
	assert.Contains(t, page, `id="preview-button"`)
	assert.NotContains(t, page, "確認する", "one way in: 「プレビュー」, then 「この内容で取り込む」")
	assert.Contains(t, page, "売上ID,入金日,金額", "the format is on the page")

	bad := "売上ID,入金日,金額\n8001,2026/12/06,5000\n9999,2026/12/06,100\n8002,12月,3300\n"
	status, page = staff.uploadPayments(shop, "bad.csv", []byte(bad))
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, page, "問題が3件あります")
	problems := ordSection(t, page, `id="problems"`, "</table>")
	assert.Contains(t, problems, `<td class="where">2行目</td><td>金額 5000円 が受注 8001 の合計 5400円 と合いません。`)
	assert.Contains(t, problems, `<td class="where">3行目</td><td>受注番号 9999 は受注管理にありません。`)
	assert.Contains(t, problems, `<td class="where">4行目</td>`)
	assertJapaneseProblems(t, page)
	assert.NotContains(t, page, `name="token"`, "no 「この内容で取り込む」 for a refused file")
	assert.Empty(t, h.paidState(shop, 8001), "a refused file writes nothing")

	good, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte("売上ID,入金日,金額\r\n8001,2026/12/06,\"5,400\"\r\n8002,2026-12-07,3300円\r\n8003,2026/12/01,1200\r\n"))
	require.NoError(t, err)
	sum := sha256.Sum256(good)
	status, page = staff.uploadPayments(shop, "入金明細.csv", good)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "入金明細.csv")
	assert.Contains(t, page, `<dd id="encoding">Shift_JIS (CP932)</dd>`)
	assert.Contains(t, page, "ヘッダー行あり")
	assert.Contains(t, page, `<dd id="rows">3行</dd>`)
	assert.Contains(t, page, `<dd id="change-count">2件</dd>`)
	assert.Contains(t, page, `<dd id="already-count">1件 (変更しません)</dd>`)
	assert.Contains(t, page, `<dd id="problem-count">0件</dd>`)
	table := ordSection(t, page, `id="payments-table"`, "</table>")
	assert.Contains(t, table, `<td class="num">2</td><td><a href="/shops/pay1/orders/8001">8001</a></td><td>2026-12-06</td>`)
	assert.Contains(t, table, "入金待ち → <b>発送待ち</b>")
	assert.Contains(t, ordSection(t, page, `id="payments-already"`, "</p>"), `<a href="/shops/pay1/orders/8003">8003</a>`)
	assert.Contains(t, page, `<button type="submit" class="primary" id="apply">この内容で取り込む</button>`)
	assert.Contains(t, page, "2件の受注を入金済みにします")
	assert.Empty(t, h.paidState(shop, 8001), "a preview writes nothing")
	assert.Empty(t, h.paidState(shop, 8002))
	form := dataApplyForm(t, page)
	assert.Equal(t, hex.EncodeToString(sum[:]), form.Get("sha256"))

	// 「この内容で取り込む」 needs the previewed file's SHA-256, this session,
	// and this screen: データ取込 and 在庫取込 do not apply a 入金CSV.
	status, page = staff.post("/shops/"+shop+"/payments/apply", url.Values{"token": form["token"], "sha256": {strings.Repeat("0", 64)}})
	assert.Equal(t, http.StatusBadRequest, status, page)
	assert.Contains(t, page, "SHA-256")
	other := h.addUser("keiri2", accounts.RoleStaff, "keiri-password-2")
	status, page = other.post("/shops/"+shop+"/payments/apply", form)
	assert.Equal(t, http.StatusGone, status, page)
	assert.Contains(t, page, "もう一度ファイルを選んで「プレビュー」を押してください")
	for _, p := range []string{"/shops/" + shop + "/upload/apply", "/shops/" + shop + "/stock/upload/apply"} {
		status, page = staff.post(p, form)
		assert.Equal(t, http.StatusGone, status, "%s does not apply a 入金CSV: %s", p, page)
	}
	assert.Empty(t, h.paidState(shop, 8001))

	status, page = staff.post("/shops/"+shop+"/payments/apply", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込が完了しました: 2件の受注を入金済みにしました。")
	assert.Contains(t, page, `id="payments-done"`)
	assert.Contains(t, page, `<dd id="done-changes">2件</dd>`)
	assert.Contains(t, page, `<dd id="done-already">1件 (変更していません)</dd>`)
	assert.Contains(t, page, "次の発送情報の更新", "a shop not connected: the page says what writes ColorMe")
	assert.Contains(t, page, "keiri1")
	assert.Contains(t, page, `href="/shops/pay1/orders/8002"`)
	assert.Contains(t, page, `href="/shops/pay1/runs"`)
	assert.NotContains(t, page, `id="payments-form"`, "the summary, not the form")
	assert.Equal(t, "keiri1 2026-12-06", h.paidState(shop, 8001))
	assert.Equal(t, "keiri1 2026-12-07", h.paidState(shop, 8002))
	assert.Equal(t, "earlier", h.paidState(shop, 8003), "already 入金済み: left as it was")
	views, err := h.st.Orders(ctx, shop, 8001)
	require.NoError(t, err)
	o := views[0]
	assert.Equal(t, rules.StatusAwaitingShipment, o.Status)
	assert.Contains(t, h.logs.String(), `"msg":"console: payment CSV applied","shop":"pay1","by":"keiri1"`)
	paidAt := *o.PaidAt

	// A second click (or the browser sending the form again) applies nothing.
	status, page = staff.post("/shops/"+shop+"/payments/apply", form)
	assert.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "この入金CSVはすでに取り込み済みです。2回は取り込みません。")
	assert.Contains(t, page, `<dd id="done-changes">2件</dd>`, "with the first one's summary")
	views, err = h.st.Orders(ctx, shop, 8001)
	require.NoError(t, err)
	assert.True(t, paidAt.Equal(*views[0].PaidAt), "not marked again")
	assert.Equal(t, 1, strings.Count(h.logs.String(), `"msg":"console: payment CSV applied"`))

	// The summary of another session, or a made-up one, says where to look.
	status, page = other.get("/shops/" + shop + "/payments/done/" + form.Get("token"))
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "取込結果が見つかりません")
	assert.Contains(t, page, "受注一覧の「入金」欄で確かめてください")
	assert.Contains(t, page, `id="payments-form"`)
}

// TestPaymentUploadOMSChangedBeforeApply: a sale cancelled between the preview
// and 「この内容で取り込む」 is caught by the apply's own check: the page lists
// the line, nothing is written, and the file must be previewed again.
func TestPaymentUploadOMSChangedBeforeApply(t *testing.T) {
	h := newHarness(t)
	const shop = "pay2"
	h.addPaymentShop(shop, map[int64]int64{8101: 5400, 8102: 3300})
	staff := h.addUser("keiri3", accounts.RoleStaff, "keiri-password-3")
	status, page := staff.uploadPayments(shop, "nyukin.csv", []byte("8101,2026/12/06,5400\n8102,2026/12/06,3300\n"))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ヘッダー行なし")
	form := dataApplyForm(t, page)

	_, err := h.st.SetStatus(context.Background(), shop, 8102, rules.StatusCancelled, time.Now())
	require.NoError(t, err)
	status, page = staff.post("/shops/"+shop+"/payments/apply", form)
	assert.Equal(t, http.StatusConflict, status, page)
	assert.Contains(t, page, "プレビューの後に受注が変わったため、取り込めませんでした。何も変更していません。")
	assert.Contains(t, ordSection(t, page, `id="problems"`, "</table>"), `<td class="where">2行目</td><td>受注 8102 はキャンセルです。`)
	assertJapaneseProblems(t, page)
	assert.NotContains(t, page, `name="token"`, "nothing to apply")
	assert.Empty(t, h.paidState(shop, 8101), "all or nothing")
	assert.Empty(t, h.paidState(shop, 8102))

	status, page = staff.post("/shops/"+shop+"/payments/apply", form)
	assert.Equal(t, http.StatusGone, status, "a refused file must be uploaded again: %s", page)
	assert.Contains(t, page, "もう一度ファイルを選んで「プレビュー」を押してください")
	assert.Empty(t, h.paidState(shop, 8101))
}

// TestPaymentUploadExpired: a preview older than 30 minutes is not applied,
// and the page says what to do next.
func TestPaymentUploadExpired(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, withDeps(func(d *console.Deps) { d.Now = clock }))
	const shop = "pay3"
	h.addPaymentShop(shop, map[int64]int64{8201: 5400})
	staff := h.addUser("keiri4", accounts.RoleStaff, "keiri-password-4")
	status, page := staff.uploadPayments(shop, "nyukin.csv", []byte("8201,2026/12/06,5400\n"))
	require.Equal(t, http.StatusOK, status, page)
	form := dataApplyForm(t, page)

	mu.Lock()
	now = now.Add(31 * time.Minute)
	mu.Unlock()
	status, page = staff.post("/shops/"+shop+"/payments/apply", form)
	assert.Equal(t, http.StatusGone, status, page)
	assert.Contains(t, page, "有効期限 (30分) が切れたか")
	assert.Contains(t, page, "もう一度ファイルを選んで「プレビュー」を押してください")
	assert.Contains(t, page, `id="payments-form"`, "the form is there to choose the file again")
	assert.Empty(t, h.paidState(shop, 8201))

	status, page = staff.post("/shops/"+shop+"/payments/apply", url.Values{"token": {"no-such-token"}, "sha256": form["sha256"]})
	assert.Equal(t, http.StatusGone, status, page)
	assert.Contains(t, page, "プレビューしたファイルが見つかりません")
}

// TestPaymentUploadRefusals: no file, an empty file and a file that is not a
// CSV are refused before anything is read, in 入金取込's words.
func TestPaymentUploadRefusals(t *testing.T) {
	h := newHarness(t)
	const shop = "pay4"
	h.addPaymentShop(shop, map[int64]int64{8301: 5400})
	staff := h.addUser("keiri5", accounts.RoleStaff, "keiri-password-5")

	status, page := staff.uploadPayments(shop, "", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "ファイルが選ばれていません。「ファイルを選択」で入金CSV (売上ID,入金日,金額 のCSV)を選んでから「プレビュー」を押してください。")
	status, page = staff.uploadPayments(shop, "empty.csv", []byte{})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "ファイル「empty.csv」は空です (0バイト)。1行に1件の入金 (売上ID,入金日,金額) を書いたCSVファイルを選んでください。")
	status, page = staff.uploadPayments(shop, "meisai.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n8301,2026/12/06,5400\n"))
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	assert.Contains(t, page, "「meisai.png」は読み込みませんでした: 選んだファイルはPNG画像で、CSVファイルではありません。")
	assert.NotContains(t, page, `id="payments-preview"`, "nothing was read")
	assert.Empty(t, h.paidState(shop, 8301))
}

// TestPaymentUploadShopAccess: 入金取込 answers another shop's staff as an
// unknown shop does, and a cross-site 「この内容で取り込む」 is refused before it
// writes anything.
func TestPaymentUploadShopAccess(t *testing.T) {
	h := newHarness(t)
	h.addPaymentShop("paymine", map[int64]int64{8401: 5400})
	h.addPaymentShop("paytheirs", map[int64]int64{8501: 5400})
	staff := h.addUser("keiri6", accounts.RoleStaff, "keiri-password-6")
	require.NoError(t, h.st.Accounts.SetUserShops(context.Background(), "keiri6", []string{"paymine"}))

	status, page := staff.uploadPayments("paymine", "nyukin.csv", []byte("8401,2026/12/06,5400\n"))
	require.Equal(t, http.StatusOK, status, page)
	form := dataApplyForm(t, page)

	for _, p := range []struct{ method, path string }{
		{"GET", "/shops/paytheirs/payments"}, {"POST", "/shops/paytheirs/payments"},
		{"POST", "/shops/paytheirs/payments/apply"}, {"GET", "/shops/paytheirs/payments/done/x"},
	} {
		req, _ := http.NewRequest(p.method, h.base+p.path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := staff.noFollow.Do(req)
		require.NoError(t, err)
		status, page := readPage(t, res)
		assert.Equal(t, http.StatusNotFound, status, "%s %s", p.method, p.path)
		assert.Contains(t, page, "店舗「paytheirs」は登録されていません", "%s %s", p.method, p.path)
	}
	for _, path := range []string{"/shops/paymine/payments", "/shops/paymine/payments/done/x"} {
		res, err := noRedirect().Get(h.base + path)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, "%s without a session", path)
		assert.Contains(t, res.Header.Get("Location"), "/login", "%s leads to the login page", path)
	}
	req, _ := http.NewRequest(http.MethodPost, h.base+"/shops/paymine/payments/apply", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err := staff.noFollow.Do(req)
	require.NoError(t, err)
	status, _ = readPage(t, res)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Empty(t, h.paidState("paymine", 8401), "a cross-site post writes nothing")

	status, page = staff.post("/shops/paymine/payments/apply", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Equal(t, "keiri6 2026-12-06", h.paidState("paymine", 8401), "the staff's own post applies it")
	assert.Empty(t, h.paidState("paytheirs", 8501))
}
