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
	return heartbeatEvery(ctx, func() { activity.RecordHeartbeat(ctx) })
}

// heartbeatEvery calls beat now and then every HeartbeatEvery (the SDK sends at
// most one heartbeat per throttle interval to the server) until stop is called
// or ctx is done.
func heartbeatEvery(ctx context.Context, beat func()) (stop func()) {
	beat()
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
				beat()
			}
		}
	}()
	return func() { close(done) }
}
