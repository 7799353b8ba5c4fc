package console_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/stock"
)

// TestUploadScreensKeepTheirFiles: staff preview a stock file on 在庫取込 in
// one tab and a 入金CSV on 入金取込 in another; 「取込」 in the first tab still
// applies its file, and so does the second's. Each screen refuses the other's
// file as another screen's, and shows only its own 取込結果; a second preview
// on one screen replaces that screen's file only.
func TestUploadScreensKeepTheirFiles(t *testing.T) {
	h := newHarness(t)
	const shop = "tabs"
	h.addPaymentShop(shop, map[int64]int64{8401: 5400, 8402: 1200})
	staff := h.addUser("tabs1", accounts.RoleStaff, "tabs-password-1")

	status, page := staff.uploadStock(shop, "zaiko.csv", []byte("型番,在庫数\nMUG-1,6\n"))
	require.Equal(t, http.StatusOK, status, page)
	stockForm := dataApplyForm(t, page)
	status, page = staff.uploadPayments(shop, "nyukin.csv", []byte("8401,2026/12/06,5400\n"))
	require.Equal(t, http.StatusOK, status, page)
	payForm := dataApplyForm(t, page)

	// Each screen refuses the other's file, and keeps it waiting.
	status, page = staff.post("/shops/"+shop+"/payments/apply", stockForm)
	assert.Equal(t, http.StatusGone, status, page)
	assert.Contains(t, page, "このファイルは別の取込画面でプレビューしたもので、この画面では取り込めません。")
	for _, p := range []string{"/shops/" + shop + "/stock/upload/apply", "/shops/" + shop + "/upload/apply"} {
		status, page = staff.post(p, payForm)
		assert.Equal(t, http.StatusGone, status, "%s does not apply a 入金CSV: %s", p, page)
		assert.Contains(t, page, "別の取込画面でプレビューしたもの")
	}
	assert.Empty(t, h.paidState(shop, 8401))

	status, page = staff.post("/shops/"+shop+"/stock/upload/apply", stockForm)
	require.Equal(t, http.StatusOK, status, "the 入金取込 preview in the other tab left 在庫取込's file: %s", page)
	assert.Contains(t, page, "取込が完了しました: 1件の型番の在庫数を更新しました。")
	assert.Contains(t, page, `id="stock-done"`)
	lv, err := stock.New(h.st).Levels(context.Background(), shop)
	require.NoError(t, err)
	assert.Equal(t, int64(6), lv["MUG-1"].OnHand)

	status, page = staff.post("/shops/"+shop+"/payments/apply", payForm)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込が完了しました: 1件の受注を入金済みにしました。")
	assert.Equal(t, "tabs1 2026-12-06", h.paidState(shop, 8401))

	// A 取込結果 is its own screen's: another screen's page does not show it.
	stockDone, payDone := stockForm.Get("token"), payForm.Get("token")
	_, page = staff.get("/shops/" + shop + "/upload/done/" + stockDone)
	assert.NotContains(t, page, `id="upload-done"`, "データ取込 does not show 在庫取込's 取込結果")
	assert.Contains(t, page, `id="upload-form"`)
	_, page = staff.get("/shops/" + shop + "/stock/upload/done/" + payDone)
	assert.NotContains(t, page, `id="stock-done"`, "在庫取込 does not show 入金取込's 取込結果")
	_, page = staff.get("/shops/" + shop + "/payments/done/" + stockDone)
	assert.Contains(t, page, "取込結果が見つかりません")
	_, page = staff.get("/shops/" + shop + "/stock/upload/done/" + stockDone)
	assert.Contains(t, page, `id="stock-done"`)

	// A second preview on 在庫取込 replaces its first; 入金取込's stays.
	_, page = staff.uploadStock(shop, "a.csv", []byte("MUG-1,1\n"))
	first := dataApplyForm(t, page)
	_, page = staff.uploadPayments(shop, "b.csv", []byte("8402,2026/12/07,1200\n"))
	pay2 := dataApplyForm(t, page)
	_, page = staff.uploadStock(shop, "c.csv", []byte("MUG-1,2\n"))
	second := dataApplyForm(t, page)
	status, page = staff.post("/shops/"+shop+"/stock/upload/apply", first)
	assert.Equal(t, http.StatusGone, status, page)
	assert.Contains(t, page, "プレビューしたファイルが見つかりません")
	status, page = staff.post("/shops/"+shop+"/stock/upload/apply", second)
	require.Equal(t, http.StatusOK, status, page)
	status, page = staff.post("/shops/"+shop+"/payments/apply", pay2)
	require.Equal(t, http.StatusOK, status, page)
	lv, err = stock.New(h.st).Levels(context.Background(), shop)
	require.NoError(t, err)
	assert.Equal(t, int64(2), lv["MUG-1"].OnHand)
	assert.Equal(t, "tabs1 2026-12-07", h.paidState(shop, 8402))
}
