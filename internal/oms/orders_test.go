package oms_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// asOf is 2024-03-01 08:00 JST = 2024-02-29 23:00 UTC: a year before it is a
// different instant in JST and UTC, so the store must compute the window from
// AsOf as given, like rules.Window.
var asOf = time.Date(2024, 3, 1, 8, 0, 0, 0, rules.Tokyo)

// fetchAll pages through every target with the given page size.
func fetchAll(t *testing.T, s *stores.Stores, shopID string, at time.Time, window, limit int) []rules.Order {
	t.Helper()
	var all []rules.Order
	q := oms.TargetQuery{ShopID: shopID, AsOf: at, WindowDays: window, Limit: limit}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10000, "paging does not end")
		page, err := s.FetchTargets(context.Background(), q)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Orders), limit)
		all = append(all, page.Orders...)
		if page.Done {
			require.Less(t, len(page.Orders), limit)
			return all
		}
		require.Len(t, page.Orders, limit)
		q.After = page.Next
	}
}

func saleIDs(orders []rules.Order) []int64 {
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.SaleID
	}
	return ids
}

// stored is o as the store returns it: UTC, microseconds, deliveries by id.
func stored(o rules.Order) rules.Order {
	o.OrderedAt = o.OrderedAt.UTC().Truncate(time.Microsecond)
	o.UpdatedAt = o.UpdatedAt.UTC().Truncate(time.Microsecond)
	o.Deliveries = slices.Clone(o.Deliveries)
	slices.SortFunc(o.Deliveries, func(a, b rules.Delivery) int { return int(a.ID - b.ID) })
	if len(o.Deliveries) == 0 {
		o.Deliveries = nil
	}
	return o
}

func TestFetchTargetsRules(t *testing.T) {
	const window = 3
	orderedSince, updatedSince := rules.Window(asOf, window)
	recent := asOf.Add(-time.Hour)
	cases := []struct {
		name   string
		order  rules.Order
		target bool
	}{
		{"processing", rules.Order{Status: rules.StatusProcessing}, true},
		{"awaiting_payment", rules.Order{Status: rules.StatusAwaitingPayment}, true},
		{"awaiting_shipment", rules.Order{Status: rules.StatusAwaitingShipment}, true},
		{"shipped", rules.Order{Status: rules.StatusShipped}, true},
		{"completed", rules.Order{Status: rules.StatusCompleted}, true},
		{"on_hold", rules.Order{Status: rules.StatusOnHold}, true},
		{"rule 1 new", rules.Order{Status: rules.StatusNew}, false},
		{"rule 1 cancelled", rules.Order{Status: rules.StatusCancelled}, false},
		{"rule 2 ordered exactly a year before", rules.Order{Status: rules.StatusShipped, OrderedAt: orderedSince}, true},
		{"rule 2 ordered 1µs more than a year before", rules.Order{Status: rules.StatusShipped, OrderedAt: orderedSince.Add(-time.Microsecond)}, false},
		// A year before as_of in UTC would be 2023-03-01 23:00 UTC: computing the
		// bound in UTC instead of as given would wrongly exclude this order.
		{"rule 2 between the year bounds of JST and UTC", rules.Order{Status: rules.StatusShipped, OrderedAt: orderedSince.Add(12 * time.Hour)}, true},
		{"rule 3 updated exactly window before", rules.Order{Status: rules.StatusShipped, UpdatedAt: updatedSince}, true},
		{"rule 3 updated 1µs before the window", rules.Order{Status: rules.StatusShipped, UpdatedAt: updatedSince.Add(-time.Microsecond)}, false},
		{"rule 3 updated after as_of", rules.Order{Status: rules.StatusShipped, UpdatedAt: asOf.Add(time.Hour)}, true},
		{"rule 4 bundle parent is itself", rules.Order{Status: rules.StatusShipped, BundleParentSaleID: -1}, true},
		{"rule 4 bundled child", rules.Order{Status: rules.StatusShipped, BundleParentSaleID: 999999}, false},
	}
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		createShop(t, s, "other")
		var orders []rules.Order
		for i, c := range cases {
			o := c.order
			o.SaleID = int64(1000 + i)
			if o.OrderedAt.IsZero() {
				o.OrderedAt = recent
			}
			if o.UpdatedAt.IsZero() {
				o.UpdatedAt = recent
			}
			if o.BundleParentSaleID == -1 {
				o.BundleParentSaleID = o.SaleID
			}
			o.Deliveries = []rules.Delivery{{ID: o.SaleID*10 + 2, SlipNumber: "1234"}, {ID: o.SaleID*10 + 1, ShippedOn: "2024-02-29"}}
			require.Equal(t, c.target, rules.IsTarget(o, asOf, window), "case %q disagrees with rules.Exclusion", c.name)
			orders = append(orders, o)
		}
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))
		require.NoError(t, s.UpsertOrders(ctx, "other", orders[:3])) // another shop's orders never show

		got := fetchAll(t, s, "myshop", asOf, window, 100)
		byID := map[int64]rules.Order{}
		for _, o := range got {
			byID[o.SaleID] = o
		}
		for i, c := range cases {
			o, ok := byID[orders[i].SaleID]
			assert.Equal(t, c.target, ok, c.name)
			if ok {
				assert.Equal(t, stored(orders[i]), o, c.name)
			}
		}
	})
}

