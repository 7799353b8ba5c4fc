// Package workflows holds the Temporal workflows of colorme-sync. Workflows are
// deterministic: every database and ColorMe call happens in an activity
// (package activities), and workflowcheck guards this in `make lint`.
//
// This file is the package's contract with its callers (the worker, the starter,
// the console, the schedules): workflow type names, workflow IDs, query names
// and the search attribute. The inputs and results sit beside their workflows:
//
//   - ShippingSync (the export): ShippingSyncInput, ShippingSyncResult, Progress
//     in shipping_sync.go;
//   - OrderImport (the import): OrderImportInput, OrderImportResult,
//     ImportProgress in order_import.go;
//   - ScheduledExport and ScheduledImport (the schedules' actions):
//     Scheduled*Input, Scheduled*Result and Decision in scheduled.go;
//   - ExportOnChange (a shop's on-change trigger, 変更時にすぐ書き出す):
//     ExportOnChangeInput, ExportOnChangeResult, ChangeNotice, TriggerState in
//     export_on_change.go;
//   - StockPush, StockCatalogue, ScheduledStock and StockOnChange (在庫連携):
//     stock_push.go and stock_sync.go.
//
// The task queue is not fixed here: the worker polls config.Config.TaskQueue
// (TEMPORAL_TASK_QUEUE, default "colorme-sync"), and everything that starts a
// workflow uses the same setting.
package workflows

import (
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// Workflow type names, as the worker registers them (the function names).
// Schedules and running workflows refer to them, so they never change: the
// export keeps the type name ShippingSync although everything else calls it
// "export".
const (
	ShippingSyncType    = "ShippingSync"
	OrderImportType     = "OrderImport"
	ScheduledExportType = "ScheduledExport"
	ScheduledImportType = "ScheduledImport"
	ExportOnChangeType  = "ExportOnChange"
	StockPushType       = "StockPush"
	StockCatalogueType  = "StockCatalogue"
	// The notification workflows, registered apart (app.RegisterNotifyMonitor,
	// app.NewNotifyWorker): see RegisterNotify.
	NotifyMonitorType       = "NotifyMonitor"
	DeliverNotificationType = "DeliverNotification"
	ScheduledStockType      = "ScheduledStock"
	StockOnChangeType       = "StockOnChange"
)

// Register registers every workflow of colorme-sync under its type name: the
// worker's registrations (app.Register) and the replay test's are the same.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflow(ShippingSync)
	r.RegisterWorkflow(OrderImport)
	r.RegisterWorkflow(ScheduledExport)
	r.RegisterWorkflow(ScheduledImport)
	r.RegisterWorkflow(ExportOnChange)
	r.RegisterWorkflow(StockPush)
	r.RegisterWorkflow(StockCatalogue)
	r.RegisterWorkflow(ScheduledStock)
	r.RegisterWorkflow(StockOnChange)
}

// RegisterNotify registers the notification workflows, which run on workers
// of their own (app.RegisterNotifyMonitor, app.NewNotifyWorker), on a registry
// that holds every type, as the replay test's does.
func RegisterNotify(r worker.WorkflowRegistry) {
	r.RegisterWorkflow(NotifyMonitor)
	r.RegisterWorkflow(DeliverNotification)
}

// Workflow IDs. Each builder has its parser beside it; a shop ID may hold
// dashes, so a parser takes everything after the fixed prefix as the shop.
const (
	shippingSyncPrefix   = "shipping-sync-"
	dryRunPrefix         = "shipping-sync-dry-run-"
	orderImportPrefix    = "order-import-"
	exportOnChangePrefix = "export-on-change-"
)

// DryRunStamp is the layout of the start time (UTC) that ends a dry run's
// workflow ID.
const DryRunStamp = "20060102T150405.000"

// ShippingSyncID returns the fixed workflow ID of a shop's export: one writer per shop.
func ShippingSyncID(shopID string) string { return shippingSyncPrefix + shopID }

// ParseShippingSyncID returns the shop of an export's workflow ID (not a dry
// run's: see ParseDryRunID).
func ParseShippingSyncID(id string) (shopID string, ok bool) {
	if _, _, dry := ParseDryRunID(id); dry {
		return "", false
	}
	return cutShop(id, shippingSyncPrefix)
}

