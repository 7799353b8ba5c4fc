package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// HeartbeatEvery is how often ColorMe activities heartbeat while they run. Their
// heartbeat timeout (set by the workflow) is a few times this, so a worker that
// dies mid-call is noticed in seconds, however long the API budget makes the
// activity wait.
const HeartbeatEvery = 5 * time.Second

// keepAlive heartbeats until the returned stop function is called.
func keepAlive(ctx context.Context) (stop func()) {
	activity.RecordHeartbeat(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done) }
}
