package chaos_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// needCluster skips a test that kills one service of the production-like
// cluster when the package runs on the dev server.
func needCluster(t *testing.T) *teststack.Cluster {
	t.Helper()
	if teststack.ActiveCluster == nil {
		t.Skip("runs on the production-like cluster only (separate service processes): TEMPORAL_STACK=cluster go test -run " + t.Name() + " ./internal/e2e/chaos")
	}
	return teststack.ActiveCluster
}

// clusterFault is what a test does to one service of the cluster mid-export:
// how names it in the report, stop takes the service down.
type clusterFault struct {
	service string
	how     string
	stop    func(cl *teststack.Cluster, t testing.TB, service string)
}

var (
	sigkill = func(cl *teststack.Cluster, t testing.TB, service string) { cl.KillService(t, service) }
	sigterm = func(cl *teststack.Cluster, t testing.TB, service string) { cl.StopService(t, service) }
)

// runClusterFault exports 300 changed orders of shop with the shipping mail on,
// the worker as its own process; after a third of the writes it takes the
// fault's service down, starts it again 3 s later, and checks that the run
// completes with every sale delivered with its slip, one PUT and one mail per
// sale.
func runClusterFault(t *testing.T, shop string, f clusterFault) {
	cl := needCluster(t)
	e := newEnv(t, "")
	n := 300
	e.shop(t, shop, n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	e.startWorkerProcess(t, filepath.Join(t.TempDir(), "worker.log"))
	c := teststack.DevServer.Client()
	start := time.Now()
	run := e.start(t, c, shop, true)
	e.waitWrites(t, n/3)
	killedAt := e.sandbox.Counters().Writes
	stopAt := time.Now()
	f.stop(cl, t, f.service)
	gone := time.Since(stopAt)
	time.Sleep(3 * time.Second)
	restart := time.Now()
	cl.StartService(t, f.service)
	up := time.Since(restart)
	res := result(t, c, run)
	e.checkAllShipped(t, n, true)
	require.Equal(t, n, res.Updated)
	require.Equal(t, n, res.Mails)
	cs := e.sandbox.Counters()
	maxPuts := 0
	for sale, puts := range cs.WritesBySale {
		require.Equal(t, 1, puts, "sale %d got %d PUTs", sale, puts)
		maxPuts = max(maxPuts, puts)
	}
	require.Len(t, cs.WritesBySale, n)
	report(t, fmt.Sprintf("cluster (4 service processes, PostgreSQL): %s service %s after %d of %d writes (send_mail on; the stop command returned in %s), started again 3 s later (listening %s after)", f.service, f.how, killedAt, n, gone.Round(100*time.Millisecond), up.Round(100*time.Millisecond)),
		"run completes; every sale delivered with its slip; no repeated write (one PUT per sale); one mail per sale",
		fmt.Sprintf("%d sales, %d PUTs (max %d per sale), %d no-op PUTs, %d mails (max 1 per sale), %s", n, cs.Writes, maxPuts, cs.NoopWrites, cs.Mails, time.Since(start).Round(time.Second)))
}

// TestHistoryKilled SIGKILLs the cluster's history service (all its shards) in
// the middle of an export of 300 changed orders with the shipping mail on, and
// starts it again 3 s later; the worker runs as its own process.
func TestHistoryKilled(t *testing.T) {
	runClusterFault(t, "historykill", clusterFault{service: "history", how: "SIGKILLed", stop: sigkill})
}

// TestMatchingKilled SIGKILLs the cluster's matching service (its task queues
// and the polls waiting on them) in the middle of the same export, and starts
// it again 3 s later.
func TestMatchingKilled(t *testing.T) {
	runClusterFault(t, "matchingkill", clusterFault{service: "matching", how: "SIGKILLed", stop: sigkill})
}

// TestFrontendRestarted stops the cluster's frontend (SIGTERM: the worker's
// polls and calls, the test's client, all fail until it is back) in the middle
// of the same export, and starts it again 3 s later.
func TestFrontendRestarted(t *testing.T) {
	runClusterFault(t, "frontendrestart", clusterFault{service: "frontend", how: "stopped (SIGTERM)", stop: sigterm})
}

// TestWorkerOfThreeKilled runs three worker processes on one task queue of the
// cluster and SIGKILLs the one running the export's activities in the middle of
// an export of 300 changed orders with the shipping mail on; it is not started
// again: the other two take over its workflow task and its unfinished
// activities.
func TestWorkerOfThreeKilled(t *testing.T) {
	needCluster(t)
	e := newEnv(t, "")
	n, shop := 300, "workerkill"
	e.shop(t, shop, n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	dir := t.TempDir()
	workers := make([]*exec.Cmd, 3)
	for i := range workers {
		workers[i] = e.startWorkerProcess(t, filepath.Join(dir, fmt.Sprintf("worker-%d.log", i+1)))
	}
	c := teststack.DevServer.Client()
	waitPollers(t, c, e.cfg.TaskQueue, workers)
	start := time.Now()
	run := e.start(t, c, shop, true)
	e.waitWrites(t, n/3)
	killedAt := e.sandbox.Counters().Writes
	// The victim is the worker running the export's activities now (with eager
	// activities they stay on the worker of the workflow task, so a worker
	// chosen blindly might be idle).
	victimAt, busiest := 0, -1
	for i, w := range workers {
		if n := activityStartsByPid(t, c, run.GetID(), run.GetRunID())[w.Process.Pid]; n > busiest {
			victimAt, busiest = i, n
		}
	}
	workers[0], workers[victimAt] = workers[victimAt], workers[0] // worker 1 in the report is the victim
	victim := workers[0]
	require.NoError(t, victim.Process.Signal(syscall.SIGKILL))
	_ = victim.Wait()
	res := result(t, c, run)
	e.checkAllShipped(t, n, true)
	require.Equal(t, n, res.Updated)
	require.Equal(t, n, res.Mails)
	cs := e.sandbox.Counters()
	for sale, puts := range cs.WritesBySale {
		require.Equal(t, 1, puts, "sale %d got %d PUTs", sale, puts)
	}
	require.Len(t, cs.WritesBySale, n)

	// Who did the work: activity attempts per worker process, from the history.
	// With eager activities (on in the cluster, as in docker-compose.prod.yml)
	// a run's activities start on the worker that runs its workflow task: after
	// the kill, whichever survivor takes the workflow over runs them, and the
	// other may run none, so the two are counted together.
	byPid := activityStartsByPid(t, c, run.GetID(), run.GetRunID())
	var shares []string
	survivors := 0
	for i, w := range workers {
		got := byPid[w.Process.Pid]
		if i > 0 {
			survivors += got
		}
		shares = append(shares, fmt.Sprintf("worker %d: %d", i+1, got))
	}
	require.Positive(t, survivors, "the surviving workers ran the activities after the kill")
	require.Positive(t, byPid[victim.Process.Pid], "the killed worker had run activities before the kill")
	report(t, fmt.Sprintf("cluster (4 service processes, PostgreSQL), 3 worker processes on one task queue: worker 1, the one running the export's activities, SIGKILLed after %d of %d writes (send_mail on), not restarted", killedAt, n),
		"run completes on the other two; every sale delivered with its slip; no repeated write (one PUT per sale); one mail per sale",
		fmt.Sprintf("%d sales, %d PUTs (max 1 per sale), %d no-op PUTs, %d mails (max 1 per sale); activity attempts %s; %s", n, cs.Writes, cs.NoopWrites, cs.Mails, strings.Join(shares, ", "), time.Since(start).Round(time.Second)))
}

// waitPollers waits until every worker process polls the task queue's workflow
// and activity queues (a worker's identity starts with "<pid>@").
func waitPollers(t *testing.T, c client.Client, queue string, workers []*exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		missing := 0
		for _, typ := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := c.DescribeTaskQueue(context.Background(), queue, typ)
			seen := map[int]bool{}
			if err == nil {
				for _, p := range resp.GetPollers() {
					if pid, _, ok := strings.Cut(p.GetIdentity(), "@"); ok {
						if n, err := strconv.Atoi(pid); err == nil {
							seen[n] = true
						}
					}
				}
			}
			for _, w := range workers {
				if !seen[w.Process.Pid] {
					missing++
				}
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d worker pollers missing on task queue %s after 90 s", missing, queue)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// activityStartsByPid counts the ActivityTaskStarted events of a run per
// worker process id (from the worker identity "<pid>@host@").
func activityStartsByPid(t *testing.T, c client.Client, workflowID, runID string) map[int]int {
	t.Helper()
	out := map[int]int{}
	it := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			if pid, _, ok := strings.Cut(a.GetIdentity(), "@"); ok {
				if n, err := strconv.Atoi(pid); err == nil {
					out[n]++
				}
			}
		}
	}
	return out
}
