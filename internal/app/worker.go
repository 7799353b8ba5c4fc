package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/pause"
)

// WorkerCommand is what starts a worker, as the no-worker messages name it.
const WorkerCommand = "`bin/worker` (with the same DATABASE_URL, COLORME_SYNC_SECRET_KEY and TEMPORAL_* settings), or `make demo` for the demo"

// PollerFresh is how recently a worker must have polled the task queue to count
// as running. An idle worker long-polls about once a minute; the server keeps
// showing a worker that stopped for a few minutes more.
const PollerFresh = 2 * time.Minute

// NoWorkerError says no worker polls the task queue, so nothing would run a
// workflow started on it.
type NoWorkerError struct {
	TaskQueue, Namespace, Address string
	LastSeen                      time.Time // the last poll of a worker that has stopped; zero: none seen
}

func (e *NoWorkerError) Error() string {
	seen := "no worker has polled it recently"
	if !e.LastSeen.IsZero() {
		seen = "the last worker polled it at " + e.LastSeen.UTC().Format(time.RFC3339) + " and seems to have stopped"
	}
	return fmt.Sprintf("no worker is polling task queue %q (namespace %s at %s; %s), so nothing would run it: start a worker with %s, then try again",
		e.TaskQueue, e.Namespace, e.Address, seen, WorkerCommand)
}

// WorkerPolling reports whether a worker polls the configured task queue now,
// from the task queue's description (its pollers), and when one last polled.
func WorkerPolling(ctx context.Context, c client.Client, cfg config.Config) (bool, time.Time, error) {
	var last time.Time
	for _, typ := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
		d, err := c.DescribeTaskQueue(ctx, cfg.TaskQueue, typ)
		if err != nil {
			return false, time.Time{}, fmt.Errorf("describing task queue %q: %w", cfg.TaskQueue, err)
		}
		for _, p := range d.GetPollers() {
			if t := p.GetLastAccessTime().AsTime(); t.After(last) {
				last = t
			}
		}
	}
	return !last.IsZero() && time.Since(last) < PollerFresh, last, nil
}

// CheckWorker returns nil as soon as a worker polls the configured task queue,
// and a *NoWorkerError when none has within wait (a worker that has just
// started needs a moment for its first poll). Call it before starting a
// workflow an operator waits for: without a worker the run would sit in the
// queue, and the operator would wait in silence.
func CheckWorker(ctx context.Context, c client.Client, cfg config.Config, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		ok, last, err := WorkerPolling(ctx, c, cfg)
		if err != nil || ok {
			return err
		}
		if !time.Now().Before(deadline) {
			return &NoWorkerError{TaskQueue: cfg.TaskQueue, Namespace: cfg.TemporalNamespace, Address: cfg.TemporalAddress, LastSeen: last}
		}
		if err := pause.For(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
}

// IsNoWorker reports whether err is a *NoWorkerError.
func IsNoWorker(err error) bool {
	_, ok := errors.AsType[*NoWorkerError](err)
	return ok
}
