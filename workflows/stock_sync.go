package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// The automatic side of 在庫連携 (自動在庫連携): a push within seconds of a
// change of the available quantity (StockOnChange) and a full reconcile on the
// shop's schedule (ScheduledStock). Both run StockPush under StockPushID, so
// that no two stock pushes of a shop ever run at once.

const stockOnChangePrefix = "stock-on-change-"

// StockOnChangeID returns the fixed workflow ID of a shop's on-change stock
// trigger: every change of the shop's available quantities signals it
// (ChangeSignal, SignalWithStart), and it runs the pushes under StockPushID.
func StockOnChangeID(shopID string) string { return stockOnChangePrefix + shopID }

// ParseStockOnChangeID returns the shop of an on-change stock trigger's workflow ID.
func ParseStockOnChangeID(id string) (shopID string, ok bool) {
	return cutShop(id, stockOnChangePrefix)
}

// StockOnChangeInput starts a shop's on-change stock trigger. Zero durations
// take the on-change export's defaults (DefaultChangeQuiet, …); it is started by
// SignalWithStart (app.NotifyStockChange), never by hand.
type StockOnChangeInput struct {
	ShopID      string        `json:"shop_id"`
	Quiet       time.Duration `json:"quiet,omitempty"`        // debounce: push once no change came for this long (5 s)
	MaxDelay    time.Duration `json:"max_delay,omitempty"`    // but at most this long after the burst's first change (30 s)
	Idle        time.Duration `json:"idle,omitempty"`         // complete after this long without a change (10 min)
	Retry       time.Duration `json:"retry,omitempty"`        // while another push of the shop runs, try again after this (10 s)
	MaxRuns     int           `json:"max_runs,omitempty"`     // continue as new after this many pushes (50)
	StaleWindow time.Duration `json:"stale_window,omitempty"` // passed to each StockPush (0 = DefaultStaleWindow)

	// Set by the workflow itself when it continues as new.
	Pending bool                 `json:"pending,omitempty"`
	Carried *StockOnChangeResult `json:"carried,omitempty"`
}

// StockOnChangeResult counts what an on-change stock trigger did over its
// continue-as-new chain (Runs are stock pushes; LastRun the latest push's run).
type StockOnChangeResult ExportOnChangeResult

// StockOnChange is a shop's on-change stock trigger. Every change that moves
// the shop's available quantities (a stock file, an on-hand edit, an import of
// ColorMe orders, a cancellation, a shipment) signals it. It waits until the
// burst is over (Quiet without a change, at most MaxDelay after its first), then
// runs StockPush as a child under the shop's fixed push ID. A change during the
// push makes another push follow; when another push of the shop runs (manual
// or scheduled), it tries again every Retry until its own push has started —
// a push that read ColorMe before the change may not have seen it. It completes
// after Idle without a change and continues as new after MaxRuns pushes.
func StockOnChange(ctx workflow.Context, in StockOnChangeInput) (StockOnChangeResult, error) {
	if err := requireShop(in.ShopID); err != nil {
		return StockOnChangeResult{}, err
	}
	ein := ExportOnChangeInput{ShopID: in.ShopID, Quiet: orDefault(in.Quiet, DefaultChangeQuiet),
		MaxDelay: orDefault(in.MaxDelay, DefaultChangeMaxDelay), Idle: orDefault(in.Idle, DefaultChangeIdle),
		Retry: orDefault(in.Retry, DefaultChangeRetry), MaxRuns: in.MaxRuns}
	if ein.MaxRuns <= 0 {
		ein.MaxRuns = DefaultChangeMaxRuns
	}
	if err := markFindable(ctx, in.ShopID, oms.TriggerChange); err != nil {
		return StockOnChangeResult{}, err
	}
	t := &changeTrigger{in: ein, ch: workflow.GetSignalChannel(ctx, ChangeSignal)}
	t.state = TriggerState{State: TriggerIdle, Pending: in.Pending, ExportOnChangeResult: ExportOnChangeResult{ShopID: in.ShopID}}
	if in.Carried != nil {
		t.state.ExportOnChangeResult = ExportOnChangeResult(*in.Carried)
	}
	t.state.Chain++
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (TriggerState, error) { return t.state, nil }); err != nil {
		return StockOnChangeResult{}, err
	}
	for runs := 0; ; {
		if err := ctx.Err(); err != nil {
			return StockOnChangeResult(t.state.ExportOnChangeResult), temporal.NewCanceledError(err.Error())
		}
		if !t.state.Pending {
			t.state.State = TriggerIdle
			if !t.receive(ctx, ein.Idle) && !t.drain(ctx) {
				return StockOnChangeResult(t.state.ExportOnChangeResult), nil
			}
			t.state.Pending = true
		}
		if runs >= ein.MaxRuns || t.historyFull(ctx) {
			t.drain(ctx)
			next := in
			next.Pending = t.state.Pending
			carried := StockOnChangeResult(t.state.ExportOnChangeResult)
			next.Carried = &carried
			return StockOnChangeResult{}, workflow.NewContinueAsNewError(ctx, StockOnChange, next)
		}
		t.debounce(ctx)
		if t.pushStock(ctx, in.StaleWindow) {
			runs++
			continue
		}
		t.state.State = TriggerBlocked
		t.wait(ctx, ein.Retry)
	}
}

