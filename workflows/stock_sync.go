package workflows

import (
	"time"

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
	timings := ExportOnChangeInput{ShopID: in.ShopID, Quiet: in.Quiet, MaxDelay: in.MaxDelay, Idle: in.Idle,
		Retry: in.Retry, MaxRuns: in.MaxRuns, Pending: in.Pending, Carried: (*ExportOnChangeResult)(in.Carried)}
	child := changeChild{id: StockPushID(in.ShopID), what: "stock push", fn: StockPush,
		arg: StockPushInput{ShopID: in.ShopID, Trigger: oms.TriggerChange, StaleWindow: in.StaleWindow}}
	res, err := runChangeTrigger(ctx, timings.withDefaults(), child, func(pending bool, carried ExportOnChangeResult) error {
		next := in
		next.Pending, next.Carried = pending, (*StockOnChangeResult)(&carried)
		return workflow.NewContinueAsNewError(ctx, StockOnChange, next)
	})
	return StockOnChangeResult(res), err
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