// DryRunID returns the workflow ID of a dry run started at at, which writes
// nothing and may run beside an export.
func DryRunID(shopID string, at time.Time) string {
	return dryRunPrefix + shopID + "-" + at.UTC().Format(DryRunStamp)
}

// ParseDryRunID returns the shop and the start time of a dry run's workflow ID.
func ParseDryRunID(id string) (shopID string, at time.Time, ok bool) {
	rest, found := strings.CutPrefix(id, dryRunPrefix)
	n := len(rest) - len(DryRunStamp) - 1 // "<shop>-<stamp>"
	if !found || n < 1 || rest[n] != '-' {
		return "", time.Time{}, false
	}
	at, err := time.Parse(DryRunStamp, rest[n+1:])
	if err != nil {
		return "", time.Time{}, false
	}
	return rest[:n], at, true
}

// OrderImportID returns the fixed workflow ID of a shop's import (受注取得): one
// import at a time per shop.
func OrderImportID(shopID string) string { return orderImportPrefix + shopID }

// ParseOrderImportID returns the shop of an import's workflow ID.
func ParseOrderImportID(id string) (shopID string, ok bool) { return cutShop(id, orderImportPrefix) }

// ExportOnChangeID returns the fixed workflow ID of a shop's on-change trigger:
// every change of the shop signals it (SignalWithStart), and it runs the
// incremental exports under ShippingSyncID(shop).
func ExportOnChangeID(shopID string) string { return exportOnChangePrefix + shopID }

// ParseExportOnChangeID returns the shop of an on-change trigger's workflow ID.
func ParseExportOnChangeID(id string) (shopID string, ok bool) {
	return cutShop(id, exportOnChangePrefix)
}

func cutShop(id, prefix string) (string, bool) {
	shop, ok := strings.CutPrefix(id, prefix)
	return shop, ok && shop != ""
}

// Memo keys of every run a shop's workflow or schedule starts: the shop, and
// for a run its trigger (oms.Trigger), for a schedule its kind (oms.Kind).
// The console and RunningWorkflow read them.
const (
	MemoShop    = "shop"
	MemoTrigger = "trigger"
	MemoKind    = "kind"
)

// Memo returns the memo of a shop's run started by trigger.
func Memo(shopID string, trigger oms.Trigger) map[string]any {
	return map[string]any{MemoShop: shopID, MemoTrigger: trigger}
}

// ShopAttributes returns the search attributes of a shop's run or schedule:
// ShopSearchAttribute set to the shop.
func ShopAttributes(shopID string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(ShopSearchAttribute.ValueSet(shopID))
}

// StartOptions are the options every start of a shop's workflow shares (the
// app's exports and imports, the on-change trigger's SignalWithStart): its ID
// and task queue, a closed ID reusable, the shop's memo and search attribute,
// and summary as the Temporal UI's summary.
func StartOptions(id, taskQueue, shopID string, trigger oms.Trigger, summary string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             taskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		Memo:                  Memo(shopID, trigger),
		TypedSearchAttributes: ShopAttributes(shopID),
		StaticSummary:         summary,
	}
}

// ChangeSignal is the signal that tells a shop's ExportOnChange that what the
// export depends on changed; its payload is a ChangeNotice.
const ChangeSignal = "change"

// ProgressQuery is the query that returns a running export's Progress (or a
// running import's ImportProgress, or an on-change trigger's TriggerState).
const ProgressQuery = "progress"

// DecisionQuery is the query that returns a scheduled run's Decision.
const DecisionQuery = "decision"

// ShopSearchAttribute is the search attribute that holds the shop of a schedule
// and of the workflows it starts, so the Temporal UI can filter by shop
// (ColorMeShop="myshop"). The server must have it registered: `temporal server
// start-dev --search-attribute ColorMeShop=Keyword`, or `temporal operator
// search-attribute create --name ColorMeShop --type Keyword`.
var ShopSearchAttribute = temporal.NewSearchAttributeKeyKeyword("ColorMeShop")