// pushStock runs one StockPush under the shop's fixed push ID and reports
// whether it started; a change that comes meanwhile leaves the trigger pending.
func (t *changeTrigger) pushStock(ctx workflow.Context, staleWindow time.Duration) bool {
	shopID := t.in.ShopID
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            StockPushID(shopID),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON, // the push finishes and records its run
		Memo:                  Memo(shopID, oms.TriggerChange),
		TypedSearchAttributes: ShopAttributes(shopID),
		StaticSummary:         fmt.Sprintf("stock push of shop %s (change)", shopID),
	})
	t.state.Pending, t.state.Dirty, t.state.State = false, false, TriggerExporting
	f := workflow.ExecuteChildWorkflow(cctx, StockPush, StockPushInput{ShopID: shopID, Trigger: oms.TriggerChange, StaleWindow: staleWindow})
	var exec workflow.Execution
	if err := f.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		if alreadyStarted(err) {
			t.state.Pending = true
			t.state.Blocked++
			return false
		}
		t.state.Runs++
		t.state.Failed++
		workflow.GetLogger(ctx).Warn("stock push did not start", "shop", shopID, "error", errMessage(err))
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
			workflow.GetLogger(ctx).Warn("stock push failed", "shop", shopID, "run", exec.RunID, "error", errMessage(err))
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

// ScheduledStockInput is what a shop's stock schedule starts ScheduledStock with.
type ScheduledStockInput = ScheduledInput

// ScheduledStockResult says whether the scheduled reconcile ran (and what the
// push did) or was skipped (and why).
type ScheduledStockResult struct {
	ShopID string `json:"shop_id"`
	Decision
	Push *StockPushResult `json:"push,omitempty"`
}

// ScheduledStock is the stock schedule's action (自動在庫連携): the full
// reconcile, StockPush as a child with the fixed ID StockPushID(shop). Every
// push compares every mapped SKU, so when a push of the shop already runs
// (manual or on change) the scheduled one is skipped, naming it.
func ScheduledStock(ctx workflow.Context, in ScheduledStockInput) (ScheduledStockResult, error) {
	d, out, err := runScheduled[StockPushResult](ctx, oms.KindStock, in.ShopID, StockPushID(in.ShopID), StockPush,
		StockPushInput{ShopID: in.ShopID, Trigger: oms.TriggerScheduled}, "")
	return ScheduledStockResult{ShopID: in.ShopID, Decision: d, Push: out}, err
}
