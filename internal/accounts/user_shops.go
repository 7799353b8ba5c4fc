package accounts

import (
	"context"
	"fmt"
	"slices"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"gorm.io/gorm"
)

// Per-shop access: an admin reaches every shop; a staff user reaches only the
// shops an admin gave it (user_shops), none until one does.

// SetUserShops gives the user exactly these shops (replacing its list). Every
// shop must exist.
func (s *Store) SetUserShops(ctx context.Context, login string, shopIDs []string) error {
	shopIDs = slices.Compact(slices.Sorted(slices.Values(shopIDs)))
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := userByLogin(tx, login)
		if err != nil {
			return err
		}
		if len(shopIDs) > 0 {
			var n int64
			if err := tx.Table("shops").Where("id IN ?", shopIDs).Count(&n).Error; err != nil {
				return err
			}
			if n != int64(len(shopIDs)) {
				return fmt.Errorf("shops %v: one of them %w (list them with `starter shop list`)", shopIDs, schema.ErrNotFound)
			}
		}
		if err := tx.Where("user_id = ?", row.ID).Delete(&userShopRow{}).Error; err != nil {
			return err
		}
		for _, id := range shopIDs {
			if err := tx.Create(&userShopRow{UserID: row.ID, ShopID: id}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// UserShops returns the shops given to the user, by id.
func (s *Store) UserShops(ctx context.Context, userID int64) ([]string, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&userShopRow{}).Where("user_id = ?", userID).Order("shop_id").Pluck("shop_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("reading the user's shops: %w", err)
	}
	return ids, nil
}

// AllUserShops returns every user's shops by user id.
func (s *Store) AllUserShops(ctx context.Context) (map[int64][]string, error) {
	var rows []userShopRow
	if err := s.db.WithContext(ctx).Order("user_id, shop_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the users' shops: %w", err)
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.ShopID)
	}
	return out, nil
}

// MayReachShop reports whether the user may see and act on the shop: an admin
// every shop, a staff user the shops given to it.
func (s *Store) MayReachShop(ctx context.Context, u User, shopID string) (bool, error) {
	if u.IsAdmin() {
		return true, nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&userShopRow{}).Where("user_id = ? AND shop_id = ?", u.ID, shopID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("reading the user's shops: %w", err)
	}
	return n > 0, nil
}
