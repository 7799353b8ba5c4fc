package oms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// The order list (受注一覧): a shop's orders page by page, newest sale first,
// filtered by status, by export verdict (the target predicate of FetchTargets or
// its negation, so the list and the export never disagree) and by sale id.

// OrderListPageSize is the page size of ListOrders when none is given.
const OrderListPageSize = 50

// MaxOrderListPage is the largest page ListOrders returns.
const MaxOrderListPage = 500

// OrderCountCap is where ListOrders stops counting the matching orders: beyond
// it the page says "more than" instead of scanning every order of a big shop.
const OrderCountCap = 10000

// Verdict filters of the order list, as `starter orders list -only` spells them.
const (
	OnlyTargets  = "targets"  // 書出対象: rules 1–4 hold at AsOf
	OnlyExcluded = "excluded" // 対象外: some rule excludes the order
	OnlyFlagged  = "flagged"  // 要確認: the import flagged the order
)

// OrderListQuery asks for one page of a shop's orders, by sale id descending.
type OrderListQuery struct {
	ShopID     string
	AsOf       time.Time // the instant the verdict filters are evaluated at
	WindowDays int       // 作成期間, for the verdict filters
	Status     string    // one OMS status, "" = all
	Only       string    // OnlyTargets, OnlyExcluded, OnlyFlagged or "" = all
	SaleID     int64     // that sale only; 0 = any
	After      int64     // the next page: sale ids below this one; 0 = from the newest
	Before     int64     // the previous page: sale ids above this one (when After is 0)
	Limit      int       // page size, default OrderListPageSize, at most MaxOrderListPage
	// Page numbers the pages of Limit orders from the newest (1 = the first);
	// used when After and Before are 0. 0 = the first page.
	Page int
	// OrderedFrom and OrderedTo bound the order date (受注日): at or after
	// OrderedFrom, before OrderedTo; zero = no bound.
	OrderedFrom, OrderedTo time.Time
	// Unpaid (入金待ち): only orders neither 入金済み in the OMS nor paid on
	// ColorMe, not キャンセル, whose payment method is one of PaymentIDs (the
	// methods that need a payment confirmed: ShopMethods.ConfirmedPaymentIDs).
	Unpaid     bool
	PaymentIDs []int64
}

// OrderListRow is one order of the list.
type OrderListRow struct {
	OrderView
	BundleChildren int `json:"bundle_children,omitempty"` // a bundle parent's children (同梱), besides itself
}

// OrderListPage is one page of the order list.
type OrderListPage struct {
	Orders      []OrderListRow
	Newer       bool // a page of newer (higher) sale ids comes before this one
	Older       bool // a page of older (lower) sale ids follows
	Total       int  // orders matching the filters, counted up to OrderCountCap
	TotalCapped bool // more than OrderCountCap match
}

func (q *OrderListQuery) normalize() error {
	switch {
	case q.ShopID == "":
		return errors.New("order list: shop id is missing")
	case q.Status != "" && !rules.ValidStatus(q.Status):
		return fmt.Errorf("order list: status %q is not an OMS status: use one of %s", q.Status, strings.Join(rules.Statuses, ", "))
	case q.Only != "" && q.Only != OnlyTargets && q.Only != OnlyExcluded && q.Only != OnlyFlagged:
		return fmt.Errorf("order list: filter %q must be %s, %s or %s", q.Only, OnlyTargets, OnlyExcluded, OnlyFlagged)
	case (q.Only == OnlyTargets || q.Only == OnlyExcluded) && q.AsOf.IsZero():
		return errors.New("order list: as_of is missing")
	case (q.Only == OnlyTargets || q.Only == OnlyExcluded) && !rules.ValidDays(q.WindowDays):
		return fmt.Errorf("order list: window_days must be between %d and %d, got %d", rules.MinDays, rules.MaxDays, q.WindowDays)
	case q.SaleID < 0 || q.After < 0 || q.Before < 0 || q.Page < 0:
		return errors.New("order list: sale ids must be positive")
	case q.Limit < 0:
		return fmt.Errorf("order list: limit must not be negative, got %d", q.Limit)
	}
	if q.Limit == 0 {
		q.Limit = OrderListPageSize
	}
	q.Limit = min(q.Limit, MaxOrderListPage)
	return nil
}

