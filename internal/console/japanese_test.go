package console_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// catalogueEnglish are the words of the message catalogue's English: each
// literal run of 10 characters or more between its verbs, with Latin words.
func catalogueEnglish() []string {
	verb := regexp.MustCompile(`%[dsq]`)
	latin := regexp.MustCompile(`[a-z]{3}`)
	var out []string
	for _, m := range msg.All {
		for _, part := range verb.Split(m.En, -1) {
			if part = strings.TrimSpace(part); len([]rune(part)) >= 10 && latin.MatchString(part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// everyReason stores, in the harness's shop, orders excluded by each rule, a
// bundled child, an order flagged by the import with nested messages, and an
// export and an import run whose outcomes hold every reason of the catalogue.
func (h *harness) everyReason() (exportRun, importRun int64) {
	t := h.t
	ctx := context.Background()
	now := time.Now()
	day := 24 * time.Hour
	orders := []rules.Order{
		{SaleID: 801, Status: rules.StatusNew, OrderedAt: now.Add(-day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 8010}}},
		{SaleID: 802, Status: rules.StatusCancelled, OrderedAt: now.Add(-day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 8020}}},
		{SaleID: 803, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-400 * day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 8030}}},
		{SaleID: 804, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-20 * day), UpdatedAt: now.Add(-10 * day), Deliveries: []rules.Delivery{{ID: 8040}}},
		{SaleID: 805, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-day), UpdatedAt: now.Add(-day), Deliveries: []rules.Delivery{{ID: 8050}}},
		{SaleID: 806, Status: rules.StatusAwaitingShipment, OrderedAt: now.Add(-day), UpdatedAt: now.Add(-day), BundleParentSaleID: 805, Deliveries: []rules.Delivery{{ID: 8060}}},
	}
	require.NoError(t, h.st.UpsertOrders(ctx, h.shop, orders))
	require.NoError(t, h.st.DB().Exec("UPDATE orders SET bundle_parent_sale_id = 805 WHERE shop_id = ? AND sale_id = 805", h.shop).Error)
	flags := map[int64]string{
		804: msg.FlagMovedAfterShipping.Format(8040, msg.FieldChange.Format(msg.FieldAddress.En, "浜松市1-2-3", "浜松市4-5-6"),
			msg.ShippedStatus.Format("出荷済み")+", "+msg.ShippedSlip.Format(8040, "4912")),
		805: msg.FlagRemovedHolding.Format(8051, "4912", "2026-04-01") + "; " + msg.FlagUncancelledKept.Format(),
		803: msg.FlagCancelledShipped.Format(msg.ShippedOn.Format(8030, "2026-04-01")),
	}
	for sale, f := range flags {
		require.NoError(t, h.st.DB().Exec("UPDATE orders SET flag_reason = ? WHERE shop_id = ? AND sale_id = ?", f, h.shop, sale).Error)
	}
	exportRun, err := h.st.StartRun(ctx, oms.Run{RunKey: "every-reason", ShopID: h.shop, Kind: oms.KindExport, Trigger: oms.TriggerManual, AsOf: now, WindowDays: 3})
	require.NoError(t, err)
	var outs []oms.Outcome
	for i, reason := range []string{
		workflows.NotTargetReason + rules.Exclusion(orders[0], now, 3), workflows.NotTargetReason + rules.Exclusion(orders[5], now, 3),
		workflows.NotTargetReason + msg.NotInOMS.Format(), msg.SaleCancelled.Format(), msg.UnknownDelivery.Format("8030, 8031"),
		msg.MailStateUnknown.Format("null"), msg.CancelledMeanwhile.Format(), msg.WrittenEarlier.Format(),
		msg.DryRun.Format(), msg.DryRun.Format() + "; " + msg.MailStateUnknown.Format(`"x"`),
		msg.TokenRefused.Format("invalid_token"), msg.TimedOut.Format("activity StartToClose timeout"),
	} {
		outs = append(outs, oms.Outcome{SaleID: int64(900 + i), Outcome: rules.OutcomeSkipped, Reason: reason})
	}
	require.NoError(t, h.st.RecordOutcomes(ctx, exportRun, outs))
	require.NoError(t, h.st.FinishRun(ctx, exportRun, oms.RunTotals{Targets: len(outs), Skipped: len(outs)}, oms.RunFailed,
		msg.TokenRefused.Format("invalid_token")))

	importRun, err = h.st.StartImport(ctx, oms.Run{ShopID: h.shop, RunKey: "every-import-reason", Trigger: oms.TriggerManual, WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	tail := "; " + msg.InvalidTail.Format()
	outs = nil
	for i, reason := range []string{
		msg.ImportCreatedCancelled.Format(), msg.ImportSplitFrom.Format(805), msg.ImportNoLongerSplit.Format(), msg.ImportDetails.Format(),
		msg.ImportDetailsChanged.Format("customer_furigana, customer_mail, customer_name, customer_tel, delivery_total_charge, fee, memo, payment_id, product_total_price, tax, total_price, " + msg.LineItems.Format()),
		msg.ImportOrderDate.Format("2026/04/01 09:00", "2026/04/02 10:00"), msg.ImportDeliveryAdded.Format(8070, "山田 花子", "東京都"),
		msg.ImportDeliveryChanged.Format(8071, strings.Join([]string{
			msg.FieldChange.Format(msg.FieldName.En, "a", "b"), msg.PrefChange.Format("静岡県", "愛知県"), msg.FieldChange.Format(msg.FieldAddress2.En, "", "101"),
			msg.FieldChange.Format(msg.FieldPostal.En, "4313597", "4313598"), msg.FieldChange.Format(msg.FieldTel.En, "1", "2"),
			msg.FieldChange.Format(msg.FieldFurigana.En, "ア", "イ"), msg.FieldChange.Format(msg.FieldPrefDate.En, "", "2026-04-03"),
			msg.FieldChange.Format(msg.FieldPrefTime.En, "", "午前中"), msg.MethodChange.Format(msg.MethodNone.Format(), msg.MethodNumbered.Format(3))}, ", ")),
		msg.ImportDeliveryRemoved.Format(8072), msg.ImportCancelledAlready.Format(), msg.ImportCancelled.Format("発送待ち"), msg.ImportUncancelled.Format(),
		msg.InvalidSaleID.Format(-1) + tail, msg.InvalidNoDate.Format() + tail, msg.InvalidDelivery.Format(0) + tail, msg.DupDelivery.Format(8073) + tail,
	} {
		outs = append(outs, oms.Outcome{SaleID: int64(950 + i), Outcome: rules.OutcomeUpdated, Reason: reason})
	}
	require.NoError(t, h.st.RecordOutcomes(ctx, importRun, outs))
	require.NoError(t, h.st.FinishRun(ctx, importRun, oms.RunTotals{}, oms.RunCompleted, ""))
	return exportRun, importRun
}

// TestStaffPagesHoldNoEnglishReason renders the staff pages over orders and
// runs that hold every reason, flag and note of the message catalogue: each
// shows them in Japanese, and none shows the catalogue's English or "OMS".
func TestStaffPagesHoldNoEnglishReason(t *testing.T) {
	h := newHarness(t, ordShop)
	exportRun, importRun := h.everyReason()
	staff := h.session("staff1", accounts.RoleStaff)
	english := catalogueEnglish()
	require.Greater(t, len(english), 40)
	oms := regexp.MustCompile(`\bOMS\b`)
	pages := []string{"/shops/ord/orders", "/shops/ord/orders?only=excluded", "/shops/ord/orders?only=flagged", "/shops/ord/runs",
		fmt.Sprintf("/shops/ord/runs/%d", exportRun), fmt.Sprintf("/shops/ord/runs/%d", importRun), "/shops/ord/bundles", "/shops/ord/export",
		"/shops/ord/upload", "/shops/ord/labels", "/shops/ord/settings", "/shops/ord/methods", "/notices", "/status", "/shops"}
	for sale := int64(801); sale <= 806; sale++ {
		pages = append(pages, fmt.Sprintf("/shops/ord/orders/%d", sale))
	}
	for _, p := range pages {
		status, page := staff.get(p)
		require.Equal(t, http.StatusOK, status, p)
		for _, en := range english {
			assert.NotContains(t, page, en, "%s shows the catalogue's English", p)
		}
		assert.NotRegexp(t, oms, page, "%s says OMS", p)
	}

	_, page := staff.get(fmt.Sprintf("/shops/ord/runs/%d", exportRun))
	for _, ja := range []string{"書出対象ではなくなりました: ルール1: ステータスが「新規受付」の受注は書き出しません",
		"書出対象ではなくなりました: ルール4: 受注 805 に同梱されています", "この受注管理にこの受注番号の受注がありません",
		"お届け先 8030, 8031 がカラーミーショップの受注にありません", "プレビューのため書き込んでいません。発送メールは送っていません",
		"カラーミーショップがアクセスキーを受け付けませんでした (invalid_token)", "時間内に終わりませんでした"} {
		assert.Contains(t, page, ja, "%s", reasonCells(page))
	}
	_, page = staff.get(fmt.Sprintf("/shops/ord/runs/%d", importRun))
	for _, ja := range []string{"購入者フリガナ、購入者メールアドレス、購入者氏名、購入者電話番号、送料、手数料、備考、決済方法、商品合計、消費税、合計金額、商品",
		"お届け先 8071: 氏名 「a」 → 「b」、都道府県 静岡県 → 愛知県", "配送方法 なし → 配送方法 #3",
		"カラーミーショップから注文日時のない受注が届きました。この受注は取り込んでいません"} {
		assert.Contains(t, page, ja, "%s", reasonCells(page))
	}
	_, page = staff.get("/shops/ord/orders/805")
	assert.Contains(t, page, "お届け先 8051 がカラーミーショップで削除されましたが、この受注管理には伝票番号 「4912」 / 出荷日 「2026-04-01」 があります")
	_, page = staff.get("/shops/ord/orders/806")
	assert.Contains(t, page, "ルール4: 受注 805 に同梱されています")
}

// reasonCells are the reason cells of a run page, for a failure's message.
func reasonCells(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td class="reason">([^<]*)</td>`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}
