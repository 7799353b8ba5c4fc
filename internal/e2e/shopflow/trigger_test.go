package shopflow_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// faults makes the calls of one gRPC method fail the way a busy server does.
// Each planned fault is used once, in order; a fault with reach set lets the
// call reach the server and loses only the answer; codes.OK lets a call pass.
type faults struct {
	mu    sync.Mutex
	plan  map[string][]fault // by method suffix, e.g. "PatchSchedule"
	calls map[string]int
}

type fault struct {
	code  codes.Code
	reach bool // the call reaches the server; the answer is lost
}

func (f *faults) set(method string, fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.plan[method] = fs
}

func (f *faults) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *faults) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	name := method[strings.LastIndex(method, "/")+1:]
	f.mu.Lock()
	f.calls[name]++
	var next *fault
	if p := f.plan[name]; len(p) > 0 {
		next, f.plan[name] = &p[0], p[1:]
	}
	f.mu.Unlock()
	if next == nil || next.code == codes.OK {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	if next.reach {
		if err := invoker(ctx, method, req, reply, cc, opts...); err != nil {
			return err
		}
	}
	return status.Error(next.code, "injected: "+next.code.String())
}

// faultyClient is a client of the package's dev server whose calls pass through f.
func faultyClient(t *testing.T) (client.Client, *faults) {
	t.Helper()
	f := &faults{plan: map[string][]fault{}, calls: map[string]int{}}
	c, err := client.Dial(client.Options{
		HostPort:          teststack.DevServer.FrontendHostPort(),
		Namespace:         "default",
		ConnectionOptions: client.ConnectionOptions{DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(f.intercept)}},
	})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, f
}

// triggerShop is a connected shop with orders and its schedules applied, the
// export schedule daily so that only the test's triggers run it.
func triggerShop(t *testing.T, stack *teststack.Stack, prefix string, first int64) string {
	t.Helper()
	id := stack.AddShop(t, randomID(prefix))
	deleteSchedules(t, stack.Client, id)
	seedOrders(t, stack.Store, stack.Sandbox, id, 10, first)
	shop := setSettings(t, stack.Store, id, func(s *shops.ShopSettings) {
		s.ExportIntervalMinutes, s.ImportIntervalMinutes, s.ExportOnChange = daily, daily, false
	})
	_, err := schedules.New(stack.Client, stack.Config.TaskQueue).Apply(context.Background(), shop)
	require.NoError(t, err)
	return id
}

