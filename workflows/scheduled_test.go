package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// runScheduled runs the scheduled workflow sched on in, its child mocked to
// answer childRes, and returns sched's result and the input the child was
// started with.
func runScheduled[SI, SR, CI, CR any](t *testing.T, sched func(workflow.Context, SI) (SR, error), in SI,
	child func(workflow.Context, CI) (CR, error), childRes CR) (SR, CI) {
	t.Helper()
	env := testenv.WorkflowEnv()
	env.RegisterWorkflow(sched)
	var started CI
	env.OnWorkflow(child, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in CI) (CR, error) {
			started = in
			return childRes, nil
		})
	env.ExecuteWorkflow(sched, in)
	return workflowResult[SR](t, env), started
}

// TestScheduledExport_Runs: the export schedule's action starts ShippingSync as a
// child under the shop's fixed ID, triggered "scheduled", and returns its result.
func TestScheduledExport_Runs(t *testing.T) {
	res, started := runScheduled(t, workflows.ScheduledExport, workflows.ScheduledExportInput{ShopID: testShop},
		workflows.ShippingSync, workflows.ShippingSyncResult{RunID: 7, RunTotals: oms.RunTotals{Targets: 3, Updated: 2}})
	assert.Equal(t, workflows.ShippingSyncInput{ShopID: testShop, Trigger: oms.TriggerScheduled}, started)
	assert.Equal(t, workflows.DecisionStarted, res.State)
	assert.Equal(t, workflows.ShippingSyncID(testShop), res.WorkflowID)
	require.NotNil(t, res.Export)
	assert.Equal(t, int64(7), res.Export.RunID)
	assert.Equal(t, 2, res.Export.Updated)
}

// TestScheduledImport_Runs: the import schedule's action starts OrderImport as a
// child under the shop's fixed ID and returns its result.
func TestScheduledImport_Runs(t *testing.T) {
	res, started := runScheduled(t, workflows.ScheduledImport, workflows.ScheduledImportInput{ShopID: testShop},
		workflows.OrderImport, workflows.OrderImportResult{RunID: 8})
	assert.Equal(t, workflows.OrderImportInput{ShopID: testShop, Trigger: oms.TriggerScheduled}, started)
	assert.Equal(t, workflows.DecisionStarted, res.State)
	assert.Equal(t, workflows.OrderImportID(testShop), res.WorkflowID)
	require.NotNil(t, res.Import)
	assert.Equal(t, int64(8), res.Import.RunID)
}

// TestScheduled_RequiresShop: a schedule without a shop fails at once, not retried.
func TestScheduled_RequiresShop(t *testing.T) {
	for name, run := range map[string]func(env interface{ ExecuteWorkflow(any, ...any) }){
		"export": func(env interface{ ExecuteWorkflow(any, ...any) }) {
			env.ExecuteWorkflow(workflows.ScheduledExport, workflows.ScheduledExportInput{})
		},
		"import": func(env interface{ ExecuteWorkflow(any, ...any) }) {
			env.ExecuteWorkflow(workflows.ScheduledImport, workflows.ScheduledImportInput{})
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := testenv.WorkflowEnv()
			env.RegisterWorkflow(workflows.ScheduledExport)
			env.RegisterWorkflow(workflows.ScheduledImport)
			run(env)
			require.True(t, env.IsWorkflowCompleted())
			ae := appError(t, env.GetWorkflowError())
			assert.Equal(t, activities.ErrInvalidInput, ae.Type())
			assert.True(t, ae.NonRetryable())
		})
	}
}

