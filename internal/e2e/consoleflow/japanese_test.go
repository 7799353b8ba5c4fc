package consoleflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// englishPhrases are the words of the message catalogue's English (each
// literal run of 10 characters or more between its verbs): none may reach a
// staff page.
func englishPhrases() []string {
	verb := regexp.MustCompile(`%[dsq]`)
	var out []string
	for _, m := range msg.All {
		for _, part := range verb.Split(m.En, -1) {
			part = strings.TrimSpace(part)
			if len([]rune(part)) >= 10 && regexp.MustCompile(`[a-z]{3}`).MatchString(part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// staffPage checks the page the browser shows: no English reason, flag or
// note of the catalogue, and no "OMS".
func staffPage(t *testing.T, b *browser, phrases []string) {
	t.Helper()
	text := b.text("body")
	for _, p := range phrases {
		assert.NotContains(t, text, p, "English on the staff page %s", b.location())
	}
	assert.NotRegexp(t, `\bOMS\b`, text, "the word OMS on the staff page %s", b.location())
}

// connectShop adds a shop in the console and connects it through ColorMe's
// (the sandbox's) authorize page, as an admin does.
func connectShop(t *testing.T, cs *consoleStack, b *browser, id, name string) {
	t.Helper()
	b.open(cs.URL + "/shops")
	b.fill(`input[name=id]`, id)
	b.fill(`input[name=name]`, name)
	b.fill(`input[name=api_base_url]`, cs.SandboxURL)
	b.click(`form[action="/shops"] button[type=submit]`)
	b.fill(`input[name=client_id]`, cs.ClientID)
	b.fill(`input[name=client_secret]`, cs.Secret)
	b.click(`#save`)
	b.click(`#connect-button`)
	b.click(`button[value=approve]`)
	require.Equal(t, "接続済み", b.text("#connection"))
}

// seedEveryReason gives the shop an order for each rule that excludes one, an
// order flagged by the import, and a finished export and import run whose
// outcomes carry every reason of the catalogue's export and import parts.
func seedEveryReason(t *testing.T, cs *consoleStack, shopID string) (exportRun, importRun int64) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	day := 24 * time.Hour
	orders := []rules.Order{
		{SaleID: 5201, Status: rules.StatusNew, OrderedAt: now.Add(-day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 9201}}},
		{SaleID: 5202, Status: rules.StatusCancelled, OrderedAt: now.Add(-day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 9202}}},
		{SaleID: 5203, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-400 * day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 9203, SlipNumber: "4912-0000-5203"}}},
		{SaleID: 5204, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-20 * day), UpdatedAt: now.Add(-10 * day), Deliveries: []rules.Delivery{{ID: 9204}}},
	}
	require.NoError(t, cs.Store.UpsertOrders(ctx, shopID, orders))
	flag := msg.FlagMovedAfterShipping.Format(9204, msg.FieldChange.Format("address", "浜松市1-2-3", "浜松市4-5-6"),
		msg.ShippedStatus.Format("出荷済み")+", "+msg.ShippedSlip.Format(9204, "4912-0000-0001"))
	require.NoError(t, cs.Store.DB().Exec("UPDATE orders SET flag_reason = ? WHERE shop_id = ? AND sale_id = ?", flag, shopID, 5204).Error)

	exportRun, err := cs.Store.StartRun(ctx, oms.Run{RunKey: "every-reason", ShopID: shopID, Kind: oms.KindExport, Trigger: oms.TriggerManual,
		StartedBy: "tanaka", AsOf: now, WindowDays: 3})
	require.NoError(t, err)
	require.NoError(t, cs.Store.RecordOutcomes(ctx, exportRun, []oms.Outcome{
		{SaleID: 5201, Outcome: rules.OutcomeSkipped, Reason: workflows.NotTargetReason + rules.Exclusion(orders[0], now, 3)},
		{SaleID: 5202, Outcome: rules.OutcomeSkipped, Reason: msg.SaleCancelled.Format()},
		{SaleID: 5203, Outcome: rules.OutcomeFailed, Reason: msg.UnknownDelivery.Format("9203")},
		{SaleID: 5204, Outcome: rules.OutcomeUnchanged, Reason: msg.MailStateUnknown.Format("null")},
		{SaleID: 5205, Outcome: rules.OutcomeSkipped, Reason: msg.CancelledMeanwhile.Format()},
		{SaleID: 5206, Outcome: rules.OutcomeUpdated, Reason: msg.WrittenEarlier.Format()},
		{SaleID: 5207, Outcome: rules.OutcomeSkipped, Reason: workflows.NotTargetReason + msg.NotInOMS.Format()},
		{SaleID: 5208, Outcome: rules.OutcomePlanned, Reason: msg.DryRun.Format() + "; " + msg.MailStateUnknown.Format(`"weird"`)},
	}))
	require.NoError(t, cs.Store.FinishRun(ctx, exportRun, oms.RunTotals{Targets: 8, Updated: 1, Skipped: 4, Failed: 1, Unchanged: 1}, oms.RunCompleted, ""))

	importRun, err = cs.Store.StartImport(ctx, oms.Run{ShopID: shopID, RunKey: "every-import-reason", Trigger: oms.TriggerManual, WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	tail := "; " + msg.InvalidTail.Format()
	var outs []oms.Outcome
	for i, reason := range []string{
		msg.ImportCreatedCancelled.Format(), msg.ImportSplitFrom.Format(5101), msg.ImportNoLongerSplit.Format(), msg.ImportDetails.Format(),
		msg.ImportDetailsChanged.Format("customer_name, total_price, " + msg.LineItems.Format()), msg.ImportOrderDate.Format("2026/04/01 09:00", "2026/04/02 10:00"),
		msg.ImportDeliveryAdded.Format(9301, "山田 花子", "東京都"),
		msg.ImportDeliveryChanged.Format(9302, msg.FieldChange.Format(msg.FieldPostal.En, "4313597", "4313598")+", "+msg.PrefChange.Format("静岡県", "愛知県")+", "+
			msg.MethodChange.Format(msg.MethodNone.Format(), msg.MethodNumbered.Format(3))),
		msg.ImportDeliveryRemoved.Format(9303), msg.ImportCancelledAlready.Format(), msg.ImportCancelled.Format("発送待ち"), msg.ImportUncancelled.Format(),
		msg.FlagRemovedHolding.Format(9304, "4912", "2026-04-01"), msg.FlagCancelledShipped.Format(msg.ShippedOn.Format(9305, "2026-04-01")),
		msg.FlagUncancelledKept.Format(), msg.InvalidSaleID.Format(-1) + tail, msg.InvalidNoDate.Format() + tail,
		msg.InvalidDelivery.Format(0) + tail, msg.DupDelivery.Format(9306) + tail,
	} {
		outs = append(outs, oms.Outcome{SaleID: int64(5301 + i), Outcome: rules.OutcomeUpdated, Reason: reason})
	}
	require.NoError(t, cs.Store.RecordOutcomes(ctx, importRun, outs))
	require.NoError(t, cs.Store.FinishRun(ctx, importRun, oms.RunTotals{}, oms.RunCompleted, ""))
	return exportRun, importRun
}

// sandboxSale reads a sale back through the sandbox's admin API, as ColorMe
// holds it after the export.
func sandboxSale(t *testing.T, cs *consoleStack, id int64) colorme.Sale {
	t.Helper()
	res, err := http.Get(fmt.Sprintf("%s/_sandbox/sales/%d", cs.SandboxURL, id))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var s colorme.Sale
	require.NoError(t, json.NewDecoder(res.Body).Decode(&s))
	return s
}

// TestStaffReadJapanese walks the staff screens in Chromium as GoQ's users
// would: 同梱候補一覧 → 同梱する → the parent's tracking number uploaded → the
// on-change export writes it to ColorMe (read back from the sandbox) — and on
// every page visited, with orders, flags and runs holding every reason the
// catalogue knows, no English reason and no "OMS" shows.
func TestStaffReadJapanese(t *testing.T) {
	cs := newConsoleStack(t)
	pw := cs.addUser(t, "tanaka", accounts.RoleAdmin)
	b := newBrowser(t)
	phrases := englishPhrases()
	require.NotEmpty(t, phrases)
	b.login(cs.URL, "tanaka", pw)
	connectShop(t, cs, b, "zakka", "テスト雑貨店")
	exportRun, importRun := seedEveryReason(t, cs, "zakka")
	seedBundleOrders(t, cs, "zakka")

	// 同梱候補一覧 → 同梱する.
	b.open(cs.URL + "/shops/zakka/bundles")
	assert.Contains(t, b.text("#candidate-5101"), "5102")
	assert.Contains(t, b.text("#candidate-5101"), "〒431-3597")
	staffPage(t, b, phrases)
	b.shot("ux-01-bundle-candidates")
	b.click("#candidate-5101 .bundle-button")
	assert.Contains(t, b.text(".flash"), "受注 5102 を親注文 5101 に同梱しました。")
	b.open(cs.URL + "/shops/zakka/orders/5102")
	assert.Contains(t, b.text("#verdict"), "ルール4: 受注 5101 に同梱されています")
	staffPage(t, b, phrases)

	// 受注一覧: buyer, destination, total, payment; every exclusion and the flag in Japanese.
	b.open(cs.URL + "/shops/zakka/orders")
	row := b.text("#order-5101")
	assert.Contains(t, row, "山田 太郎")
	assert.Contains(t, row, "〒431-3597 静岡県")
	assert.Contains(t, b.text("#order-5203"), "ルール2: 注文日時")
	assert.Contains(t, b.text("#order-5204"), "ルール3: 最終更新日時")
	assert.Contains(t, b.text("#order-5204"), "出荷後にお届け先が変わりました")
	assert.Contains(t, b.text("#order-5201"), "ルール1: ステータスが「新規受付」")
	assert.Contains(t, b.text("#pager"), "1 / 1ページ")
	staffPage(t, b, phrases)
	b.shot("ux-02-orders")
	b.open(cs.URL + "/shops/zakka/orders/5204")
	assert.Contains(t, b.text("#flag"), "住所 「浜松市1-2-3」 → 「浜松市4-5-6」")
	staffPage(t, b, phrases)

	// A refused form: the address bar holds the order's page, so a reload
	// shows it again and sends nothing.
	b.do(chromedp.RemoveAttribute(chromedp.CSS("#delivery-9204 input[name=slip_number]"), "maxlength"))
	b.fill("#delivery-9204 input[name=slip_number]", strings.Repeat("9", 70))
	b.click("#delivery-9204 button[type=submit]")
	assert.Contains(t, b.text(".error"), "伝票番号")
	assert.True(t, strings.HasSuffix(b.location(), "/shops/zakka/orders/5204"), "after a refusal the address is the order's page, got %s", b.location())
	b.do(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("main h1")))
	assert.Equal(t, 0, get(b, chromedp.Evaluate[int](`document.querySelectorAll(".error").length`)), "a reload shows the page, not the refusal again")

	// The runs: every export and import reason in Japanese, sale numbers linked.
	b.open(fmt.Sprintf("%s/shops/zakka/runs/%d", cs.URL, exportRun))
	outcomes := b.text("#outcomes")
	assert.Contains(t, outcomes, "書出対象ではなくなりました: ルール1")
	assert.Contains(t, outcomes, "プレビューのため書き込んでいません。発送メールは送っていません")
	assert.Contains(t, b.source(), `<a href="/shops/zakka/orders/5203">5203</a>`)
	staffPage(t, b, phrases)
	b.shot("ux-03-run-reasons")
	b.open(fmt.Sprintf("%s/shops/zakka/runs/%d", cs.URL, importRun))
	assert.Contains(t, b.text("#outcomes"), "お届け先 9302: 郵便番号 「4313597」 → 「4313598」、都道府県 静岡県 → 愛知県、配送方法 なし → 配送方法 #3")
	staffPage(t, b, phrases)

	// データ取込 of the parent's tracking number: the page says it goes to
	// ColorMe by itself within seconds, and links to the runs.
	dir := t.TempDir()
	csv := writeFile(t, dir, "parent.csv", "受注番号,お届け先ID,伝票番号,出荷日\r\n5101,9101,4912-0000-5101,"+today()+"\r\n")
	b.open(cs.URL + "/shops/zakka/upload")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csv}))
	b.click("#preview-button")
	b.click("#apply")
	b.do(chromedp.WaitVisible(chromedp.CSS("#upload-done")))
	assert.Contains(t, b.text(".flash"), "数秒以内に自動でカラーミーショップに書き出されます")
	assert.Contains(t, b.text("#done-auto"), "「発送情報の更新」を押す必要はありません")
	staffPage(t, b, phrases)
	b.shot("ux-04-upload-done")

	// The on-change export writes the parent's slip; ColorMe shows it.
	deadline := time.Now().Add(90 * time.Second)
	var sale colorme.Sale
	for time.Now().Before(deadline) {
		if sale = sandboxSale(t, cs, 5101); sale.SaleDeliveries[0].SlipNumber != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	require.NotNil(t, sale.SaleDeliveries[0].SlipNumber, "the on-change export wrote the parent's slip to ColorMe")
	assert.Equal(t, "4912-0000-5101", *sale.SaleDeliveries[0].SlipNumber)
	assert.True(t, sale.SaleDeliveries[0].Delivered)
	child := sandboxSale(t, cs, 5102)
	assert.Nil(t, child.SaleDeliveries[0].SlipNumber, "the child is not written: it ships in the parent's parcel")

	b.click("#to-change-runs")
	assert.Contains(t, b.text("#runs"), "変更時")
	staffPage(t, b, phrases)

	// 送り状データ出力 「確認」: the rows to be written; what needs staff (髙
	// B2 cannot print, an order without address) apart from the calm list
	// (伝票番号登録済み, the bundled child).
	seedLabelOrder(t, cs, "zakka")
	b.open(cs.URL + "/shops/zakka/labels")
	b.do(chromedp.SetValue(chromedp.CSS("#status"), rules.StatusAwaitingShipment))
	b.fill(`input[name=shipper_tel]`, "03-1234-5678")
	b.fill(`input[name=shipper_postal]`, "101-0021")
	b.fill(`input[name=shipper_address]`, "東京都千代田区外神田1-2-3")
	b.fill(`input[name=b2_billing_code]`, "0312345678")
	b.click("#check-button")
	lines := b.text("#labels-lines")
	assert.Contains(t, lines, "佐藤 花子")
	assert.Contains(t, lines, "〒530-0001")
	assert.NotContains(t, lines, "髙橋")
	assert.Contains(t, b.text("#labels-excluded"), "髙")
	b.do(chromedp.Click(chromedp.CSS("#labels-infos summary")))
	infos := b.text("#labels-infos")
	assert.Contains(t, infos, "伝票番号 4912-0000-5101 が登録済み")
	assert.Contains(t, infos, "伝票番号 4912-0000-5203 が登録済み")
	staffPage(t, b, phrases)
	b.shot("ux-05-labels-check")
	loc := b.location()
	assert.True(t, strings.HasSuffix(loc, "/shops/zakka/labels"), "the address bar holds the form's page, got %s", loc)
}
