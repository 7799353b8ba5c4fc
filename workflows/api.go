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
//     export_on_change.go.
//
// The task queue is not fixed here: the worker polls config.Config.TaskQueue
// (TEMPORAL_TASK_QUEUE, default "colorme-sync"), and everything that starts a
// workflow uses the same setting.
package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
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
)

// Register registers every workflow of colorme-sync under its type name: the
// worker's registrations (app.Register) and the replay test's are the same.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflow(ShippingSync)
	r.RegisterWorkflow(OrderImport)
	r.RegisterWorkflow(ScheduledExport)
	r.RegisterWorkflow(ScheduledImport)
	r.RegisterWorkflow(ExportOnChange)
}

// ShippingSyncID returns the fixed workflow ID of a shop's export: one writer per shop.
func ShippingSyncID(shopID string) string { return "shipping-sync-" + shopID }

// DryRunID returns the workflow ID of a dry run, which writes nothing and may run beside an export.
func DryRunID(shopID, suffix string) string { return "shipping-sync-dry-run-" + shopID + "-" + suffix }

// OrderImportID returns the fixed workflow ID of a shop's import (受注取得): one
// import at a time per shop.
func OrderImportID(shopID string) string { return "order-import-" + shopID }

// ExportOnChangeID returns the fixed workflow ID of a shop's on-change trigger:
// every change of the shop signals it (SignalWithStart), and it runs the
// incremental exports under ShippingSyncID(shop).
func ExportOnChangeID(shopID string) string { return "export-on-change-" + shopID }

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
