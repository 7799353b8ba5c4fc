package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/activities"
)

// started is one activity as the export started it.
type started struct {
	name      string
	local     bool
	timeout   time.Duration
	heartbeat time.Duration
	retry     *temporal.RetryPolicy // reported for local activities only by the test environment
	at        time.Time
}

// recordStarts records every activity h's export starts, regular or local.
func recordStarts(h *harness) *[]started {
	var got []started
	add := func(info *activity.Info) {
		got = append(got, started{name: info.ActivityType.Name, local: info.IsLocalActivity,
			timeout: info.StartToCloseTimeout, heartbeat: info.HeartbeatTimeout, retry: info.RetryPolicy, at: h.env.Now()})
	}
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) { add(info) })
	h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) { add(info) })
	return &got
}

var (
	dbRetry = &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
		MaximumInterval: 30 * time.Second, MaximumAttempts: 20}
	colorMeRetry = &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
		MaximumInterval: 30 * time.Second, MaximumAttempts: 30, NonRetryableErrorTypes: activities.NonRetryableErrorTypes()}
)

// The export's activities run with the timeouts and retries recorded runs were
// made with: the database ones the same whether regular or local, the ColorMe
// ones with the heartbeat that notices a dead worker and the error types that
// are never retried. (The test environment reports the retry policy of local
// activities only: TestShippingSync_RetriesAsRecorded retries regular ones.)
func TestShippingSync_ActivityOptions(t *testing.T) {
	for name, opts := range map[string][]envOption{"one UpdateSale per sale": nil, "batched": {batched()}} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, newWorld(append(repeat(changed, 12), unchanged)...), opts...)
			got := recordStarts(h)
			_, err := h.run(t, input())
			require.NoError(t, err)
			seen := map[string]bool{}
			locals := 0
			for _, s := range *got {
				seen[s.name] = true
				switch s.name {
				case "StartRun", "FetchTargets", "RecordOutcomes", "FinishRun":
					assert.Equal(t, time.Minute, s.timeout, "%s (local: %v)", s.name, s.local)
					if s.local {
						locals++
						assert.Equal(t, dbRetry, s.retry, s.name)
					}
				case "ReadColorMeState", "UpdateSale", "UpdateSales":
					want := 2 * time.Minute
					if s.name == "UpdateSales" {
						want = 30 * time.Minute
					}
					assert.False(t, s.local, s.name)
					assert.Equal(t, want, s.timeout, s.name)
					assert.Equal(t, 4*activities.HeartbeatEvery, s.heartbeat, s.name)
				default:
					t.Errorf("unexpected activity %s", s.name)
				}
			}
			assert.Positive(t, locals, "no local activity: StartRun runs as one")
			for _, n := range []string{"StartRun", "FetchTargets", "ReadColorMeState", "RecordOutcomes", "FinishRun"} {
				assert.True(t, seen[n], "%s was not run", n)
			}
		})
	}
}

// A regular activity is retried as recorded runs were: a database read up to
// 20 attempts and a ColorMe read up to 30, backing off from 1 s to 30 s; a
// ColorMe refusal for good is not retried.
func TestShippingSync_RetriesAsRecorded(t *testing.T) {
	unavailable := temporal.NewApplicationError("HTTP 503: maintenance", activities.ErrColorMeUnavailable)
	// attempts runs the unbatched export (its pages are read by regular
	// activities) and returns when each attempt of the named activity began.
	attempts := func(t *testing.T, w *world, name string) []time.Time {
		h := newHarness(t, w)
		got := recordStarts(h)
		_, err := h.run(t, input())
		require.Error(t, err, "the run fails once the activity gives up")
		var at []time.Time
		for _, s := range *got {
			if s.name == name {
				require.False(t, s.local, name)
				at = append(at, s.at)
			}
		}
		return at
	}
	gaps := func(at []time.Time) []time.Duration {
		var d []time.Duration
		for i := 1; i < len(at); i++ {
			d = append(d, at[i].Sub(at[i-1]))
		}
		return d
	}
	backoff := func(p *temporal.RetryPolicy) []time.Duration {
		var d []time.Duration
		next := p.InitialInterval
		for i := int32(1); i < p.MaximumAttempts; i++ {
			d = append(d, next)
			next = min(time.Duration(float64(next)*p.BackoffCoefficient), p.MaximumInterval)
		}
		return d
	}

	w := newWorld(repeat(changed, 3)...)
	w.fetchErr = func(int) error { return unavailable }
	assert.Equal(t, backoff(dbRetry), gaps(attempts(t, w, "FetchTargets")), "FetchTargets")

	w = newWorld(repeat(changed, 3)...)
	w.readErr = func(int) error { return unavailable }
	assert.Equal(t, backoff(colorMeRetry), gaps(attempts(t, w, "ReadColorMeState")), "ReadColorMeState")

	w = newWorld(repeat(changed, 3)...)
	w.readErr = func(int) error {
		return temporal.NewApplicationError("HTTP 400: rejected", activities.ErrColorMeRejected)
	}
	assert.Len(t, attempts(t, w, "ReadColorMeState"), 1, "a refusal for good is not retried")
}

// Under LocalDBChange a page is read by a local activity only in a batched
// run and only while nothing is in flight: the first page is, the pages read
// while a batch runs are not; a run begun before BatchUpdatesChange reads
// every page by a regular activity. StartRun is local in both.
func TestShippingSync_PageReadLocallyOnlyWhenIdle(t *testing.T) {
	fetches := func(t *testing.T, opts ...envOption) (startLocal bool, local []bool) {
		h := newHarness(t, newWorld(append(repeat(changed, 12), unchanged)...), opts...)
		got := recordStarts(h)
		_, err := h.run(t, input())
		require.NoError(t, err)
		for _, s := range *got {
			switch s.name {
			case "StartRun":
				startLocal = s.local
			case "FetchTargets":
				local = append(local, s.local)
			}
		}
		return startLocal, local
	}

	startLocal, local := fetches(t)
	assert.True(t, startLocal)
	assert.Equal(t, []bool{false, false, false}, local, "13 targets in pages of 5, every page by a regular activity")

	startLocal, local = fetches(t, batched())
	assert.True(t, startLocal)
	require.Len(t, local, 3, "13 targets in pages of 5")
	assert.True(t, local[0], "the first page: nothing in flight")
	assert.Equal(t, []bool{false, false}, local[1:], "the later pages: a batch in flight")
}
