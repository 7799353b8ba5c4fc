package console_test

// Tests of 同梱候補一覧 and of what a bundled child says: the console on a real
// PostgreSQL store, driven over HTTP by a staff session.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shipplan"
)

// seedCandidates imports, as the import leaves them and then 発送待ち, sales of
// 山田 太郎 to one address written three ways (801, 802, 803), one to another
// address (804), one by another delivery method (805), one already shipped
// (806), one cancelled (807) and one placed ten days ago (808).
func (h *harness) seedCandidates(now time.Time) {
	h.t.Helper()
	ctx := context.Background()
	run, err := h.st.StartImport(ctx, oms.Run{ShopID: h.shop, RunKey: "candidates", Trigger: "manual", WindowDays: 14, AsOf: now})
	require.NoError(h.t, err)
	home := func(id int64) oms.ImportedDelivery {
		return oms.ImportedDelivery{ID: id, MethodID: 1, Name: "山田 太郎", PrefName: "静岡県", Postal: "4313597", Address1: "浜松市浜名区三ヶ日町1-2-3", Address2: "コーポ富士 101"}
	}
	sale := func(id int64, daysAgo int, d oms.ImportedDelivery) oms.ImportedSale {
		return oms.ImportedSale{SaleID: id, OrderedAt: now.Add(-time.Duration(daysAgo) * 24 * time.Hour), Customer: oms.ImportedCustomer{Name: "山田 太郎"},
			Deliveries: []oms.ImportedDelivery{d}}
	}
	d802, d803, d804, d805 := home(8020), home(8030), home(8040), home(8050)
	d802.Name, d802.Postal, d802.Address1 = "山田　太郎", "431-3597", "浜松市浜名区三ヶ日町１－２－３"
	d803.Address2 = "コーポ富士101"
	d804.Address2 = "コーポ富士 102"
	d805.MethodID = 2
	sales := []oms.ImportedSale{sale(801, 3, home(8010)), sale(802, 2, d802), sale(803, 1, d803), sale(804, 1, d804), sale(805, 1, d805),
		sale(806, 1, home(8060)), sale(807, 1, home(8070)), sale(808, 10, home(8080))}
	_, err = h.st.ApplyImport(ctx, h.shop, run, sales, now)
	require.NoError(h.t, err)
	for _, s := range sales {
		st := rules.StatusAwaitingShipment
		if s.SaleID == 807 {
			st = rules.StatusCancelled
		}
		_, err = h.st.SetStatus(ctx, h.shop, s.SaleID, st, now)
		require.NoError(h.t, err)
	}
	_, err = h.st.ApplyShipments(ctx, h.shop, []shipplan.Shipment{{Line: 2, SaleID: 806, DeliveryID: 8060, TrackingNumber: "4912-0000-0806"}}, false, now)
	require.NoError(h.t, err)
}