// where is the filter of q as SQL over the orders table, with its arguments.
// The verdict filters are targetPredicate (rules 1–4) and its negation.
func (q OrderListQuery) where() (string, []any) {
	conds := []string{"shop_id = ?"}
	args := []any{q.ShopID}
	if q.Status != "" {
		conds = append(conds, "status = ?")
		args = append(args, q.Status)
	}
	if q.SaleID != 0 {
		conds = append(conds, "sale_id = ?")
		args = append(args, q.SaleID)
	}
	if !q.OrderedFrom.IsZero() {
		conds = append(conds, "ordered_at >= ?")
		args = append(args, q.OrderedFrom.UTC())
	}
	if !q.OrderedTo.IsZero() {
		conds = append(conds, "ordered_at < ?")
		args = append(args, q.OrderedTo.UTC())
	}
	switch q.Only {
	case OnlyTargets:
		conds = append(conds, "("+targetPredicate+")")
		args = append(args, targetBounds(q.AsOf, q.WindowDays)...)
	case OnlyExcluded:
		conds = append(conds, "NOT ("+targetPredicate+")")
		args = append(args, targetBounds(q.AsOf, q.WindowDays)...)
	case OnlyFlagged:
		conds = append(conds, "flag_reason <> ''")
	}
	if q.Unpaid {
		ids := q.PaymentIDs
		if len(ids) == 0 {
			ids = []int64{-1} // no method needs confirming: nothing is 入金待ち
		}
		conds = append(conds, "paid_at IS NULL AND colorme_paid = ? AND status <> ? AND payment_id IN ?")
		args = append(args, false, rules.StatusCancelled, ids)
	}
	return strings.Join(conds, " AND "), args
}

// ListOrders returns one page of a shop's orders (受注一覧), newest sale id first,
// with their deliveries and destinations. Paging is by keyset on sale id (the
// primary key), so a page costs the same at any depth.
func (s *Store) ListOrders(ctx context.Context, q OrderListQuery) (OrderListPage, error) {
	if err := q.normalize(); err != nil {
		return OrderListPage{}, err
	}
	db := s.db.WithContext(ctx)
	fail := func(err error) (OrderListPage, error) {
		return OrderListPage{}, fmt.Errorf("listing the orders of shop %q: %w", q.ShopID, err)
	}
	page, rows, short, err := q.page(db)
	if err != nil {
		return fail(err)
	}
	if short {
		// Fewer than a page is newer: show the first page instead.
		return s.ListOrders(ctx, OrderListQuery{ShopID: q.ShopID, AsOf: q.AsOf, WindowDays: q.WindowDays,
			Status: q.Status, Only: q.Only, SaleID: q.SaleID, Limit: q.Limit, OrderedFrom: q.OrderedFrom, OrderedTo: q.OrderedTo})
	}
	if page.Total, page.TotalCapped, err = q.count(db); err != nil {
		return fail(err)
	}
	if page.Orders, err = listRows(db, q.ShopID, rows); err != nil {
		return fail(err)
	}
	return page, nil
}

// page reads the orders of q's page, and whether there are newer and older
// ones; short says a page backward found fewer than a page (the caller shows
// the first page instead).
func (q OrderListQuery) page(db *gorm.DB) (page OrderListPage, rows []orderRow, short bool, err error) {
	where, args := q.where()
	backward := q.After == 0 && q.Before != 0
	base := db.Model(&orderRow{}).Where(where, args...)
	switch {
	case backward:
		if err := base.Where("sale_id > ?", q.Before).Order("sale_id").Limit(q.Limit + 1).Find(&rows).Error; err != nil {
			return page, nil, false, err
		}
		if len(rows) < q.Limit {
			return page, nil, true, nil
		}
		page.Newer = len(rows) > q.Limit
		rows = rows[:min(len(rows), q.Limit)]
		slices.Reverse(rows)
	default:
		tx := base
		if q.After != 0 {
			tx = tx.Where("sale_id < ?", q.After)
		} else if q.Before == 0 && q.Page > 1 {
			// A numbered page: the offset walks the primary key's index, which
			// stays cheap for the orders a count reaches (OrderCountCap).
			tx = tx.Offset((q.Page - 1) * q.Limit)
			page.Newer = true
		}
		if err := tx.Order("sale_id DESC").Limit(q.Limit + 1).Find(&rows).Error; err != nil {
			return page, nil, false, err
		}
		page.Older = len(rows) > q.Limit
		rows = rows[:min(len(rows), q.Limit)]
	}
	// The other direction: is there anything beyond the cursor we came from?
	var beyond []int64
	switch {
	case backward:
		if err := db.Model(&orderRow{}).Where(where, args...).Where("sale_id <= ?", q.Before).Limit(1).Pluck("sale_id", &beyond).Error; err != nil {
			return page, nil, false, err
		}
		page.Older = len(beyond) > 0
	case q.After != 0:
		if err := db.Model(&orderRow{}).Where(where, args...).Where("sale_id >= ?", q.After).Limit(1).Pluck("sale_id", &beyond).Error; err != nil {
			return page, nil, false, err
		}
		page.Newer = len(beyond) > 0
	}
	return page, rows, false, nil
}