// busyChild stands for a run of child already going under id: RunningWorkflow,
// asked about id, answers running; the scheduled run itself holds id, as the
// test environment refuses a child whose ID is still running; and child, should
// it start, fails the test. It returns the mock of RunningWorkflow.
func busyChild[I, R any](t *testing.T, env *testsuite.TestWorkflowEnvironment, child func(workflow.Context, I) (R, error), id string, running activities.RunningWorkflowResult) *testsuite.MockCallWrapper {
	acts := &activities.Activities{}
	env.RegisterActivity(acts)
	asked := env.OnActivity(acts.RunningWorkflow, mock.Anything, activities.RunningWorkflowInput{WorkflowID: id}).Return(running, nil)
	env.OnWorkflow(child, mock.Anything, mock.Anything).Return(
		func(workflow.Context, I) (R, error) {
			t.Errorf("no run of %s may start beside the running one", id)
			var none R
			return none, nil
		})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	return asked
}

// TestScheduledExport_SkippedWhileRunning: when the shop's export ID is already
// running (a manual export), the scheduled run completes at once, skipped, and
// names the running run and who started it.
func TestScheduledExport_SkippedWhileRunning(t *testing.T) {
	env := testenv.WorkflowEnv()
	env.RegisterWorkflow(workflows.ScheduledExport)
	started := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	busyChild(t, env, workflows.ShippingSync, workflows.ShippingSyncID(testShop),
		activities.RunningWorkflowResult{Running: true, RunID: "run-manual", StartTime: started, Trigger: oms.TriggerManual})
	env.ExecuteWorkflow(workflows.ScheduledExport, workflows.ScheduledExportInput{ShopID: testShop})
	res := workflowResult[workflows.ScheduledExportResult](t, env)
	assert.Equal(t, workflows.DecisionSkipped, res.State)
	assert.Equal(t, "run-manual", res.RunID)
	assert.Nil(t, res.Export)
	assert.Contains(t, res.Reason, "a manual export of shop "+testShop+" is already running")
	assert.Contains(t, res.Reason, "run run-manual")
}

// TestScheduledImport_SkippedWhileRunning: an import schedule firing while the
// shop's import runs completes at once, skipped, naming the running run.
func TestScheduledImport_SkippedWhileRunning(t *testing.T) {
	env := testenv.WorkflowEnv()
	env.RegisterWorkflow(workflows.ScheduledImport)
	busyChild(t, env, workflows.OrderImport, workflows.OrderImportID(testShop),
		activities.RunningWorkflowResult{Running: true, RunID: "run-sched", Trigger: oms.TriggerScheduled})
	env.ExecuteWorkflow(workflows.ScheduledImport, workflows.ScheduledImportInput{ShopID: testShop})
	res := workflowResult[workflows.ScheduledImportResult](t, env)
	assert.Equal(t, workflows.DecisionSkipped, res.State)
	assert.Equal(t, "run-sched", res.RunID)
	assert.Nil(t, res.Import)
	assert.Contains(t, res.Reason, "a scheduled import of shop "+testShop+" is already running")
}

// TestScheduledExport_WaitsForChangeRun: a scheduled export that finds an
// incremental export started by a change waits for it (trying again every
// ScheduledYieldRetry) instead of skipping at once; here the ID stays held, so
// it skips after ScheduledYieldFor.
func TestScheduledExport_WaitsForChangeRun(t *testing.T) {
	env := testenv.WorkflowEnv()
	env.RegisterWorkflow(workflows.ScheduledExport)
	asked := 0
	busyChild(t, env, workflows.ShippingSync, workflows.ShippingSyncID(testShop),
		activities.RunningWorkflowResult{Running: true, RunID: "run-change", Trigger: oms.TriggerChange}).
		Run(func(mock.Arguments) { asked++ })
	began := env.Now()
	env.ExecuteWorkflow(workflows.ScheduledExport, workflows.ScheduledExportInput{ShopID: testShop})
	res := workflowResult[workflows.ScheduledExportResult](t, env)
	assert.Equal(t, workflows.DecisionSkipped, res.State)
	assert.GreaterOrEqual(t, env.Now().Sub(began), workflows.ScheduledYieldFor)
	assert.Equal(t, int(workflows.ScheduledYieldFor/workflows.ScheduledYieldRetry)+1, asked, "tried every %s", workflows.ScheduledYieldRetry)
	assert.Contains(t, res.Reason, "a change export of shop "+testShop+" is already running")
}
