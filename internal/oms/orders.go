package oms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// excludedStatuses is rule 1, as SQL. The orders_targets index has the same
// predicate, spelled the same way.
const excludedStatuses = "'" + rules.StatusNew + "', '" + rules.StatusCancelled + "'"

// MaxTargetPage is the largest page FetchTargets returns.
const MaxTargetPage = 1000

const batchSize = 500

// UpsertOrders creates or fully replaces each order (status, ordered_at,
// updated_at, bundle parent) and its deliveries exactly as given, in one
// transaction. Import bookkeeping (colorme_canceled, flag_reason, imported_at) is
// kept.
func (s *Store) UpsertOrders(ctx context.Context, shopID string, orders []rules.Order) error {
	if len(orders) == 0 {
		return nil
	}
	rows, dels, saleIDs, err := orderRows(shopID, orders)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := shopExists(tx, shopID); err != nil {
			return err
		}
		upsert := clause.OnConflict{
			Columns:   []clause.Column{{Name: "shop_id"}, {Name: "sale_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "ordered_at", "updated_at", "bundle_parent_sale_id"}),
		}
		if err := tx.Clauses(upsert).CreateInBatches(rows, batchSize).Error; err != nil {
			return err
		}
		for start := 0; start < len(saleIDs); start += batchSize {
			chunk := saleIDs[start:min(start+batchSize, len(saleIDs))]
			if err := tx.Where("shop_id = ? AND sale_id IN ?", shopID, chunk).Delete(&deliveryRow{}).Error; err != nil {
				return err
			}
		}
		if len(dels) > 0 {
			return tx.CreateInBatches(dels, batchSize).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("saving %d orders of shop %q: %w", len(orders), shopID, err)
	}
	return nil
}

func orderRows(shopID string, orders []rules.Order) ([]orderRow, []deliveryRow, []int64, error) {
	rows := make([]orderRow, 0, len(orders))
	var dels []deliveryRow
	saleIDs := make([]int64, 0, len(orders))
	seen := make(map[int64]bool, len(orders))
	for _, o := range orders {
		if err := validateOrder(o); err != nil {
			return nil, nil, nil, err
		}
		if seen[o.SaleID] {
			return nil, nil, nil, fmt.Errorf("order %d appears twice in one save: pass each order once", o.SaleID)
		}
		seen[o.SaleID] = true
		r := orderRow{ShopID: shopID, SaleID: o.SaleID, Status: o.Status, OrderedAt: schema.UTC(o.OrderedAt), UpdatedAt: schema.UTC(o.UpdatedAt)}
		if o.BundleParentSaleID != 0 {
			p := o.BundleParentSaleID
			r.BundleParentSaleID = &p
		}
		rows = append(rows, r)
		saleIDs = append(saleIDs, o.SaleID)
		for _, d := range o.Deliveries {
			dels = append(dels, deliveryRow{ShopID: shopID, SaleID: o.SaleID, DeliveryID: d.ID, SlipNumber: d.SlipNumber, ShippedOn: dateString(d.ShippedOn)})
		}
	}
	return rows, dels, saleIDs, nil
}

func validateOrder(o rules.Order) error {
	switch {
	case o.SaleID <= 0:
		return fmt.Errorf("order sale_id must be positive, got %d", o.SaleID)
	case !rules.ValidStatus(o.Status):
		return fmt.Errorf("order %d: status %q is not an OMS status (use one of %v)", o.SaleID, o.Status, rules.Statuses)
	case o.OrderedAt.IsZero():
		return fmt.Errorf("order %d: ordered_at is missing", o.SaleID)
	case o.UpdatedAt.IsZero():
		return fmt.Errorf("order %d: updated_at is missing", o.SaleID)
	case o.BundleParentSaleID < 0:
		return fmt.Errorf("order %d: bundle_parent_sale_id must be positive or 0 (not bundled), got %d", o.SaleID, o.BundleParentSaleID)
	}
	seen := make(map[int64]bool, len(o.Deliveries))
	for _, d := range o.Deliveries {
		if d.ID <= 0 {
			return fmt.Errorf("order %d: delivery id must be positive, got %d", o.SaleID, d.ID)
		}
		if seen[d.ID] {
			return fmt.Errorf("order %d: delivery %d appears twice", o.SaleID, d.ID)
		}
		seen[d.ID] = true
		if d.ShippedOn != "" {
			if _, err := time.Parse(time.DateOnly, d.ShippedOn); err != nil {
				return fmt.Errorf("order %d delivery %d: shipped_on %q is not a date YYYY-MM-DD", o.SaleID, d.ID, d.ShippedOn)
			}
		}
	}
	return nil
}

// Order returns one order with its deliveries.
func (s *Store) Order(ctx context.Context, shopID string, saleID int64) (rules.Order, error) {
	var rows []targetRow
	err := s.db.WithContext(ctx).Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, saleID).Limit(1).Find(&rows).Error
	if err != nil {
		return rules.Order{}, fmt.Errorf("reading order %d of shop %q: %w", saleID, shopID, err)
	}
	if len(rows) == 0 {
		return rules.Order{}, fmt.Errorf("order %d of shop %q: %w", saleID, shopID, ErrNotFound)
	}
	orders, err := s.withDeliveries(ctx, shopID, rows)
	if err != nil {
		return rules.Order{}, err
	}
	return orders[0], nil
}

// Cursor is a position in the target order sequence (updated_at, sale_id); the
// zero Cursor is the start.
type Cursor struct {
	UpdatedAt time.Time `json:"updated_at"`
	SaleID    int64     `json:"sale_id"`
}

// IsZero reports whether c is the start.
func (c Cursor) IsZero() bool { return c.UpdatedAt.IsZero() && c.SaleID == 0 }

// TargetQuery asks for a page of the target orders of a shop at AsOf.
type TargetQuery struct {
	ShopID     string
	AsOf       time.Time
	WindowDays int
	After      Cursor // strictly after this position
	Limit      int    // page size, default 100, at most MaxTargetPage
}

// TargetPage is one page of target orders.
type TargetPage struct {
	Orders []rules.Order
	Next   Cursor // After for the next page
	Done   bool   // no page follows
}

// targetRow is what the target query returns.
type targetRow struct {
	SaleID             int64
	Status             string
	OrderedAt          time.Time
	UpdatedAt          time.Time
	BundleParentSaleID *int64
	PaidAt             *time.Time // 入金済み in the OMS
}

// targetPredicate is rules 1–4 of DESIGN §2 as SQL over the orders table: an
// order is a target exactly when it holds. Its two arguments are targetBounds.
// It is never NULL (the columns it reads are NOT NULL or tested for NULL), so
// NOT (targetPredicate) is exactly the excluded orders.
const targetPredicate = `status NOT IN (` + excludedStatuses + `) AND ordered_at >= ? AND updated_at >= ?
AND (bundle_parent_sale_id IS NULL OR bundle_parent_sale_id = sale_id)`

// targetBounds are the arguments of targetPredicate at asOf: the bounds of rules
// 2 and 3 (rules.Window).
func targetBounds(asOf time.Time, windowDays int) []any {
	orderedSince, updatedSince := rules.Window(asOf, windowDays)
	// Stored times have microsecond precision: the first stored instant at or
	// after a bound is the bound rounded up.
	return []any{schema.UTCCeil(orderedSince), schema.UTCCeil(updatedSince)}
}

// targetSQL is the target query (rules 1–4 of DESIGN §2), keyset-paged by
// (updated_at, sale_id). Its arguments are those of targetArgs.
func targetSQL(afterCursor bool) string {
	q := `SELECT sale_id, status, ordered_at, updated_at, bundle_parent_sale_id, paid_at FROM orders
WHERE shop_id = ? AND ` + targetPredicate
	if afterCursor {
		q += `
AND (updated_at, sale_id) > (?, ?)`
	}
	return q + `
ORDER BY updated_at, sale_id
LIMIT ?`
}

func targetArgs(q TargetQuery) []any {
	args := append([]any{q.ShopID}, targetBounds(q.AsOf, q.WindowDays)...)
	if !q.After.IsZero() {
		args = append(args, schema.UTC(q.After.UpdatedAt), q.After.SaleID)
	}
	return append(args, q.Limit)
}

func (q *TargetQuery) normalize() error {
	switch {
	case q.ShopID == "":
		return errors.New("target query: shop id is missing")
	case q.AsOf.IsZero():
		return errors.New("target query: as_of is missing")
	case !rules.ValidDays(q.WindowDays):
		return fmt.Errorf("target query: window_days must be between %d and %d, got %d", rules.MinDays, rules.MaxDays, q.WindowDays)
	case q.Limit < 0:
		return fmt.Errorf("target query: limit must not be negative, got %d", q.Limit)
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, MaxTargetPage)
	return nil
}

// FetchTargets returns the next page of target orders: status not new or
// cancelled, ordered_at >= AsOf−1 year, updated_at >= AsOf−WindowDays×24h, not a
// bundled child (the semantics of rules.Exclusion), in (updated_at, sale_id)
// order strictly after q.After, with their deliveries by delivery id and whether
// a shipping mail is owed for them (the mail ledger).
func (s *Store) FetchTargets(ctx context.Context, q TargetQuery) (TargetPage, error) {
	if err := q.normalize(); err != nil {
		return TargetPage{}, err
	}
	var rows []targetRow
	if err := s.db.WithContext(ctx).Raw(targetSQL(!q.After.IsZero()), targetArgs(q)...).Scan(&rows).Error; err != nil {
		return TargetPage{}, fmt.Errorf("fetching target orders of shop %q: %w", q.ShopID, err)
	}
	orders, err := s.withDeliveries(ctx, q.ShopID, rows)
	if err != nil {
		return TargetPage{}, err
	}
	if len(orders) > 0 {
		ids := make([]int64, len(orders))
		for i, o := range orders {
			ids[i] = o.SaleID
		}
		owed, err := s.MailsOwed(ctx, q.ShopID, ids)
		if err != nil {
			return TargetPage{}, err
		}
		for i := range orders {
			orders[i].MailOwed = owed[orders[i].SaleID]
		}
		if err := s.withPaidMailsOwed(ctx, q.ShopID, orders); err != nil {
			return TargetPage{}, err
		}
	}
	page := TargetPage{Orders: orders, Next: q.After, Done: len(rows) < q.Limit}
	if n := len(orders); n > 0 {
		page.Next = Cursor{UpdatedAt: orders[n-1].UpdatedAt, SaleID: orders[n-1].SaleID}
	}
	return page, nil
}

// withDeliveries turns rows into orders and loads their deliveries in one query.
func (s *Store) withDeliveries(ctx context.Context, shopID string, rows []targetRow) ([]rules.Order, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	orders := make([]rules.Order, len(rows))
	index := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		orders[i] = rules.Order{SaleID: r.SaleID, Status: r.Status, OrderedAt: r.OrderedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Paid: r.PaidAt != nil}
		if r.BundleParentSaleID != nil {
			orders[i].BundleParentSaleID = *r.BundleParentSaleID
		}
		index[r.SaleID] = i
		ids[i] = r.SaleID
	}
	var dels []deliveryRow
	err := s.db.WithContext(ctx).Where("shop_id = ? AND sale_id IN ?", shopID, ids).Order("sale_id, delivery_id").Find(&dels).Error
	if err != nil {
		return nil, fmt.Errorf("reading deliveries of shop %q: %w", shopID, err)
	}
	for _, d := range dels {
		o := &orders[index[d.SaleID]]
		o.Deliveries = append(o.Deliveries, rules.Delivery{ID: d.DeliveryID, SlipNumber: d.SlipNumber, ShippedOn: string(d.ShippedOn)})
	}
	return orders, nil
}

// shopExists checks, in tx, that the shop is in the shops table.
func shopExists(tx *gorm.DB, shopID string) error {
	var n int64
	if err := tx.Table("shops").Where("id = ?", shopID).Count(&n).Error; err != nil {
		return fmt.Errorf("reading shop %q: %w", shopID, err)
	}
	if n == 0 {
		return fmt.Errorf("shop %q: %w", shopID, ErrNotFound)
	}
	return nil
}
