package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

var buildOnce sync.Once
var workerBin string
var buildErr error

// workerBinary builds the worker command once per test run.
func workerBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "chaos-worker")
		if err != nil {
			buildErr = err
			return
		}
		workerBin, buildErr = teststack.BuildWorker(context.Background(), dir)
	})
	require.NoError(t, buildErr)
	return workerBin
}

// startWorkerProcess runs bin/worker as its own process, its logs in logFile.
func (e *env) startWorkerProcess(t *testing.T, logFile string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(workerBinary(t))
	cmd.Env = append(teststack.WorkerProcess{Address: e.cfg.TemporalAddress, TaskQueue: e.cfg.TaskQueue, DSN: e.dsn, SecretKey: e.key}.Env(),
		"COLORME_TIMEOUT=5s",
		"COLORME_STALE_READ_WINDOW=0s", // fresh reads unless workerEnv says otherwise (the last value wins)
		"LOG_LEVEL=info",
	)
	cmd.Env = append(cmd.Env, e.workerEnv...)
	f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = f.Close()
	})
	return cmd
}

// TestWorkerKilled kills the worker process (SIGKILL) in the middle of an export
// of 500 changed orders with the shipping mail on, then starts a new one.
func TestWorkerKilled(t *testing.T) {
	e := newEnv(t, "")
	n := 500
	e.shop(t, "killed", n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	logFile := filepath.Join(t.TempDir(), "worker.log")
	w := e.startWorkerProcess(t, logFile)
	c := teststack.DevServer.Client()
	start := time.Now()
	run := e.start(t, c, "killed", true)
	e.waitWrites(t, n/3)
	killedAt := e.sandbox.Counters().Writes
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_ = w.Wait()
	e.startWorkerProcess(t, logFile)
	res := result(t, c, run)
	e.checkAllShipped(t, n, true)
	require.Equal(t, n, res.Updated)
	require.Equal(t, n, res.Mails)
	c2 := e.sandbox.Counters()
	logs, err := os.ReadFile(logFile)
	require.NoError(t, err)
	require.NotContains(t, string(logs), token, "the access token must never be logged")
	report(t, fmt.Sprintf("worker SIGKILLed after %d of %d writes (send_mail on), restarted", killedAt, n),
		"every sale delivered with its slip; no repeated write; one mail per sale",
		fmt.Sprintf("%d sales, %d PUTs, %d no-op PUTs, %d mails (max 1 per sale), %s", n, c2.Writes, c2.NoopWrites, c2.Mails, time.Since(start).Round(time.Second)))
}

// TestTemporalRestarted stops the Temporal server (its database file kept) in
// the middle of a run and starts it again. On the cluster (TEMPORAL_STACK=cluster)
// it stops all four services instead and starts them again on their PostgreSQL
// databases: see restartCluster.
func TestTemporalRestarted(t *testing.T) {
	if cl := teststack.ActiveCluster; cl != nil {
		restartCluster(t, cl)
		return
	}
	e := newEnv(t, "")
	n := 300
	e.shop(t, "restart", n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	hostPort, err := teststack.FreeAddr()
	require.NoError(t, err)
	opts := teststack.DevServerOptions{HostPort: hostPort, DBFile: filepath.Join(t.TempDir(), "temporal.db")}
	ctx := context.Background()
	srv, err := teststack.StartDevServer(ctx, opts)
	require.NoError(t, err)
	c, err := client.Dial(client.Options{HostPort: hostPort, Logger: quiet()})
	require.NoError(t, err)
	defer c.Close()
	e.cfg.TemporalAddress = hostPort
	e.inProcessWorker(t, c, e.store)
	start := time.Now()
	run := e.start(t, c, "restart", false)
	e.waitWrites(t, n/3)
	stoppedAt := e.sandbox.Counters().Writes
	require.NoError(t, srv.Stop())
	time.Sleep(3 * time.Second)
	srv, err = teststack.StartDevServer(ctx, opts)
	require.NoError(t, err)
	defer func() { _ = srv.Stop() }()
	res := result(t, c, run)
	e.checkAllShipped(t, n, false)
	require.Equal(t, n, res.Targets)
	cs := e.sandbox.Counters()
	report(t, fmt.Sprintf("Temporal dev server stopped after %d of %d writes, restarted 3 s later on the same database file", stoppedAt, n),
		"run completes; every sale right; no repeated write",
		fmt.Sprintf("%d sales, %d PUTs, %d no-op PUTs, %s", n, cs.Writes, cs.NoopWrites, time.Since(start).Round(time.Second)))
}

// clusterStopOrder is the order scripts/cluster.sh stop takes the services down;
// they start again in the reverse order, history first (as scripts/cluster.sh start).
var clusterStopOrder = []string{"worker", "frontend", "matching", "history"}

// restartCluster is TestTemporalRestarted on the cluster: all four services
// stopped (SIGTERM, each waited for) in the middle of an export of 300 changed
// orders, started again 3 s later, history first; the worker runs in process
// on the package's client and must carry on once Temporal is back.
func restartCluster(t *testing.T, cl *teststack.Cluster) {
	e := newEnv(t, "")
	n := 300
	e.shop(t, "restart", n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, e.store)
	start := time.Now()
	run := e.start(t, c, "restart", false)
	e.waitWrites(t, n/3)
	stoppedAt := e.sandbox.Counters().Writes
	stopping := time.Now()
	for _, svc := range clusterStopOrder {
		cl.StopService(t, svc)
	}
	down := time.Since(stopping)
	writesWhileDown := e.sandbox.Counters().Writes
	time.Sleep(3 * time.Second)
	restart := time.Now()
	for i := len(clusterStopOrder) - 1; i >= 0; i-- {
		cl.StartService(t, clusterStopOrder[i])
	}
	up := time.Since(restart)
	res := result(t, c, run)
	e.checkAllShipped(t, n, false)
	require.Equal(t, n, res.Targets)
	cs := e.sandbox.Counters()
	for sale, puts := range cs.WritesBySale {
		require.Equal(t, 1, puts, "sale %d got %d PUTs", sale, puts)
	}
	require.Len(t, cs.WritesBySale, n)
	report(t, fmt.Sprintf("cluster: all 4 services stopped (SIGTERM: worker, frontend, matching, history; all down %s later, %d writes by then) after %d of %d writes, started again 3 s later on the same PostgreSQL databases, history first (all listening %s after)",
		down.Round(100*time.Millisecond), writesWhileDown, stoppedAt, n, up.Round(100*time.Millisecond)),
		"run completes; every sale right; no repeated write (one PUT per sale)",
		fmt.Sprintf("%d sales, %d PUTs (max 1 per sale), %d no-op PUTs, %s", n, cs.Writes, cs.NoopWrites, time.Since(start).Round(time.Second)))
}

// TestPostgresUnavailable cuts the worker off PostgreSQL for 20 s mid-run.
func TestPostgresUnavailable(t *testing.T) {
	e := newEnv(t, "")
	n := 300
	e.shop(t, "pgdown", n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	proxy := newPGProxy(t, "127.0.0.1:5432")
	proxied := strings.Replace(e.dsn, "127.0.0.1:5432", proxy.Addr(), 1)
	require.NotEqual(t, e.dsn, proxied, "the test DSN must point at 127.0.0.1:5432")
	sealer, err := secrets.NewSealer(e.key)
	require.NoError(t, err)
	workerStore, err := stores.Open(context.Background(), proxied, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { _ = workerStore.Close() })
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, workerStore)
	start := time.Now()
	run := e.start(t, c, "pgdown", true)
	e.waitWrites(t, n/3)
	cutAt := e.sandbox.Counters().Writes
	proxy.Down()
	time.Sleep(20 * time.Second)
	proxy.Up()
	res := result(t, c, run)
	e.checkAllShipped(t, n, true)
	outs, err := e.store.Outcomes(context.Background(), res.RunID)
	require.NoError(t, err)
	require.Len(t, outs, n, "one outcome per order: none lost, none twice")
	seen := map[int64]bool{}
	for _, o := range outs {
		require.False(t, seen[o.SaleID], "outcome of sale %d recorded twice", o.SaleID)
		seen[o.SaleID] = true
	}
	r, err := e.store.Run(context.Background(), res.RunID)
	require.NoError(t, err)
	require.Equal(t, oms.RunCompleted, r.Status)
	require.Equal(t, n, r.Totals.Updated)
	cs := e.sandbox.Counters()
	report(t, fmt.Sprintf("PostgreSQL cut off (connections dropped, new ones refused) for 20 s after %d of %d writes", cutAt, n),
		"activities retry; run log has exactly one outcome per order; one mail per sale",
		fmt.Sprintf("%d sales, %d outcomes, %d PUTs, %d no-op PUTs, %d mails, %s", n, len(outs), cs.Writes, cs.NoopWrites, cs.Mails, time.Since(start).Round(time.Second)))
}

// TestColorMeMisbehavingWithinBudget injects 30 % 5xx, timeouts, lost answers and
// 429 bursts while the export runs under a per-token budget.
func TestColorMeMisbehavingWithinBudget(t *testing.T) {
	const budget = 600
	e := newEnv(t, "")
	n := size(200, 120) // 120 sales still make ~700 calls: more than a minute at the budget
	e.shop(t, "faults", n)
	e.sandbox.SetRateLimit(budget)
	e.sandbox.SetFaults(sandbox.Faults{ErrorRate: 0.3, TimeoutRate: 0.03, Timeout: time.Second, AfterWriteErrorRate: 0.05, Burst429: 10, Seed: 11})
	e.cfg.BudgetPerMinute = budget
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, e.store)
	start := time.Now()
	res := result(t, c, e.start(t, c, "faults", true))
	e.sandbox.SetFaults(sandbox.Faults{})
	e.checkAllShipped(t, n, true)
	require.Zero(t, res.Failed)
	cs := e.sandbox.Counters()
	peak := cs.MaxPerMinute[token]
	require.LessOrEqual(t, peak, budget, "requests in any 60 s window")
	require.Zero(t, cs.Rejected429, "the sandbox's own limit was never hit")
	report(t, "sandbox: 30 % 5xx, 3 % timeouts, 5 % answers lost after the write, a burst of 10 429s; budget 600/min",
		"every sale right; no repeated write; one mail per sale; budget never exceeded",
		fmt.Sprintf("%d sales, %d faults served, %d requests, peak %d/60 s (budget %d), %s", n, cs.Faults, cs.Requests, peak, budget, time.Since(start).Round(time.Second)))
}

// TestPermanentErrorsThenFixed records orders ColorMe refuses as failed, goes on
// with the rest, and completes them on the next run once the data is fixed.
func TestPermanentErrorsThenFixed(t *testing.T) {
	e := newEnv(t, "")
	n := 100
	e.shop(t, "permanent", n)
	ctx := context.Background()
	// Five orders name a delivery ColorMe does not have; ColorMe answers 422 to five others.
	var broken []rules.Order
	for i := 0; i < 5; i++ {
		o, err := e.store.Order(ctx, "permanent", int64(900000+i))
		require.NoError(t, err)
		o.Deliveries[0].ID = 1
		broken = append(broken, o)
	}
	require.NoError(t, e.store.UpsertOrders(ctx, "permanent", broken))
	rejected := []int64{900010, 900011, 900012, 900013, 900014}
	e.sandbox.SetFaults(sandbox.Faults{RejectSales: rejected})
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, e.store)
	res := result(t, c, e.start(t, c, "permanent", false))
	require.Equal(t, 10, res.Failed)
	require.Equal(t, n-10, res.Updated)
	outs, err := e.store.Outcomes(ctx, res.RunID)
	require.NoError(t, err)
	reasons := map[int64]string{}
	for _, o := range outs {
		if o.Outcome == rules.OutcomeFailed {
			reasons[o.SaleID] = o.Reason
		}
	}
	require.Contains(t, reasons[900000], "not on the ColorMe sale")
	require.Contains(t, reasons[900010], "422")

	// The operator fixes the data: right delivery ids, ColorMe accepts again.
	for i := range broken {
		broken[i].Deliveries[0].ID = broken[i].SaleID * 10
		broken[i].UpdatedAt = asOf.Add(-time.Minute)
	}
	require.NoError(t, e.store.UpsertOrders(ctx, "permanent", broken))
	e.sandbox.SetFaults(sandbox.Faults{})
	res2 := result(t, c, e.start(t, c, "permanent", false))
	require.Zero(t, res2.Failed)
	require.Equal(t, 10, res2.Updated)
	e.checkAllShipped(t, n, false)
	report(t, "5 orders name a delivery ColorMe lacks; ColorMe answers 422 to 5 others",
		"those 10 recorded failed with the reason, the rest updated; after the fix the next run completes them",
		fmt.Sprintf("run 1: %d updated, %d failed; run 2: %d updated, %d failed", res.Updated, res.Failed, res2.Updated, res2.Failed))
}

