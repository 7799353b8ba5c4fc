package shopflow_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// daily keeps schedules from firing on their own during a test (an interval of a
// day fires at 00:00 UTC); the tests trigger them.
const daily = 1440

// TestSchedulesApplyAndTrigger applies a shop's settings: both schedules exist
// with the right spec, overlap policy, catch-up window, paused state and note,
// memo and search attribute; applying again changes nothing; a changed setting
// updates them; a trigger runs an export that completes.
func TestSchedulesApplyAndTrigger(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := stack.AddShop(t, randomID("sched"))
	deleteSchedules(t, stack.Client, id)
	seedOrders(t, stack.Store, stack.Sandbox, id, 20, 810001)
	shop := setSettings(t, stack.Store, id, func(s *shops.ShopSettings) {
		s.ExportIntervalMinutes, s.ImportIntervalMinutes = daily, daily
	})
	m := schedules.New(stack.Client, stack.Config.TaskQueue)

	applied, err := m.Apply(ctx, shop)
	require.NoError(t, err)
	require.Len(t, applied, 3) // import, export, stock (自動在庫連携)
	for _, a := range applied {
		assert.Equal(t, "created", a.Change, a.ID)
	}

	exp := describe(t, stack.Client, schedules.ExportID(id))
	assert.Equal(t, "colorme-export-"+id, schedules.ExportID(id))
	assert.Equal(t, []client.ScheduleIntervalSpec{{Every: 24 * time.Hour}}, exp.Schedule.Spec.Intervals)
	assert.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, exp.Schedule.Policy.Overlap)
	assert.Equal(t, schedules.CatchupWindow, exp.Schedule.Policy.CatchupWindow)
	assert.False(t, exp.Schedule.State.Paused)
	assert.Contains(t, exp.Schedule.State.Note, "active")
	act := exp.Schedule.Action.(*client.ScheduleWorkflowAction)
	assert.Equal(t, "ScheduledExport", act.Workflow)
	assert.Equal(t, stack.Config.TaskQueue, act.TaskQueue)
	var memoShop string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(exp.Memo.Fields["shop"], &memoShop))
	assert.Equal(t, id, memoShop)
	sa, ok := exp.TypedSearchAttributes.GetKeyword(workflows.ShopSearchAttribute)
	assert.True(t, ok)
	assert.Equal(t, id, sa)

	imp := describe(t, stack.Client, schedules.ImportID(id))
	assert.Equal(t, "colorme-import-"+id, schedules.ImportID(id))
	assert.True(t, imp.Schedule.State.Paused, "import is off by default")
	assert.Contains(t, imp.Schedule.State.Note, "automatic import is off (import_enabled=false)")
	assert.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, imp.Schedule.Policy.Overlap)
	assert.Equal(t, "ScheduledImport", imp.Schedule.Action.(*client.ScheduleWorkflowAction).Workflow)

	// Idempotent.
	applied, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	for _, a := range applied {
		assert.Equal(t, "unchanged", a.Change, a.ID)
	}
	// Settings change → update; export off → paused with a note.
	shop = setSettings(t, stack.Store, id, func(s *shops.ShopSettings) { s.ExportIntervalMinutes, s.ExportEnabled = daily-60, false })
	applied, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	assert.Equal(t, "updated", applied[1].Change)
	exp = settled(t, stack.Client, schedules.ExportID(id), paused(true))
	assert.Equal(t, 23*time.Hour, exp.Schedule.Spec.Intervals[0].Every)
	assert.Contains(t, exp.Schedule.State.Note, "export_enabled=false")
	// A person's pause survives an apply that would run the schedule.
	shop = setSettings(t, stack.Store, id, func(s *shops.ShopSettings) { s.ExportIntervalMinutes, s.ExportEnabled = daily, true })
	_, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	settled(t, stack.Client, schedules.ExportID(id), paused(false))
	require.NoError(t, m.Pause(ctx, id, []oms.Kind{oms.KindExport}, "paused by the operator: stock-taking"))
	settled(t, stack.Client, schedules.ExportID(id), paused(true))
	applied, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	assert.True(t, applied[1].Paused)
	assert.Equal(t, "paused by the operator: stock-taking", describe(t, stack.Client, schedules.ExportID(id)).Schedule.State.Note)
	require.NoError(t, m.Unpause(ctx, id, []oms.Kind{oms.KindExport}))
	settled(t, stack.Client, schedules.ExportID(id), paused(false))
	applied, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	assert.False(t, applied[1].Paused)
	settled(t, stack.Client, schedules.ExportID(id), paused(false))

	// Trigger: the export runs as the child shipping-sync-<shop> and completes.
	r, err := m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	require.False(t, r.Skipped, r.Reason)
	assert.True(t, strings.HasPrefix(r.WorkflowID, "colorme-export-"+id+"-"), r.WorkflowID)
	assert.Equal(t, workflows.ShippingSyncID(id), r.Decision.WorkflowID)
	res, err := scheduledExportResult(t, stack.Client, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	require.NotNil(t, res.Export)
	assert.Equal(t, workflows.DecisionStarted, res.State)
	assert.Positive(t, res.Export.Targets)
	t.Logf("scheduled export: %+v", *res.Export)

	// The schedule's recent actions name the run; the UI can filter by shop.
	exp = describe(t, stack.Client, schedules.ExportID(id))
	require.NotEmpty(t, exp.Info.RecentActions)
	assert.Equal(t, r.WorkflowID, exp.Info.RecentActions[len(exp.Info.RecentActions)-1].StartWorkflowResult.WorkflowID)
	eventually(t, 30*time.Second, "both runs visible under ColorMeShop", func() bool {
		resp, err := stack.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("ColorMeShop = '%s'", id)})
		return err == nil && len(resp.Executions) == 2
	})
	// The run log says it was scheduled.
	runs, err := stack.Store.Runs(ctx, id, 5)
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	assert.Equal(t, oms.TriggerScheduled, runs[0].Trigger)

	// Import on: its schedule resumes, and a trigger runs OrderImport under its fixed ID.
	shop = setSettings(t, stack.Store, id, func(s *shops.ShopSettings) { s.ImportEnabled = true })
	applied, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	assert.Equal(t, "updated", applied[0].Change)
	assert.False(t, applied[0].Paused)
	r, err = m.Trigger(ctx, id, oms.KindImport)
	require.NoError(t, err)
	require.False(t, r.Skipped, r.Reason)
	assert.Equal(t, workflows.OrderImportID(id), r.Decision.WorkflowID)
	var ir workflows.ScheduledImportResult
	ictx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	require.NoError(t, stack.Client.GetWorkflow(ictx, r.WorkflowID, r.RunID).Get(ictx, &ir))
	require.NotNil(t, ir.Import)
	t.Logf("scheduled import: %+v", *ir.Import)
}

