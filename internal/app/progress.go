package app

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/workflows"
)

// ExportState is where an export (or dry run) started earlier stands: running,
// with the progress query's answer, or closed, with its result or error.
type ExportState struct {
	WorkflowID string
	RunID      string // the run of the continue-as-new chain that is current (or was last)
	Status     enumspb.WorkflowExecutionStatus
	Running    bool
	Progress   workflows.Progress            // while running (zero until the run has started its run log)
	Result     *workflows.ShippingSyncResult // completed
	Err        error                         // closed without a result: failed, terminated, cancelled or timed out
}

// ErrNoSuchRun is returned by ExportStateOf for a workflow run Temporal does not know.
var ErrNoSuchRun = errors.New("no such workflow run")

// ExportStateOf describes the export run runID of workflowID, following its
// continue-as-new chain to the current run. It never waits for the export: a
// running one is asked for its progress, a closed one for its result.
func ExportStateOf(ctx context.Context, c client.Client, workflowID, runID string) (ExportState, error) {
	st := ExportState{WorkflowID: workflowID, RunID: runID}
	d, err := c.DescribeWorkflow(ctx, workflowID, runID)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, fmt.Errorf("workflow %s run %s: %w", workflowID, runID, ErrNoSuchRun)
		}
		return st, fmt.Errorf("describing workflow %s run %s: %w", workflowID, runID, err)
	}
	info := d.RawResponse.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
		// The chain's current run is the latest run of the ID when it has the same first run.
		if latest, err := c.DescribeWorkflow(ctx, workflowID, ""); err == nil &&
			latest.RawResponse.GetWorkflowExecutionInfo().GetFirstRunId() == info.GetFirstRunId() && info.GetFirstRunId() != "" {
			info = latest.RawResponse.GetWorkflowExecutionInfo()
		}
	}
	st.RunID = info.GetExecution().GetRunId()
	st.Status = info.GetStatus()
	switch st.Status {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		st.Running = true
		v, err := c.QueryWorkflow(ctx, workflowID, st.RunID, workflows.ProgressQuery)
		if err != nil {
			// Before its first workflow task the run has no query handler yet:
			// running, nothing to show.
			return st, nil
		}
		if err := v.Get(&st.Progress); err != nil {
			return st, fmt.Errorf("reading the progress of workflow %s: %w", workflowID, err)
		}
		return st, nil
	case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		// The chain went on under a run we could not find (a newer chain has
		// started since): its result is at the end of the chain, which Get follows.
		fallthrough
	default:
		var res workflows.ShippingSyncResult
		if err := c.GetWorkflow(ctx, workflowID, st.RunID).Get(ctx, &res); err != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			st.Err = err
			return st, nil
		}
		st.Result = &res
		return st, nil
	}
}
