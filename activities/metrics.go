package activities

import (
	"context"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/metrics"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// observed wraps a shop's ColorMe transport and budget limiter so that its
// calls and budget waits are counted (internal/metrics).
func observed(shopID string, hc *http.Client, l colorme.Limiter) (*http.Client, colorme.Limiter) {
	var base http.RoundTripper
	out := &http.Client{}
	if hc != nil {
		*out = *hc
		base = hc.Transport
	}
	out.Transport = metrics.Transport(shopID, base)
	return out, metrics.Limiter(shopID, l)
}

// observeRun counts the finished run in the metrics: by kind, trigger and
// result, an export's sales and mails, and an on-change export's latencies. A
// retried FinishRun counts the run again; the run log stays exact. Metrics
// never fail the activity.
func (a *Activities) observeRun(ctx context.Context, runID int64) {
	r, err := a.Store.Run(ctx, runID)
	if err != nil {
		activity.GetLogger(ctx).Warn("metrics: reading the finished run failed", "run_id", runID, "error", err)
		return
	}
	var t metrics.RunTotals
	if r.Kind == oms.KindExport {
		t = metrics.RunTotals{Written: r.Totals.Updated, Unchanged: r.Totals.Unchanged, Skipped: r.Totals.Skipped,
			Failed: r.Totals.Failed, Mails: r.Totals.Mails}
	}
	var d time.Duration
	if r.FinishedAt != nil {
		d = r.FinishedAt.Sub(r.StartedAt)
	}
	metrics.RunFinished(r.ShopID, string(r.Kind), string(r.Trigger.OrManual()), string(r.Status), d, t)
	if r.Kind != oms.KindExport || r.Trigger != oms.TriggerChange || r.DryRun {
		return
	}
	lat, err := a.Store.ChangeLatencies(ctx, oms.ChangeLatencyQuery{RunID: runID})
	if err != nil {
		activity.GetLogger(ctx).Warn("metrics: reading the run's change latencies failed", "run_id", runID, "error", err)
		return
	}
	for _, l := range lat {
		metrics.ChangeReached(r.ShopID, l.Latency)
	}
}
