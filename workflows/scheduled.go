package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// States of a Decision.
const (
	DecisionPending = "deciding"
	DecisionStarted = "started"
	DecisionSkipped = "skipped"
	// DecisionWaiting: a scheduled export waits for a change-triggered export
	// of the shop to end, then starts (or skips after ScheduledYieldFor).
	DecisionWaiting = "waiting"
)

// Decision is what a scheduled run decided: start the shop's export (or import),
// or skip because one is already running.
type Decision struct {
	State      string `json:"state"` // deciding | waiting | started | skipped
	Reason     string `json:"reason,omitempty"`
	WorkflowID string `json:"workflow_id"`      // the fixed ID of the shop's export or import
	RunID      string `json:"run_id,omitempty"` // the run started, or the run that was already running
}

// ScheduledInput is what a shop's schedule starts its action with.
type ScheduledInput struct {
	ShopID string `json:"shop_id"`
}

// ScheduledExportInput is what a shop's export schedule starts ScheduledExport with.
type ScheduledExportInput = ScheduledInput

// ScheduledExportResult says whether the scheduled export ran (and its summary)
// or was skipped (and why).
type ScheduledExportResult struct {
	ShopID string `json:"shop_id"`
	Decision
	Export *ShippingSyncResult `json:"export,omitempty"`
}

// ScheduledExport is the export schedule's action: the full reconcile of the
// shop's whole window. A schedule appends a timestamp to its workflow IDs, so it
// cannot hold the one-writer-per-shop ID itself: this wrapper starts ShippingSync
// as a child with the fixed ID ShippingSyncID(shop) and waits for it. If that ID
// is already running a manual export, it completes at once, skipped, naming the
// running run. An incremental export started by a change (short, and frequent
// on a busy shop) is waited for instead: the full reconcile tries again every
// ScheduledYieldRetry, for at most ScheduledYieldFor, then skips.
func ScheduledExport(ctx workflow.Context, in ScheduledExportInput) (ScheduledExportResult, error) {
	d, out, err := runScheduled[ShippingSyncResult](ctx, oms.KindExport, in.ShopID, ShippingSyncID(in.ShopID), ShippingSync,
		ShippingSyncInput{ShopID: in.ShopID, Trigger: oms.TriggerScheduled}, oms.TriggerChange)
	return ScheduledExportResult{ShopID: in.ShopID, Decision: d, Export: out}, err
}

// ScheduledImportInput is what a shop's import schedule starts ScheduledImport with.
type ScheduledImportInput = ScheduledInput

// ScheduledImportResult says whether the scheduled import ran (and its summary) or
// was skipped (and why).
type ScheduledImportResult struct {
	ShopID string `json:"shop_id"`
	Decision
	Import *OrderImportResult `json:"import,omitempty"`
}

// ScheduledImport is the import schedule's action: OrderImport as a child with the
// fixed ID OrderImportID(shop), skipped when that ID is already running.
func ScheduledImport(ctx workflow.Context, in ScheduledImportInput) (ScheduledImportResult, error) {
	d, out, err := runScheduled[OrderImportResult](ctx, oms.KindImport, in.ShopID, OrderImportID(in.ShopID), OrderImport,
		OrderImportInput{ShopID: in.ShopID, Trigger: oms.TriggerScheduled}, "")
	return ScheduledImportResult{ShopID: in.ShopID, Decision: d, Import: out}, err
}

// runScheduled is the shape of both schedules' actions: runOnce, and the
// child's result R when it started and completed (nil when it was skipped or
// failed).
func runScheduled[R any](ctx workflow.Context, kind oms.Kind, shopID, childID string, child, arg any, yieldTo oms.Trigger) (Decision, *R, error) {
	var out R
	d, err := runOnce(ctx, kind, shopID, childID, child, arg, &out, yieldTo)
	if err != nil || d.State != DecisionStarted {
		return d, nil, err
	}
	return d, &out, nil
}

