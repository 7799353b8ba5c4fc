package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// ExportRunningError says a shop's export is already running, so a new one was not started.
type ExportRunningError struct {
	ShopID, WorkflowID, RunID string
}

// Error implements error.
func (e *ExportRunningError) Error() string {
	return fmt.Sprintf("an export of shop %s is already running (workflow %s, run %s): not started beside it; wait for it or watch it in the Temporal UI",
		e.ShopID, e.WorkflowID, e.RunID)
}

// StartExport starts a shipping export. Real exports use the shop's fixed workflow
// ID, so a second one is refused while one runs (one writer per shop); dry runs
// write nothing and get an ID of their own.
func StartExport(ctx context.Context, c client.Client, cfg config.Config, in workflows.ShippingSyncInput) (client.WorkflowRun, error) {
	id := workflows.ShippingSyncID(in.ShopID)
	if in.DryRun {
		id = workflows.DryRunID(in.ShopID, time.Now().UTC().Format("20060102T150405.000"))
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                cfg.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{"shop": in.ShopID, "trigger": in.Trigger},
		TypedSearchAttributes:                    temporal.NewSearchAttributes(workflows.ShopSearchAttribute.ValueSet(in.ShopID)),
		StaticSummary:                            fmt.Sprintf("shipping export of shop %s (%s)", in.ShopID, in.Trigger),
	}, workflows.ShippingSync, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return nil, &ExportRunningError{ShopID: in.ShopID, WorkflowID: id, RunID: started.RunId}
		}
		if strings.Contains(err.Error(), workflows.ShopSearchAttribute.GetName()) {
			return nil, fmt.Errorf("start export of shop %s: %w (register the search attribute: `temporal operator search-attribute create --name ColorMeShop --type Keyword`)", in.ShopID, err)
		}
		return nil, fmt.Errorf("start export of shop %s: %w", in.ShopID, err)
	}
	return run, nil
}
