package consoleflow_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// seedPaymentOrders gives the shop three bank-transfer orders 入金待ち (7001,
// 7002, 7003, totals 5400, 3300, 1200) and ColorMe the same sales, unpaid.
func seedPaymentOrders(t *testing.T, cs *consoleStack, shopID string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	var orders []rules.Order
	var sales []oms.ImportedSale
	for i, total := range []int64{5400, 3300, 1200} {
		id := int64(7001 + i)
		orders = append(orders, rules.Order{SaleID: id, Status: rules.StatusAwaitingPayment, OrderedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour),
			Deliveries: []rules.Delivery{{ID: id * 10}}})
		sales = append(sales, oms.ImportedSale{SaleID: id, OrderedAt: now.Add(-time.Hour), PaymentID: 753, Totals: oms.SaleTotals{Total: total},
			Customer: oms.ImportedCustomer{Name: "振込 花子"}, Deliveries: []oms.ImportedDelivery{{ID: id * 10, Name: "振込 花子", PrefName: "東京都"}}})
		cs.Sandbox.Seed(colorme.Sale{ID: id, MakeDate: now.Add(-time.Hour).Unix(), UpdateDate: now.Add(-time.Hour).Unix(), PaymentID: 753, TotalPrice: total,
			DeliveredMailState: colorme.MailNotYet, PaidMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: id * 10, SaleID: id, Name: "振込 花子", PrefName: "東京都"}}})
	}
	require.NoError(t, cs.Store.UpsertOrders(ctx, shopID, orders))
	require.NoError(t, cs.Store.SeedFromColorMe(ctx, shopID, sales))
	_, err := cs.Store.Shops.SaveMethods(ctx, shopID, nil, []colorme.PaymentMethod{{ID: 753, Name: "銀行振込", Display: true}, {ID: 752, Name: "代金引換", Display: true}}, now)
	require.NoError(t, err)
}

