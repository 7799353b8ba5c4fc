package console

import (
	"fmt"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// 入金連携 in the console: 「入金済みにする」 on 受注一覧's rows and on the order
// page, and 入金取込 (a bank-statement CSV previewed, then applied all or
// nothing: payment_upload.go). Each marking is
// payment.Store.MarkPaid with the staff member's login, then the on-change export
// writes paid:true to ColorMe (and the 入金確認メール with the shop's setting).

// orderMarkPaid is 「入金済みにする」 (as `starter orders paid -sales N`): from the
// order page, or from a row of 受注一覧 (back=list goes back there).
func (s *Server) orderMarkPaid(rq *request) error {
	sale, err := s.changeableOrder(rq)
	if err != nil {
		return err
	}
	paidOn := strings.ReplaceAll(strings.TrimSpace(rq.r.FormValue("paid_on")), "/", "-")
	rep, err := s.d.Store.Payments.MarkPaid(rq.ctx(), rq.shop.ID, []payment.Payment{{SaleID: sale, PaidOn: paidOn}}, rq.user.Login, false, s.d.Now())
	if err != nil {
		return err
	}
	back := orderPath(rq.shop.ID, sale)
	if rq.r.FormValue("back") == "list" {
		back = "/shops/" + rq.shop.ID + "/orders?payment=unpaid"
	}
	switch {
	case len(rep.Rejected) > 0:
		return s.refuseOrder(rq, sale, "paid", nil, "入金済みにできませんでした: "+rep.Rejected[0].Ja, map[string]string{"paid_on": paidOn})
	case len(rep.Already) > 0:
		return s.redirect(rq, back, fmt.Sprintf("受注 %d はすでに入金済みです。変更はありません。", sale))
	}
	c := rep.Changes[0]
	s.d.Logger.Info("console: order marked paid", "shop", rq.shop.ID, "sale", sale, "paid_on", paidOn, "by", rq.user.Login)
	msg := fmt.Sprintf("受注 %d を入金済みにしました。", sale)
	if c.ToStatus != c.FromStatus {
		msg += fmt.Sprintf("ステータスを「%s」から「%s」に変更しました。", orderStatusLabel(c.FromStatus), orderStatusLabel(c.ToStatus))
	}
	if wait := s.followExport(rq, fmt.Sprintf("payment of sale %d", sale)); wait != "" {
		msg += wait
	} else {
		msg += "カラーミーショップへの入金連携は自動で行われます (自動処理ログで確認できます)。"
	}
	return s.redirect(rq, back, msg)
}

// orderPaymentFilter reads 受注一覧's 入金 filter (value: "" or "unpaid", 入金待ち)
// into data and lq; it returns the problem with a bad value.
func orderPaymentFilter(data *orderListData, lq *oms.OrderListQuery, value string, methods shops.ShopMethods) []string {
	switch value {
	case "":
	case "unpaid":
		data.Payment, lq.Unpaid, lq.PaymentIDs = value, true, methods.ConfirmedPaymentIDs()
	default:
		return []string{"入金の指定が正しくありません"}
	}
	return nil
}

// orderPayment is a payment method's name for staff and whether they confirm
// its payments (入金連携).
func orderPayment(methods shops.ShopMethods, id int64) (string, bool) {
	p, ok := methods.Payment(id)
	return methods.PaymentLabel(id), ok && p.NeedsConfirmation()
}

// paidPushed reports whether the export run of last wrote 入金済み to ColorMe.
func paidPushed(last oms.ExportOutcome) bool {
	sent, ok := workflows.DecodeSent(last.Sent)
	return ok && sent.Paid && !last.DryRun && last.Outcome == rules.OutcomeUpdated
}
