package workflows_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestStockOnChange_BurstGivesOnePush: a burst of stock changes gives one
// StockPush (trigger change) after the quiet; a change during that push makes
// a second push follow; then the trigger completes once idle.
func TestStockOnChange_BurstGivesOnePush(t *testing.T) {
	env := testenv.WorkflowEnv()
	env.SetTestTimeout(time.Minute)
	env.RegisterWorkflow(workflows.StockOnChange)
	env.RegisterWorkflow(workflows.StockPush)
	var (
		mu     sync.Mutex
		starts []time.Time
		inputs []workflows.StockPushInput
	)
	env.OnWorkflow(workflows.StockPush, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.StockPushInput) (workflows.StockPushResult, error) {
			mu.Lock()
			starts, inputs = append(starts, workflow.Now(ctx)), append(inputs, in)
			mu.Unlock()
			return workflows.StockPushResult{Rounds: 1}, workflow.Sleep(ctx, 3*time.Second)
		})
	var begun time.Time
	env.RegisterDelayedCallback(func() { begun = env.Now() }, 0)
	for i := range 4 {
		signalAt(env, time.Duration(i)*time.Second, "stock file: 3 SKUs")
	}
	signalAt(env, 10*time.Second, "status of sale 9") // during the first push (8 s … 11 s)
	env.ExecuteWorkflow(workflows.StockOnChange, workflows.StockOnChangeInput{ShopID: testShop})
	res := workflowResult[workflows.StockOnChangeResult](t, env)
	require.Len(t, starts, 2, "one push for the burst, one for the change during it")
	assert.Equal(t, workflows.StockPushInput{ShopID: testShop, Trigger: oms.TriggerChange}, inputs[0])
	wait := starts[0].Sub(begun)
	assert.True(t, wait >= 8*time.Second && wait < 9*time.Second, "push 5 s after the last change (3 s), got %s", wait)
	assert.Equal(t, 5, res.Changes)
	assert.Equal(t, 2, res.Runs)
	assert.Equal(t, "status of sale 9", res.LastChange)
}

// TestScheduledStock runs the push under the shop's fixed push ID with the
// trigger scheduled and returns its result.
func TestScheduledStock(t *testing.T) {
	env := testenv.WorkflowEnv()
	var a *activities.Activities
	env.RegisterActivity(a)
	env.RegisterWorkflow(workflows.StockPush)
	var got workflows.StockPushInput
	env.OnWorkflow(workflows.StockPush, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.StockPushInput) (workflows.StockPushResult, error) {
			got = in
			assert.Equal(t, workflows.StockPushID(testShop), workflow.GetInfo(ctx).WorkflowExecution.ID)
			return workflows.StockPushResult{RunID: 4, Rounds: 1}, nil
		})
	env.ExecuteWorkflow(workflows.ScheduledStock, workflows.ScheduledStockInput{ShopID: testShop})
	res := workflowResult[workflows.ScheduledStockResult](t, env)
	assert.Equal(t, workflows.StockPushInput{ShopID: testShop, Trigger: oms.TriggerScheduled}, got)
	assert.Equal(t, workflows.DecisionStarted, res.State)
	require.NotNil(t, res.Push)
	assert.Equal(t, int64(4), res.Push.RunID)
}

// TestStockOnChangeID round-trips the trigger's workflow ID.
func TestStockOnChangeID(t *testing.T) {
	shop, ok := workflows.ParseStockOnChangeID(workflows.StockOnChangeID("my-shop"))
	assert.True(t, ok)
	assert.Equal(t, "my-shop", shop)
}
