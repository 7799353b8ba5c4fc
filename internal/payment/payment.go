// Package payment is 入金連携's store: staff mark sales 入金済み in the OMS
// (console, `starter orders paid`, a bank-statement CSV); the export then
// writes paid:true to ColorMe and, with the shop's send_paid_mail, sends the
// 入金確認メール once (its ledger is the orders store's, internal/oms, beside
// the shipping mail's).
package payment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/mailledger"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// Store marks sales 入金済み on the orders' database.
type Store struct{ db *gorm.DB }

// New returns the payment store on the (migrated) database db (schema.Open).
func New(db *gorm.DB) *Store { return &Store{db: db} }

// Payment is one sale to mark 入金済み: from the console or the CLI (no line,
// date or amount) or from one line of a bank-statement CSV.
type Payment struct {
	Line   int    `json:"line,omitempty"`    // line number in the file, for messages; 0 = not from a file
	SaleID int64  `json:"sale_id"`           // ColorMe sale id (受注番号)
	PaidOn string `json:"paid_on,omitempty"` // 入金日 YYYY-MM-DD; "" = not given
	Amount *int64 `json:"amount,omitempty"`  // 金額; nil = not checked. Must equal the sale's total_price.
}

// Change is one sale a marking turns 入金済み.
type Change struct {
	Line       int    `json:"line,omitempty"`
	SaleID     int64  `json:"sale_id"`
	PaidOn     string `json:"paid_on,omitempty"`
	FromStatus string `json:"from_status"`
	ToStatus   string `json:"to_status"` // 発送待ち when the order was 新規受付 or 入金待ち, else unchanged
}

// Report is what MarkPaid found and did.
type Report struct {
	Applied  bool                   `json:"applied"`  // stored (never when Rejected is non-empty or in a dry run)
	Changes  []Change               `json:"changes"`  // sales that become 入金済み
	Already  []int64                `json:"already"`  // sales already 入金済み in the OMS: left as they are
	Rejected []staffmsg.LineMessage `json:"rejected"` // why lines cannot be applied
}

// orderRow is the part of an orders row a marking reads.
type orderRow struct {
	ShopID string
	SaleID int64
	Status string
	PaidAt *time.Time
	Total  int64 `gorm:"column:total_price"`
}

// TableName is the table of orderRow (the orders store's).
func (orderRow) TableName() string { return "orders" }

// MarkPaid marks the sales 入金済み, all or none: it checks every payment
// against the OMS (the order exists, is not キャンセル, the amount matches its
// total, one sale once) and, when nothing is rejected and not dryRun, stores
// in one transaction who marked them (by), when (now) and the 入金日. An order
// 新規受付 or 入金待ち becomes 発送待ち, so that the export (rule 1) takes it;
// its updated_at moves to now. A sale already 入金済み is left as it is.
func (s *Store) MarkPaid(ctx context.Context, shopID string, payments []Payment, by string, dryRun bool, now time.Time) (Report, error) {
	rep := Report{Changes: []Change{}, Already: []int64{}, Rejected: []staffmsg.LineMessage{}}
	if len(payments) == 0 {
		rep.Rejected = append(rep.Rejected, staffmsg.LineMessage{Message: "no sale to mark paid", Ja: "入金済みにする受注がありません。受注番号を入れてください。"})
		return rep, nil
	}
	if strings.TrimSpace(by) == "" {
		return rep, fmt.Errorf("marking sales paid: who marks them (by) is missing")
	}
	ids := make([]int64, len(payments))
	for i, p := range payments {
		ids[i] = p.SaleID
	}
	check := func(tx *gorm.DB) (bool, error) {
		rows, err := oms.LockOrders(tx, shopID, ids, func(r orderRow) int64 { return r.SaleID })
		if err != nil {
			return false, err
		}
		rep = plan(payments, rows)
		return len(rep.Rejected) == 0 && len(rep.Changes) > 0, nil
	}
	applied, err := oms.AllOrNone(ctx, s.db, dryRun, check,
		func(tx *gorm.DB) error { return writePaid(tx, shopID, rep.Changes, by, now) })
	if err != nil {
		return Report{}, fmt.Errorf("marking %d sales of shop %q paid: %w", len(payments), shopID, err)
	}
	rep.Applied = applied
	return rep, nil
}