// TestOneWriterPerShop: a manual export running → the scheduled trigger is
// skipped and says so, naming the manual run; a scheduled export running → a
// manual export is refused with its run ID, and a second trigger is skipped by
// the schedule's overlap policy.
func TestOneWriterPerShop(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := stack.AddShop(t, randomID("overlap"))
	deleteSchedules(t, stack.Client, id)
	seedOrders(t, stack.Store, stack.Sandbox, id, 10, 820001)
	shop := setSettings(t, stack.Store, id, func(s *shops.ShopSettings) { s.ExportIntervalMinutes, s.ImportIntervalMinutes = daily, daily })
	m := schedules.New(stack.Client, stack.Config.TaskQueue)
	_, err := m.Apply(ctx, shop)
	require.NoError(t, err)

	// Slow ColorMe down so that runs overlap.
	stack.Sandbox.SetLatency(4 * time.Second)
	manual, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: id, Trigger: "manual"})
	require.NoError(t, err)
	r, err := m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	require.True(t, r.Skipped, "the trigger must report the skip")
	assert.Contains(t, r.Reason, "a manual export of shop "+id+" is already running")
	assert.Contains(t, r.Reason, manual.GetRunID())
	t.Logf("trigger during a manual export: %s", r.Reason)
	wr, err := scheduledExportResult(t, stack.Client, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	assert.Equal(t, workflows.DecisionSkipped, wr.State)
	assert.Equal(t, manual.GetRunID(), wr.RunID)
	assert.Nil(t, wr.Export)
	require.NoError(t, manual.Get(ctx, nil))

	// Now a scheduled export runs: a manual one is refused.
	r, err = m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	require.False(t, r.Skipped, r.Reason)
	_, err = app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: id, Trigger: "manual"})
	var running *app.RunningError
	require.True(t, errors.As(err, &running), "got %v", err)
	assert.Equal(t, r.Decision.RunID, running.RunID)
	t.Logf("manual export during a scheduled one: %v", err)
	// And a second trigger is skipped by the schedule itself.
	r2, err := m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	require.True(t, r2.Skipped)
	assert.Contains(t, r2.Reason, "overlap policy Skip")
	t.Logf("second trigger during a scheduled export: %s", r2.Reason)

	stack.Sandbox.SetLatency(0)
	res, err := scheduledExportResult(t, stack.Client, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	require.NotNil(t, res.Export)
}