func randomOrders(rng *rand.Rand, n int) []rules.Order {
	orderedSince, updatedSince := rules.Window(asOf, 3)
	orders := make([]rules.Order, n)
	for i := range orders {
		id := int64(i + 1)
		o := rules.Order{SaleID: id, Status: rules.Statuses[rng.IntN(len(rules.Statuses))]}
		// Times cluster around the bounds and repeat, at microsecond precision.
		pick := func(bound time.Time, spread time.Duration) time.Time {
			switch rng.IntN(6) {
			case 0:
				return bound
			case 1:
				return bound.Add(time.Duration(rng.IntN(3)-1) * time.Microsecond)
			case 2:
				return bound.Add(time.Duration(rng.IntN(5)-2) * time.Hour)
			default:
				return bound.Add(time.Duration(rng.Int64N(int64(2*spread))) - spread).Truncate(time.Microsecond)
			}
		}
		o.OrderedAt = pick(orderedSince, 40*24*time.Hour)
		o.UpdatedAt = pick(updatedSince, 4*24*time.Hour)
		if rng.IntN(3) == 0 {
			o.OrderedAt = asOf.Add(-time.Duration(rng.IntN(300)) * 24 * time.Hour)
		}
		switch rng.IntN(5) {
		case 0:
			o.BundleParentSaleID = id
		case 1:
			o.BundleParentSaleID = int64(rng.IntN(n) + 1)
		}
		for d := range rng.IntN(3) {
			del := rules.Delivery{ID: id*100 + int64(3-d)}
			if rng.IntN(2) == 0 {
				del.SlipNumber = fmt.Sprint(rng.IntN(1e9))
			}
			if rng.IntN(2) == 0 {
				del.ShippedOn = "2024-02-2" + fmt.Sprint(rng.IntN(10))
			}
			o.Deliveries = append(o.Deliveries, del)
		}
		orders[i] = o
	}
	return orders
}

func TestFetchTargetsMatchesExclusion(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		orders := randomOrders(rand.New(rand.NewPCG(1, 2)), 400)
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))
		for _, at := range []time.Time{asOf, asOf.UTC(), asOf.Add(90 * time.Minute), asOf.Add(-36*time.Hour + 123*time.Nanosecond)} {
			for _, window := range []int{1, 3, 5} {
				var want []rules.Order
				for _, o := range orders {
					if rules.Exclusion(stored(o), at, window) == "" {
						want = append(want, stored(o))
					}
				}
				slices.SortFunc(want, func(a, b rules.Order) int {
					if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
						return c
					}
					return int(a.SaleID - b.SaleID)
				})
				require.NotEmpty(t, want)
				require.Less(t, len(want), len(orders))
				for _, limit := range []int{7, 1000} {
					got := fetchAll(t, s, "myshop", at, window, limit)
					require.Equal(t, saleIDs(want), saleIDs(got), "as_of %s window %d limit %d", at, window, limit)
					require.Equal(t, want, got)
				}
			}
		}
	})
}

