package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// Rows 15–18: 在庫連携 (issue 24), every ColorMe call counted by the sandbox
// (products, variants and the sales the push's import reads):
//
//	15. ColorMe calls per changed SKU of an on-change push that writes most of
//	    a catalogue (the reads of every product are spread over the SKUs written);
//	16. latency from an on-hand change (stock file + app.NotifyStockChange, as
//	    the CLI does) to ColorMe showing it, p50 and p95, at 120 calls/min;
//	17. a full reconcile of 10,000 SKUs (1 % differing): calls, wall time at a
//	    fast budget, and the time those calls take at 120 calls/min;
//	18. calls of an idle shop with 自動在庫連携 on (trigger armed, no schedule).

// stockSizes are the sizes of rows 15–18 per bench size.
type stockSizes struct {
	CallsSKUs    int           // row 15: catalogue size; every SKU changes
	LatencySKUs  int           // row 16: catalogue size
	Changes      int           // row 16: changes
	Over         time.Duration // row 16: spread evenly over this
	ReconcileSKU int           // row 17: catalogue size
	Idle         time.Duration // row 18
}

var stockSizeTable = map[string]stockSizes{
	"full":  {CallsSKUs: 2000, LatencySKUs: 500, Changes: 30, Over: 5 * time.Minute, ReconcileSKU: 10000, Idle: 2 * time.Minute},
	"small": {CallsSKUs: 1000, LatencySKUs: 200, Changes: 10, Over: 60 * time.Second, ReconcileSKU: 10000, Idle: 20 * time.Second},
}

// stockFast is the budget of rows 15 and 17 (calls per minute): the counts
// do not depend on it, and 10,000 SKUs at 120/min would take an hour and a half.
const stockFast = 6000

// stockRows runs rows 15 to 18.
func (b *bench) stockRows(_ context.Context, step func(int, string, func(context.Context) *Row)) {
	sz := stockSizeTable[b.sz.Name]
	var idleShop string
	var idleSB *sandboxSrv
	step(15, "stock: calls per changed SKU", func(ctx context.Context) *Row { return b.row15(ctx, sz) })
	step(16, "stock: change → ColorMe latency", func(ctx context.Context) *Row {
		r, shop, sb := b.row16(ctx, sz)
		idleShop, idleSB = shop, sb
		return r
	})
	step(17, "stock: full reconcile of 10,000 SKUs", func(ctx context.Context) *Row { return b.row17(ctx, sz) })
	step(18, "stock: idle shop", func(ctx context.Context) *Row { return b.row18(ctx, sz, idleShop, idleSB) })
}

// stockShop makes a shop with 自動在庫連携 on and n simple products (SKU
// BS-<i>, ColorMe stock start), imports the catalogue and sets every on-hand
// to onHand. The sandbox's counters are reset.
func (b *bench) stockShop(ctx context.Context, shop string, n int, start, onHand int64, opts sandbox.Options) (*sandboxSrv, []string, error) {
	sb, err := b.s.newShop(ctx, shop, opts)
	if err != nil {
		return nil, nil, err
	}
	sh, err := b.s.store.Shops.Shop(ctx, shop)
	if err != nil {
		return nil, nil, err
	}
	sh.Settings.StockEnabled, sh.Settings.ExportOnChange = true, false
	if err := b.s.store.Shops.UpdateShop(ctx, sh); err != nil {
		return nil, nil, err
	}
	products := make([]colorme.Product, n)
	skus := make([]string, n)
	counts := map[string]int64{}
	for i := range products {
		skus[i] = fmt.Sprintf("BS-%05d", i+1)
		products[i] = colorme.Product{ID: int64(i + 1), Name: skus[i], ModelNumber: skus[i], StockManaged: true, Stocks: start}
		counts[skus[i]] = onHand
	}
	sb.SeedProducts(products...)
	b.logf("  catalogue of %s products for shop %s", commas(int64(n)), shop)
	run, err := app.StartStockCatalogue(ctx, b.s.tc, b.s.config(), workflows.StockCatalogueInput{ShopID: shop})
	if err != nil {
		return nil, nil, err
	}
	if err := run.Get(ctx, nil); err != nil {
		return nil, nil, err
	}
	if _, err := stock.New(b.s.store).SetOnHand(ctx, shop, counts, "bench", stock.ReasonFile); err != nil {
		return nil, nil, err
	}
	sb.resetCounters()
	return sb, skus, nil
}

