package oms

import (
	"context"
	"fmt"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// MaxUnshippedOrders caps UnshippedOrders: 同梱候補 are looked for among at most
// this many of the newest orders.
const MaxUnshippedOrders = 5000

// UnshippedOrders returns the shop's orders placed at or after since whose
// status is neither キャンセル, 出荷済み nor 完了, with their deliveries and
// destinations, newest first, at most MaxUnshippedOrders: where 同梱候補
// (internal/bundle) are looked for.
func (s *Store) UnshippedOrders(ctx context.Context, shopID string, since time.Time) ([]OrderView, error) {
	db := s.db.WithContext(ctx)
	var rows []orderRow
	if err := db.Where("shop_id = ? AND ordered_at >= ? AND status NOT IN ?", shopID, schema.UTC(since),
		[]string{rules.StatusCancelled, rules.StatusShipped, rules.StatusCompleted}).
		Order("sale_id DESC").Limit(MaxUnshippedOrders).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing the unshipped orders of shop %q: %w", shopID, err)
	}
	return views(db, shopID, rows)
}
