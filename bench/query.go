package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// The row-5 shop: n orders whose updated_at is inside the 3-day window for
// every 20th (5 %), in every status, some older than a year, some bundled.
const (
	bulkOrdersSQL = `INSERT INTO orders (shop_id, sale_id, status, ordered_at, updated_at, bundle_parent_sale_id)
SELECT ?, g,
  (ARRAY['new','processing','awaiting_payment','awaiting_shipment','shipped','completed','on_hold','cancelled'])[1 + (hashint4(g::int)::bigint & 7)],
  u - make_interval(hours => (g % 240)::int) - CASE WHEN g % 1000 = 500 THEN interval '400 days' ELSE interval '0' END,
  u,
  CASE WHEN g % 100 = 40 THEN g - 20 WHEN g % 100 = 20 THEN g END
FROM (SELECT g, CASE WHEN g % 20 = 0
        THEN ?::timestamptz - make_interval(secs => ((g * 37) % 259000)::double precision)
        ELSE ?::timestamptz - make_interval(days => (4 + g % 360)::int, secs => (g % 86400)::double precision) END AS u
      FROM generate_series(?::bigint, ?::bigint) AS g) AS s`
	bulkDeliveriesSQL = `INSERT INTO deliveries (shop_id, sale_id, delivery_id, slip_number, shipped_on)
SELECT ?, g, g * 10 + 1, CASE WHEN g % 3 = 0 THEN '4912-' || g ELSE '' END,
  CASE WHEN g % 3 = 0 THEN (?::timestamptz - interval '1 day')::date END
FROM generate_series(?::bigint, ?::bigint) AS g`
	// countTargetsSQL counts rules 1–4 independently of the store.
	countTargetsSQL = `SELECT count(*) FROM orders WHERE shop_id = ? AND status NOT IN ('new', 'cancelled')
AND ordered_at >= ? AND updated_at >= ? AND (bundle_parent_sale_id IS NULL OR bundle_parent_sale_id = sale_id)`
)

// capturedQuery is a target query as the store sent it.
type capturedQuery struct {
	sql  string
	vars []any
}

