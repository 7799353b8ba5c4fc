package connect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrOAuthStateUnknown is matched (errors.Is) by ConsumeOAuthState's error when the
// state was never issued for the shop, or was already used.
var ErrOAuthStateUnknown = errors.New("unknown or already used OAuth state")

// ErrOAuthStateExpired is matched (errors.Is) by ConsumeOAuthState's error when the
// state was issued but has expired.
var ErrOAuthStateExpired = errors.New("expired OAuth state")

// oauthStateRow is one pending `starter shop connect` attempt. Only a hash of the
// state is stored: the row proves the state was issued, it cannot be replayed.
type oauthStateRow struct {
	StateHash string    `gorm:"primaryKey;size:64"`
	ShopID    string    `gorm:"size:63;not null;index"`
	ExpiresAt time.Time `gorm:"not null"`
	CreatedAt time.Time
}

// TableName is the table of oauthStateRow.
func (oauthStateRow) TableName() string { return "oauth_states" }

// Models returns a value of each gorm model of the package, for the schema
// drift test.
func Models() []any { return []any{&oauthStateRow{}} }

// CreateOAuthState records in the database db state as issued for the shop until expiresAt, and drops
// expired states of every shop.
func CreateOAuthState(ctx context.Context, db *gorm.DB, shopID, state string, expiresAt time.Time) error {
	if state == "" {
		return errors.New("empty OAuth state")
	}
	db = db.WithContext(ctx)
	if err := db.Where("expires_at < ?", time.Now().UTC().Truncate(time.Microsecond)).Delete(&oauthStateRow{}).Error; err != nil {
		return fmt.Errorf("dropping expired OAuth states: %w", err)
	}
	row := oauthStateRow{StateHash: hashState(state), ShopID: shopID, ExpiresAt: expiresAt.UTC().Truncate(time.Microsecond)}
	if err := db.Create(&row).Error; err != nil {
		return fmt.Errorf("storing the OAuth state of shop %q: %w", shopID, err)
	}
	return nil
}

// ConsumeOAuthState checks in the database db that state was issued for the shop and has not expired,
// and deletes it: a state is accepted at most once. The error matches
// ErrOAuthStateUnknown or ErrOAuthStateExpired.
func ConsumeOAuthState(ctx context.Context, db *gorm.DB, shopID, state string) error {
	var row oauthStateRow
	found := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []oauthStateRow
		if err := tx.Where("state_hash = ? AND shop_id = ?", hashState(state), shopID).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		// The delete decides: of two concurrent consumers only one deletes the row.
		res := tx.Where("state_hash = ?", rows[0].StateHash).Delete(&oauthStateRow{})
		if res.Error != nil {
			return res.Error
		}
		row, found = rows[0], res.RowsAffected == 1
		return nil
	})
	switch {
	case err != nil:
		return fmt.Errorf("checking the OAuth state of shop %q: %w", shopID, err)
	case !found:
		return ErrOAuthStateUnknown
	case !time.Now().Before(row.ExpiresAt):
		return ErrOAuthStateExpired
	}
	return nil
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}
