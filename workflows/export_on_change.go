package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// Defaults of ExportOnChangeInput.
const (
	DefaultChangeQuiet    = 5 * time.Second  // a burst ends after this long without a change
	DefaultChangeMaxDelay = 30 * time.Second // from a burst's first change to its export, at most
	DefaultChangeIdle     = 10 * time.Minute // the trigger completes after this long with nothing to do
	DefaultChangeRetry    = 10 * time.Second // wait before trying again while another export runs
	DefaultChangeMaxRuns  = 50               // exports before the trigger continues as new
	changeMaxHistory      = 5000             // or history events before it does
)

// ChangeNotice is the payload of ChangeSignal: what changed, shown in the
// trigger's details. It never holds order data beyond sale ids or a secret.
type ChangeNotice struct {
	Reason string `json:"reason,omitempty"` // e.g. "status of sale 123", "CSV import: 40 orders"
}

// ExportOnChangeInput starts a shop's on-change trigger. Zero durations take the
// defaults; the trigger is started by SignalWithStart (app.NotifyChange), never
// by hand.
type ExportOnChangeInput struct {
	ShopID   string        `json:"shop_id"`
	Quiet    time.Duration `json:"quiet,omitempty"`     // debounce: export once no change came for this long (5 s)
	MaxDelay time.Duration `json:"max_delay,omitempty"` // but at most this long after the burst's first change (30 s)
	Idle     time.Duration `json:"idle,omitempty"`      // complete after this long without a change (10 min)
	Retry    time.Duration `json:"retry,omitempty"`     // while another export of the shop runs, try again after this (10 s)
	MaxRuns  int           `json:"max_runs,omitempty"`  // continue as new after this many exports (50)

	// Set by the workflow itself when it continues as new.
	Pending bool                  `json:"pending,omitempty"` // a change is not exported yet
	Carried *ExportOnChangeResult `json:"carried,omitempty"` // the counts so far
}

// ExportOnChangeResult counts what a trigger did over its continue-as-new chain.
type ExportOnChangeResult struct {
	ShopID  string `json:"shop_id"`
	Changes int    `json:"changes"`            // change signals received
	Runs    int    `json:"runs"`               // incremental exports run (completed or failed)
	Failed  int    `json:"failed"`             // of which failed
	Blocked int    `json:"blocked"`            // attempts that found another export of the shop running
	Chain   int    `json:"chain"`              // runs in the continue-as-new chain
	LastRun string `json:"last_run,omitempty"` // run ID of the latest incremental export
	// LastChange is the reason of the latest change signal.
	LastChange string `json:"last_change,omitempty"`
}

// The states of a TriggerState.
const (
	TriggerIdle      = "idle"      // waiting for a change
	TriggerDebounce  = "debounce"  // a burst of changes is coming in
	TriggerExporting = "exporting" // an incremental export runs
	TriggerBlocked   = "blocked"   // another export of the shop runs: trying again shortly
)

// TriggerState is what the progress query of an ExportOnChange returns.
type TriggerState struct {
	State   string `json:"state"`
	Pending bool   `json:"pending"` // a change waits for an export
	Dirty   bool   `json:"dirty"`   // a change came during the running export: another follows
	ExportOnChangeResult
}

// ExportOnChange is a shop's on-change trigger (変更時にすぐ書き出す). Every change
// of what the export depends on signals it (ChangeSignal, through SignalWithStart
// on ExportOnChangeID). It waits until the burst is over (Quiet without a change,
// at most MaxDelay after its first change), then runs the incremental export
// (ShippingSync with Changes) as a child under the shop's fixed export ID, so
// that it never runs beside a manual or scheduled export. A change that comes
// during the export marks it dirty: another incremental export follows. When the
// shop's export is already running, it tries again every Retry until its own
// export has started — a full run that began before the change may not have
// seen it. It completes after Idle without a change (having drained every
// signal) and continues as new after MaxRuns exports.
func ExportOnChange(ctx workflow.Context, in ExportOnChangeInput) (ExportOnChangeResult, error) {
	if err := requireShop(in.ShopID); err != nil {
		return ExportOnChangeResult{}, err
	}
	in.Quiet = orDefault(in.Quiet, DefaultChangeQuiet)
	in.MaxDelay = orDefault(in.MaxDelay, DefaultChangeMaxDelay)
	in.Idle = orDefault(in.Idle, DefaultChangeIdle)
	in.Retry = orDefault(in.Retry, DefaultChangeRetry)
	if in.MaxRuns <= 0 {
		in.MaxRuns = DefaultChangeMaxRuns
	}
	if err := markFindable(ctx, in.ShopID, oms.TriggerChange); err != nil {
		return ExportOnChangeResult{}, err
	}
	t := &changeTrigger{in: in, ch: workflow.GetSignalChannel(ctx, ChangeSignal)}
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
			next := in
			next.Pending = t.state.Pending
			carried := t.state.ExportOnChangeResult
			next.Carried = &carried
			return ExportOnChangeResult{}, workflow.NewContinueAsNewError(ctx, ExportOnChange, next)
		}
		t.debounce(ctx)
		started := t.export(ctx)
		if started {
			runsThisChain++
			continue
		}
		// Another export of the shop runs: try again shortly, gathering changes.
		t.state.State = TriggerBlocked
		t.wait(ctx, in.Retry)
	}
}

type changeTrigger struct {
	in    ExportOnChangeInput
	ch    workflow.ReceiveChannel
	state TriggerState
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

// export runs one incremental export under the shop's fixed export ID and
// reports whether it started; a change that comes meanwhile leaves the trigger
// pending. A failed export is counted; its changes are not lost (it did not move
// the watermark), and the next change or the scheduled full run picks them up.
func (t *changeTrigger) export(ctx workflow.Context) bool {
	shopID := t.in.ShopID
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            ShippingSyncID(shopID),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// The export finishes (and records its run) even if the trigger is terminated.
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		Memo:                  Memo(shopID, oms.TriggerChange),
		TypedSearchAttributes: ShopAttributes(shopID),
		StaticSummary:         fmt.Sprintf("incremental export of shop %s (change)", shopID),
	})
	t.state.Pending = false
	t.state.Dirty = false
	t.state.State = TriggerExporting
	f := workflow.ExecuteChildWorkflow(cctx, ShippingSync, ShippingSyncInput{ShopID: shopID, Trigger: oms.TriggerChange, Changes: true})
	var exec workflow.Execution
	if err := f.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		if alreadyStarted(err) {
			t.state.Pending = true
			t.state.Blocked++
			return false
		}
		// Could not start for another reason: counted as failed, not retried
		// (the next change or the scheduled full run exports it).
		t.state.Runs++
		t.state.Failed++
		workflow.GetLogger(ctx).Warn("incremental export did not start", "shop", shopID, "error", errMessage(err))
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
			workflow.GetLogger(ctx).Warn("incremental export failed", "shop", shopID, "run", exec.RunID, "error", errMessage(err))
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
