package oms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// 入金連携: staff mark sales 入金済み in the OMS (console, `starter orders
// paid`, a bank-statement CSV); the export then writes paid:true to ColorMe
// and, with the shop's send_paid_mail, sends the 入金確認メール once.

// Payment is one sale to mark 入金済み: from the console or the CLI (no line,
// date or amount) or from one line of a bank-statement CSV.
type Payment struct {
	Line   int    `json:"line,omitempty"`    // line number in the file, for messages; 0 = not from a file
	SaleID int64  `json:"sale_id"`           // ColorMe sale id (受注番号)
	PaidOn string `json:"paid_on,omitempty"` // 入金日 YYYY-MM-DD; "" = not given
	Amount *int64 `json:"amount,omitempty"`  // 金額; nil = not checked. Must equal the sale's total_price.
}

// PaymentChange is one sale a marking turns 入金済み.
type PaymentChange struct {
	Line       int    `json:"line,omitempty"`
	SaleID     int64  `json:"sale_id"`
	PaidOn     string `json:"paid_on,omitempty"`
	FromStatus string `json:"from_status"`
	ToStatus   string `json:"to_status"` // 発送待ち when the order was 新規受付 or 入金待ち, else unchanged
}

// PaymentReport is what MarkPaid found and did.
type PaymentReport struct {
	Applied  bool            `json:"applied"`  // stored (never when Rejected is non-empty or in a dry run)
	Changes  []PaymentChange `json:"changes"`  // sales that become 入金済み
	Already  []int64         `json:"already"`  // sales already 入金済み in the OMS: left as they are
	Rejected []LineMessage   `json:"rejected"` // why lines cannot be applied
}

// PaidMark is the OMS's 入金済み of one order.
type PaidMark struct {
	At     time.Time `json:"at"`
	On     string    `json:"on,omitempty"` // 入金日
	By     string    `json:"by"`
	OnSite bool      `json:"colorme_paid"` // ColorMe showed the sale paid at the last import
}

// MarkPaid marks the sales 入金済み, all or none: it checks every payment
// against the OMS (the order exists, is not キャンセル, the amount matches its
// total, one sale once) and, when nothing is rejected and not dryRun, stores
// in one transaction who marked them (by), when (now) and the 入金日. An order
// 新規受付 or 入金待ち becomes 発送待ち, so that the export (rule 1) takes it;
// its updated_at moves to now. A sale already 入金済み is left as it is.
func (s *Store) MarkPaid(ctx context.Context, shopID string, payments []Payment, by string, dryRun bool, now time.Time) (PaymentReport, error) {
	rep := PaymentReport{Changes: []PaymentChange{}, Already: []int64{}, Rejected: []LineMessage{}}
	if len(payments) == 0 {
		rep.Rejected = append(rep.Rejected, LineMessage{Message: "no sale to mark paid", Ja: "入金済みにする受注がありません。受注番号を入れてください。"})
		return rep, nil
	}
	if strings.TrimSpace(by) == "" {
		return rep, fmt.Errorf("marking sales paid: who marks them (by) is missing")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := make([]int64, 0, len(payments))
		for _, p := range payments {
			ids = append(ids, p.SaleID)
		}
		rows, err := lockRows(tx, shopID, ids)
		if err != nil {
			return err
		}
		rep = planPayments(payments, rows)
		if len(rep.Rejected) > 0 || dryRun || len(rep.Changes) == 0 {
			return nil
		}
		for _, c := range rep.Changes {
			cols := map[string]any{"paid_at": schema.UTC(now), "paid_by": by, "paid_on": dateString(c.PaidOn), "status": c.ToStatus, "updated_at": schema.UTC(now)}
			if err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, c.SaleID).Updates(cols).Error; err != nil {
				return err
			}
		}
		rep.Applied = true
		return nil
	})
	if err != nil {
		return PaymentReport{}, fmt.Errorf("marking %d sales of shop %q paid: %w", len(payments), shopID, err)
	}
	return rep, nil
}