func TestBundleCandidates(t *testing.T) {
	h := newHarness(t, withShop("bdl", "同梱テスト店"))
	h.seedCandidates(time.Now())
	staff := h.session("staff1", accounts.RoleStaff)

	status, page := staff.get("/shops/bdl/bundles")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<span id="candidate-count">1組</span>`)
	group := ordSection(t, page, `<form method="post" action="/shops/bdl/bundles" class="card candidate" id="candidate-801">`, "</form>")
	for _, sale := range []int64{801, 802, 803} {
		assert.Contains(t, group, fmt.Sprintf(`id="candidate-order-%d"`, sale))
	}
	for _, sale := range []int64{804, 805, 806, 807, 808} {
		assert.NotContains(t, page, fmt.Sprintf(`id="candidate-order-%d"`, sale), "sale %d is no candidate", sale)
	}
	assert.Contains(t, group, "購入者・お届け先 (氏名・郵便番号・住所)・配送方法が同じ未発送の受注です。")
	assert.Contains(t, group, "直近7日以内")
	assert.Contains(t, group, `value="801" checked`, "the oldest order is the parent by rule")

	// A window of 14 days finds 808 too; a bad window says what to do.
	_, page = staff.get("/shops/bdl/bundles?days=14")
	assert.Contains(t, page, `id="candidate-order-808"`)
	status, page = staff.get("/shops/bdl/bundles?days=400")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "期間は1〜31日で入力してください")

	// The order page shows the same candidates.
	_, page = staff.get("/shops/bdl/orders/802")
	assert.Contains(t, page, `id="order-candidate"`)
	_, page = staff.get("/shops/bdl/orders/804")
	assert.NotContains(t, page, `id="order-candidate"`)

	// A posted group that is no longer one is refused, nothing changed.
	before := h.orders()
	status, page = staff.post("/shops/bdl/bundles", url.Values{"days": {"7"}, "sales": {"801", "804"}, "parent": {"801"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "同梱できませんでした: 購入者・お届け先・配送方法が一致しなくなりました。")
	status, page = staff.post("/shops/bdl/bundles", url.Values{"days": {"7"}, "sales": {"801", "806"}, "parent": {"801"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "受注 806 は伝票番号または出荷日が登録済み (出荷済み) です")
	status, _ = staff.post("/shops/bdl/bundles", url.Values{"days": {"7"}, "sales": {"801", "802"}, "parent": {"999"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, before, h.orders())

	// 同梱する with the parent changed to 802, from the order page.
	status, page = staff.post("/shops/bdl/bundles", url.Values{"days": {"7"}, "sales": {"801", "802", "803"}, "parent": {"802"}, "back": {"803"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "受注 801, 803 を親注文 802 に同梱しました。書き出されるのは親注文 802 だけです。")
	assert.Contains(t, page, `<dd id="sale-id">803</dd>`, "back on the order page")
	for _, sale := range []int64{801, 802, 803} {
		assert.Equal(t, int64(802), h.order(sale).BundleParentSaleID)
	}
	_, page = staff.get("/shops/bdl/bundles")
	assert.Contains(t, page, `<span id="candidate-count">0組</span>`)
	assert.Contains(t, h.logs.String(), `"msg":"console: bundle candidate bundled"`)

	// The child names its parent once, and the other child apart.
	_, page = staff.get("/shops/bdl/orders/803")
	bundleFact := ordSection(t, page, `<dd id="bundle">`, "</dd>")
	assert.Equal(t, 1, strings.Count(bundleFact, ">802<"), bundleFact)
	assert.Contains(t, bundleFact, "ほかの子注文")
	assert.Contains(t, bundleFact, ">801<")
}

func TestBundledChildOfExcludedParentSaysWhatToDo(t *testing.T) {
	h := newHarness(t, withShop("bdl", "同梱テスト店"))
	h.seedCandidates(time.Now())
	ctx := context.Background()
	_, err := h.st.Bundle(ctx, "bdl", 801, []int64{802}, time.Now())
	require.NoError(t, err)
	staff := h.session("staff1", accounts.RoleStaff)

	_, page := staff.get("/shops/bdl/orders/802")
	verdict := ordSection(t, page, `<section class="card" id="verdict">`, "</section>")
	assert.Contains(t, verdict, "同梱の子注文です (親注文 801 が書き出されます)", "a target parent")

	_, err = h.st.SetStatus(ctx, "bdl", 801, rules.StatusNew, time.Now())
	require.NoError(t, err)
	for _, path := range []string{"/shops/bdl/orders/802", "/shops/bdl/orders?only=excluded"} {
		_, page = staff.get(path)
		assert.Contains(t, page, "同梱の子注文ですが、親注文 801 も対象外です (ステータスが「新規受付」の注文は書き出しません)。", path)
		assert.Contains(t, page, "親注文を書出対象にする (ステータスを変更するなど) か、この受注の同梱を解除して単独で書き出してください。", path)
		assert.NotContains(t, page, "親注文 801 が書き出されます", path)
	}
}
