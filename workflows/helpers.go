package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// Helpers shared by every workflow of the package.

// a is the nil receiver used to name activities.
var a *activities.Activities

func isType(err error, typ string) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.Type() == typ
}

// errMessage returns the innermost application message of an activity error.
func errMessage(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Message()
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return msg.TimedOut.Format(te.Error())
	}
	return err.Error()
}

// begin is how the export and the import start: the run is made findable by
// shop, init records it (or takes up its continuation), and the progress query
// then answers with *progress.
func begin[P any](ctx workflow.Context, shopID string, trigger oms.Trigger, init func(workflow.Context) error, progress *P) error {
	if err := markFindable(ctx, shopID, trigger); err != nil {
		return err
	}
	if err := init(ctx); err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, ProgressQuery, func() (P, error) { return *progress, nil })
}

// runStart is what this workflow run opens its run in the run log with: its
// workflow ID, and its first run's ID as the idempotency key.
func runStart(ctx workflow.Context, shopID string, trigger oms.Trigger, startedBy string, asOf time.Time) activities.RunStart {
	info := workflow.GetInfo(ctx)
	return activities.RunStart{ShopID: shopID, WorkflowID: info.WorkflowExecution.ID, RunKey: info.OriginalRunID,
		Trigger: trigger, StartedBy: startedBy, AsOf: asOf}
}

// requireShop refuses a workflow input without a shop.
func requireShop(shopID string) error {
	if shopID == "" {
		return temporal.NewNonRetryableApplicationError("shop_id is required", activities.ErrInvalidInput, nil)
	}
	return nil
}

// pageDefaults bounds a run's page size by maxPage, which is also its default,
// and defaults its history limit to DefaultMaxHistoryEvents.
func pageDefaults(pageSize *int, maxPage int, maxHistory *int) {
	if *pageSize <= 0 || *pageSize > maxPage {
		*pageSize = maxPage
	}
	if *maxHistory <= 0 {
		*maxHistory = DefaultMaxHistoryEvents
	}
}

// dbTimeout and dbRetry are how long a database activity may take and how it
// is retried (~8 min of a database that is down), whether it runs as a regular
// activity (dbCtx) or a local one (dbLocalCtx). Recorded runs replay with
// these values: change them only behind workflow.GetVersion.
const dbTimeout = time.Minute

var dbRetry = &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
	MaximumInterval: 30 * time.Second, MaximumAttempts: 20}

func dbCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: dbTimeout,
		RetryPolicy:         dbRetry,
	})
}

// dbLocalCtx is dbCtx for a local activity: the same timeout and retries, run
// by the workflow's worker inside its workflow task, without a round trip
// through the server (LocalDBChange).
func dbLocalCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: dbTimeout,
		RetryPolicy:         dbRetry,
	})
}

// colorMeHeartbeat and colorMeRetry are shared by every activity that calls
// ColorMe's API (colorMeCtx, batchCtx): a dead worker's calls are retried in
// ~20 s, and 30 attempts ride out ~13 min of ColorMe errors; a refusal for
// good (activities.NonRetryableErrorTypes) is not retried.
const colorMeHeartbeat = 4 * activities.HeartbeatEvery

var colorMeRetry = &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
	MaximumInterval: 30 * time.Second, MaximumAttempts: 30,
	NonRetryableErrorTypes: activities.NonRetryableErrorTypes()}

func colorMeCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    colorMeHeartbeat,
		RetryPolicy:         colorMeRetry,
	})
}