// planPayments checks each payment against its order (rows, by sale id).
func planPayments(payments []Payment, rows map[int64]orderRow) PaymentReport {
	rep := PaymentReport{Changes: []PaymentChange{}, Already: []int64{}, Rejected: []LineMessage{}}
	seen := map[int64]int{}
	for _, p := range payments {
		o, ok := rows[p.SaleID]
		if en, ja := paymentProblem(p, o, ok, seen[p.SaleID]); en != "" {
			rep.Rejected = append(rep.Rejected, LineMessage{Line: p.Line, Message: en, Ja: ja})
			continue
		}
		seen[p.SaleID] = max(p.Line, 1)
		if o.PaidAt != nil {
			rep.Already = append(rep.Already, p.SaleID)
			continue
		}
		to := o.Status
		if to == rules.StatusNew || to == rules.StatusAwaitingPayment {
			to = rules.StatusAwaitingShipment
		}
		rep.Changes = append(rep.Changes, PaymentChange{Line: p.Line, SaleID: p.SaleID, PaidOn: p.PaidOn, FromStatus: o.Status, ToStatus: to})
	}
	if len(rep.Rejected) > 0 {
		rep.Changes = []PaymentChange{}
	}
	return rep
}

// paymentProblem says why p cannot be applied to its order o (found: the OMS
// has it; firstLine: the line that already named the sale, 0 = none), in
// English and to staff; "" when it can.
func paymentProblem(p Payment, o orderRow, found bool, firstLine int) (en, ja string) {
	switch {
	case p.SaleID <= 0:
		return fmt.Sprintf("sale id must be a positive number, got %d", p.SaleID), "受注番号は数字で入れてください。"
	case firstLine != 0:
		return fmt.Sprintf("sale %d is listed twice (first on line %d): list each sale once", p.SaleID, firstLine),
			fmt.Sprintf("受注番号 %d が2回あります (最初は %d 行目)。1行にまとめてください。", p.SaleID, firstLine)
	case !found:
		return fmt.Sprintf("sale %d is not in the OMS: check the number, or import the order first", p.SaleID),
			fmt.Sprintf("受注番号 %d は受注管理にありません。番号を確かめるか、受注取得のあとでもう一度取り込んでください。", p.SaleID)
	case o.Status == rules.StatusCancelled:
		return fmt.Sprintf("sale %d is cancelled: a cancelled order cannot be marked paid", p.SaleID),
			fmt.Sprintf("受注 %d はキャンセルです。キャンセルの受注は入金済みにできません。入金があった場合は受注のステータスを確かめてください。", p.SaleID)
	case p.PaidOn != "" && !validDate(p.PaidOn):
		return fmt.Sprintf("payment date %q is not a date YYYY-MM-DD", p.PaidOn),
			fmt.Sprintf("入金日「%s」は日付として読めません。2026-12-06 や 2026/12/06 の形で入れてください。", p.PaidOn)
	case p.Amount != nil && *p.Amount != o.Totals.Total:
		return fmt.Sprintf("the amount %d does not match sale %d's total %d: check the payment", *p.Amount, p.SaleID, o.Totals.Total),
			fmt.Sprintf("金額 %d円 が受注 %d の合計 %d円 と合いません。入金額を確かめ、合っている行だけで取り込んでください。", *p.Amount, p.SaleID, o.Totals.Total)
	}
	return "", ""
}

func validDate(d string) bool {
	_, err := time.Parse(time.DateOnly, d)
	return err == nil
}

// PaidMarks returns the OMS's 入金済み of the shop's given sales that have one.
func (s *Store) PaidMarks(ctx context.Context, shopID string, saleIDs []int64) (map[int64]PaidMark, error) {
	out := map[int64]PaidMark{}
	for _, chunk := range chunks(saleIDs, batchSize) {
		var rows []orderRow
		err := s.db.WithContext(ctx).Select("sale_id", "paid_at", "paid_on", "paid_by", "colorme_paid").
			Where("shop_id = ? AND sale_id IN ?", shopID, chunk).Find(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("reading the payments of shop %q: %w", shopID, err)
		}
		for _, r := range rows {
			m := PaidMark{On: string(r.PaidOn), By: r.PaidBy, OnSite: r.ColormePaid}
			if r.PaidAt != nil {
				m.At = r.PaidAt.UTC()
			}
			out[r.SaleID] = m
		}
	}
	return out, nil
}

// withPaidMailsOwed sets PaidMailOwed on the orders whose 入金確認メール the
// ledger still owes.
func (s *Store) withPaidMailsOwed(ctx context.Context, shopID string, orders []rules.Order) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.SaleID
	}
	owed, err := s.PaidMailsOwed(ctx, shopID, ids)
	if err != nil {
		return err
	}
	for i := range orders {
		orders[i].PaidMailOwed = owed[orders[i].SaleID]
	}
	return nil
}
