package oms

import (
	"context"
	"fmt"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"gorm.io/gorm/clause"
)

// MailState is the state of a sale's mail in a mail ledger.
type MailState string

// Mail ledger states: owed when an export plans the mail (recorded before its
// write, so a mail that fails after the write landed is still owed), claimed
// just before the mail is sent, sent once ColorMe accepted it. A row that is
// owed or claimed but not sent is a mail this product still owes: a later
// export sends it when ColorMe's mail state is still not_yet (a claimed one may
// have gone without its answer: ColorMe's state decides).
//
// Two ledgers share these rules: the shipping mail's (mail_ledger) and the
// 入金確認メール's (paid_mail_ledger, the Paid* methods).
const (
	MailOwed    MailState = "owed"
	MailClaimed MailState = "claimed"
	MailSent    MailState = "sent"
)

// mailLedger is one ledger: its table and the mail's name in errors.
type mailLedger struct{ table, mail string }

var (
	shippingLedger = mailLedger{table: "mail_ledger", mail: "shipping mail"}
	paidLedger     = mailLedger{table: "paid_mail_ledger", mail: "paid mail (入金確認メール)"}
)

// MarkMailOwed records that an export planned the shipping mail of (shop, sale),
// before it writes the sale's deliveries. It changes nothing when the ledger
// already has the sale (owed, claimed or sent).
func (s *Store) MarkMailOwed(ctx context.Context, shopID string, saleID, runID int64) error {
	return s.markOwed(ctx, shippingLedger, shopID, saleID, runID)
}

// MailsOwed returns which of the shop's saleIDs have a shipping mail owed: a
// ledger row that is owed or claimed, not sent.
func (s *Store) MailsOwed(ctx context.Context, shopID string, saleIDs []int64) (map[int64]bool, error) {
	return s.owed(ctx, shippingLedger, shopID, saleIDs)
}

// ClaimMail records that the shipping mail of (shop, sale) is about to be sent.
// It returns prev "" when this call made the claim (a new row, or an owed one
// turned claimed); otherwise it returns the state already recorded (claimed or
// sent) and changes nothing, and the caller must not send without checking
// ColorMe. Safe across processes: the ledger's primary key and the conditional
// update decide.
func (s *Store) ClaimMail(ctx context.Context, shopID string, saleID, runID int64) (prev MailState, err error) {
	return s.claim(ctx, shippingLedger, shopID, saleID, runID)
}

// MarkMailSent records that the shipping mail of (shop, sale) was sent. It
// records it even without a prior claim.
func (s *Store) MarkMailSent(ctx context.Context, shopID string, saleID int64) error {
	return s.markSent(ctx, shippingLedger, shopID, saleID)
}

// MarkPaidMailOwed is MarkMailOwed for the 入金確認メール.
func (s *Store) MarkPaidMailOwed(ctx context.Context, shopID string, saleID, runID int64) error {
	return s.markOwed(ctx, paidLedger, shopID, saleID, runID)
}

// PaidMailsOwed is MailsOwed for the 入金確認メール.
func (s *Store) PaidMailsOwed(ctx context.Context, shopID string, saleIDs []int64) (map[int64]bool, error) {
	return s.owed(ctx, paidLedger, shopID, saleIDs)
}

// ClaimPaidMail is ClaimMail for the 入金確認メール.
func (s *Store) ClaimPaidMail(ctx context.Context, shopID string, saleID, runID int64) (prev MailState, err error) {
	return s.claim(ctx, paidLedger, shopID, saleID, runID)
}

// MarkPaidMailSent is MarkMailSent for the 入金確認メール.
func (s *Store) MarkPaidMailSent(ctx context.Context, shopID string, saleID int64) error {
	return s.markSent(ctx, paidLedger, shopID, saleID)
}

func (s *Store) markOwed(ctx context.Context, l mailLedger, shopID string, saleID, runID int64) error {
	row := mailRow{ShopID: shopID, SaleID: saleID, State: MailOwed, RunID: runID, ClaimedAt: schema.UTC(time.Now())}
	if err := s.db.WithContext(ctx).Table(l.table).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("recording the %s of sale %d (shop %q) as owed: %w", l.mail, saleID, shopID, err)
	}
	return nil
}

func (s *Store) owed(ctx context.Context, l mailLedger, shopID string, saleIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, chunk := range chunks(saleIDs, batchSize) {
		var ids []int64
		err := s.db.WithContext(ctx).Table(l.table).Where("shop_id = ? AND sale_id IN ? AND state <> ?", shopID, chunk, MailSent).
			Pluck("sale_id", &ids).Error
		if err != nil {
			return nil, fmt.Errorf("reading the %s ledger of shop %q: %w", l.mail, shopID, err)
		}
		for _, id := range ids {
			out[id] = true
		}
	}
	return out, nil
}

func (s *Store) claim(ctx context.Context, l mailLedger, shopID string, saleID, runID int64) (prev MailState, err error) {
	db := s.db.WithContext(ctx)
	now := schema.UTC(time.Now())
	row := mailRow{ShopID: shopID, SaleID: saleID, State: MailClaimed, RunID: runID, ClaimedAt: now}
	res := db.Table(l.table).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return "", fmt.Errorf("claiming the %s of sale %d (shop %q): %w", l.mail, saleID, shopID, res.Error)
	}
	if res.RowsAffected == 1 {
		return "", nil
	}
	res = db.Table(l.table).Where("shop_id = ? AND sale_id = ? AND state = ?", shopID, saleID, MailOwed).
		Updates(map[string]any{"state": MailClaimed, "run_id": runID, "claimed_at": now})
	if res.Error != nil {
		return "", fmt.Errorf("claiming the %s of sale %d (shop %q): %w", l.mail, saleID, shopID, res.Error)
	}
	if res.RowsAffected == 1 {
		return "", nil
	}
	var states []MailState
	if err := db.Table(l.table).Where("shop_id = ? AND sale_id = ?", shopID, saleID).Limit(1).Pluck("state", &states).Error; err != nil {
		return "", fmt.Errorf("reading the %s ledger of sale %d (shop %q): %w", l.mail, saleID, shopID, err)
	}
	if len(states) == 0 {
		return "", fmt.Errorf("claiming the %s of sale %d (shop %q): the claim was neither made nor found", l.mail, saleID, shopID)
	}
	return states[0], nil
}

func (s *Store) markSent(ctx context.Context, l mailLedger, shopID string, saleID int64) error {
	now := schema.UTC(time.Now())
	row := mailRow{ShopID: shopID, SaleID: saleID, State: MailSent, ClaimedAt: now, SentAt: &now}
	err := s.db.WithContext(ctx).Table(l.table).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "shop_id"}, {Name: "sale_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"state", "sent_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("recording the %s of sale %d (shop %q) as sent: %w", l.mail, saleID, shopID, err)
	}
	return nil
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
