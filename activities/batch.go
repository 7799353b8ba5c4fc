package activities

import (
	"context"
	"errors"
	"slices"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// UpdateSalesInput carries the plans of one page's changed sales: one
// activity for the page instead of one per sale (docs/temporal-cost.md).
type UpdateSalesInput struct {
	ShopID   string       `json:"shop_id"`
	RunID    int64        `json:"run_id"`
	Plans    []rules.Plan `json:"plans"`
	InFlight int          `json:"in_flight"` // sales written at a time; 0 = DefaultMaxInFlight
}

// SaleResult is what one sale of an UpdateSales batch came to.
type SaleResult struct {
	SaleID int64 `json:"sale_id"`
	UpdateSaleResult
	// Error is why the sale failed for good (a non-retryable error); ErrorType its type.
	Error     string `json:"error,omitempty"`
	ErrorType string `json:"error_type,omitempty"`
	// Retry: the sale failed with an error worth retrying. The workflow gives it
	// its own UpdateSale activity with the usual durable retries; the batch
	// does not wait for it.
	Retry bool `json:"retry,omitempty"`
	// NotTried: the batch stopped before this sale (the shop's token was refused).
	NotTried bool `json:"not_tried,omitempty"`
}

// UpdateSalesResult holds one result per plan, in no particular order.
type UpdateSalesResult struct {
	Sales []SaleResult `json:"sales"`
}

// UpdateSalesProgress is the heartbeat of UpdateSales: the sales finished so
// far. A retried attempt (the worker died, the activity timed out) takes them
// as they are and goes on with the others, re-reading each from ColorMe first
// as UpdateSale's retries do, so no write is repeated and none is lost.
type UpdateSalesProgress struct {
	Done []SaleResult `json:"done"`
}

// UpdateSales writes a page's changed sales to ColorMe, InFlight at a time, as
// UpdateSale does for one; it heartbeats the finished sales so that a retry
// resumes where the last attempt stopped. A sale that fails never holds back the
// others: a retryable failure comes back as Retry for its own activity, a
// permanent one with its message. A refused token stops the batch (the rest
// come back NotTried).
func (a *Activities) UpdateSales(ctx context.Context, in UpdateSalesInput) (UpdateSalesResult, error) {
	p := &batchProgress{done: map[int64]SaleResult{}}
	if activity.HasHeartbeatDetails(ctx) {
		var prev UpdateSalesProgress
		if err := activity.GetHeartbeatDetails(ctx, &prev); err == nil {
			for _, r := range prev.Done {
				p.done[r.SaleID] = r
			}
		}
	}
	defer p.heartbeat(ctx)()
	client, err := a.ColorMe.For(ctx, in.ShopID)
	if err != nil {
		return UpdateSalesResult{}, err
	}
	n := in.InFlight
	if n <= 0 {
		n = DefaultMaxInFlight
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, plan := range in.Plans {
		if p.has(plan.SaleID) {
			continue
		}
		sem <- struct{}{}
		if ctx.Err() != nil || p.stopped() {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r, err := a.updateSale(ctx, client, UpdateSaleInput{ShopID: in.ShopID, RunID: in.RunID, Plan: plan})
			p.finish(ctx, plan.SaleID, r, err)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return UpdateSalesResult{}, err // the worker stops or the attempt timed out: the retry resumes
	}
	return p.result(in.Plans), nil
}

// batchProgress is what an UpdateSales attempt has finished.
type batchProgress struct {
	mu   sync.Mutex
	done map[int64]SaleResult
	stop bool // the token was refused: start no more sales
}

func (p *batchProgress) has(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.done[id]
	return ok
}

func (p *batchProgress) stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stop
}

// finish records one sale's outcome. An error of a dying attempt (its context
// ended) records nothing: the retry does the sale again.
func (p *batchProgress) finish(ctx context.Context, id int64, r UpdateSaleResult, err error) {
	res := SaleResult{SaleID: id, UpdateSaleResult: r}
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		var ae *temporal.ApplicationError
		switch {
		case errors.As(err, &ae) && (ae.NonRetryable() || slices.Contains(NonRetryableErrorTypes(), ae.Type())):
			res.Error, res.ErrorType = ae.Message(), ae.Type()
		default:
			res.Retry, res.Error = true, err.Error()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done[id] = res
	if res.ErrorType == ErrReconnectNeeded {
		p.stop = true
	}
}

// snapshot is the heartbeat's details: the finished sales.
func (p *batchProgress) snapshot() UpdateSalesProgress {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := UpdateSalesProgress{Done: make([]SaleResult, 0, len(p.done))}
	for _, r := range p.done {
		out.Done = append(out.Done, r)
	}
	return out
}

// heartbeat sends the progress every HeartbeatEvery until stopped.
func (p *batchProgress) heartbeat(ctx context.Context) (stop func()) {
	return heartbeatEvery(ctx, func() { activity.RecordHeartbeat(ctx, p.snapshot()) })
}

// result lists one result per plan; sales never started are NotTried.
func (p *batchProgress) result(plans []rules.Plan) UpdateSalesResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := UpdateSalesResult{Sales: make([]SaleResult, 0, len(plans))}
	for _, plan := range plans {
		r, ok := p.done[plan.SaleID]
		if !ok {
			r = SaleResult{SaleID: plan.SaleID, NotTried: true}
		}
		out.Sales = append(out.Sales, r)
	}
	return out
}
