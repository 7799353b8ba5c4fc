package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// Rows 12–14: the on-change incremental export (issue 15) on a shop of 1,000
// target orders at the real budget (120 calls/min, the sandbox enforcing it):
//
//	12. latency from an OMS change (a new tracking number through the
//	    shipping-results import, then app.NotifyChange as the console does) to
//	    ColorMe showing it, p50 and p95, for N changes spread evenly over T;
//	13. ColorMe calls per hour of the idle shop with its on-change trigger
//	    armed and no schedule, and what one full reconcile of it costs;
//	14. ColorMe calls per changed order of row 12's incremental exports.

// incSizes are the sizes of rows 12–14 per bench size.
type incSizes struct {
	Orders  int           // target orders of the shop
	Changes int           // changes in row 12
	Over    time.Duration // spread evenly over this
	Idle    time.Duration // row 13's idle interval
}

var incSizeTable = map[string]incSizes{
	"full":  {Orders: 1000, Changes: 100, Over: 5 * time.Minute, Idle: 2 * time.Minute},
	"small": {Orders: 1000, Changes: 20, Over: 60 * time.Second, Idle: 20 * time.Second},
}

const incBudget = 120 // calls per minute: ColorMe's budget

// incResult is what row 12 measured, for row 14.
type incResult struct {
	err        error
	latencies  []time.Duration
	runs       int
	reads      int
	writes     int
	mails      int
	noop       int
	maxPM      int
	rejected   int
	changes    int
	shop       string
	sb         *sandboxSrv
	targetsAll int // targets read by the incremental exports
}

// incrementalRows runs rows 12 to 14.
func (b *bench) incrementalRows(_ context.Context, step func(int, string, func(context.Context) *Row)) {
	sz := incSizeTable[b.sz.Name]
	res := &incResult{err: fmt.Errorf("row 12 did not run")}
	step(12, "on-change latency", func(ctx context.Context) *Row { return b.row12(ctx, sz, res) })
	step(13, "idle shop: ColorMe calls per hour", func(ctx context.Context) *Row { return b.row13(ctx, sz, res) })
	step(14, "on-change: calls per changed order", func(ctx context.Context) *Row { return b.row14(res) })
}

// percentile is the p-th percentile (nearest rank) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(k, 0)]
}

