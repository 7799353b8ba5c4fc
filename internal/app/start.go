package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// RunningError says a shop's export or import is already running, so a new one
// was not started beside it.
type RunningError struct {
	Kind                      oms.Kind
	ShopID, WorkflowID, RunID string
}

// Error implements error.
func (e *RunningError) Error() string {
	return fmt.Sprintf("an %s of shop %s is already running (workflow %s, run %s): not started beside it; wait for it or watch it in the Temporal UI",
		e.Kind, e.ShopID, e.WorkflowID, e.RunID)
}

// startOne starts a shop's workflow under id and refuses, with a RunningError,
// while a run with that id is open: one export and one import per shop at a time.
func startOne(ctx context.Context, c client.Client, cfg config.Config, kind oms.Kind, shopID string, trigger oms.Trigger, id string, wf, in any) (client.WorkflowRun, error) {
	opts := workflows.StartOptions(id, cfg.TaskQueue, shopID, trigger, fmt.Sprintf("%s of shop %s (%s)", kind, shopID, trigger))
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	opts.WorkflowExecutionErrorWhenAlreadyStarted = true
	run, err := c.ExecuteWorkflow(ctx, opts, wf, in)
	if err == nil {
		return run, nil
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, &RunningError{Kind: kind, ShopID: shopID, WorkflowID: id, RunID: started.RunId}
	}
	err = fmt.Errorf("start %s of shop %s: %w", kind, shopID, err)
	if strings.Contains(err.Error(), workflows.ShopSearchAttribute.GetName()) {
		err = fmt.Errorf("%w (register the search attribute: `temporal operator search-attribute create --name ColorMeShop --type Keyword`)", err)
	}
	return nil, err
}

// StartImport starts an order import (受注取得) with the shop's fixed workflow
// ID, so a second one is refused while one runs.
func StartImport(ctx context.Context, c client.Client, cfg config.Config, in workflows.OrderImportInput) (client.WorkflowRun, error) {
	in.Trigger = in.Trigger.OrManual()
	return startOne(ctx, c, cfg, oms.KindImport, in.ShopID, in.Trigger, workflows.OrderImportID(in.ShopID), workflows.OrderImport, in)
}

// StartStockPush starts a stock push (在庫連携) of a shop now: one at a time
// per shop (its workflow ID is fixed), refused with a RunningError while one runs.
func StartStockPush(ctx context.Context, c client.Client, cfg config.Config, in workflows.StockPushInput) (client.WorkflowRun, error) {
	in.Trigger = in.Trigger.OrManual()
	return startOne(ctx, c, cfg, oms.KindStock, in.ShopID, in.Trigger, workflows.StockPushID(in.ShopID), workflows.StockPush, in)
}

// StartStockCatalogue starts a catalogue import (商品情報を取得) of a shop now.
func StartStockCatalogue(ctx context.Context, c client.Client, cfg config.Config, in workflows.StockCatalogueInput) (client.WorkflowRun, error) {
	in.Trigger = in.Trigger.OrManual()
	return startOne(ctx, c, cfg, oms.KindStock, in.ShopID, in.Trigger, workflows.StockCatalogueID(in.ShopID), workflows.StockCatalogue, in)
}