func TestFetchTargetsPagingEqualUpdatedAt(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		same := asOf.Add(-time.Hour)
		var orders []rules.Order
		for i := range 25 {
			orders = append(orders, rules.Order{SaleID: int64(100 - i), Status: rules.StatusShipped, OrderedAt: same, UpdatedAt: same})
		}
		orders = append(orders, rules.Order{SaleID: 500, Status: rules.StatusShipped, OrderedAt: same, UpdatedAt: same.Add(-time.Microsecond)})
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))

		q := oms.TargetQuery{ShopID: "myshop", AsOf: asOf, WindowDays: 3, Limit: 10}
		var sizes []int
		var ids []int64
		for {
			page, err := s.FetchTargets(ctx, q)
			require.NoError(t, err)
			sizes = append(sizes, len(page.Orders))
			ids = append(ids, saleIDs(page.Orders)...)
			if page.Done {
				break
			}
			q.After = page.Next
		}
		assert.Equal(t, []int{10, 10, 6}, sizes)
		want := []int64{500}
		for id := int64(76); id <= 100; id++ {
			want = append(want, id)
		}
		assert.Equal(t, want, ids)

		// Exactly a multiple of the page size: the last page is empty and Done.
		q = oms.TargetQuery{ShopID: "myshop", AsOf: asOf, WindowDays: 3, Limit: 13}
		p1, err := s.FetchTargets(ctx, q)
		require.NoError(t, err)
		assert.False(t, p1.Done)
		q.After = p1.Next
		p2, err := s.FetchTargets(ctx, q)
		require.NoError(t, err)
		assert.Len(t, p2.Orders, 13)
		assert.False(t, p2.Done)
		q.After = p2.Next
		p3, err := s.FetchTargets(ctx, q)
		require.NoError(t, err)
		assert.Empty(t, p3.Orders)
		assert.True(t, p3.Done)
		assert.Equal(t, p2.Next, p3.Next)

		_, err = s.FetchTargets(ctx, oms.TargetQuery{ShopID: "myshop", AsOf: asOf, WindowDays: 0})
		assert.ErrorContains(t, err, "window_days must be between 1 and 365, got 0")
		_, err = s.FetchTargets(ctx, oms.TargetQuery{ShopID: "myshop", WindowDays: 3})
		assert.ErrorContains(t, err, "as_of")
	})
}