// push runs one stock push of the shop and waits for it.
func (b *bench) push(ctx context.Context, shop string) (workflows.StockPushResult, error) {
	run, err := app.StartStockPush(ctx, b.s.tc, b.s.config(), workflows.StockPushInput{ShopID: shop})
	if err != nil {
		return workflows.StockPushResult{}, err
	}
	var res workflows.StockPushResult
	return res, run.Get(ctx, &res)
}

// stockSettle waits until the shop's on-change stock trigger is idle with
// nothing pending and no push of the shop runs.
func (b *bench) stockSettle(ctx context.Context, shop string) error {
	return b.settleTrigger(ctx, "on-change stock trigger", shop, workflows.StockOnChangeID(shop), workflows.StockPushID(shop), 5*time.Minute)
}

// inStep waits until ColorMe shows want for every SKU (read from the
// sandbox's memory, no API call).
func inStep(ctx context.Context, sb *sandboxSrv, want map[string]int64, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		got := map[string]int64{}
		for _, u := range stock.UnitsOf(sb.Products(), time.Time{}) {
			got[u.ModelNumber] = u.ColorMeStocks
		}
		off := 0
		for sku, n := range want {
			if got[sku] != n {
				off++
			}
		}
		if off == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%d of %d SKUs not in step on ColorMe after %s", off, len(want), within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// row15: calls per changed SKU.
func (b *bench) row15(ctx context.Context, sz stockSizes) *Row {
	n := sz.CallsSKUs
	r := &Row{N: 15, What: fmt.Sprintf("stock: ColorMe calls per changed SKU, an on-change push writing all %s SKUs of the catalogue (budget %d/min)", commas(int64(n)), stockFast),
		Target: "≤ 1.05 at the budget", Hard: true}
	shop := "bench-r15"
	sb, skus, err := b.stockShop(ctx, shop, n, 0, 7, sandbox.Options{RateLimitPerMinute: stockFast})
	if err != nil {
		return r.fail(err)
	}
	if err := b.s.startWorker(ctx, stockFast); err != nil {
		return r.fail(err)
	}
	base := sb.ProductCounters() // the catalogue import's reads
	start := time.Now()
	if err := app.NotifyStockChange(ctx, b.s.tc, b.s.config(), b.s.store, shop, "bench: stock file"); err != nil {
		return r.fail(err)
	}
	want := map[string]int64{}
	for _, s := range skus {
		want[s] = 7
	}
	if err := inStep(ctx, sb, want, 10*time.Minute); err != nil {
		return r.fail(err)
	}
	if err := b.stockSettle(ctx, shop); err != nil {
		return r.fail(err)
	}
	c, pc := sb.Counters(), sb.ProductCounters()
	reads, writes := pc.Reads-base.Reads, pc.Writes-base.Writes
	per := float64(c.Requests) / float64(n)
	r.Figures = fmt.Sprintf("**%.3f** calls per changed SKU: %d calls (%d product reads, %d PUTs, %d by the push's order import) for %d SKUs, %d × 429; %.1f s",
		per, c.Requests, reads, writes, c.Requests-reads-writes, n, c.Rejected429, time.Since(start).Seconds())
	r.judge(per <= 1.05 && writes == n)
	return r
}

// row16: change → ColorMe latency at the real budget.
func (b *bench) row16(ctx context.Context, sz stockSizes) (*Row, string, *sandboxSrv) {
	r := &Row{N: 16, What: fmt.Sprintf("stock: on-hand change → ColorMe shows it, %d changes over %s, catalogue of %d SKUs at %d calls/min", sz.Changes, sz.Over, sz.LatencySKUs, incBudget),
		Target: "p95 ≤ 60 s"}
	shop := "bench-r16"
	sb, skus, err := b.stockShop(ctx, shop, sz.LatencySKUs, 5, 5, sandbox.Options{RateLimitPerMinute: incBudget}) // in step at start
	if err != nil {
		return r.fail(err), "", nil
	}
	if err := b.s.startWorker(ctx, incBudget); err != nil {
		return r.fail(err), "", nil
	}
	every := sz.Over / time.Duration(sz.Changes)
	var lat []time.Duration
	for i := 0; i < sz.Changes; i++ {
		sku, n := skus[(i*7)%len(skus)], int64(20+i)
		at := time.Now()
		if _, err := stock.New(b.s.store).SetOnHand(ctx, shop, map[string]int64{sku: n}, "bench", stock.ReasonFile); err != nil {
			return r.fail(err), "", nil
		}
		if err := app.NotifyStockChange(ctx, b.s.tc, b.s.config(), b.s.store, shop, "bench: stock file"); err != nil {
			return r.fail(err), "", nil
		}
		if err := inStep(ctx, sb, map[string]int64{sku: n}, 5*time.Minute); err != nil {
			return r.fail(err), "", nil
		}
		lat = append(lat, time.Since(at))
		if wait := every - time.Since(at); wait > 0 {
			time.Sleep(wait)
		}
	}
	if err := b.stockSettle(ctx, shop); err != nil {
		return r.fail(err), "", nil
	}
	slices.Sort(lat)
	p50, p95 := percentile(lat, 50), percentile(lat, 95)
	c := sb.Counters()
	r.Figures = fmt.Sprintf("**p50 %.1f s, p95 %.1f s**, max %.1f s over %d changes (one every %.1f s; debounce %s quiet, stale window %s); %d calls, max %d in any 60 s, %d × 429",
		p50.Seconds(), p95.Seconds(), lat[len(lat)-1].Seconds(), sz.Changes, every.Seconds(), workflows.DefaultChangeQuiet, workflows.DefaultStaleWindow,
		c.Requests, c.MaxPerMinute[sb.Token], c.Rejected429)
	r.judge(p95 <= 60*time.Second)
	return r, shop, sb
}

// row17: a full reconcile of 10,000 SKUs, 1 % of them differing.
func (b *bench) row17(ctx context.Context, sz stockSizes) *Row {
	n := sz.ReconcileSKU
	r := &Row{N: 17, What: fmt.Sprintf("stock: full reconcile (scheduled push) of %s SKUs, 1 %% differing (budget %d/min)", commas(int64(n)), stockFast),
		Target: "product calls ≤ 2 reads per 50 SKUs per round + 1 PUT per differing SKU; at 120/min within one 60-minute interval", Hard: true}
	shop := "bench-r17"
	sb, skus, err := b.stockShop(ctx, shop, n, 3, 3, sandbox.Options{RateLimitPerMinute: stockFast}) // in step at start
	if err != nil {
		return r.fail(err)
	}
	if err := b.s.startWorker(ctx, stockFast); err != nil {
		return r.fail(err)
	}
	differ := map[string]int64{}
	for i := 0; i < n/100; i++ {
		differ[skus[i*100]] = 9
	}
	if _, err := stock.New(b.s.store).SetOnHand(ctx, shop, differ, "bench", stock.ReasonFile); err != nil {
		return r.fail(err)
	}
	sb.resetCounters()
	base := sb.ProductCounters() // the catalogue import's reads
	start := time.Now()
	res, err := b.push(ctx, shop)
	if err != nil {
		return r.fail(err)
	}
	wall := time.Since(start)
	if err := inStep(ctx, sb, differ, time.Minute); err != nil {
		return r.fail(err)
	}
	c, pc := sb.Counters(), sb.ProductCounters()
	reads, writes := pc.Reads-base.Reads, pc.Writes-base.Writes
	pages := (n + 49) / 50
	atBudget := time.Duration(float64(c.Requests) / float64(incBudget) * float64(time.Minute))
	r.Figures = fmt.Sprintf("**%d calls** (%d product reads in %d rounds, %d PUTs, %d by the push's order import) for %s SKUs, %d differing; %.1f s at %d/min; **%.1f min at 120/min**; %d × 429",
		c.Requests, reads, res.Rounds, writes, c.Requests-reads-writes, commas(int64(n)), len(differ), wall.Seconds(), stockFast, atBudget.Minutes(), c.Rejected429)
	r.judge(reads <= 2*pages*res.Rounds && writes == len(differ) && atBudget <= 60*time.Minute)
	return r
}

// row18: an idle shop with 自動在庫連携 on makes no ColorMe call.
func (b *bench) row18(ctx context.Context, sz stockSizes, shop string, sb *sandboxSrv) *Row {
	r := &Row{N: 18, What: fmt.Sprintf("stock: idle shop (row 16's, 自動在庫連携 on, trigger armed, no schedule), ColorMe calls over %s", sz.Idle),
		Target: "0", Hard: true}
	if sb == nil {
		return r.fail(fmt.Errorf("needs row 16's shop"))
	}
	sb.resetCounters()
	select {
	case <-ctx.Done():
		return r.fail(ctx.Err())
	case <-time.After(sz.Idle):
	}
	runs, err := b.s.store.Runs(ctx, shop, 1000)
	if err != nil {
		return r.fail(err)
	}
	pushes := 0
	for _, run := range runs {
		if run.Kind == oms.KindStock {
			pushes++
		}
	}
	c := sb.Counters()
	r.Figures = fmt.Sprintf("**%d calls** in %s idle (%d stock pushes in the run log, all before)", c.Requests, sz.Idle, pushes)
	r.judge(c.Requests == 0)
	return r
}