// TestTriggerRetriesPassingErrors: the server cancels calls, runs out of time
// and loses the answer to the trigger itself; Trigger tries again and reports
// the export it started, and the schedule ran exactly once (the repeated
// trigger carries the same request ID).
func TestTriggerRetriesPassingErrors(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := triggerShop(t, stack, "retry", 830001)
	c, f := faultyClient(t)
	m := schedules.New(c, stack.Config.TaskQueue)
	m.Namespace = "default"
	before := describe(t, stack.Client, schedules.ExportID(id)).Info.NumActions

	f.set("DescribeSchedule", fault{code: codes.Canceled}, fault{code: codes.DeadlineExceeded}, fault{code: codes.Unavailable})
	f.set("PatchSchedule", fault{code: codes.Canceled, reach: true}, fault{code: codes.DeadlineExceeded})
	f.set("QueryWorkflow", fault{code: codes.ResourceExhausted}, fault{code: codes.Canceled})
	r, err := m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	require.False(t, r.Skipped, r.Reason)
	assert.Equal(t, workflows.DecisionStarted, r.Decision.State)
	assert.Equal(t, workflows.ShippingSyncID(id), r.Decision.WorkflowID)
	assert.NotEmpty(t, r.Decision.RunID)
	assert.Equal(t, 3, f.count("PatchSchedule"), "the trigger was sent again after each lost answer")
	res, err := scheduledExportResult(t, stack.Client, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	require.NotNil(t, res.Export)

	// The trigger reached the server three times with one request ID: one run.
	time.Sleep(2 * time.Second)
	d := describe(t, stack.Client, schedules.ExportID(id))
	assert.Equal(t, before+1, d.Info.NumActions, "one trigger, one run")
	assert.Zero(t, d.Info.NumActionsSkippedOverlap)
}

// TestTriggerNoRunSeen: the server keeps failing after it took the trigger
// (as on a cluster that just took 2,000 schedules); Trigger gives up after its
// wait with what happened and what to check, never the raw error alone, and
// the export still runs.
func TestTriggerNoRunSeen(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := triggerShop(t, stack, "slow", 840001)
	c, f := faultyClient(t)
	m := schedules.New(c, stack.Config.TaskQueue)
	m.Namespace, m.TriggerWait = "default", 3*time.Second
	before := describe(t, stack.Client, schedules.ExportID(id)).Info.NumActions

	down := make([]fault, 200)
	for i := range down {
		down[i] = fault{code: codes.DeadlineExceeded}
	}
	f.set("DescribeSchedule", append([]fault{{code: codes.OK}}, down...)...) // the first, before the trigger, passes
	_, err := m.Trigger(ctx, id, oms.KindExport)
	var u *schedules.TriggerUnconfirmedError
	require.True(t, errors.As(err, &u), "got %v", err)
	assert.Equal(t, schedules.StageNoRun, u.Stage)
	assert.True(t, u.MayStillRun())
	msg := err.Error()
	t.Logf("operator sees: %s", msg)
	for _, want := range []string{"schedule " + schedules.ExportID(id) + " was triggered but no run was seen within 3 s",
		"it may still start", "starter runs -shop " + id, "Temporal UI", "last error from Temporal"} {
		assert.Contains(t, msg, want)
	}
	assert.False(t, strings.HasPrefix(msg, "context deadline exceeded"))

	// It ran all the same.
	var d *client.ScheduleDescription
	eventually(t, 30*time.Second, "the triggered run", func() bool {
		d = describe(t, stack.Client, schedules.ExportID(id))
		return d.Info.NumActions == before+1 && len(d.Info.RecentActions) > 0
	})
	last := d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult
	res, err := scheduledExportResult(t, stack.Client, last.WorkflowID, last.FirstExecutionRunID)
	require.NoError(t, err)
	require.NotNil(t, res.Export)
}

// TestTriggerNotSent: Temporal does not answer at all: nothing is triggered,
// and the message says so.
func TestTriggerNotSent(t *testing.T) {
	stack := teststack.New(t)
	id := triggerShop(t, stack, "down", 845001)
	c, f := faultyClient(t)
	m := schedules.New(c, stack.Config.TaskQueue)
	m.Namespace, m.TriggerWait = "default", 2*time.Second
	down := make([]fault, 200)
	for i := range down {
		down[i] = fault{code: codes.Canceled}
	}
	f.set("DescribeSchedule", down...)
	_, err := m.Trigger(context.Background(), id, oms.KindExport)
	var u *schedules.TriggerUnconfirmedError
	require.True(t, errors.As(err, &u), "got %v", err)
	assert.Equal(t, schedules.StageNotSent, u.Stage)
	assert.False(t, u.MayStillRun())
	assert.Contains(t, err.Error(), "was NOT triggered")
	assert.Zero(t, f.count("PatchSchedule"))
}

// TestTriggerNoWorker: the schedule starts its run but no worker listens on
// the task queue: Trigger names the run and the task queue.
func TestTriggerNoWorker(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := stack.AddShop(t, randomID("noworker"))
	deleteSchedules(t, stack.Client, id)
	shop := setSettings(t, stack.Store, id, func(s *shops.ShopSettings) { s.ExportIntervalMinutes, s.ImportIntervalMinutes = daily, daily })
	m := schedules.New(stack.Client, "nobody-listens-"+id)
	m.Namespace, m.TriggerWait = "default", 3*time.Second
	_, err := m.Apply(ctx, shop)
	require.NoError(t, err)
	_, err = m.Trigger(ctx, id, oms.KindExport)
	var u *schedules.TriggerUnconfirmedError
	require.True(t, errors.As(err, &u), "got %v", err)
	assert.Equal(t, schedules.StageUndecided, u.Stage)
	assert.Contains(t, err.Error(), "is a worker running on task queue nobody-listens-"+id)
	assert.Contains(t, err.Error(), u.WorkflowID)
	t.Logf("operator sees: %s", err)
	require.NoError(t, stack.Client.TerminateWorkflow(ctx, u.WorkflowID, u.RunID, "test: no worker"))
}

// TestTriggerWaitsForChangeExport: a change-triggered export is running; the
// triggered full reconcile waits for it, and Trigger names that run.
func TestTriggerWaitsForChangeExport(t *testing.T) {
	stack := teststack.New(t)
	ctx := context.Background()
	id := triggerShop(t, stack, "waits", 850001)
	m := schedules.New(stack.Client, stack.Config.TaskQueue)
	m.Namespace = "default"
	stack.Sandbox.SetLatency(3 * time.Second)
	change, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: id, Trigger: oms.TriggerChange, Changes: true})
	require.NoError(t, err)
	r, err := m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	assert.False(t, r.Skipped)
	require.True(t, r.Waiting(), "decision %+v", r.Decision)
	assert.Equal(t, change.GetRunID(), r.WaitingRunID)
	assert.Equal(t, workflows.ShippingSyncID(id), r.Decision.WorkflowID)
	assert.Contains(t, r.Reason, change.GetRunID())
	stack.Sandbox.SetLatency(0)
	require.NoError(t, change.Get(ctx, nil))
	res, err := scheduledExportResult(t, stack.Client, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	assert.Equal(t, workflows.DecisionStarted, res.State)
	require.NotNil(t, res.Export, "the full reconcile ran after the change-triggered export")
	assert.NotEqual(t, change.GetRunID(), res.RunID)
}
