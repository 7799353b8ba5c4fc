package app

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// ImportRunningError says a shop's import is already running, so a new one was not started.
type ImportRunningError struct {
	ShopID, WorkflowID, RunID string
}

// Error implements error.
func (e *ImportRunningError) Error() string {
	return fmt.Sprintf("an import of shop %s is already running (workflow %s, run %s): not started beside it; wait for it or watch it in the Temporal UI",
		e.ShopID, e.WorkflowID, e.RunID)
}

// StartImport starts an order import (受注取得) with the shop's fixed workflow
// ID, so a second one is refused while one runs.
func StartImport(ctx context.Context, c client.Client, cfg config.Config, in workflows.OrderImportInput) (client.WorkflowRun, error) {
	if in.Trigger == "" {
		in.Trigger = "manual"
	}
	id := workflows.OrderImportID(in.ShopID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                cfg.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{"shop": in.ShopID, "trigger": in.Trigger},
		TypedSearchAttributes:                    temporal.NewSearchAttributes(workflows.ShopSearchAttribute.ValueSet(in.ShopID)),
		StaticSummary:                            fmt.Sprintf("order import of shop %s (%s)", in.ShopID, in.Trigger),
	}, workflows.OrderImport, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return nil, &ImportRunningError{ShopID: in.ShopID, WorkflowID: id, RunID: started.RunId}
		}
		return nil, fmt.Errorf("start import of shop %s: %w", in.ShopID, err)
	}
	return run, nil
}