// TestPaymentInBrowser: 入金連携 as staff do it in the browser — 入金待ち in
// 受注一覧, 「入金済みにする」 on a row and on the order page, 入金取込 refusing a
// bank-statement CSV whose amount does not match, previewing a good one and
// applying that preview once with 「この内容で取り込む」 — and
// ColorMe (the sandbox) then shows every sale paid with one 入金確認メール each,
// which 自動処理ログ reports as 入金.
func TestPaymentInBrowser(t *testing.T) {
	cs := newConsoleStack(t)
	ctx := context.Background()
	const shop = "payshop"
	cs.AddShop(t, shop)
	sh, err := cs.Store.Shops.Shop(ctx, shop)
	require.NoError(t, err)
	sh.Name, sh.Settings.SendPaidMail = "入金テスト店", true
	require.NoError(t, cs.Store.Shops.UpdateShop(ctx, sh))
	seedPaymentOrders(t, cs, shop)
	pw := cs.addUser(t, "keiri", accounts.RoleStaff)
	require.NoError(t, cs.Store.Accounts.SetUserShops(ctx, "keiri", []string{shop}))
	b := newBrowser(t)
	b.login(cs.URL, "keiri", pw)

	// 受注一覧, 入金待ち: the three bank transfers, each with 「入金済みにする」.
	b.open(cs.URL + "/shops/" + shop + "/orders?payment=unpaid")
	for _, id := range []int{7001, 7002, 7003} {
		assert.Contains(t, b.text(fmt.Sprintf("#order-%d", id)), "入金待ち")
	}
	assert.Contains(t, b.text("#order-7001"), "銀行振込")
	b.shot("payment-01-unpaid")

	// A row's 「入金済みにする」.
	b.click("#paid-7001")
	assert.Contains(t, b.text(".flash"), "受注 7001 を入金済みにしました")
	assert.Contains(t, b.text(".flash"), "「入金待ち」から「発送待ち」")
	must(t, !strings.Contains(b.source(), `id="order-7001"`), "7001 is no longer 入金待ち")
	b.shot("payment-02-row-marked")

	// The order page's 「入金済みにする」.
	b.open(cs.URL + "/shops/" + shop + "/orders/7002")
	assert.Contains(t, b.text("#paid-state"), "未入金")
	b.shot("payment-03-order-unpaid")
	b.click("#paid-button")
	assert.Contains(t, b.text("#paid-state"), "入金済み")
	assert.Contains(t, b.text("#paid-state"), "keiri")
	b.shot("payment-04-order-paid")

	// 入金取込: an amount off the total is refused by line, nothing stored.
	dir := t.TempDir()
	bad := writeFile(t, dir, "nyukin-bad.csv", "売上ID,入金日,金額\n7003,2026/12/06,1000\n")
	b.open(cs.URL + "/shops/" + shop + "/orders")
	b.click("#to-payments")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}))
	b.click("#preview-button")
	assert.Contains(t, b.text("#problems"), "2行目")
	assert.Contains(t, b.text("#problems"), "1200円")
	assert.Contains(t, b.text(".error"), "何も取り込みません")
	must(t, !strings.Contains(b.source(), `id="apply"`), "a refused file cannot be applied")
	b.shot("payment-05-csv-rejected")
	views, err := cs.Store.Orders(ctx, shop, 7003)
	require.NoError(t, err)
	require.Nil(t, views[0].PaidAt, "a refused file stores nothing")

	// The fixed file is previewed: what becomes 入金済み, what already is
	// (7001, marked above); nothing is stored yet.
	good := writeFile(t, dir, "nyukin.csv", string(sjis(t, "売上ID,入金日,金額\r\n7003,2026/12/06,1200\r\n7001,2026/12/05,\"5,400\"\r\n")))
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{good}))
	b.click("#preview-button")
	assert.Contains(t, b.text("#payments-preview h2"), "プレビュー")
	assert.Contains(t, b.text("#encoding"), "Shift_JIS")
	assert.Equal(t, "1件", b.text("#change-count"))
	assert.Contains(t, b.text("#already-count"), "1件")
	assert.Contains(t, b.text("#payments-table"), "7003")
	assert.Contains(t, b.text("#payments-table"), "入金待ち → 発送待ち")
	assert.Contains(t, b.text("#payments-already"), "7001")
	assert.Equal(t, "この内容で取り込む", b.text("#apply"))
	b.shot("payment-06-csv-preview")
	views, err = cs.Store.Orders(ctx, shop, 7003)
	require.NoError(t, err)
	require.Nil(t, views[0].PaidAt, "a preview stores nothing")
	token := get(b, chromedp.Evaluate[string](`document.querySelector('#apply-form input[name=token]').value`))
	sum := get(b, chromedp.Evaluate[string](`document.querySelector('#apply-form input[name=sha256]').value`))

	// 「この内容で取り込む」 applies the previewed file, without choosing it again.
	b.click("#apply")
	assert.Contains(t, b.text(".flash"), "取込が完了しました: 1件の受注を入金済みにしました。")
	assert.Contains(t, b.text("#payments-done h2"), "取込結果")
	assert.Equal(t, "1件", b.text("#done-changes"))
	assert.Contains(t, b.text("#follow"), "カラーミーショップへの入金連携は自動で行われます")
	b.shot("payment-07-csv-applied")
	views, err = cs.Store.Orders(ctx, shop, 7003)
	require.NoError(t, err)
	require.NotNil(t, views[0].PaidAt, "applied")
	paidAt := *views[0].PaidAt

	// The same form sent again (a second click, or the browser resending it)
	// applies nothing and shows the first one's summary.
	resubmit(b, "/shops/"+shop+"/payments/apply", map[string]string{"token": token, "sha256": sum})
	assert.Contains(t, b.text(".flash"), "この入金CSVはすでに取り込み済みです。2回は取り込みません。")
	assert.Equal(t, "1件", b.text("#done-changes"))
	views, err = cs.Store.Orders(ctx, shop, 7003)
	require.NoError(t, err)
	require.True(t, paidAt.Equal(*views[0].PaidAt), "not marked again")

	// ColorMe shows the three sales paid, one 入金確認メール each.
	deadline := time.Now().Add(60 * time.Second)
	for {
		c := cs.Sandbox.Counters()
		done := len(c.PaidMailsBySale) == 3
		for _, id := range []int64{7001, 7002, 7003} {
			s, _ := cs.Sandbox.Sale(id)
			done = done && s.Paid
		}
		if done {
			for id, n := range c.PaidMailsBySale {
				require.Equal(t, 1, n, "sale %d paid mails", id)
			}
			break
		}
		require.True(t, time.Now().Before(deadline), "ColorMe shows the sales paid within 60 s: %+v", c.PaidMailsBySale)
		time.Sleep(300 * time.Millisecond)
	}

	// The order page says the export wrote 入金済み to ColorMe.
	b.open(cs.URL + "/shops/" + shop + "/orders/7002")
	assert.Contains(t, b.text("#colorme-paid"), "書出で書き込み")

	// 自動処理ログ: the export run says 入金 for those sales.
	runs, err := cs.Store.Runs(ctx, shop, 20)
	require.NoError(t, err)
	var runID int64
	for _, r := range runs {
		if r.Kind == oms.KindExport && r.Totals.Updated > 0 {
			runID = r.ID
			break
		}
	}
	require.NotZero(t, runID)
	b.open(fmt.Sprintf("%s/shops/%s/runs/%d", cs.URL, shop, runID))
	assert.Contains(t, b.text("main"), "入金: 入金済みにする")
	assert.Contains(t, b.text("main"), "入金: 入金確認メールを送る")
	b.shot("payment-08-run-log")
}

// resubmit posts a form to action with fields from the current page, as a
// second click on a form's button or the browser sending it again does, and
// waits for the page it leads to.
func resubmit(b *browser, action string, fields map[string]string) {
	b.t.Helper()
	js := `(() => { const f = document.createElement('form'); f.method = 'post'; f.action = ` + strconv.Quote(action) + `;`
	for name, value := range fields {
		js += ` { const i = document.createElement('input'); i.type = 'hidden'; i.name = ` + strconv.Quote(name) + `; i.value = ` + strconv.Quote(value) + `; f.appendChild(i); }`
	}
	js += ` document.body.appendChild(f); f.submit(); return true; })()`
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Evaluate[bool](js))); err != nil {
		b.fatal(err)
	}
	b.do(chromedp.WaitReady(chromedp.CSS("main h1")))
}
