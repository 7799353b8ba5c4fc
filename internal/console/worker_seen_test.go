package console

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/colorme-sync/colorme-sync/internal/config"
)

// TestWorkerSeenReusesTheAnswer: the pages that say before an action what
// follows it (workerStoppedNow) ask Temporal whether a worker polls at most
// once per workerSeenFor on the server's clock; 稼働状況 (workerNow) always asks
// and refreshes the answer; when Temporal cannot say, the pages keep their
// usual wording; an ended request keeps nothing.
func TestWorkerSeenReusesTheAnswer(t *testing.T) {
	tq := &fakeQueue{answer: "stopped"}
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	s := &Server{d: Deps{Temporal: tq, Config: config.Config{Temporal: config.Temporal{TaskQueue: "q"}}, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	ctx := context.Background()

	assert.True(t, s.workerStoppedNow(ctx), "no poller: stopped")
	assert.Equal(t, 1, tq.asked())
	tq.set("polling")
	now = now.Add(workerSeenFor - time.Second)
	assert.True(t, s.workerStoppedNow(ctx), "the answer is reused")
	assert.Equal(t, 1, tq.asked(), "not asked again within workerSeenFor")
	now = now.Add(time.Second)
	assert.False(t, s.workerStoppedNow(ctx), "expired: asked again, a worker polls")
	assert.Equal(t, 2, tq.asked())

	tq.set("stopped")
	assert.Equal(t, workerStopped, s.workerNow(ctx).State, "稼働状況 asks every time")
	assert.Equal(t, 3, tq.asked())
	assert.True(t, s.workerStoppedNow(ctx), "and the pages reuse its answer")
	assert.Equal(t, 3, tq.asked())

	tq.set("error")
	now = now.Add(workerSeenFor)
	assert.False(t, s.workerStoppedNow(ctx), "Temporal cannot say: the usual wording")
	assert.Equal(t, 4, tq.asked())
	tq.set("stopped")
	now = now.Add(workerSeenFor / 2)
	assert.False(t, s.workerStoppedNow(ctx), "the unknown answer is reused too: a Temporal that is down is not waited for on each page")
	assert.Equal(t, 4, tq.asked())

	now = now.Add(workerSeenFor)
	ended, cancel := context.WithCancel(ctx)
	cancel()
	tq.set("error")
	assert.False(t, s.workerStoppedNow(ended))
	tq.set("stopped")
	assert.True(t, s.workerStoppedNow(ctx), "an ended request's answer is not kept")
	assert.Equal(t, 6, tq.asked())

	now = now.Add(-time.Minute)
	tq.set("polling")
	assert.False(t, s.workerStoppedNow(ctx), "a clock set back asks again")
	require.Equal(t, 7, tq.asked())
}

// fakeQueue is a Temporal client whose task queue has a poller (answer
// "polling"), none ("stopped"), or cannot be described ("error").
type fakeQueue struct {
	client.Client
	mu     sync.Mutex
	answer string
	asks   int // describes of the workflow queue: one per app.WorkerPolling
}

// set changes what the queue answers from now on.
func (f *fakeQueue) set(answer string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

// asked is how many times app.WorkerPolling asked.
func (f *fakeQueue) asked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asks
}

// DescribeTaskQueue answers as set.
func (f *fakeQueue) DescribeTaskQueue(ctx context.Context, _ string, typ enumspb.TaskQueueType) (*workflowservice.DescribeTaskQueueResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if typ == enumspb.TASK_QUEUE_TYPE_WORKFLOW {
		f.asks++
	}
	switch {
	case f.answer == "error" || ctx.Err() != nil:
		return nil, errors.New("temporal unreachable")
	case f.answer == "polling":
		return &workflowservice.DescribeTaskQueueResponse{Pollers: []*taskqueuepb.PollerInfo{{LastAccessTime: timestamppb.Now()}}}, nil
	}
	return &workflowservice.DescribeTaskQueueResponse{}, nil
}
