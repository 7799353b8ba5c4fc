package schedules

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/oms"
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

// Describe returns the shop's schedules (one per kind); a missing one has Exists false.
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
