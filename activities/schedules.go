package activities

import (
	"context"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// Temporal is what activities ask of Temporal itself: pausing a shop's schedules
// (its token was refused) and describing a running workflow. internal/app wires it
// with the worker's Temporal client (schedules.Manager).
type Temporal interface {
	// PauseForReconnect pauses the shop's import and export schedules with a
	// note saying that the shop needs reconnection, and why.
	PauseForReconnect(ctx context.Context, shopID, reason string) error
	// RunningWorkflow describes the open run of workflowID, if there is one.
	RunningWorkflow(ctx context.Context, workflowID string) (RunningWorkflowResult, error)
	// NotifyChange signals (or starts) the shop's on-change export trigger.
	NotifyChange(ctx context.Context, shopID, reason string) error
}

// RunningWorkflowInput names the workflow ID to look up.
type RunningWorkflowInput struct {
	WorkflowID string `json:"workflow_id"`
}

// RunningWorkflowResult describes the open run of a workflow ID; Running is false
// when none is open.
type RunningWorkflowResult struct {
	Running   bool        `json:"running"`
	RunID     string      `json:"run_id,omitempty"`
	StartTime time.Time   `json:"start_time,omitzero"`
	Trigger   oms.Trigger `json:"trigger,omitempty"` // the run's memo "trigger": manual | scheduled
}

// RunningWorkflow describes the open run of a workflow ID, so that a scheduled run
// that was skipped can name the run it gave way to.
func (a *Activities) RunningWorkflow(ctx context.Context, in RunningWorkflowInput) (RunningWorkflowResult, error) {
	if a.Temporal == nil {
		return RunningWorkflowResult{}, nil
	}
	return a.Temporal.RunningWorkflow(ctx, in.WorkflowID)
}
