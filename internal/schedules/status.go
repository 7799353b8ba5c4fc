package schedules

import (
	"context"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// Status is one schedule as Temporal has it.
type Status struct {
	ID             string
	Kind           oms.Kind
	ShopID         string
	Exists         bool
	Paused         bool
	Note           string
	Every          time.Duration // 0 when the spec is not a single interval
	Overlap        enumspb.ScheduleOverlapPolicy
	CatchupWindow  time.Duration
	NextRun        time.Time                     // zero when paused or none
	Recent         []client.ScheduleActionResult // oldest first
	Running        []string                      // workflow IDs started by the schedule and still running
	Actions        int
	SkippedOverlap int
}

// Describe returns the shop's two schedules; a missing one has Exists false.
func (m *Manager) Describe(ctx context.Context, shopID string) ([]Status, error) {
	var out []Status
	for _, kind := range Kinds {
		s, err := m.describe(ctx, kind, shopID)
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (m *Manager) describe(ctx context.Context, kind oms.Kind, shopID string) (Status, error) {
	s := Status{ID: ID(kind, shopID), Kind: kind, ShopID: shopID}
	d, err := m.Client.ScheduleClient().GetHandle(ctx, s.ID).Describe(ctx)
	if isNotFound(err) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("schedule %s: %w", s.ID, err)
	}
	s.Exists = true
	if st := d.Schedule.State; st != nil {
		s.Paused, s.Note = st.Paused, st.Note
	}
	if sp := d.Schedule.Spec; sp != nil && len(sp.Intervals) == 1 {
		s.Every = sp.Intervals[0].Every
	}
	if p := d.Schedule.Policy; p != nil {
		s.Overlap, s.CatchupWindow = p.Overlap, p.CatchupWindow
	}
	if len(d.Info.NextActionTimes) > 0 && !s.Paused {
		s.NextRun = d.Info.NextActionTimes[0]
	}
	s.Recent = d.Info.RecentActions
	for _, r := range d.Info.RunningWorkflows {
		s.Running = append(s.Running, r.WorkflowID)
	}
	s.Actions, s.SkippedOverlap = d.Info.NumActions, d.Info.NumActionsSkippedOverlap
	return s, nil
}

// TriggerResult says what a manual trigger did.
type TriggerResult struct {
	ScheduleID string
	Skipped    bool   // nothing ran: see Reason
	Reason     string // why it was skipped, or what it waits for (Decision.State waiting)
	WorkflowID string // the wrapper run the schedule started (ScheduledExport / ScheduledImport)
	RunID      string
	Decision   workflows.Decision // the wrapper's decision: started the export/import, or skipped
}

// triggerWait bounds how long Trigger waits for the schedule and then the wrapper
// to decide.
const triggerWait = 30 * time.Second

// Trigger runs the schedule now and reports whether anything ran: the schedule
// skips the trigger when its previous run is still going (overlap Skip), and the
// wrapper skips when a manual run of the same shop holds the fixed workflow ID. It
// waits until one of those has decided, not for the run to finish.
func (m *Manager) Trigger(ctx context.Context, shopID string, kind oms.Kind) (TriggerResult, error) {
	res := TriggerResult{ScheduleID: ID(kind, shopID)}
	h := m.Client.ScheduleClient().GetHandle(ctx, res.ScheduleID)
	before, err := h.Describe(ctx)
	if isNotFound(err) {
		return res, fmt.Errorf("schedule %s does not exist: create it with `starter schedule apply -shop %s`", res.ScheduleID, shopID)
	}
	if err != nil {
		return res, fmt.Errorf("schedule %s: %w", res.ScheduleID, err)
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		return res, fmt.Errorf("triggering schedule %s: %w", res.ScheduleID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, triggerWait)
	defer cancel()
	for {
		now, err := h.Describe(ctx)
		if err != nil {
			return res, fmt.Errorf("schedule %s: %w", res.ScheduleID, err)
		}
		if now.Info.NumActionsSkippedOverlap > before.Info.NumActionsSkippedOverlap {
			res.Skipped = true
			res.Reason = "skipped by the schedule (overlap policy Skip): its previous run is still going (" + running(now) + ")"
			return res, nil
		}
		if now.Info.NumActions > before.Info.NumActions && len(now.Info.RecentActions) > 0 {
			last := now.Info.RecentActions[len(now.Info.RecentActions)-1]
			if last.StartWorkflowResult != nil {
				res.WorkflowID, res.RunID = last.StartWorkflowResult.WorkflowID, last.StartWorkflowResult.FirstExecutionRunID
			}
			break
		}
		if !sleep(ctx, 200*time.Millisecond) {
			return res, fmt.Errorf("schedule %s did not act on the trigger within %s: check the Temporal server", res.ScheduleID, triggerWait)
		}
	}
	for {
		v, err := m.Client.QueryWorkflow(ctx, res.WorkflowID, res.RunID, workflows.DecisionQuery)
		if err == nil && v.Get(&res.Decision) == nil && res.Decision.State != workflows.DecisionPending {
			switch res.Decision.State {
			case workflows.DecisionSkipped:
				res.Skipped, res.Reason = true, res.Decision.Reason
			case workflows.DecisionWaiting: // it starts when the change-triggered export ends
				res.Reason = res.Decision.Reason
			}
			return res, nil
		}
		if !sleep(ctx, 200*time.Millisecond) {
			return res, fmt.Errorf("the schedule started %s but it did not decide within %s: is the worker running on task queue %s?", res.WorkflowID, triggerWait, m.TaskQueue)
		}
	}
}

func running(d *client.ScheduleDescription) string {
	var ids []string
	for _, r := range d.Info.RunningWorkflows {
		ids = append(ids, r.WorkflowID)
	}
	if len(ids) == 0 {
		return "it has just finished"
	}
	return "workflow " + strings.Join(ids, ", ")
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