// TestConcurrentStarts starts two manual exports and triggers the shop's export
// schedule at the same moment: one export runs, the others are told why not.
func TestConcurrentStarts(t *testing.T) {
	e := newEnv(t, "")
	n := 100
	e.shop(t, "concurrent", n)
	e.sandbox.SetLatency(50 * time.Millisecond) // the winner runs for several seconds
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, e.store)
	ctx := context.Background()
	shop, err := e.store.Shops.Shop(ctx, "concurrent")
	require.NoError(t, err)
	mgr := schedules.New(c, e.cfg.TaskQueue)
	_, err = mgr.Apply(ctx, shop)
	require.NoError(t, err)

	at := asOf
	var wg sync.WaitGroup
	runs := make([]client.WorkflowRun, 2)
	errs := make([]error, 2)
	var trig schedules.TriggerResult
	var trigErr error
	for i := range runs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			runs[i], errs[i] = app.StartExport(ctx, c, e.cfg, workflows.ShippingSyncInput{ShopID: "concurrent", AsOf: &at})
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		trig, trigErr = mgr.Trigger(ctx, "concurrent", oms.KindExport)
	}()
	wg.Wait()
	require.NoError(t, trigErr)

	started, refused := 0, 0
	for i, err := range errs {
		var running *app.RunningError
		switch {
		case err == nil:
			started++
			result(t, c, runs[i])
		case errors.As(err, &running):
			refused++
			require.Contains(t, err.Error(), running.RunID)
		default:
			t.Fatalf("unexpected start error: %v", err)
		}
	}
	scheduled := trig.Reason
	if !trig.Skipped {
		started++
		scheduled = "ran"
		var res workflows.ShippingSyncResult
		require.NoError(t, c.GetWorkflow(ctx, workflows.ShippingSyncID("concurrent"), trig.Decision.RunID).Get(ctx, &res))
	} else {
		require.NotEmpty(t, trig.Reason, "a skipped trigger says why")
	}
	require.Equal(t, 1, started, "exactly one export runs")
	require.Equal(t, 2, refused+boolInt(trig.Skipped), "the other two were refused or skipped")
	e.checkAllShipped(t, n, false)
	cs := e.sandbox.Counters()
	require.Equal(t, n, cs.Writes, "one writer: each sale written once")
	report(t, "two manual exports and a schedule trigger of one shop at the same moment",
		"one export runs; the others are refused or skipped with the running run's ID; each sale written once",
		fmt.Sprintf("manual: %d started, %d refused; scheduled: %s; %d PUTs for %d sales", 2-refused, refused, scheduled, cs.Writes, n))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