var indexScan = regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) (\S+)`)

// row5: FetchTargets at scale on PostgreSQL.
func (b *bench) row5(ctx context.Context) *Row {
	r := &Row{N: 5, What: "target query at scale: FetchTargets on PostgreSQL, plan and time per page of 100",
		Target: "index scan, no Seq Scan on orders", Hard: true}
	n := b.sz.Row5
	shop := "bench-r5"
	st := b.s.store
	if err := st.Shops.CreateShop(ctx, shops.Shop{ID: shop, Name: shop, Settings: shops.DefaultSettings()}); err != nil {
		return r.fail(err)
	}
	db := st.DB().WithContext(ctx)
	b.logf("  inserting %s orders and deliveries", commas(int64(n)))
	t0 := time.Now()
	const chunk = 250_000
	for lo := 1; lo <= n; lo += chunk {
		hi := min(lo+chunk-1, n)
		if err := db.Exec(bulkOrdersSQL, shop, b.asOf, b.asOf, lo, hi).Error; err != nil {
			return r.fail(fmt.Errorf("bulk insert of orders: %w", err))
		}
		if err := db.Exec(bulkDeliveriesSQL, shop, b.asOf, lo, hi).Error; err != nil {
			return r.fail(fmt.Errorf("bulk insert of deliveries: %w", err))
		}
	}
	for _, stmt := range []string{"VACUUM (ANALYZE) orders", "VACUUM (ANALYZE) deliveries"} {
		if err := db.Exec(stmt).Error; err != nil {
			return r.fail(fmt.Errorf("%s: %w", stmt, err))
		}
	}
	load := time.Since(t0)

	orderedSince, updatedSince := rules.Window(b.asOf, rules.DefaultWindowDays)
	var want, inWindow int64
	if err := db.Raw(countTargetsSQL, shop, orderedSince, updatedSince).Scan(&want).Error; err != nil {
		return r.fail(err)
	}
	if err := db.Raw("SELECT count(*) FROM orders WHERE shop_id = ? AND updated_at >= ?", shop, updatedSince).Scan(&inWindow).Error; err != nil {
		return r.fail(err)
	}

	// Capture the two queries of FetchTargets exactly as the store sends them,
	// and time them: the target query (Raw → row callbacks) and the deliveries
	// of the page (Find → query callbacks).
	var mu sync.Mutex
	var captured, delCaptured []capturedQuery
	var targetTime, delTime time.Duration
	isTarget := func(q string) bool {
		return strings.Contains(q, "FROM orders") && strings.Contains(q, "ORDER BY updated_at, sale_id")
	}
	isDeliveries := func(q string) bool { return strings.Contains(q, `FROM "deliveries"`) }
	start := func(tx *gorm.DB) { tx.InstanceSet("bench:t0", time.Now()) }
	stop := func(match func(string) bool, caps *[]capturedQuery, sum *time.Duration) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			q := tx.Statement.SQL.String()
			t0, ok := tx.InstanceGet("bench:t0")
			if !match(q) || !ok {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			*sum += time.Since(t0.(time.Time))
			*caps = append(*caps, capturedQuery{sql: q, vars: append([]any(nil), tx.Statement.Vars...)})
		}
	}
	cbs := st.DB().Callback()
	for _, err := range []error{
		cbs.Row().Before("gorm:row").Register("bench:row_start", start),
		cbs.Row().After("gorm:row").Register("bench:row_stop", stop(isTarget, &captured, &targetTime)),
		cbs.Query().Before("gorm:query").Register("bench:query_start", start),
		cbs.Query().After("gorm:query").Register("bench:query_stop", stop(isDeliveries, &delCaptured, &delTime)),
	} {
		if err != nil {
			return r.fail(err)
		}
	}
	defer func() {
		_ = cbs.Row().Remove("bench:row_start")
		_ = cbs.Row().Remove("bench:row_stop")
		_ = cbs.Query().Remove("bench:query_start")
		_ = cbs.Query().Remove("bench:query_stop")
	}()

	var cur oms.Cursor
	var total, pages int
	var sum, worst time.Duration
	for {
		t := time.Now()
		page, err := st.FetchTargets(ctx, oms.TargetQuery{ShopID: shop, AsOf: b.asOf, WindowDays: rules.DefaultWindowDays, After: cur, Limit: 100})
		d := time.Since(t)
		if err != nil {
			return r.fail(err)
		}
		pages++
		sum += d
		worst = max(worst, d)
		total += len(page.Orders)
		cur = page.Next
		if page.Done {
			break
		}
	}
	if int64(total) != want {
		return r.fail(fmt.Errorf("FetchTargets paged %d targets, the independent count says %d", total, want))
	}
	if len(captured) != pages {
		return r.fail(fmt.Errorf("captured %d target queries for %d pages: the store's query path changed", len(captured), pages))
	}
	if len(delCaptured) == 0 {
		return r.fail(errors.New("captured no deliveries query: the store's query path changed"))
	}

	sqlDB, err := st.DB().DB()
	if err != nil {
		return r.fail(err)
	}
	first, middle := captured[0], captured[len(captured)/2]
	var details strings.Builder
	seq := false
	var used []string
	for _, p := range []struct {
		name    string
		q       capturedQuery
		generic bool
	}{
		{"first page (custom plan)", first, false},
		{fmt.Sprintf("page %d, after a cursor (custom plan)", len(captured)/2+1), middle, false},
		{"after a cursor, generic plan (plan_cache_mode = force_generic_plan)", middle, true},
		{"the deliveries of a page (custom plan)", delCaptured[len(delCaptured)/2], false},
	} {
		plan, err := explain(ctx, sqlDB, p.q, p.generic)
		if err != nil {
			return r.fail(fmt.Errorf("EXPLAIN %s: %w", p.name, err))
		}
		if strings.Contains(plan, "Seq Scan on orders") {
			seq = true
		}
		if strings.Contains(p.name, "deliveries") {
			// Reported in the details only: the target is about orders.
		} else if m := indexScan.FindStringSubmatch(plan); m != nil {
			used = append(used, m[1]+" using "+m[4])
		} else {
			used = append(used, "no index")
		}
		fmt.Fprintf(&details, "%s:\n\n```\n%s\n```\n\n", p.name, plan)
	}
	r.Details = fmt.Sprintf("Row 5 — the target query as the store sends it:\n\n```sql\n%s\n```\n\n%s", first.sql, details.String())
	planText := "**" + strings.Join(dedupe(used), "; ") + "**"
	if seq {
		planText += ", **Seq Scan on orders**"
	} else {
		planText += ", no Seq Scan on orders"
	}
	r.Figures = fmt.Sprintf("%s orders (%s updated inside the window, %s targets): %s (first page, cursor page, generic plan); **%.2f ms per page of 100** (%d pages, worst %.1f ms; of which target query %.2f ms, deliveries query %.2f ms); bulk load + VACUUM ANALYZE %.0f s",
		commas(int64(n)), commas(inWindow), commas(want), planText, ms(sum)/float64(pages), pages, ms(worst),
		ms(targetTime)/float64(pages), ms(delTime)/float64(len(delCaptured)), load.Seconds())
	r.judge(!seq && !slices.Contains(used, "no index"))
	return r
}

// explain returns the plan of a captured query: EXPLAIN ANALYZE with its
// values, or with generic, the generic plan of it as a prepared statement.
func explain(ctx context.Context, db *sql.DB, q capturedQuery, generic bool) (string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var rows *sql.Rows
	if !generic {
		rows, err = conn.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.sql, q.vars...)
	} else {
		if _, err = conn.ExecContext(ctx, "PREPARE bench_targets AS "+q.sql); err != nil {
			return "", err
		}
		defer func() {
			_, _ = conn.ExecContext(context.Background(), "DEALLOCATE bench_targets")
			_, _ = conn.ExecContext(context.Background(), "RESET plan_cache_mode")
		}()
		if _, err = conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
			return "", err
		}
		lits := make([]string, len(q.vars))
		for i, v := range q.vars {
			if lits[i], err = literal(v); err != nil {
				return "", err
			}
		}
		rows, err = conn.QueryContext(ctx, "EXPLAIN EXECUTE bench_targets("+strings.Join(lits, ", ")+")")
	}
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// literal renders one of the target query's values as SQL.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case time.Time:
		return "'" + x.UTC().Format("2006-01-02 15:04:05.999999") + "+00'::timestamptz", nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", fmt.Errorf("no SQL literal for a %T", v)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