// count counts the orders q matches, up to OrderCountCap (capped says there
// are more).
func (q OrderListQuery) count(db *gorm.DB) (total int, capped bool, err error) {
	where, args := q.where()
	// The cap is written into the SQL: as a parameter, a cached (generic) plan
	// would not know it and would scan the whole table.
	var n int64
	if err := db.Raw(fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE %s LIMIT %d) AS matching", where, OrderCountCap+1),
		args...).Scan(&n).Error; err != nil {
		return 0, false, err
	}
	return int(min(n, OrderCountCap)), n > OrderCountCap, nil
}

// listRows are the listed orders with their deliveries and, for a bundle's
// parent, how many orders are bundled into it.
func listRows(db *gorm.DB, shopID string, rows []orderRow) ([]OrderListRow, error) {
	orders, err := views(db, shopID, rows)
	if err != nil {
		return nil, err
	}
	var parents []int64
	for _, r := range rows {
		if r.BundleParentSaleID != nil && *r.BundleParentSaleID == r.SaleID {
			parents = append(parents, r.SaleID)
		}
	}
	children := map[int64]int{}
	if len(parents) > 0 {
		var counts []struct {
			Parent int64
			N      int
		}
		if err := db.Model(&orderRow{}).Select("bundle_parent_sale_id AS parent, COUNT(*) AS n").
			Where("shop_id = ? AND bundle_parent_sale_id IN ? AND sale_id <> bundle_parent_sale_id", shopID, parents).
			Group("bundle_parent_sale_id").Scan(&counts).Error; err != nil {
			return nil, err
		}
		for _, c := range counts {
			children[c.Parent] = c.N
		}
	}
	out := make([]OrderListRow, len(orders))
	for i, o := range orders {
		out[i] = OrderListRow{OrderView: o, BundleChildren: children[o.SaleID]}
	}
	return out, nil
}

// BundleMembers returns the sale ids bundled into parent (同梱), the parent
// itself included when it is bundled, by sale id.
func (s *Store) BundleMembers(ctx context.Context, shopID string, parent int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&orderRow{}).Where("shop_id = ? AND bundle_parent_sale_id = ?", shopID, parent).
		Order("sale_id").Pluck("sale_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("reading the bundle of sale %d (shop %q): %w", parent, shopID, err)
	}
	return ids, nil
}

// ExportOutcome is what an export run did with one order: the state ColorMe
// showed for it then, and what the run wrote.
type ExportOutcome struct {
	RunID   int64         `json:"run_id"`
	SaleID  int64         `json:"sale_id"`
	Outcome rules.Outcome `json:"outcome"` // updated, unchanged, skipped, failed or planned
	Reason  string        `json:"reason,omitempty"`
	Sent    string        `json:"sent,omitempty"` // JSON of what was written (workflows.SentJSON)
	Mailed  bool          `json:"mailed"`
	At      time.Time     `json:"at"`      // when the outcome was recorded
	DryRun  bool          `json:"dry_run"` // a preview (プレビュー): nothing was written
	AsOf    time.Time     `json:"as_of"`   // the run's evaluation instant
}

// LastExportOutcome returns the latest outcome of a sale in a real export run,
// or, when no real run touched it, in a preview (dry run). ok is false when no
// export run has touched the sale.
func (s *Store) LastExportOutcome(ctx context.Context, shopID string, saleID int64) (out ExportOutcome, ok bool, err error) {
	var rows []ExportOutcome
	err = s.db.WithContext(ctx).Raw(`SELECT o.run_id, o.sale_id, o.outcome, o.reason, o.sent, o.mailed, o.at, r.dry_run, r.as_of
FROM run_outcomes o JOIN runs r ON r.id = o.run_id
WHERE o.shop_id = ? AND o.sale_id = ? AND r.kind = ?
ORDER BY r.dry_run, o.run_id DESC
LIMIT 1`, shopID, saleID, KindExport).Scan(&rows).Error
	if err != nil {
		return ExportOutcome{}, false, fmt.Errorf("reading the last export of sale %d (shop %q): %w", saleID, shopID, err)
	}
	if len(rows) == 0 {
		return ExportOutcome{}, false, nil
	}
	out = rows[0]
	out.At, out.AsOf = out.At.UTC(), out.AsOf.UTC()
	return out, true, nil
}