// TestRevokedTokenPausesSchedules: the merchant revokes the token → the scheduled
// export fails → the shop is marked "reconnect needed" and both schedules are
// paused with a note → connecting again resumes them and the export runs.
func TestRevokedTokenPausesSchedules(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := randomID("revoke")
	oauthShop(t, stack.Store, stack.Sandbox, stack.SandboxURL, id, "revoke-s3cret", redirectURL)
	deleteSchedules(t, stack.Client, id)
	seedOrders(t, stack.Store, stack.Sandbox, id, 10, 830001)
	setSettings(t, stack.Store, id, func(s *shops.ShopSettings) { s.ExportIntervalMinutes, s.ImportIntervalMinutes = daily, daily })
	m := schedules.New(stack.Client, stack.Config.TaskQueue)
	flow := &connect.Flow{Store: stack.Store, AfterConnect: func(ctx context.Context, s shops.Shop) error {
		_, err := m.Apply(ctx, s)
		return err
	}}

	// Before connecting, the schedules exist paused: not connected.
	shop, err := stack.Store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	_, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	assert.Contains(t, describe(t, stack.Client, schedules.ExportID(id)).Schedule.State.Note, "not connected")
	res, _ := connectShop(t, flow, id)
	require.NoError(t, res.AfterConnectErr)
	settled(t, stack.Client, schedules.ExportID(id), paused(false)) // connect resumed the export schedule

	token, err := stack.Store.Shops.AccessToken(ctx, id)
	require.NoError(t, err)
	stack.Sandbox.RevokeToken(token)
	r, err := m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	require.False(t, r.Skipped)
	_, err = scheduledExportResult(t, stack.Client, r.WorkflowID, r.RunID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ReconnectNeeded")
	t.Logf("scheduled export with a revoked token: %v", err)

	shop, err = stack.Store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	assert.True(t, shop.ReconnectNeeded)
	for _, sid := range []string{schedules.ExportID(id), schedules.ImportID(id)} {
		d := settled(t, stack.Client, sid, paused(true))
		assert.Contains(t, d.Schedule.State.Note, "needs reconnection", sid)
		assert.Contains(t, d.Schedule.State.Note, "starter shop connect -shop "+id, sid)
		assert.NotContains(t, d.Schedule.State.Note, token)
		t.Logf("%s note: %s", sid, d.Schedule.State.Note)
	}
	// Applying settings keeps them paused while the shop needs reconnection.
	_, err = m.Apply(ctx, shop)
	require.NoError(t, err)
	assert.True(t, describe(t, stack.Client, schedules.ExportID(id)).Schedule.State.Paused)

	// Reconnect: the export schedule resumes (import stays off, as set).
	res, _ = connectShop(t, flow, id)
	require.NoError(t, res.AfterConnectErr)
	shop, err = stack.Store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	assert.False(t, shop.ReconnectNeeded)
	settled(t, stack.Client, schedules.ExportID(id), paused(false))
	imp := describe(t, stack.Client, schedules.ImportID(id))
	assert.True(t, imp.Schedule.State.Paused)
	assert.Contains(t, imp.Schedule.State.Note, "import_enabled=false")
	r, err = m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	out, err := scheduledExportResult(t, stack.Client, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	require.NotNil(t, out.Export)
	assert.Equal(t, 0, out.Export.Failed)
}

// TestTemporalCLICommands runs docs/operating.md's commands with the Temporal CLI: a
// schedule trigger, and a manual export started with `temporal workflow start`
// that a second start with the same ID is refused beside. Without
// --fail-existing the CLI would print the running run as if it had started it.
func TestTemporalCLICommands(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := stack.AddShop(t, randomID("cli"))
	deleteSchedules(t, stack.Client, id)
	seedOrders(t, stack.Store, stack.Sandbox, id, 5, 840001)
	shop := setSettings(t, stack.Store, id, func(s *shops.ShopSettings) { s.ExportIntervalMinutes, s.ImportIntervalMinutes = daily, daily })
	m := schedules.New(stack.Client, stack.Config.TaskQueue)
	_, err := m.Apply(ctx, shop)
	require.NoError(t, err)
	cli, err := teststack.TemporalCLI()
	require.NoError(t, err)
	temporal := func(args ...string) (string, error) {
		args = append(args, "--address", teststack.DevServer.FrontendHostPort(), "--namespace", "default")
		out, err := exec.Command(cli, args...).CombinedOutput()
		return string(out), err
	}

	out, err := temporal("schedule", "trigger", "--schedule-id", schedules.ExportID(id))
	require.NoError(t, err, out)
	var wf string
	eventually(t, 30*time.Second, "the triggered run", func() bool {
		d := describe(t, stack.Client, schedules.ExportID(id))
		if len(d.Info.RecentActions) == 0 {
			return false
		}
		wf = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult.WorkflowID
		return true
	})
	res, err := scheduledExportResult(t, stack.Client, wf, "")
	require.NoError(t, err)
	require.NotNil(t, res.Export)

	stack.Sandbox.SetLatency(3 * time.Second)
	start := []string{"workflow", "start", "--type", "ShippingSync", "--task-queue", stack.Config.TaskQueue,
		"--workflow-id", workflows.ShippingSyncID(id), "--id-conflict-policy", "Fail", "--fail-existing", "--input", fmt.Sprintf(`{"shop_id":%q}`, id)}
	out, err = temporal(start...)
	require.NoError(t, err, out)
	t.Logf("first `temporal workflow start`: %s", strings.TrimSpace(out))
	out, err = temporal(start...)
	require.Error(t, err, "a second export beside the first must be refused")
	t.Logf("second `temporal workflow start`: %s", strings.TrimSpace(out))
	assert.Contains(t, out, "already")
	stack.Sandbox.SetLatency(0)
	var sum workflows.ShippingSyncResult
	require.NoError(t, stack.Client.GetWorkflow(ctx, workflows.ShippingSyncID(id), "").Get(ctx, &sum))
	assert.Equal(t, id, sum.ShopID)
}