func TestUpsertOrders(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		at := time.Date(2024, 2, 28, 10, 30, 0, 123456789, rules.Tokyo)
		o := rules.Order{SaleID: 7, Status: rules.StatusAwaitingShipment, OrderedAt: at, UpdatedAt: at,
			Deliveries: []rules.Delivery{{ID: 2, SlipNumber: "A-1", ShippedOn: "2024-02-28"}, {ID: 1}}}
		require.NoError(t, s.UpsertOrders(ctx, "myshop", []rules.Order{o}))
		got, err := s.Order(ctx, "myshop", 7)
		require.NoError(t, err)
		assert.Equal(t, stored(o), got)
		assert.Equal(t, time.UTC, got.UpdatedAt.Location())

		var nulls int64
		require.NoError(t, s.DB().Raw("SELECT COUNT(*) FROM deliveries WHERE shipped_on IS NULL").Scan(&nulls).Error)
		assert.Equal(t, int64(1), nulls, `"" is stored as NULL`)

		// Fully replaced, import bookkeeping kept.
		require.NoError(t, s.DB().Exec("UPDATE orders SET flag_reason = 'check me' WHERE sale_id = 7").Error)
		o2 := rules.Order{SaleID: 7, Status: rules.StatusShipped, OrderedAt: at, UpdatedAt: at.Add(time.Hour), BundleParentSaleID: 7,
			Deliveries: []rules.Delivery{{ID: 3, SlipNumber: "B-2", ShippedOn: "2024-02-29"}}}
		require.NoError(t, s.UpsertOrders(ctx, "myshop", []rules.Order{o2}))
		got, err = s.Order(ctx, "myshop", 7)
		require.NoError(t, err)
		assert.Equal(t, stored(o2), got)
		var flag string
		require.NoError(t, s.DB().Raw("SELECT flag_reason FROM orders WHERE sale_id = 7").Scan(&flag).Error)
		assert.Equal(t, "check me", flag)

		// Bundle removed again.
		o2.BundleParentSaleID, o2.Deliveries = 0, nil
		require.NoError(t, s.UpsertOrders(ctx, "myshop", []rules.Order{o2}))
		got, err = s.Order(ctx, "myshop", 7)
		require.NoError(t, err)
		assert.Equal(t, stored(o2), got)

		_, err = s.Order(ctx, "myshop", 8)
		assert.ErrorIs(t, err, oms.ErrNotFound)

		for _, c := range []struct {
			o    rules.Order
			want string
		}{
			{rules.Order{SaleID: 1, Status: "open", OrderedAt: at, UpdatedAt: at}, `status "open" is not an OMS status`},
			{rules.Order{SaleID: 0, Status: "new", OrderedAt: at, UpdatedAt: at}, "sale_id must be positive"},
			{rules.Order{SaleID: 1, Status: "new", UpdatedAt: at}, "ordered_at is missing"},
			{rules.Order{SaleID: 1, Status: "new", OrderedAt: at, UpdatedAt: at, Deliveries: []rules.Delivery{{ID: 1, ShippedOn: "2024/02/28"}}}, "not a date YYYY-MM-DD"},
			{rules.Order{SaleID: 1, Status: "new", OrderedAt: at, UpdatedAt: at, Deliveries: []rules.Delivery{{ID: 1}, {ID: 1}}}, "delivery 1 appears twice"},
		} {
			assert.ErrorContains(t, s.UpsertOrders(ctx, "myshop", []rules.Order{c.o}), c.want)
		}
		assert.ErrorContains(t, s.UpsertOrders(ctx, "myshop", []rules.Order{o, o}), "appears twice")
		assert.ErrorIs(t, s.UpsertOrders(ctx, "nosuchshop", []rules.Order{o}), oms.ErrNotFound)

		// Many orders in one call (several batches).
		many := randomOrders(rand.New(rand.NewPCG(3, 4)), 1200)
		require.NoError(t, s.UpsertOrders(ctx, "myshop", many))
		require.NoError(t, s.UpsertOrders(ctx, "myshop", many))
		var n int64
		require.NoError(t, s.DB().Raw("SELECT COUNT(*) FROM orders WHERE shop_id = 'myshop'").Scan(&n).Error)
		assert.Equal(t, int64(1200), n)
		got, err = s.Order(ctx, "myshop", 1111)
		require.NoError(t, err)
		assert.Equal(t, stored(many[1110]), got)
	})
}

