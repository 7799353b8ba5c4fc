package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// The machinery of both on-change triggers, ExportOnChange and StockOnChange:
// they differ only in the child they run and the input they continue as new
// with.

// changeChild is what an on-change trigger runs: a child workflow under the
// shop's fixed ID, which no other run of it may hold at the same time.
type changeChild struct {
	id   string // the fixed workflow ID, e.g. ShippingSyncID(shop)
	what string // "incremental export", "stock push": its summary and the logs name it so
	fn   any    // the child workflow
	arg  any    // and its input
}

type changeTrigger struct {
	in    ExportOnChangeInput // the trigger's timings, defaults applied
	child changeChild
	ch    workflow.ReceiveChannel
	state TriggerState
}

// withDefaults gives the zero durations and MaxRuns their defaults.
func (in ExportOnChangeInput) withDefaults() ExportOnChangeInput {
	in.Quiet = orDefault(in.Quiet, DefaultChangeQuiet)
	in.MaxDelay = orDefault(in.MaxDelay, DefaultChangeMaxDelay)
	in.Idle = orDefault(in.Idle, DefaultChangeIdle)
	in.Retry = orDefault(in.Retry, DefaultChangeRetry)
	if in.MaxRuns <= 0 {
		in.MaxRuns = DefaultChangeMaxRuns
	}
	return in
}

// runChangeTrigger is an on-change trigger's run: in holds its timings
// (defaults applied) and what the previous run of the chain carried over
// (Pending, Carried). It runs child after each burst of changes until it has
// been idle for in.Idle, and continues as new with continueAsNew's error,
// given whether a change is pending and the counts so far.
func runChangeTrigger(ctx workflow.Context, in ExportOnChangeInput, child changeChild,
	continueAsNew func(pending bool, carried ExportOnChangeResult) error) (ExportOnChangeResult, error) {
	if err := requireShop(in.ShopID); err != nil {
		return ExportOnChangeResult{}, err
	}
	if err := markFindable(ctx, in.ShopID, oms.TriggerChange); err != nil {
		return ExportOnChangeResult{}, err
	}
	t := &changeTrigger{in: in, child: child, ch: workflow.GetSignalChannel(ctx, ChangeSignal)}
	t.state = TriggerState{State: TriggerIdle, Pending: in.Pending, ExportOnChangeResult: ExportOnChangeResult{ShopID: in.ShopID}}
	if in.Carried != nil {
		t.state.ExportOnChangeResult = *in.Carried
	}
	t.state.Chain++
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (TriggerState, error) { return t.state, nil }); err != nil {
		return ExportOnChangeResult{}, err
	}
	runsThisChain := 0
	for {
		if err := ctx.Err(); err != nil {
			return t.state.ExportOnChangeResult, temporal.NewCanceledError(err.Error())
		}
		if !t.state.Pending {
			t.state.State = TriggerIdle
			if !t.receive(ctx, in.Idle) && !t.drain(ctx) {
				// Idle, and no signal is left: complete. A signal that arrives
				// while this task completes makes the server refuse the
				// completion and run the workflow again, so none is lost.
				return t.state.ExportOnChangeResult, nil
			}
			t.state.Pending = true
		}
		if runsThisChain >= in.MaxRuns || t.historyFull(ctx) {
			t.drain(ctx)
			return ExportOnChangeResult{}, continueAsNew(t.state.Pending, t.state.ExportOnChangeResult)
		}
		t.debounce(ctx)
		if t.runChild(ctx) {
			runsThisChain++
			continue
		}
		// Another run of the child's ID runs: try again shortly, gathering changes.
		t.state.State = TriggerBlocked
		t.wait(ctx, in.Retry)
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// take counts a received notice.
func (t *changeTrigger) take(n ChangeNotice) {
	t.state.Changes++
	t.state.LastChange = n.Reason
}

// receive waits up to d for a change signal and reports whether one came.
func (t *changeTrigger) receive(ctx workflow.Context, d time.Duration) bool {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel() // a timer that did not fire is cancelled, not left in history
	got := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(t.ch, func(c workflow.ReceiveChannel, _ bool) {
		var n ChangeNotice
		c.Receive(ctx, &n)
		t.take(n)
		got = true
	})
	sel.AddFuture(workflow.NewTimer(tctx, d), func(workflow.Future) {})
	sel.Select(ctx)
	return got
}

// drain takes every signal already received and reports whether there was one.
func (t *changeTrigger) drain(_ workflow.Context) bool {
	got := false
	for {
		var n ChangeNotice
		if !t.ch.ReceiveAsync(&n) {
			return got
		}
		t.take(n)
		got = true
	}
}

// wait sleeps d, taking the signals that come meanwhile.
func (t *changeTrigger) wait(ctx workflow.Context, d time.Duration) {
	until := workflow.Now(ctx).Add(d)
	for left := d; left > 0; left = until.Sub(workflow.Now(ctx)) {
		t.receive(ctx, left)
	}
}

// debounce waits until no change came for Quiet, or MaxDelay passed since the
// burst began.
func (t *changeTrigger) debounce(ctx workflow.Context) {
	t.state.State = TriggerDebounce
	deadline := workflow.Now(ctx).Add(t.in.MaxDelay)
	for {
		wait := min(t.in.Quiet, deadline.Sub(workflow.Now(ctx)))
		if wait <= 0 || !t.receive(ctx, wait) {
			return
		}
		t.drain(ctx)
	}
}

// runChild runs the child once under its fixed ID and reports whether it
// started; a change that comes meanwhile leaves the trigger pending. A failed
// child is counted; its changes are not lost (a failed incremental export did
// not move the watermark), and the next change or the shop's scheduled run
// picks them up.
func (t *changeTrigger) runChild(ctx workflow.Context) bool {
	shopID, child := t.in.ShopID, t.child
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            child.id,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// The child finishes (and records its run) even if the trigger is terminated.
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		Memo:                  Memo(shopID, oms.TriggerChange),
		TypedSearchAttributes: ShopAttributes(shopID),
		StaticSummary:         fmt.Sprintf("%s of shop %s (change)", child.what, shopID),
	})
	t.state.Pending = false
	t.state.Dirty = false
	t.state.State = TriggerExporting
	f := workflow.ExecuteChildWorkflow(cctx, child.fn, child.arg)
	var exec workflow.Execution
	if err := f.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		if alreadyStarted(err) {
			t.state.Pending = true
			t.state.Blocked++
			return false
		}
		// Could not start for another reason: counted as failed, not retried
		// (the next change or the scheduled run does it).
		t.state.Runs++
		t.state.Failed++
		workflow.GetLogger(ctx).Warn(child.what+" did not start", "shop", shopID, "error", errMessage(err))
		t.state.Pending = t.drain(ctx)
		return true
	}
	t.state.Runs++
	t.state.LastRun = exec.RunID
	done := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(f, func(f workflow.Future) {
		done = true
		if err := f.Get(ctx, nil); err != nil {
			t.state.Failed++
			workflow.GetLogger(ctx).Warn(child.what+" failed", "shop", shopID, "run", exec.RunID, "error", errMessage(err))
		}
	})
	sel.AddReceive(t.ch, func(c workflow.ReceiveChannel, _ bool) {
		var n ChangeNotice
		c.Receive(ctx, &n)
		t.take(n)
		t.state.Dirty = true
	})
	for !done {
		sel.Select(ctx)
	}
	if t.drain(ctx) {
		t.state.Dirty = true
	}
	t.state.Pending = t.state.Dirty
	return true
}

// historyFull says it is time to continue as new.
func (t *changeTrigger) historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= changeMaxHistory
}