// writePaid writes the changes: 入金済み by by at now, with the 入金日, and the
// new status; updated_at moves to now.
func writePaid(tx *gorm.DB, shopID string, changes []Change, by string, now time.Time) error {
	for _, c := range changes {
		var paidOn any // NULL when not given
		if c.PaidOn != "" {
			paidOn = c.PaidOn
		}
		cols := map[string]any{"paid_at": schema.UTC(now), "paid_by": by, "paid_on": paidOn, "status": c.ToStatus, "updated_at": schema.UTC(now)}
		if err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, c.SaleID).Updates(cols).Error; err != nil {
			return err
		}
	}
	return nil
}

// plan checks each payment against its order (rows, by sale id).
func plan(payments []Payment, rows map[int64]orderRow) Report {
	rep := Report{Changes: []Change{}, Already: []int64{}, Rejected: []staffmsg.LineMessage{}}
	seen := map[int64]int{}
	for _, p := range payments {
		o, ok := rows[p.SaleID]
		if en, ja := problem(p, o, ok, seen[p.SaleID]); en != "" {
			rep.Rejected = append(rep.Rejected, staffmsg.LineMessage{Line: p.Line, Message: en, Ja: ja})
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
		rep.Changes = append(rep.Changes, Change{Line: p.Line, SaleID: p.SaleID, PaidOn: p.PaidOn, FromStatus: o.Status, ToStatus: to})
	}
	if len(rep.Rejected) > 0 {
		rep.Changes = []Change{}
	}
	return rep
}

// problem says why p cannot be applied to its order o (found: the OMS has it;
// firstLine: the line that already named the sale, 0 = none), in English and
// to staff; "" when it can.
func problem(p Payment, o orderRow, found bool, firstLine int) (en, ja string) {
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
	case p.Amount != nil && *p.Amount != o.Total:
		return fmt.Sprintf("the amount %d does not match sale %d's total %d: check the payment", *p.Amount, p.SaleID, o.Total),
			fmt.Sprintf("金額 %d円 が受注 %d の合計 %d円 と合いません。入金額を確かめ、合っている行だけで取り込んでください。", *p.Amount, p.SaleID, o.Total)
	}
	return "", ""
}

func validDate(d string) bool {
	_, err := time.Parse(time.DateOnly, d)
	return err == nil
}

// MarkPaidMailOwed records that an export planned the 入金確認メール of (shop,
// sale), before it writes paid (mailledger.Ledger.MarkOwed).
func (s *Store) MarkPaidMailOwed(ctx context.Context, shopID string, saleID, runID int64) error {
	return mailledger.Paid(s.db).MarkOwed(ctx, shopID, saleID, runID)
}

// PaidMailsOwed returns which of the shop's saleIDs have a 入金確認メール owed
// (mailledger.Ledger.Owed).
func (s *Store) PaidMailsOwed(ctx context.Context, shopID string, saleIDs []int64) (map[int64]bool, error) {
	return mailledger.Paid(s.db).Owed(ctx, shopID, saleIDs)
}

// ClaimPaidMail records that the 入金確認メール of (shop, sale) is about to be
// sent; prev "" = this call made the claim (mailledger.Ledger.Claim).
func (s *Store) ClaimPaidMail(ctx context.Context, shopID string, saleID, runID int64) (prev mailledger.State, err error) {
	return mailledger.Paid(s.db).Claim(ctx, shopID, saleID, runID)
}

// MarkPaidMailSent records that the 入金確認メール of (shop, sale) was sent
// (mailledger.Ledger.MarkSent).
func (s *Store) MarkPaidMailSent(ctx context.Context, shopID string, saleID int64) error {
	return mailledger.Paid(s.db).MarkSent(ctx, shopID, saleID)
}
