// Package mailledger is the ledger of the mails colorme-sync has ColorMe send
// for a sale, so that each goes once: the shipping mail's (mail_ledger, the
// orders store's, internal/oms) and the 入金確認メール's (paid_mail_ledger,
// 入金連携's, internal/payment). Both follow the same rules, written here once.
package mailledger

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// State is the state of a sale's mail in a ledger.
type State string

// Ledger states: owed when an export plans the mail (recorded before its
// write, so a mail that fails after the write landed is still owed), claimed
// just before the mail is sent, sent once ColorMe accepted it. A row that is
// owed or claimed but not sent is a mail this product still owes: a later
// export sends it when ColorMe's mail state is still not_yet (a claimed one may
// have gone without its answer: ColorMe's state decides).
const (
	Owed    State = "owed"
	Claimed State = "claimed"
	Sent    State = "sent"
)

// Ledger is one mail's ledger on the database: its table and the mail's name
// in errors.
type Ledger struct {
	db          *gorm.DB
	table, mail string
}

// Shipping returns the shipping mail's ledger (mail_ledger) on db.
func Shipping(db *gorm.DB) *Ledger {
	return &Ledger{db: db, table: shippingRow{}.TableName(), mail: "shipping mail"}
}

// Paid returns the 入金確認メール's ledger (paid_mail_ledger) on db.
func Paid(db *gorm.DB) *Ledger {
	return &Ledger{db: db, table: paidRow{}.TableName(), mail: "paid mail (入金確認メール)"}
}

// Row is a ledger row; shippingRow and paidRow give it a table each.
type Row struct {
	ShopID    string `gorm:"primaryKey;size:63"`
	SaleID    int64  `gorm:"primaryKey;autoIncrement:false"`
	State     State  `gorm:"size:16;not null"`
	RunID     int64  `gorm:"not null"`
	ClaimedAt time.Time
	SentAt    *time.Time
}

type shippingRow struct{ Row }

// TableName is the table of shippingRow.
func (shippingRow) TableName() string { return "mail_ledger" }

type paidRow struct{ Row }

// TableName is the table of paidRow.
func (paidRow) TableName() string { return "paid_mail_ledger" }

// Models returns a value of each gorm model of the package, for the schema
// drift test (internal/schema).
func Models() []any { return []any{&shippingRow{}, &paidRow{}} }

// MarkOwed records that an export planned the mail of (shop, sale), before
// it writes the sale. It changes nothing when the ledger already has the sale
// (owed, claimed or sent).
func (l *Ledger) MarkOwed(ctx context.Context, shopID string, saleID, runID int64) error {
	r := Row{ShopID: shopID, SaleID: saleID, State: Owed, RunID: runID, ClaimedAt: schema.UTC(time.Now())}
	if err := l.db.WithContext(ctx).Table(l.table).Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
		return fmt.Errorf("recording the %s of sale %d (shop %q) as owed: %w", l.mail, saleID, shopID, err)
	}
	return nil
}

// Owed returns which of the shop's saleIDs have the mail owed: a ledger row
// that is owed or claimed, not sent.
func (l *Ledger) Owed(ctx context.Context, shopID string, saleIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for chunk := range slices.Chunk(saleIDs, 500) {
		var ids []int64
		err := l.db.WithContext(ctx).Table(l.table).Where("shop_id = ? AND sale_id IN ? AND state <> ?", shopID, chunk, Sent).
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

// Claim records that the mail of (shop, sale) is about to be sent. It returns
// prev "" when this call made the claim (a new row, or an owed one turned
// claimed); otherwise it returns the state already recorded (claimed or sent)
// and changes nothing, and the caller must not send without checking ColorMe.
// Safe across processes: the ledger's primary key and the conditional update
// decide.
func (l *Ledger) Claim(ctx context.Context, shopID string, saleID, runID int64) (prev State, err error) {
	db := l.db.WithContext(ctx)
	now := schema.UTC(time.Now())
	r := Row{ShopID: shopID, SaleID: saleID, State: Claimed, RunID: runID, ClaimedAt: now}
	res := db.Table(l.table).Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
	if res.Error != nil {
		return "", fmt.Errorf("claiming the %s of sale %d (shop %q): %w", l.mail, saleID, shopID, res.Error)
	}
	if res.RowsAffected == 1 {
		return "", nil
	}
	res = db.Table(l.table).Where("shop_id = ? AND sale_id = ? AND state = ?", shopID, saleID, Owed).
		Updates(map[string]any{"state": Claimed, "run_id": runID, "claimed_at": now})
	if res.Error != nil {
		return "", fmt.Errorf("claiming the %s of sale %d (shop %q): %w", l.mail, saleID, shopID, res.Error)
	}
	if res.RowsAffected == 1 {
		return "", nil
	}
	var states []State
	if err := db.Table(l.table).Where("shop_id = ? AND sale_id = ?", shopID, saleID).Limit(1).Pluck("state", &states).Error; err != nil {
		return "", fmt.Errorf("reading the %s ledger of sale %d (shop %q): %w", l.mail, saleID, shopID, err)
	}
	if len(states) == 0 {
		return "", fmt.Errorf("claiming the %s of sale %d (shop %q): the claim was neither made nor found", l.mail, saleID, shopID)
	}
	return states[0], nil
}

// MarkSent records that the mail of (shop, sale) was sent. It records it even
// without a prior claim.
func (l *Ledger) MarkSent(ctx context.Context, shopID string, saleID int64) error {
	now := schema.UTC(time.Now())
	r := Row{ShopID: shopID, SaleID: saleID, State: Sent, ClaimedAt: now, SentAt: &now}
	err := l.db.WithContext(ctx).Table(l.table).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "shop_id"}, {Name: "sale_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"state", "sent_at"}),
	}).Create(&r).Error
	if err != nil {
		return fmt.Errorf("recording the %s of sale %d (shop %q) as sent: %w", l.mail, saleID, shopID, err)
	}
	return nil
}
