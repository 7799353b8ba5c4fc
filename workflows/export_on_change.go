package workflows

import (
	"time"

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
	in = in.withDefaults()
	child := changeChild{id: ShippingSyncID(in.ShopID), what: "incremental export", fn: ShippingSync,
		arg: ShippingSyncInput{ShopID: in.ShopID, Trigger: oms.TriggerChange, Changes: true}}
	return runChangeTrigger(ctx, in, child, func(pending bool, carried ExportOnChangeResult) error {
		next := in
		next.Pending, next.Carried = pending, &carried
		return workflow.NewContinueAsNewError(ctx, ExportOnChange, next)
	})
}
