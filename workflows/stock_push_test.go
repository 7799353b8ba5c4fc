package workflows_test

import (
	"context"
	"errors"
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

// TestStockPushRounds: a round with an unclear write, then a round whose
// activity died (a killed worker), are each followed by another round that
// first waits out the stale window since the last write and runs a fresh
// import; the run completes when a round leaves nothing open. StockWrite is
// never retried by Temporal.
func TestStockPushRounds(t *testing.T) {
	env := testenv.WorkflowEnv()
	var a *activities.Activities
	env.RegisterActivity(a)
	env.RegisterWorkflow(workflows.OrderImport)
	var (
		writes, imports int
		readTimes       []time.Time
		lastWrite       time.Time
		finished        activities.StockFinishRunInput
	)
	env.OnActivity(a.StockStartRun, mock.Anything, mock.Anything).Return(activities.StockStartRunResult{RunID: 7}, nil)
	env.OnActivity(a.StockLastWrite, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.ShopInput) (activities.StockLastWriteResult, error) {
			return activities.StockLastWriteResult{At: lastWrite}, nil
		})
	env.OnActivity(a.StockRead, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.ShopInput) (activities.StockReadResult, error) {
			readTimes = append(readTimes, env.Now())
			return activities.StockReadResult{ReadAt: env.Now(), Values: map[string]int64{"1//": 3}}, nil
		})
	env.OnWorkflow(workflows.OrderImport, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, _ workflows.OrderImportInput) (workflows.OrderImportResult, error) {
			imports++
			return workflows.OrderImportResult{}, nil
		})
	env.OnActivity(a.StockWrite, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.StockWriteInput) (activities.StockWriteResult, error) {
			writes++
			lastWrite = env.Now()
			switch writes {
			case 1:
				assert.Equal(t, map[string]int64{"1//": 3}, in.First)
				return activities.StockWriteResult{Mapped: 2, Written: 1, Unclear: 1}, nil
			case 2:
				return activities.StockWriteResult{}, errors.New("worker lost")
			}
			return activities.StockWriteResult{Mapped: 2, Unchanged: 2}, nil
		})
	env.OnActivity(a.StockFinishRun, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.StockFinishRunInput) error { finished = in; return nil })

	env.ExecuteWorkflow(workflows.StockPush, workflows.StockPushInput{ShopID: "s", StaleWindow: 6 * time.Second})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.StockPushResult
	require.NoError(t, env.GetWorkflowResult(&res))

	assert.Equal(t, 3, writes, "one StockWrite per round, never retried")
	assert.Equal(t, 3, imports, "every round imports after its first read")
	assert.Equal(t, 3, res.Rounds)
	assert.Zero(t, res.Open)
	assert.Equal(t, 1, res.Totals.Written)
	require.Len(t, readTimes, 3)
	for i := 1; i < 3; i++ {
		assert.GreaterOrEqual(t, readTimes[i].Sub(readTimes[i-1]), 6*time.Second, "round %d read only after the stale window", i+1)
	}
	assert.Equal(t, oms.RunCompleted, finished.Status)
	assert.Equal(t, int64(7), finished.RunID)
}