// row12: change → ColorMe latency.
func (b *bench) row12(ctx context.Context, sz incSizes, res *incResult) *Row {
	r := &Row{N: 12, What: fmt.Sprintf("on-change latency: OMS change → ColorMe shows it, %d changes over %s at %d calls/min", sz.Changes, sz.Over, incBudget),
		Target: "p95 ≤ 60 s (a 30-minute cycle: up to 30 min)"}
	shop := "bench-r12"
	res.shop = shop
	sb, orders, _, err := b.exportSetup(ctx, shop, 12_000_000, sz.Orders, false, sandbox.Options{RateLimitPerMinute: incBudget})
	if err != nil {
		return r.fail(err)
	}
	res.sb = sb
	if err := b.s.startWorker(ctx, incBudget); err != nil {
		return r.fail(err)
	}
	// A full export first, as the schedule would run it: it sets the watermark.
	full, err := exportThrough(ctx, b.s.tc, b.s.config(), workflows.ShippingSyncInput{ShopID: shop, Trigger: oms.TriggerScheduled})
	if err != nil {
		return r.fail(err)
	}
	if full.Targets != sz.Orders || full.Updated != 0 {
		return r.fail(fmt.Errorf("the first full export saw %d targets, %d updated; want %d, 0", full.Targets, full.Updated, sz.Orders))
	}
	sb.resetCounters()

	// Changes to distinct orders, evenly spread; a watcher polls the sandbox's
	// memory (no API call) for the new tracking numbers.
	every := sz.Over / time.Duration(sz.Changes)
	changedAt := map[int64]time.Time{}
	want := map[int64]string{}
	seen := map[int64]time.Duration{}
	step := len(orders) / sz.Changes
	today := time.Now().In(rules.Tokyo).Format(time.DateOnly)
	watch := func() {
		for id, slip := range want {
			if _, ok := seen[id]; ok {
				continue
			}
			if s, ok := sb.Sale(id); ok && len(s.SaleDeliveries) > 0 && s.SaleDeliveries[0].Slip() == slip {
				seen[id] = time.Since(changedAt[id])
			}
		}
	}
	next := time.Now()
	for i := 0; i < sz.Changes; i++ {
		for time.Now().Before(next) {
			watch()
			time.Sleep(100 * time.Millisecond)
		}
		next = next.Add(every)
		o := orders[i*step]
		slip := fmt.Sprintf("CHG-%d-%d", i, o.SaleID)
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{strconv.FormatInt(o.SaleID, 10), strconv.FormatInt(o.Deliveries[0].ID, 10), slip, today})
		w.Flush()
		rep, err := app.ApplyShipmentCSV(ctx, b.s.store, shop, buf.Bytes(), false, time.Now())
		if err != nil {
			return r.fail(err)
		}
		if !rep.Applied || len(rep.Rejected) > 0 {
			return r.fail(fmt.Errorf("change %d was not applied: %+v", i, rep.Rejected))
		}
		changedAt[o.SaleID], want[o.SaleID] = time.Now(), slip
		if err := app.NotifyChange(ctx, b.s.tc, b.s.config(), b.s.store, shop, "bench change"); err != nil {
			return r.fail(err)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for len(seen) < len(want) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return r.fail(fmt.Errorf("%d of %d changes reached ColorMe within 5 minutes of the last\nworker log:\n%s", len(seen), len(want), b.s.workerLogTail()))
		}
		watch()
		time.Sleep(100 * time.Millisecond)
	}
	if err := b.settle(ctx, shop); err != nil {
		return r.fail(err)
	}
	c := sb.Counters()
	res.reads, res.writes, res.mails, res.noop = c.Reads, c.Writes, c.Mails, c.NoopWrites
	res.maxPM, res.rejected, res.changes = c.MaxPerMinute[sb.Token], c.Rejected429, sz.Changes
	runs, err := b.s.store.Runs(ctx, shop, 1000)
	if err != nil {
		return r.fail(err)
	}
	for _, run := range runs {
		if run.Kind == oms.KindExport && run.Trigger == oms.TriggerChange {
			res.runs++
			res.targetsAll += run.Totals.Targets
			if run.Status != oms.RunCompleted {
				return r.fail(fmt.Errorf("incremental export run %d ended %s: %s", run.ID, run.Status, run.Error))
			}
		}
	}
	for _, d := range seen {
		res.latencies = append(res.latencies, d)
	}
	slices.Sort(res.latencies)
	res.err = nil
	p50, p95 := percentile(res.latencies, 50), percentile(res.latencies, 95)
	r.Figures = fmt.Sprintf("**p50 %.1f s, p95 %.1f s**, max %.1f s over %d changes (one every %.1f s) on a shop of %s target orders; %d incremental exports (debounce %s quiet, at most %s after a burst's first change); max %d calls in any 60 s, %d × 429",
		p50.Seconds(), p95.Seconds(), res.latencies[len(res.latencies)-1].Seconds(), sz.Changes, every.Seconds(), commas(int64(sz.Orders)),
		res.runs, workflows.DefaultChangeQuiet, workflows.DefaultChangeMaxDelay, res.maxPM, res.rejected)
	r.judge(p95 <= 60*time.Second)
	return r
}

// settle waits until the shop's on-change trigger is idle with nothing pending
// and no export of the shop runs.
func (b *bench) settle(ctx context.Context, shop string) error {
	return b.settleTrigger(ctx, "on-change trigger", shop, workflows.ExportOnChangeID(shop), workflows.ShippingSyncID(shop), 3*time.Minute)
}

