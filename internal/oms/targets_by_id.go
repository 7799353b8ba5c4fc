package oms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// MaxTargetSaleIDs is the most sale ids an export limited to given sales (e.g.
// 「失敗分を再実行」) may name.
const MaxTargetSaleIDs = 1000

// TargetIDQuery asks for a page of the given sales of a shop, split into those
// that are targets at AsOf (rules 1–4) and those that are not.
type TargetIDQuery struct {
	ShopID     string
	AsOf       time.Time
	WindowDays int
	SaleIDs    []int64 // at most MaxTargetSaleIDs; duplicates are read once
	After      Cursor  // strictly after After.SaleID (only SaleID is used)
	Limit      int     // sale ids per page, default 100, at most MaxTargetPage
}

// Exclusion is a sale that was asked for but is not a target, and why.
type Exclusion struct {
	SaleID int64  `json:"sale_id"`
	Reason string `json:"reason"` // rules.Exclusion's reason, or that the OMS does not have the order
}

// TargetIDPage is one page of the asked-for sales: the targets with their
// deliveries, and the others with the reason.
type TargetIDPage struct {
	Orders   []rules.Order
	Excluded []Exclusion
	Next     Cursor // After for the next page
	Done     bool   // no page follows
}

// NotInOMS is the Exclusion reason of a sale id the shop has no order for.
var NotInOMS = msg.NotInOMS.Format()

// FetchTargetsByID reads the next page of the given sales, in sale id order
// strictly after q.After.SaleID, and judges each by rules.Exclusion at AsOf:
// targets come back with their deliveries (as FetchTargets returns them), the
// others with the reason. Each asked-for sale id appears on exactly one page.
func (s *Store) FetchTargetsByID(ctx context.Context, q TargetIDQuery) (TargetIDPage, error) {
	switch {
	case q.ShopID == "":
		return TargetIDPage{}, errors.New("target query: shop id is missing")
	case q.AsOf.IsZero():
		return TargetIDPage{}, errors.New("target query: as_of is missing")
	case !rules.ValidDays(q.WindowDays):
		return TargetIDPage{}, fmt.Errorf("target query: window_days must be between %d and %d, got %d", rules.MinDays, rules.MaxDays, q.WindowDays)
	case len(q.SaleIDs) == 0:
		return TargetIDPage{}, errors.New("target query: no sale ids")
	case len(q.SaleIDs) > MaxTargetSaleIDs:
		return TargetIDPage{}, fmt.Errorf("target query: at most %d sale ids, got %d", MaxTargetSaleIDs, len(q.SaleIDs))
	case q.Limit < 0:
		return TargetIDPage{}, fmt.Errorf("target query: limit must not be negative, got %d", q.Limit)
	}
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	limit = min(limit, MaxTargetPage)
	ids := slices.Clone(q.SaleIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	start, _ := slices.BinarySearch(ids, q.After.SaleID+1)
	ids = ids[start:]
	page := TargetIDPage{Next: q.After, Done: len(ids) <= limit}
	if len(ids) > limit {
		ids = ids[:limit]
	}
	if len(ids) == 0 {
		return page, nil
	}
	page.Next = Cursor{SaleID: ids[len(ids)-1]}

	var rows []targetRow
	err := s.db.WithContext(ctx).Model(&orderRow{}).Where("shop_id = ? AND sale_id IN ?", q.ShopID, ids).
		Order("sale_id").Find(&rows).Error
	if err != nil {
		return TargetIDPage{}, fmt.Errorf("reading orders %d–%d of shop %q: %w", ids[0], ids[len(ids)-1], q.ShopID, err)
	}
	orders, err := s.withDeliveries(ctx, q.ShopID, rows)
	if err != nil {
		return TargetIDPage{}, err
	}
	if err := s.withPaidMailsOwed(ctx, q.ShopID, orders); err != nil {
		return TargetIDPage{}, err
	}
	byID := make(map[int64]rules.Order, len(orders))
	for _, o := range orders {
		byID[o.SaleID] = o
	}
	for _, id := range ids {
		o, ok := byID[id]
		if !ok {
			page.Excluded = append(page.Excluded, Exclusion{SaleID: id, Reason: NotInOMS})
			continue
		}
		if why := rules.Exclusion(o, q.AsOf, q.WindowDays); why != "" {
			page.Excluded = append(page.Excluded, Exclusion{SaleID: id, Reason: why})
			continue
		}
		page.Orders = append(page.Orders, o)
	}
	return page, nil
}
