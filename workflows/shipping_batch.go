package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// BatchUpdatesChange is the workflow.GetVersion change ID of the export's
// batched writes: from version 1 on, a page's changed sales are written by one
// UpdateSales activity (heartbeating the sales it finished, so a retry resumes
// where it stopped) instead of one UpdateSale activity each. A sale that fails
// in the batch with an error worth retrying gets its own UpdateSale activity
// with the usual durable retries. docs/temporal-cost.md has the figures.
const BatchUpdatesChange = "export-batch-updates"

// notTriedReason is recorded for the sales of a batch that stopped before them.
const notTriedReason = "not tried: the export stopped because ColorMe refused the shop's token; reconnect the shop and run the export again"

// batches is what loopBatched has in flight: at most one UpdateSales batch,
// the single retries of sales that failed in a batch, and the next page's
// writes, read while the batch runs.
type batches struct {
	sel     workflow.Selector
	pages   [][]rules.Plan
	batch   int // sales of the running batch (0: none)
	singles int
	retry   []retrySale // sales waiting for their own UpdateSale (at most MaxInFlight run at once)
	fatal   error
}

// retrySale is a sale that failed in its batch with an error worth retrying.
type retrySale struct {
	plan  rules.Plan
	error string
}

func (b *batches) busy() bool { return b.batch > 0 || b.singles > 0 || len(b.retry) > 0 }

func (b *batches) queued() int {
	n := 0
	for _, p := range b.pages {
		n += len(p)
	}
	return n
}

// loopBatched is loop with one UpdateSales activity per page: it runs pages
// until done (false) or until it is time to continue as new (true).
func (s *exportRun) loopBatched(ctx workflow.Context) (bool, error) {
	s.batched = true
	b := &batches{sel: workflow.NewSelector(ctx)}
	done := false
	for {
		if len(b.pages) > 0 && b.batch == 0 && b.fatal == nil {
			s.startBatch(ctx, b)
		}
		s.startSingles(ctx, b)
		s.progress.InFlight, s.progress.Queued = b.batch+b.singles, b.queued()+len(b.retry)
		switch {
		case b.fatal != nil && b.busy():
			b.sel.Select(ctx)
		case b.fatal != nil:
			return false, s.stop(ctx, b.fatal)
		case len(b.pages) == 0 && !done:
			if s.historyFull(ctx) {
				for b.busy() {
					if s.startSingles(ctx, b); b.batch > 0 || b.singles > 0 {
						b.sel.Select(ctx)
					}
				}
				if b.fatal != nil {
					continue
				}
				return true, s.flush(ctx)
			}
			// The page is read by a local activity only while nothing is in
			// flight: a local activity holds its workflow task open, and with a
			// batch just scheduled in that task, the batch would wait for it.
			plans, last, err := s.nextPage(ctx, !b.busy())
			if err != nil {
				if isType(err, activities.ErrReconnectNeeded) {
					b.fatal = err
					continue
				}
				return false, err
			}
			done, s.progress.Done = last, last
			if len(plans) > 0 {
				b.pages = append(b.pages, plans)
			}
			if len(s.outcomes) >= outcomeBatch {
				if err := s.flush(ctx); err != nil {
					return false, err
				}
			}
		case b.busy():
			b.sel.Select(ctx)
		default: // nothing queued, done, nothing in flight
			return false, s.flush(ctx)
		}
	}
}

// startBatch starts the UpdateSales activity of the first queued page.
func (s *exportRun) startBatch(ctx workflow.Context, b *batches) {
	plans := b.pages[0]
	b.pages = b.pages[1:]
	b.batch = len(plans)
	f := workflow.ExecuteActivity(batchCtx(ctx), a.UpdateSales, activities.UpdateSalesInput{
		ShopID: s.in.ShopID, RunID: s.c.RunID, Plans: plans, InFlight: s.in.MaxInFlight})
	b.sel.AddFuture(f, func(f workflow.Future) {
		b.batch = 0
		s.settleBatch(ctx, b, plans, f)
	})
}

// settleBatch counts the outcomes of a finished batch and starts an UpdateSale
// activity for each sale that failed in it with an error worth retrying.
func (s *exportRun) settleBatch(ctx workflow.Context, b *batches, plans []rules.Plan, f workflow.Future) {
	var r activities.UpdateSalesResult
	if err := f.Get(ctx, &r); err != nil {
		// The batch failed as a whole (e.g. the shop lost its connection, or
		// its retries ran out): every sale of it failed, with the reason.
		for _, p := range plans {
			s.add(p, rules.OutcomeFailed, errMessage(err), false)
		}
		if isType(err, activities.ErrReconnectNeeded) && b.fatal == nil {
			b.fatal = err
		}
		return
	}
	byID := make(map[int64]rules.Plan, len(plans))
	for _, p := range plans {
		byID[p.SaleID] = p
	}
	for _, sr := range r.Sales {
		if sr.ErrorType == activities.ErrReconnectNeeded && b.fatal == nil {
			b.fatal = temporal.NewNonRetryableApplicationError(sr.Error, sr.ErrorType, nil)
		}
	}
	for _, sr := range r.Sales {
		p, ok := byID[sr.SaleID]
		switch {
		case !ok: // not asked for: cannot happen
		case sr.Retry:
			b.retry = append(b.retry, retrySale{plan: p, error: sr.Error})
			s.progress.Retrying = append(s.progress.Retrying, p.SaleID)
		case sr.NotTried:
			s.add(p, rules.OutcomeFailed, notTriedReason, false)
		case sr.Error != "":
			s.add(p, rules.OutcomeFailed, sr.Error, false)
		default:
			s.addResult(p, sr.UpdateSaleResult)
		}
	}
}

// startSingles starts the queued retries of sales that failed in a batch, at
// most MaxInFlight at once; once the run must stop, they are recorded failed
// with the batch's error instead.
func (s *exportRun) startSingles(ctx workflow.Context, b *batches) {
	for len(b.retry) > 0 && (b.fatal != nil || b.singles < s.in.MaxInFlight) {
		r := b.retry[0]
		b.retry = b.retry[1:]
		if b.fatal != nil {
			s.progress.Retrying = slices.DeleteFunc(s.progress.Retrying, func(id int64) bool { return id == r.plan.SaleID })
			s.add(r.plan, rules.OutcomeFailed, r.error, false)
			continue
		}
		s.startSingle(ctx, b, r.plan)
	}
}

// startSingle gives a sale that failed in a batch its own UpdateSale activity,
// retried durably on its own; the batch tried it once (Tries), so it re-reads
// the sale before writing.
func (s *exportRun) startSingle(ctx workflow.Context, b *batches, p rules.Plan) {
	b.singles++
	f := workflow.ExecuteActivity(colorMeCtx(ctx), a.UpdateSale, activities.UpdateSaleInput{
		ShopID: s.in.ShopID, RunID: s.c.RunID, Plan: p, Tries: 1})
	b.sel.AddFuture(f, func(f workflow.Future) {
		b.singles--
		s.progress.Retrying = slices.DeleteFunc(s.progress.Retrying, func(id int64) bool { return id == p.SaleID })
		if err := s.settle(ctx, p, f); err != nil && b.fatal == nil {
			b.fatal = err
		}
	})
}

// batchCtx is colorMeCtx for a page's UpdateSales: a page of 100 sales at the
// smallest budget (120 calls/min) takes about a minute of writes and mails, so
// it may run long; the heartbeat still notices a dead worker in ~20 s.
func batchCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    colorMeHeartbeat,
		RetryPolicy:         colorMeRetry,
	})
}
