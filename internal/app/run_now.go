package app

import (
	"context"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// RunNowAttributionWait bounds how long RunNow waits for the export or import
// it started to reach the run log, to record who started it.
const RunNowAttributionWait = 15 * time.Second

// RunNowResult is what RunNow did.
type RunNowResult struct {
	schedules.TriggerResult
	// Paused is the schedule's pause when it was paused and run by force; nil
	// when it was not paused.
	Paused *schedules.PausedError
	// Attributed: the run log names By as who started the run. False when the
	// scheduled run waits for a change-triggered export (its run starts later)
	// or its run did not reach the log within RunNowAttributionWait.
	Attributed bool
}

// RunNow is 今すぐ実行 in the console and `starter schedule trigger`: one
// operation, so that both refuse a paused schedule without force
// (schedules.Manager.RunNow, a *schedules.PausedError) and both record who
// started the run. by is the operator (console login, or the CLI's -by).
func RunNow(ctx context.Context, m *schedules.Manager, st *stores.Stores, shopID string, kind oms.Kind, force bool, by string) (RunNowResult, error) {
	res, paused, err := m.RunNow(ctx, shopID, kind, force)
	out := RunNowResult{TriggerResult: res, Paused: paused}
	if err != nil || res.Skipped || res.Decision.State != workflows.DecisionStarted || res.Decision.RunID == "" || by == "" {
		return out, err
	}
	deadline := time.Now().Add(RunNowAttributionWait)
	for {
		found, err := st.SetRunStartedBy(ctx, shopID, res.Decision.RunID, by)
		if err != nil || found {
			out.Attributed = found
			return out, err
		}
		if time.Now().After(deadline) {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}