// settleTrigger waits up to within (whole minutes) until the shop's on-change
// trigger triggerID (ExportOnChange or StockOnChange) is idle with nothing
// pending and its child's fixed ID childID runs nothing; name names the
// trigger in the error.
func (b *bench) settleTrigger(ctx context.Context, name, shop, triggerID, childID string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		idle := false
		if v, err := b.s.tc.QueryWorkflow(ctx, triggerID, "", workflows.ProgressQuery); err == nil {
			var st workflows.TriggerState
			idle = v.Get(&st) == nil && st.State == workflows.TriggerIdle && !st.Pending
		}
		running := false
		if d, err := b.s.tc.DescribeWorkflow(ctx, childID, ""); err == nil {
			running = d.RawResponse.GetWorkflowExecutionInfo().GetCloseTime() == nil
		}
		if idle && !running {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the %s of shop %s did not settle within %d minutes", name, shop, within/time.Minute)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// row13: idle calls per hour.
func (b *bench) row13(ctx context.Context, sz incSizes, res *incResult) *Row {
	r := &Row{N: 13, What: fmt.Sprintf("idle shop of %s orders in the window: ColorMe calls per hour, on-change armed, no schedule", commas(int64(sz.Orders))),
		Target: "0 apart from the full reconciles", Hard: true}
	if res.err != nil {
		return r.fail(fmt.Errorf("needs row 12's shop: %w", res.err))
	}
	sb, shop := res.sb, res.shop
	// Idle: the trigger armed (it waits for a change for 10 minutes), no schedule, no change.
	sb.resetCounters()
	began := time.Now()
	select {
	case <-ctx.Done():
		return r.fail(ctx.Err())
	case <-time.After(sz.Idle):
	}
	idle := time.Since(began)
	idleCalls := sb.Counters().Requests
	// A notice that changed nothing: an incremental export runs; it reads again
	// the orders changed within oms.ExportWatermarkMargin before the last run.
	sb.resetCounters()
	if err := app.NotifyChange(ctx, b.s.tc, b.s.config(), b.s.store, shop, "bench: nothing changed"); err != nil {
		return r.fail(err)
	}
	time.Sleep(workflows.DefaultChangeQuiet + 2*time.Second)
	if err := b.settle(ctx, shop); err != nil {
		return r.fail(err)
	}
	nc := sb.Counters()
	runs, err := b.s.store.Runs(ctx, shop, 1)
	if err != nil {
		return r.fail(err)
	}
	noop := fmt.Sprintf("a notice that changed nothing: %d calls", nc.Requests)
	if len(runs) == 1 && runs[0].Trigger == oms.TriggerChange {
		noop += fmt.Sprintf(" (%d writes; its incremental export re-read %d orders changed within the %s margin before the last run)",
			nc.Writes, runs[0].Totals.Targets, oms.ExportWatermarkMargin)
	}
	// One full reconcile of the same shop, as the schedule runs it.
	sb.resetCounters()
	full, err := exportThrough(ctx, b.s.tc, b.s.config(), workflows.ShippingSyncInput{ShopID: shop, Trigger: oms.TriggerScheduled})
	if err != nil {
		return r.fail(err)
	}
	fc := sb.Counters()
	perHour := float64(idleCalls) * float64(time.Hour) / float64(idle)
	every := time.Duration(shops.DefaultSettings().ExportIntervalMinutes) * time.Minute
	r.Figures = fmt.Sprintf("**%.0f calls per hour** while idle (%d calls in %.0f s); %s; a full reconcile of the %s orders costs %d calls (%d reads, %d writes), so %.0f calls/h with the default schedule every %s",
		perHour, idleCalls, idle.Seconds(), noop, commas(int64(full.Targets)), fc.Requests, fc.Reads, fc.Writes,
		float64(fc.Requests)*float64(time.Hour)/float64(every), every)
	r.judge(idleCalls == 0 && nc.Writes == 0)
	return r
}

// row14: calls per changed order of row 12's incremental exports.
func (b *bench) row14(res *incResult) *Row {
	r := &Row{N: 14, What: "on-change: ColorMe calls per changed order = (reads + writes) / changes, + mails",
		Target: "writes ≤ 1.02 per changed order, no repeated write; reads: 1 per incremental export (per 100 orders it reads)", Hard: true}
	if res.err != nil {
		return r.fail(fmt.Errorf("needs row 12: %w", res.err))
	}
	n := float64(res.changes)
	r.Figures = fmt.Sprintf("**%.3f** + %.3f mails = %.2f writes + %.2f reads per changed order (%d writes, %d reads in %d incremental exports that read %d targets, %d repeated writes, for %d changes)",
		float64(res.reads+res.writes)/n, float64(res.mails)/n, float64(res.writes)/n, float64(res.reads)/n,
		res.writes, res.reads, res.runs, res.targetsAll, res.noop, res.changes)
	maxReads := 0
	if res.runs > 0 {
		maxReads = res.runs + res.targetsAll/100
	}
	r.judge(float64(res.writes)/n <= 1.02 && res.noop == 0 && res.reads <= maxReads)
	return r
}