// TestTargetQueryUsesIndex checks on PostgreSQL that the target query is an index
// range scan, not a scan of every order.
func TestTargetQueryUsesIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 200k orders")
	}
	s := testenv.OpenStore(t)
	ctx := context.Background()
	db := s.DB().WithContext(ctx)
	// 200k orders of one shop, 5% updated within the window, plus another shop.
	require.NoError(t, db.Exec(`
INSERT INTO orders (shop_id, sale_id, status, ordered_at, updated_at, bundle_parent_sale_id, colorme_canceled, flag_reason)
SELECT CASE WHEN g % 10 = 0 THEN 'other' ELSE 'big' END, g,
  (ARRAY['new','processing','awaiting_payment','awaiting_shipment','shipped','completed','on_hold','cancelled'])[1 + g % 8],
  ?::timestamptz - (g % 300) * interval '1 day',
  CASE WHEN g % 20 = 1 THEN ?::timestamptz - (g % 48) * interval '1 hour'
       ELSE ?::timestamptz - interval '4 days' - (g % 1000) * interval '1 hour' END,
  CASE WHEN g % 7 = 0 THEN g - 1 END, false, ''
FROM generate_series(1, 200000) g`, asOf, asOf, asOf).Error)
	require.NoError(t, db.Exec("ANALYZE orders").Error)
	require.NoError(t, db.Exec("ANALYZE deliveries").Error)

	for _, q := range []oms.TargetQuery{
		{ShopID: "big", AsOf: asOf, WindowDays: 3, Limit: 100},
		{ShopID: "big", AsOf: asOf, WindowDays: 3, Limit: 1000, After: oms.Cursor{UpdatedAt: asOf.Add(-24 * time.Hour), SaleID: 5000}},
	} {
		query, args, err := oms.TargetQueryForTest(q)
		require.NoError(t, err)
		var lines []string
		require.NoError(t, db.Raw("EXPLAIN "+query, args...).Scan(&lines).Error)
		plan := strings.Join(lines, "\n")
		t.Logf("plan:\n%s", plan)
		assert.NotContains(t, plan, "Seq Scan on orders")
		assert.Contains(t, plan, "orders_targets")

		// A cached prepared statement may run with a generic plan: the index must
		// be usable without knowing the arguments too.
		prepared := query
		for i := 1; strings.Contains(prepared, "?"); i++ {
			prepared = strings.Replace(prepared, "?", fmt.Sprintf("$%d", i), 1)
		}
		var placeholders []string
		for i := range args {
			placeholders = append(placeholders, fmt.Sprintf("$%d", i+1))
		}
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SET LOCAL plan_cache_mode = force_generic_plan").Error; err != nil {
				return err
			}
			if err := tx.Exec("PREPARE targets AS " + prepared).Error; err != nil {
				return err
			}
			lines = nil
			// EXECUTE takes no bind parameters: inline them (the generic plan ignores them).
			explain := tx.Dialector.Explain("EXPLAIN EXECUTE targets("+strings.Join(placeholders, ", ")+")", args...)
			if err := tx.Raw(explain).Scan(&lines).Error; err != nil {
				return err
			}
			return tx.Exec("DEALLOCATE targets").Error
		}))
		plan = strings.Join(lines, "\n")
		t.Logf("generic plan:\n%s", plan)
		assert.NotContains(t, plan, "Seq Scan on orders")
		assert.Contains(t, plan, "orders_targets")
	}
	page, err := s.FetchTargets(ctx, oms.TargetQuery{ShopID: "big", AsOf: asOf, WindowDays: 3, Limit: 1000})
	require.NoError(t, err)
	assert.NotEmpty(t, page.Orders)
}

// TestTargetQueryUsesIndexSQLite checks that SQLite uses the partial index too.
func TestTargetQueryUsesIndexSQLite(t *testing.T) {
	s := testenv.OpenSQLiteStore(t)
	for _, q := range []oms.TargetQuery{
		{ShopID: "big", AsOf: asOf, WindowDays: 3},
		{ShopID: "big", AsOf: asOf, WindowDays: 3, After: oms.Cursor{UpdatedAt: asOf, SaleID: 1}},
	} {
		query, args, err := oms.TargetQueryForTest(q)
		require.NoError(t, err)
		var details []string
		rows, err := s.DB().Raw("EXPLAIN QUERY PLAN "+query, args...).Rows()
		require.NoError(t, err)
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			details = append(details, detail)
		}
		require.NoError(t, rows.Close())
		plan := strings.Join(details, "\n")
		t.Logf("plan:\n%s", plan)
		assert.Contains(t, plan, "USING INDEX orders_targets")
		assert.NotContains(t, plan, "TEMP B-TREE", "rows come in index order")
	}
}
