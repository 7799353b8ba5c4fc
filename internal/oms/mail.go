package oms

import (
	"context"

	"github.com/colorme-sync/colorme-sync/internal/mailledger"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// MailState is the state of a sale's mail in a mail ledger (mailledger.State).
type MailState = mailledger.State

// Mail ledger states (mailledger's): owed, claimed, sent.
const (
	MailOwed    = mailledger.Owed
	MailClaimed = mailledger.Claimed
	MailSent    = mailledger.Sent
)

// MarkMailOwed records that an export planned the shipping mail of (shop, sale),
// before it writes the sale's deliveries (mailledger.Ledger.MarkOwed).
func (s *Store) MarkMailOwed(ctx context.Context, shopID string, saleID, runID int64) error {
	return mailledger.Shipping(s.db).MarkOwed(ctx, shopID, saleID, runID)
}

// MailsOwed returns which of the shop's saleIDs have a shipping mail owed
// (mailledger.Ledger.Owed).
func (s *Store) MailsOwed(ctx context.Context, shopID string, saleIDs []int64) (map[int64]bool, error) {
	return mailledger.Shipping(s.db).Owed(ctx, shopID, saleIDs)
}

// ClaimMail records that the shipping mail of (shop, sale) is about to be
// sent; prev "" = this call made the claim (mailledger.Ledger.Claim).
func (s *Store) ClaimMail(ctx context.Context, shopID string, saleID, runID int64) (prev MailState, err error) {
	return mailledger.Shipping(s.db).Claim(ctx, shopID, saleID, runID)
}

// MarkMailSent records that the shipping mail of (shop, sale) was sent
// (mailledger.Ledger.MarkSent).
func (s *Store) MarkMailSent(ctx context.Context, shopID string, saleID int64) error {
	return mailledger.Shipping(s.db).MarkSent(ctx, shopID, saleID)
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
	owed, err := mailledger.Paid(s.db).Owed(ctx, shopID, ids)
	if err != nil {
		return err
	}
	for i := range orders {
		orders[i].PaidMailOwed = owed[orders[i].SaleID]
	}
	return nil
}
