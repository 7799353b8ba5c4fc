package workflows_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// exports records the incremental exports a trigger ran (mocked ShippingSync
// children, each taking runFor of workflow time) and when they started.
type exports struct {
	mu     sync.Mutex
	runFor time.Duration
	starts []time.Time
	inputs []workflows.ShippingSyncInput
}

func (x *exports) mock(env *testsuite.TestWorkflowEnvironment) {
	env.OnWorkflow(workflows.ShippingSync, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.ShippingSyncInput) (workflows.ShippingSyncResult, error) {
			x.mu.Lock()
			x.starts = append(x.starts, workflow.Now(ctx))
			x.inputs = append(x.inputs, in)
			x.mu.Unlock()
			if err := workflow.Sleep(ctx, x.runFor); err != nil {
				return workflows.ShippingSyncResult{}, err
			}
			return workflows.ShippingSyncResult{ShopID: in.ShopID, Changes: true}, nil
		})
}

func (x *exports) count() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.starts)
}

func newTriggerEnv(x *exports) *testsuite.TestWorkflowEnvironment {
	env := testenv.WorkflowEnv()
	env.SetTestTimeout(time.Minute)
	env.RegisterWorkflow(workflows.ExportOnChange)
	env.RegisterWorkflow(workflows.ShippingSync)
	x.mock(env)
	return env
}

func signalAt(env *testsuite.TestWorkflowEnvironment, at time.Duration, reason string) {
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.ChangeSignal, workflows.ChangeNotice{Reason: reason})
	}, at)
}

// TestExportOnChange_BurstGivesOneRun: five changes a second apart are one
// burst: one incremental export, 5 s after the last change, under the shop's
// fixed export ID; then the trigger completes once idle.
func TestExportOnChange_BurstGivesOneRun(t *testing.T) {
	x := &exports{runFor: 2 * time.Second}
	env := newTriggerEnv(x)
	var begun time.Time
	env.RegisterDelayedCallback(func() { begun = env.Now() }, 0)
	for i := range 5 {
		signalAt(env, time.Duration(i)*time.Second, "status of sale 1")
	}
	env.ExecuteWorkflow(workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: testShop})
	res := workflowResult[workflows.ExportOnChangeResult](t, env)
	require.Equal(t, 1, x.count(), "one export for the burst")
	assert.Equal(t, workflows.ShippingSyncInput{ShopID: testShop, Trigger: oms.TriggerChange, Changes: true}, x.inputs[0])
	wait := x.starts[0].Sub(begun)
	assert.True(t, wait >= 9*time.Second && wait < 11*time.Second, "export 5 s after the last change (4 s), got %s", wait)
	assert.Equal(t, workflows.ExportOnChangeResult{ShopID: testShop, Changes: 5, Runs: 1, Chain: 1, LastRun: res.LastRun,
		LastChange: "status of sale 1"}, res)
}

// TestExportOnChange_MaxDelay: changes every 3 s never leave 5 s of quiet; the
// export still starts 30 s after the burst's first change.
func TestExportOnChange_MaxDelay(t *testing.T) {
	x := &exports{runFor: time.Second}
	env := newTriggerEnv(x)
	var begun time.Time
	env.RegisterDelayedCallback(func() { begun = env.Now() }, 0)
	for i := range 20 { // 0 … 57 s
		signalAt(env, time.Duration(3*i)*time.Second, "csv")
	}
	env.ExecuteWorkflow(workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: testShop})
	res := workflowResult[workflows.ExportOnChangeResult](t, env)
	require.GreaterOrEqual(t, x.count(), 2)
	first := x.starts[0].Sub(begun)
	assert.True(t, first >= 30*time.Second && first < 31*time.Second, "first export 30 s after the first change, got %s", first)
	assert.Equal(t, 20, res.Changes)
	assert.Equal(t, x.count(), res.Runs)
}

// TestExportOnChange_ChangeDuringRun: a change that comes while the export runs
// makes the trigger dirty: a second export follows, and nothing more.
func TestExportOnChange_ChangeDuringRun(t *testing.T) {
	x := &exports{runFor: 20 * time.Second}
	env := newTriggerEnv(x)
	signalAt(env, 0, "first")
	signalAt(env, 15*time.Second, "during the run") // the export runs from 5 s to 25 s
	env.ExecuteWorkflow(workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: testShop})
	res := workflowResult[workflows.ExportOnChangeResult](t, env)
	require.Equal(t, 2, x.count(), "the change during the run gets an export of its own")
	assert.True(t, x.starts[1].After(x.starts[0].Add(20*time.Second)), "the second export starts after the first ended")
	assert.Equal(t, 2, res.Runs)
	assert.Equal(t, 2, res.Changes)
}

// TestExportOnChange_BlockedRetries: while another run holds the shop's export
// ID (here the trigger itself, as the test environment refuses a child whose ID
// is running), the trigger starts nothing beside it and tries again every 10 s,
// the change still pending; it stops when cancelled.
func TestExportOnChange_BlockedRetries(t *testing.T) {
	x := &exports{runFor: time.Second}
	env := newTriggerEnv(x)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.ShippingSyncID(testShop)})
	signalAt(env, 0, "slip")
	var state workflows.TriggerState
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.ProgressQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&state))
		env.CancelWorkflow()
	}, 60*time.Second)
	env.ExecuteWorkflow(workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: testShop})
	require.True(t, env.IsWorkflowCompleted())
	require.Error(t, env.GetWorkflowError(), "cancelled")
	assert.Equal(t, 0, x.count(), "no export beside the running one")
	assert.True(t, state.Pending, "the change is still pending")
	assert.GreaterOrEqual(t, state.Blocked, 4, "tried at 5 s, then every 10 s (+5 s quiet): %+v", state)
	assert.Contains(t, []string{workflows.TriggerBlocked, workflows.TriggerDebounce}, state.State)
}

// TestExportOnChange_ContinuesAsNew: after MaxRuns exports the trigger
// continues as new, carrying the change that came during the last export and
// its counts.
func TestExportOnChange_ContinuesAsNew(t *testing.T) {
	x := &exports{runFor: 10 * time.Second}
	env := newTriggerEnv(x)
	signalAt(env, 0, "first")
	signalAt(env, 8*time.Second, "during the run")
	env.ExecuteWorkflow(workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: testShop, MaxRuns: 1})
	require.True(t, env.IsWorkflowCompleted())
	next := continuedAs[workflows.ExportOnChangeInput](t, env.GetWorkflowError(), "ExportOnChange")
	assert.True(t, next.Pending, "the change during the run is carried over")
	require.NotNil(t, next.Carried)
	assert.Equal(t, 1, next.Carried.Runs)
	assert.Equal(t, 2, next.Carried.Changes)
	assert.Equal(t, 1, x.count())
}

// TestExportOnChange_RequiresShop: a trigger without a shop fails at once.
func TestExportOnChange_RequiresShop(t *testing.T) {
	env := newTriggerEnv(&exports{})
	env.ExecuteWorkflow(workflows.ExportOnChange, workflows.ExportOnChangeInput{})
	require.True(t, env.IsWorkflowCompleted())
	assert.True(t, appError(t, env.GetWorkflowError()).NonRetryable())
}
