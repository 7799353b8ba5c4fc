package oms

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// MailState is the state of a sale's shipping mail in the mail ledger.
type MailState string

// Mail ledger states: claimed before the mail is sent, sent once ColorMe
// accepted it. A claimed row that never became sent means the outcome of the
// send is unknown: an operator must check before mailing again.
const (
	MailClaimed MailState = "claimed"
	MailSent    MailState = "sent"
)

// ClaimMail records that the shipping mail of (shop, sale) is about to be sent.
// It returns prev "" when this call made the claim; otherwise it returns the
// state already recorded and changes nothing, and the caller must not send.
// Safe across processes: the ledger's primary key decides.
func (s *Store) ClaimMail(ctx context.Context, shopID string, saleID, runID int64) (prev MailState, err error) {
	db := s.db.WithContext(ctx)
	row := mailRow{ShopID: shopID, SaleID: saleID, State: MailClaimed, RunID: runID, ClaimedAt: utc(time.Now())}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return "", fmt.Errorf("claiming the shipping mail of sale %d (shop %q): %w", saleID, shopID, res.Error)
	}
	if res.RowsAffected == 1 {
		return "", nil
	}
	var states []MailState
	if err := db.Model(&mailRow{}).Where("shop_id = ? AND sale_id = ?", shopID, saleID).Limit(1).Pluck("state", &states).Error; err != nil {
		return "", fmt.Errorf("reading the mail ledger of sale %d (shop %q): %w", saleID, shopID, err)
	}
	if len(states) == 0 {
		return "", fmt.Errorf("claiming the shipping mail of sale %d (shop %q): the claim was neither made nor found", saleID, shopID)
	}
	return states[0], nil
}

// MarkMailSent records that the shipping mail of (shop, sale) was sent. It
// records it even without a prior claim.
func (s *Store) MarkMailSent(ctx context.Context, shopID string, saleID int64) error {
	now := utc(time.Now())
	row := mailRow{ShopID: shopID, SaleID: saleID, State: MailSent, ClaimedAt: now, SentAt: &now}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "shop_id"}, {Name: "sale_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"state", "sent_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("recording the shipping mail of sale %d (shop %q) as sent: %w", saleID, shopID, err)
	}
	return nil
}
