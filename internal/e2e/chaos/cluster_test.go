package chaos_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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

// TestHistoryKilled SIGKILLs the cluster's history service (all its shards) in
// the middle of an export of 300 changed orders with the shipping mail on, and
// starts it again 3 s later; the worker runs as its own process.
func TestHistoryKilled(t *testing.T) {
	cl := needCluster(t)
	e := newEnv(t, "")
	n := 300
	e.shop(t, "historykill", n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	e.startWorkerProcess(t, filepath.Join(t.TempDir(), "worker.log"))
	c := teststack.DevServer.Client()
	start := time.Now()
	run := e.start(t, c, "historykill", true)
	e.waitWrites(t, n/3)
	killedAt := e.sandbox.Counters().Writes
	cl.KillService(t, "history")
	time.Sleep(3 * time.Second)
	restart := time.Now()
	cl.StartService(t, "history")
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
	report(t, fmt.Sprintf("cluster (4 service processes, PostgreSQL): history service SIGKILLed after %d of %d writes (send_mail on), started again 3 s later (listening %s after)", killedAt, n, up.Round(100*time.Millisecond)),
		"run completes; every sale delivered with its slip; no repeated write (one PUT per sale); one mail per sale",
		fmt.Sprintf("%d sales, %d PUTs (max %d per sale), %d no-op PUTs, %d mails (max 1 per sale), %s", n, cs.Writes, maxPuts, cs.NoopWrites, cs.Mails, time.Since(start).Round(time.Second)))
}