// How long a scheduled export waits for a change-triggered export to end.
const (
	ScheduledYieldRetry = 10 * time.Second
	ScheduledYieldFor   = 10 * time.Minute
)

// yieldChange is the GetVersion change ID of the scheduled export's wait for a
// change-triggered export: runs that began before it skip at once, as they did.
const yieldChange = "scheduled-export-yields-to-change"

// runOnce starts child as childID and waits for its result in out, unless childID
// is already running: then it returns a skipped Decision naming that run. A run
// started by yieldTo (when not "") is waited for instead, up to ScheduledYieldFor.
func runOnce(ctx workflow.Context, kind oms.Kind, shopID, childID string, child, arg, out any, yieldTo oms.Trigger) (Decision, error) {
	d := Decision{State: DecisionPending, WorkflowID: childID}
	if err := requireShop(shopID); err != nil {
		return d, err
	}
	if err := markFindable(ctx, shopID, oms.TriggerScheduled); err != nil {
		return d, err
	}
	if err := workflow.SetQueryHandler(ctx, DecisionQuery, func() (Decision, error) { return d, nil }); err != nil {
		return d, err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            childID,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// A running export or import finishes (and records its run) even if
		// this wrapper is terminated; stop it by its own ID.
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		Memo:                  Memo(shopID, oms.TriggerScheduled),
		TypedSearchAttributes: ShopAttributes(shopID),
		StaticSummary:         fmt.Sprintf("scheduled %s of shop %s", kind, shopID),
	})
	if yieldTo != "" && workflow.GetVersion(ctx, yieldChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		yieldTo = ""
	}
	giveUp := workflow.Now(ctx).Add(ScheduledYieldFor)
	for {
		f := workflow.ExecuteChildWorkflow(cctx, child, arg)
		var exec workflow.Execution
		err := f.GetChildWorkflowExecution().Get(ctx, &exec)
		if err == nil {
			d.State, d.RunID, d.Reason = DecisionStarted, exec.RunID, ""
			return d, f.Get(ctx, out)
		}
		if !alreadyStarted(err) {
			return d, err
		}
		var running activities.RunningWorkflowResult
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
		})
		// Best effort: the skip stands even if the running run cannot be described.
		_ = workflow.ExecuteActivity(actx, a.RunningWorkflow, activities.RunningWorkflowInput{WorkflowID: childID}).Get(ctx, &running)
		if yieldTo != "" && running.Trigger == yieldTo && workflow.Now(ctx).Before(giveUp) {
			d.State = DecisionWaiting
			d.Reason = fmt.Sprintf("waiting: a %s %s of shop %s is running (run %s); trying again in %s", yieldTo, kind, shopID, running.RunID, ScheduledYieldRetry)
			if err := workflow.Sleep(ctx, ScheduledYieldRetry); err != nil {
				return d, err
			}
			continue
		}
		d.State, d.RunID = DecisionSkipped, running.RunID
		d.Reason = skipReason(kind, shopID, childID, running)
		return d, nil
	}
}

func skipReason(kind oms.Kind, shopID, childID string, r activities.RunningWorkflowResult) string {
	who := ""
	if r.Trigger != "" {
		who = string(r.Trigger) + " "
	}
	run := ""
	if r.RunID != "" {
		run = ", run " + r.RunID
	}
	article := "a" // "a manual export", "a scheduled import"
	if who == "" {
		article = "an" // "an export", "an import"
	}
	return fmt.Sprintf("skipped: %s %s%s of shop %s is already running (workflow %s%s); one %s per shop runs at a time, the next scheduled one will run as usual",
		article, who, kind, shopID, childID, run, kind)
}

// alreadyStarted reports whether starting a child failed because its ID is
// running. Temporal says so with ChildWorkflowExecutionAlreadyStartedError; the
// SDK's test environment with serviceerror.WorkflowExecutionAlreadyStarted.
func alreadyStarted(err error) bool {
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	var inTest *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &started) || errors.As(err, &inTest)
}
