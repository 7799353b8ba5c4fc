package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// 入金連携 in the console: 「入金済みにする」 on 受注一覧's rows and on the order
// page, and 入金取込 (a bank-statement CSV, all or nothing). Each marking is
// payment.Store.MarkPaid with the staff member's login, then the on-change export
// writes paid:true to ColorMe (and the 入金確認メール with the shop's setting).

// paymentsData is what 入金取込 shows.
type paymentsData struct {
	FileName string
	Checked  bool // a check only (確認する): nothing stored
	Report   *app.PaymentCSVReport
	Problems []string // the problems, line by line, in staff's words
}

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
	msg += "カラーミーショップへの入金連携は自動で行われます (自動処理ログで確認できます)。"
	s.notifyChange(rq, fmt.Sprintf("payment of sale %d", sale))
	return s.redirect(rq, back, msg)
}

// paymentsForm is 入金取込: the form for a bank-statement CSV.
func (s *Server) paymentsForm(rq *request) error {
	return s.render(rq, "payments", "入金取込", paymentsData{})
}

// paymentsUpload reads a bank-statement CSV and marks its sales 入金済み, all or
// nothing (app.ApplyPaymentCSV, as `starter orders paid -file`); ?mode=check
// only checks it.
func (s *Server) paymentsUpload(rq *request) error {
	data := paymentsData{Checked: rq.r.URL.Query().Get("mode") == "check"}
	name, file, err := readUpload(rq)
	if err != nil {
		var he *httpError
		if !errors.As(err, &he) {
			return err
		}
		msg := he.msg
		if he.status == http.StatusBadRequest {
			msg = "ファイルが選ばれていません。「ファイルを選択」で入金CSVを選んでから「確認する」か「取り込む」を押してください。"
		}
		return s.renderStatus(rq, he.status, "payments", "入金取込", data, msg)
	}
	data.FileName = name
	rep, err := app.ApplyPaymentCSV(rq.ctx(), s.d.Store, rq.shop.ID, file, rq.user.Login, data.Checked, s.d.Now())
	if errors.Is(err, app.ErrNotCSV) {
		return s.renderStatus(rq, http.StatusUnsupportedMediaType, "payments", "入金取込", data, "「"+name+"」は読み込みませんでした: "+staffmsg.StaffMessage(err))
	}
	if err != nil {
		return err
	}
	data.Report = &rep
	for _, l := range rep.Rejected {
		p := "ファイル全体: " + l.Ja
		if l.Line != 0 {
			p = fmt.Sprintf("%d行目: %s", l.Line, l.Ja)
		}
		data.Problems = append(data.Problems, p)
	}
	s.d.Logger.Info("console: payment CSV read", "shop", rq.shop.ID, "by", rq.user.Login, "file", name, "rows", rep.Rows,
		"changes", len(rep.Changes), "problems", len(rep.Rejected), "applied", rep.Applied)
	if len(data.Problems) > 0 {
		return s.renderStatus(rq, http.StatusUnprocessableEntity, "payments", "入金取込", data,
			fmt.Sprintf("このファイルには問題が%d件あります。1件でも問題があると何も取り込みません。下の行を直して、もう一度アップロードしてください。", len(data.Problems)))
	}
	if rep.Applied {
		s.notifyChange(rq, fmt.Sprintf("payment CSV: %d sales", len(rep.Changes)))
	}
	return s.render(rq, "payments", "入金取込", data)
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
