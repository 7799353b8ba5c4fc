package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// shopBudget is ColorMe's per-token limit: every shop of rows 9 and 10 has its
// own token and this budget, shared by all workers through the database.
const shopBudget = 120

// clusterSizes are the sizes of rows 9 to 11 (on the production-like cluster).
type clusterSizes struct {
	Shops         int // shops exporting at once (row 9)
	OrdersPerShop int // changed orders per shop (row 9)
	Workers       int // worker processes (row 9; compared with 1)
	Schedules     int // shops whose schedules (one per kind) are applied (row 10)
	Triggers      int // of them, shops whose export schedule is triggered (row 10)
	CmpExport     int // changed orders exported on each stack (row 11)
	CmpImport     int // sales imported on each stack (row 11)
}

var clusterSizeTable = map[string]clusterSizes{
	// 130 orders make about 131 calls per shop: more than one budget's minute,
	// so every shop's run spans 60 s windows its limiter must respect.
	"full":  {Shops: 50, OrdersPerShop: 130, Workers: 3, Schedules: 1000, Triggers: 5, CmpExport: 1000, CmpImport: 5000},
	"small": {Shops: 10, OrdersPerShop: 30, Workers: 2, Schedules: 100, Triggers: 5, CmpExport: 300, CmpImport: 1000},
}

// clusterStack is a production-like Temporal cluster (scripts/cluster.sh via
// teststack.StartCluster: server 1.29.1, PostgreSQL persistence and visibility,
// four service processes) with worker processes on a task queue of their own;
// the OMS database and the sandboxes are the bench's.
type clusterStack struct {
	s         *stack
	cl        *teststack.Cluster
	tc        client.Client
	taskQueue string
	workers   []*workerProc
	up        time.Duration
	shared    bool // the stack's own cluster (TEMPORAL_STACK=cluster): not stopped here
}

// startCluster starts the cluster (about 5 s once bin/temporal-server is built).
// Under TEMPORAL_STACK=cluster the stack's cluster is used instead.
func (b *bench) startCluster(ctx context.Context) (*clusterStack, error) {
	if cl := b.s.cluster; cl != nil {
		b.logf("Temporal cluster: rows 9–11 use the stack's (TEMPORAL_STACK=cluster), frontend %s", cl.FrontendHostPort())
		return &clusterStack{s: b.s, cl: cl, tc: b.s.tc, taskQueue: "bench-cluster-" + testenv.RandomHex(4), shared: true}, ctx.Err()
	}
	b.logf("Temporal cluster: starting (scripts/cluster.sh: server 1.29.1, PostgreSQL, 4 service processes)")
	t := time.Now()
	cl, err := teststack.StartCluster()
	if err != nil {
		return nil, err
	}
	cs := &clusterStack{s: b.s, cl: cl, tc: cl.Client(), taskQueue: "bench-cluster-" + testenv.RandomHex(4), up: time.Since(t)}
	b.logf("Temporal cluster: frontend %s, databases %s and %s_visibility, up in %.1f s", cl.FrontendHostPort(), cl.DB, cl.DB, cs.up.Seconds())
	return cs, ctx.Err()
}

// close stops the workers and the cluster and drops its databases.
func (cs *clusterStack) close() {
	cs.stopWorkers()
	if cs.shared {
		return
	}
	if err := cs.cl.Stop(false); err != nil {
		cs.s.logf("stopping the cluster: %v", err)
	}
}

// config is the configuration the bench uses to start workflows on the cluster.
func (cs *clusterStack) config() config.Config {
	return config.Config{Temporal: config.Temporal{TemporalAddress: cs.cl.FrontendHostPort(), TemporalNamespace: "default", TaskQueue: cs.taskQueue}}
}

// startWorkers replaces the running workers by n worker processes with the
// given budget per shop and minute, and waits until each polls.
func (cs *clusterStack) startWorkers(ctx context.Context, n, budget int) error {
	cs.stopWorkers()
	for range n {
		w, err := spawnWorker(ctx, cs.s, cs.cl.FrontendHostPort(), cs.tc, cs.taskQueue, budget)
		if err != nil {
			return err
		}
		cs.workers = append(cs.workers, w)
	}
	return nil
}

func (cs *clusterStack) stopWorkers() {
	for _, w := range cs.workers {
		stopProc(w)
	}
	cs.workers = nil
}

// spawnWorker starts a worker process on addr and queue (the stack's one worker,
// or one of the cluster rows' workers) and waits until it polls both task
// queue types; a worker that does not is stopped.
func spawnWorker(ctx context.Context, s *stack, addr string, tc client.Client, queue string, budget int) (*workerProc, error) {
	s.workerN++
	w := &workerProc{budget: budget, log: filepath.Join(s.tmp, fmt.Sprintf("worker-%d.log", s.workerN)), done: make(chan struct{})}
	logFile, err := os.Create(w.log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.workerBin)
	cmd.Env = append(teststack.WorkerProcess{Address: addr, TaskQueue: queue, DSN: s.dsn, SecretKey: s.secretKey, Budget: budget}.Env(),
		"LOG_LEVEL=warn",
	)
	cmd.Dir = s.tmp
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting a worker: %w", err)
	}
	w.cmd = cmd
	go func() { _ = cmd.Wait(); logFile.Close(); close(w.done) }()
	identity := fmt.Sprintf("%d@", cmd.Process.Pid)
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-w.done:
			return nil, fmt.Errorf("a worker exited at start (%v):\n%s", cmd.ProcessState, tail(w.log, 20))
		default:
		}
		ready := true
		for _, typ := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			found := false
			if resp, err := tc.DescribeTaskQueue(ctx, queue, typ); err == nil {
				for _, p := range resp.GetPollers() {
					found = found || strings.HasPrefix(p.GetIdentity(), identity)
				}
			}
			ready = ready && found
		}
		if ready {
			s.logf("worker: pid %d on %s, budget %s per shop (log %s)", cmd.Process.Pid, addr, budgetText(budget), w.log)
			return w, nil
		}
		if ctx.Err() != nil {
			stopProc(w)
			return nil, ctx.Err()
		}
		if time.Now().After(deadline) {
			stopProc(w)
			return nil, fmt.Errorf("a worker (pid %d) did not poll task queue %s within 90 s:\n%s", cmd.Process.Pid, queue, tail(w.log, 20))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stopProc stops a worker process: SIGTERM, SIGKILL after 40 s.
func stopProc(w *workerProc) {
	terminate(w.cmd, w.done, 40*time.Second)
}

// terminate stops a started process whose done is closed once it has been
// waited for: SIGTERM, SIGKILL after grace.
func terminate(cmd *exec.Cmd, done <-chan struct{}, grace time.Duration) {
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// clusterRows runs rows 9 to 11 on a cluster started for them and stopped after
// (under TEMPORAL_STACK=cluster, on the stack's cluster).
func (b *bench) clusterRows(ctx context.Context, selected map[int]bool, step func(int, string, func(context.Context) *Row), rows map[int]*Row) {
	names := map[int]string{9: "many workers, many shops (cluster)", 10: "1,000 shops' schedules (cluster)", 11: "dev server vs cluster"}
	want := len(selected) == 0 || selected[9] || selected[10] || selected[11]
	if !want {
		for n, name := range names {
			rows[n] = &Row{N: n, What: name, Figures: "skipped (-rows)", Met: "—"}
		}
		return
	}
	cs, err := b.startCluster(ctx)
	if err != nil {
		for n, name := range names {
			rows[n] = (&Row{N: n, What: name}).fail(fmt.Errorf("the Temporal cluster did not start: %w", err))
		}
		return
	}
	defer cs.close()
	csz := clusterSizeTable[b.sz.Name]
	step(9, names[9], func(ctx context.Context) *Row { return b.row9(ctx, cs, csz) })
	step(10, names[10], func(ctx context.Context) *Row { return b.row10(ctx, cs, csz) })
	step(11, names[11], func(ctx context.Context) *Row { return b.row11(ctx, cs, csz) })
}

// warmupOrders is how many changed orders each shop of row 9's warm-up exports.
const warmupOrders = 5

// manyShops is one run of row 9.
type manyShops struct {
	workers, shops, orders int
	wall                   time.Duration
	requests               int
	peak                   int // most calls of one shop in any 60 s window
	rejected               int // 429s of the sandboxes' per-token limit
	refused                int // second exports refused while the first ran
	ratios                 []float64
	longest                time.Duration // a shop's longest run
	lowest                 shopUse       // the shop with the lowest budget use
	perWorker              []int         // activity attempts per worker process
	problems               []string      // broken promises
}

// shopUse is one shop's budget use and where its run left the budget unused:
// before its first call, after its last, and its longest pause between two.
type shopUse struct {
	id                     string
	ratio                  float64
	run                    time.Duration
	calls                  int
	beforeFirst, afterLast time.Duration
	longestGap             time.Duration
}

func (u shopUse) String() string {
	if u.id == "" {
		return "?"
	}
	return fmt.Sprintf("%s %.2f: %d calls in a %.1f s run, %.1f s from the run's start to its first call, %.1f s from its last call to the run's end, longest pause between two calls %.1f s",
		u.id, u.ratio, u.calls, u.run.Seconds(), u.beforeFirst.Seconds(), u.afterLast.Seconds(), u.longestGap.Seconds())
}

// runManyShops exports OrdersPerShop changed orders of each of Shops shops at
// once with `workers` worker processes, each shop on its own sandbox, token and
// budget, and checks the promises: no shop over its budget in any 60 s window,
// one writer per shop, no repeated write.
func (b *bench) runManyShops(ctx context.Context, cs *clusterStack, csz clusterSizes, workers int, prefix string, firstID int64, warmup bool) (manyShops, error) {
	m := manyShops{workers: workers, shops: csz.Shops, orders: csz.Shops * csz.OrdersPerShop}
	if len(cs.workers) != workers {
		if err := cs.startWorkers(ctx, workers, shopBudget); err != nil {
			return m, err
		}
	}
	type shopRun struct {
		id  string
		sb  *sandboxSrv
		run client.WorkflowRun
		res workflows.ShippingSyncResult
		err error
	}
	shops := make([]*shopRun, csz.Shops)
	for i := range shops {
		id := fmt.Sprintf("%s-%02d", prefix, i+1)
		sb, err := cs.s.newShop(ctx, id, sandbox.Options{RateLimitPerMinute: shopBudget})
		if err != nil {
			return m, err
		}
		orders, sales := exportShop(firstID+int64(i)*10_000, csz.OrdersPerShop, b.asOf, true)
		if err := cs.s.seed(ctx, id, sb, orders, sales); err != nil {
			return m, err
		}
		sb.resetCounters()
		shops[i] = &shopRun{id: id, sb: sb}
	}
	b.logf("  %d shops × %d changed orders, %d worker process(es), budget %d/min per shop", csz.Shops, csz.OrdersPerShop, workers, shopBudget)
	cfg := cs.config()
	start := time.Now()
	for _, sh := range shops {
		in := workflows.ShippingSyncInput{ShopID: sh.id, AsOf: &b.asOf, MaxInFlight: workflows.DefaultMaxInFlight}
		if sh.run, sh.err = app.StartExport(ctx, cs.tc, cfg, in); sh.err != nil {
			return m, fmt.Errorf("starting the export of shop %s: %w", sh.id, sh.err)
		}
	}
	// A second writer for a running shop must be refused (not probed in a
	// warm-up, whose runs of a few orders may end before the probe). The probe
	// waits until every shop's export has made its first ColorMe call (at most
	// 30 s; a run lasts over a minute), so that its 50 refused starts do not
	// land on the cluster in the same second as the 50 runs' own first steps.
	for deadline := time.Now().Add(30 * time.Second); !warmup && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		called := 0
		for _, sh := range shops {
			if sh.sb.Counters().Requests > 0 {
				called++
			}
		}
		if called == len(shops) {
			break
		}
	}
	for _, sh := range shops {
		if warmup {
			break
		}
		in := workflows.ShippingSyncInput{ShopID: sh.id, AsOf: &b.asOf}
		_, err := app.StartExport(ctx, cs.tc, cfg, in)
		var running *app.RunningError
		switch {
		case errors.As(err, &running):
			m.refused++
		case err == nil:
			m.problems = append(m.problems, fmt.Sprintf("a second export of shop %s started beside the first", sh.id))
		default:
			return m, fmt.Errorf("second start of shop %s: %w", sh.id, err)
		}
	}
	var wg sync.WaitGroup
	for _, sh := range shops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh.err = sh.run.Get(ctx, &sh.res)
		}()
	}
	wg.Wait()
	m.wall = time.Since(start)
	pids := map[int]int{}
	for i, w := range cs.workers {
		pids[w.cmd.Process.Pid] = i
	}
	m.perWorker = make([]int, workers)
	for _, sh := range shops {
		if sh.err != nil {
			return m, fmt.Errorf("export of shop %s: %w", sh.id, sh.err)
		}
		if err := checkExport(sh.res, csz.OrdersPerShop, csz.OrdersPerShop, 0); err != nil {
			return m, fmt.Errorf("shop %s: %w", sh.id, err)
		}
		c := sh.sb.Counters()
		m.requests += c.Requests
		m.rejected += c.Rejected429
		peak := c.MaxPerMinute[sh.sb.Token]
		m.peak = max(m.peak, peak)
		if peak > shopBudget || c.Rejected429 > 0 {
			m.problems = append(m.problems, fmt.Sprintf("shop %s: %d calls in one 60 s window, %d × 429 (budget %d)", sh.id, peak, c.Rejected429, shopBudget))
		}
		if c.NoopWrites > 0 || len(c.WritesBySale) != csz.OrdersPerShop {
			m.problems = append(m.problems, fmt.Sprintf("shop %s: %d repeated writes, %d sales written of %d", sh.id, c.NoopWrites, len(c.WritesBySale), csz.OrdersPerShop))
		}
		for sale, puts := range c.WritesBySale {
			if puts != 1 {
				m.problems = append(m.problems, fmt.Sprintf("shop %s: sale %d got %d PUTs", sh.id, sale, puts))
			}
		}
		// The run log: one export run of the shop, its calls within the budget.
		runs, err := cs.s.store.Runs(ctx, sh.id, 10)
		if err != nil {
			return m, err
		}
		var exports []oms.Run
		for _, r := range runs {
			if r.Kind == oms.KindExport {
				exports = append(exports, r)
			}
		}
		if len(exports) != 1 || exports[0].FinishedAt == nil || exports[0].Status != oms.RunCompleted {
			m.problems = append(m.problems, fmt.Sprintf("shop %s: %d export runs in the run log, want one completed", sh.id, len(exports)))
			continue
		}
		d := exports[0].FinishedAt.Sub(exports[0].StartedAt)
		m.longest = max(m.longest, d)
		ratio := float64(c.Requests) / (d.Seconds() * shopBudget / 60)
		m.ratios = append(m.ratios, ratio)
		if sp := c.Spans[sh.sb.Token]; m.lowest.id == "" || ratio < m.lowest.ratio {
			m.lowest = shopUse{id: sh.id, ratio: ratio, run: d, calls: c.Requests, beforeFirst: sp.First.Sub(exports[0].StartedAt),
				afterLast: exports[0].FinishedAt.Sub(sp.Last), longestGap: sp.LongestGap}
		}
		// Temporal's view: the shop's ShippingSync runs never overlap.
		if p, err := overlappingRuns(ctx, cs.tc, workflows.ShippingSyncID(sh.id)); err != nil {
			return m, err
		} else if p != "" {
			m.problems = append(m.problems, p)
		}
		if err := activityStarts(ctx, cs.tc, sh.run.GetID(), sh.run.GetRunID(), pids, m.perWorker); err != nil {
			return m, err
		}
	}
	b.logf("  lowest budget use: %s", m.lowest)
	return m, nil
}

// overlappingRuns lists the executions of workflowID (visibility, PostgreSQL)
// and describes the first two that were open at the same time; "" when none.
func overlappingRuns(ctx context.Context, c client.Client, workflowID string) (string, error) {
	type span struct{ from, to time.Time }
	var spans []span
	for attempt := 0; ; attempt++ {
		spans = spans[:0]
		open := 0
		var token []byte
		for {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: fmt.Sprintf("WorkflowId = '%s'", workflowID), NextPageToken: token})
			if err != nil {
				return "", fmt.Errorf("listing the runs of %s: %w", workflowID, err)
			}
			for _, e := range resp.GetExecutions() {
				if e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					open++
				}
				spans = append(spans, span{e.GetStartTime().AsTime(), e.GetCloseTime().AsTime()})
			}
			if token = resp.GetNextPageToken(); len(token) == 0 {
				break
			}
		}
		if (open == 0 && len(spans) > 0) || attempt == 50 {
			break
		}
		time.Sleep(200 * time.Millisecond) // visibility is written after the close
	}
	if len(spans) == 0 {
		return "workflow " + workflowID + " not found in visibility", nil
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	for i := 1; i < len(spans); i++ {
		if spans[i].from.Before(spans[i-1].to) {
			return fmt.Sprintf("%s: a run started at %s while the one from %s was open until %s", workflowID,
				spans[i].from.Format(time.RFC3339Nano), spans[i-1].from.Format(time.RFC3339Nano), spans[i-1].to.Format(time.RFC3339Nano)), nil
		}
	}
	return "", nil
}

// activityStarts adds the run's ActivityTaskStarted events to perWorker, by the
// worker's process id (its identity is "<pid>@host@").
func activityStarts(ctx context.Context, c client.Client, workflowID, runID string, pids map[int]int, perWorker []int) error {
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return fmt.Errorf("history of %s: %w", workflowID, err)
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			pid, _, _ := strings.Cut(a.GetIdentity(), "@")
			if n, err := strconv.Atoi(pid); err == nil {
				if i, ok := pids[n]; ok {
					perWorker[i]++
				}
			}
		}
	}
	return nil
}

// row9: many workers, many shops, each shop on its own budget.
func (b *bench) row9(ctx context.Context, cs *clusterStack, csz clusterSizes) *Row {
	r := &Row{N: 9, What: fmt.Sprintf("many workers, many shops on the cluster: %d shops exporting at once, each its own token and budget %d/min, %d worker processes vs 1",
		csz.Shops, shopBudget, csz.Workers),
		Target: "no shop over its budget in any 60 s window (0 × 429); one writer per shop; no repeated write; at size full (each shop's run spans more than a minute of its budget), every shop ≥ 0.9 of its own budget with " + strconv.Itoa(csz.Workers) + " workers", Hard: true}
	// Each measured run follows a warm-up on the same workers: the same number
	// of shops exporting warmupOrders orders each, so that the figures are a
	// running cluster's (task queues loaded, sticky caches, connection pools),
	// not its first seconds; the warm-up is checked like the run and reported.
	warmup := csz
	warmup.OrdersPerShop = warmupOrders
	cs.stopWorkers()
	warmMany, err := b.runManyShops(ctx, cs, warmup, csz.Workers, "wu"+strconv.Itoa(csz.Workers), 8_000_000, true)
	if err != nil {
		return r.fail(fmt.Errorf("warm-up: %w", err))
	}
	many, err := b.runManyShops(ctx, cs, csz, csz.Workers, "mw"+strconv.Itoa(csz.Workers), 9_000_000, false)
	if err != nil {
		return r.fail(err)
	}
	cs.stopWorkers()
	warmOne, err := b.runManyShops(ctx, cs, warmup, 1, "wu1", 8_500_000, true)
	if err != nil {
		return r.fail(fmt.Errorf("warm-up: %w", err))
	}
	one, err := b.runManyShops(ctx, cs, csz, 1, "mw1", 9_500_000, false)
	if err != nil {
		return r.fail(err)
	}
	cs.stopWorkers()
	rate := func(m manyShops) float64 { return float64(m.orders) / m.wall.Seconds() }
	use := func(m manyShops) string {
		slices.Sort(m.ratios)
		if len(m.ratios) == 0 {
			return "?"
		}
		mean := 0.0
		for _, x := range m.ratios {
			mean += x
		}
		return fmt.Sprintf("%.2f (%.2f–%.2f)", mean/float64(len(m.ratios)), m.ratios[0], m.ratios[len(m.ratios)-1])
	}
	shares := func(m manyShops) string {
		var out []string
		for i, n := range m.perWorker {
			out = append(out, fmt.Sprintf("worker %d: %s", i+1, commas(int64(n))))
		}
		return strings.Join(out, ", ")
	}
	r.Figures = fmt.Sprintf("%d shops × %d changed orders (size %s): %d workers **%.1f orders/s** (%s orders in %.1f s), 1 worker **%.1f orders/s** (%.1f s): **scaling %.2f×**; per-shop budget use %s with %d workers, %s with 1; max **%d calls of one shop in any 60 s** (budget %d), %d × 429; second export of a running shop refused %d of %d; runs of a shop never overlap, every sale written once",
		csz.Shops, csz.OrdersPerShop, b.sz.Name, csz.Workers, rate(many), commas(int64(many.orders)), many.wall.Seconds(),
		rate(one), one.wall.Seconds(), rate(many)/rate(one), use(many), csz.Workers, use(one),
		max(many.peak, one.peak), shopBudget, many.rejected+one.rejected, many.refused+one.refused, 2*csz.Shops)
	r.Details = fmt.Sprintf("Row 9 (cluster: server 1.29.1, PostgreSQL, 4 service processes, started in %.1f s): budget use per shop = its calls ÷ (%d/min × its run's time in the run log); "+
		"%d workers: %s calls, longest shop run %.0f s, activity attempts %s; 1 worker: %s calls, longest shop run %.0f s. "+
		"One writer per shop: a second export started beside each running one was refused (RunningError), the shop's ShippingSync executions listed from visibility never overlap, "+
		"the run log has one completed export per shop, and the sandbox saw one PUT per sale and no no-op PUT. "+
		"Lowest budget use with %d workers: %s; with 1: %s. "+
		"Before each measured run the same workers ran a warm-up of %d shops × %d orders (%.1f s with %d workers, %.1f s with 1; checked like the run).\n",
		cs.up.Seconds(), shopBudget, csz.Workers, commas(int64(many.requests)), many.longest.Seconds(), shares(many),
		commas(int64(one.requests)), one.longest.Seconds(), csz.Workers, many.lowest, one.lowest,
		csz.Shops, warmupOrders, warmMany.wall.Seconds(), csz.Workers, warmOne.wall.Seconds())
	problems := append(warmMany.problems, warmOne.problems...)
	problems = append(problems, many.problems...)
	problems = append(problems, one.problems...)
	// Budget use: judged at size full, where 130 changed orders make each
	// shop's run longer than a minute of its budget; at size small a run of 30
	// orders is a quarter of a minute, and the fixed start of a run (reading
	// the shop, its targets, a page) weighs more than the budget.
	lowest := slices.Min(append([]float64{1}, many.ratios...))
	if b.sz.Name == "full" && lowest < 0.9 {
		problems = append(problems, fmt.Sprintf("the lowest shop used %.2f of its budget with %d workers (target ≥ 0.9)", lowest, csz.Workers))
	}
	if len(problems) > 0 {
		r.Figures += "; BROKEN: " + strings.Join(problems[:min(5, len(problems))], "; ")
	}
	r.judge(len(problems) == 0 && many.refused == csz.Shops && one.refused == csz.Shops)
	return r
}

// row10: many shops' schedules applied, and a trigger of a sample of them.
func (b *bench) row10(ctx context.Context, cs *clusterStack, csz clusterSizes) *Row {
	r := &Row{N: 10, What: fmt.Sprintf("%s shops' schedules on the cluster: time to apply (import, export and stock per shop, default settings), a triggered export runs within its interval", commas(int64(csz.Schedules))),
		Target: "every schedule created; each triggered export completes within its interval", Hard: true}
	if err := cs.startWorkers(ctx, 1, shopBudget); err != nil {
		return r.fail(err)
	}
	defer cs.stopWorkers()
	sb, err := cs.s.newSandbox(sandbox.Options{RateLimitPerMinute: shopBudget})
	if err != nil {
		return r.fail(err)
	}
	ids := make([]string, csz.Schedules)
	for i := range ids {
		ids[i] = fmt.Sprintf("sch-%04d", i+1)
		if err := cs.s.addShop(ctx, ids[i], sb); err != nil {
			return r.fail(err)
		}
	}
	mgr := schedules.New(cs.tc, cs.taskQueue)
	mgr.Namespace = "default" // so a retried trigger carries one request ID, as the starter's does
	// Apply as `starter schedule apply` does, 8 shops at a time.
	var mu sync.Mutex
	created, paused := 0, 0
	every := time.Duration(0)
	applyStart := time.Now()
	err = parallel(ctx, 8, ids, func(ctx context.Context, id string) error {
		shop, err := cs.s.store.Shops.Shop(ctx, id)
		if err != nil {
			return err
		}
		applied, err := mgr.Apply(ctx, shop)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, a := range applied {
			if a.Change == "created" {
				created++
			}
			if a.Paused {
				paused++
			}
			if a.Kind == oms.KindExport {
				every = a.Every
			}
		}
		return nil
	})
	applyWall := time.Since(applyStart)
	if err != nil {
		return r.fail(fmt.Errorf("applying schedules: %w", err))
	}
	// Trigger a random sample: the export must start and complete within its interval.
	sample := slices.Clone(ids)
	rand.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	sample = sample[:min(csz.Triggers, len(sample))]
	type trig struct {
		shop          string
		decided, done time.Duration // from the first trigger
		skipped       string
		err           error
		transient     []string // errors Trigger returned before the export ran
		res           workflows.ShippingSyncResult
	}
	trigs := make([]*trig, len(sample))
	var wg sync.WaitGroup
	for i, shop := range sample {
		t := &trig{shop: shop}
		trigs[i] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := time.Now()
			for attempt := 1; ; attempt++ {
				res, err := mgr.Trigger(ctx, shop, oms.KindExport)
				if err == nil {
					t.decided = time.Since(at)
					if res.Skipped {
						t.skipped = res.Reason
						return
					}
					t.err = cs.tc.GetWorkflow(ctx, workflows.ShippingSyncID(shop), res.Decision.RunID).Get(ctx, &t.res)
					t.done = time.Since(at)
					return
				}
				// Trigger failed while waiting for the schedule's answer: the
				// trigger may have been taken all the same. Wait for the
				// shop's export for 30 s before triggering again.
				t.transient = append(t.transient, err.Error())
				if runID, ok := exportStarted(ctx, cs.tc, shop, 30*time.Second); ok {
					t.err = cs.tc.GetWorkflow(ctx, workflows.ShippingSyncID(shop), runID).Get(ctx, &t.res)
					t.done = time.Since(at)
					return
				}
				if attempt == 3 {
					t.err = err
					return
				}
			}
		}()
	}
	wg.Wait()
	// Remove them: no scheduled run of a thousand shops fires later in the bench.
	delStart := time.Now()
	delErr := parallel(ctx, 8, ids, func(ctx context.Context, id string) error {
		for _, kind := range schedules.Kinds {
			if err := cs.tc.ScheduleClient().GetHandle(ctx, schedules.ID(kind, id)).Delete(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	delWall := time.Since(delStart)
	ok := created == len(schedules.Kinds)*csz.Schedules && delErr == nil
	var lines []string
	worst := time.Duration(0)
	ran, retried := 0, 0
	for _, t := range trigs {
		switch {
		case t.err != nil:
			ok = false
			lines = append(lines, fmt.Sprintf("%s FAILED: %v", t.shop, t.err))
		case t.skipped != "":
			lines = append(lines, fmt.Sprintf("%s skipped (%s)", t.shop, t.skipped))
		default:
			ran++
			worst = max(worst, t.done)
			line := fmt.Sprintf("%s completed %.1f s after the trigger", t.shop, t.done.Seconds())
			if len(t.transient) > 0 {
				retried++
				line += fmt.Sprintf(" (Trigger returned %q %d time(s) first)", t.transient[0], len(t.transient))
			} else {
				line += fmt.Sprintf(" (decided after %.1f s)", t.decided.Seconds())
			}
			lines = append(lines, line)
		}
	}
	ok = ok && ran > 0 && every > 0 && worst < every
	r.Figures = fmt.Sprintf("%s shops (size %s): **%s schedules applied in %.1f s** (8 shops at a time; %s created, %s of them paused: import and stock are off by default; export every %s); %d random shops' export schedules triggered: %d ran (%d after Trigger first returned a transient error), worst trigger → export completed **%.1f s** (interval %s); %s schedules deleted in %.1f s",
		commas(int64(csz.Schedules)), b.sz.Name, commas(int64(len(schedules.Kinds)*csz.Schedules)), applyWall.Seconds(),
		commas(int64(created)), commas(int64(paused)), schedules.FormatEvery(every), len(trigs), ran, retried, worst.Seconds(), schedules.FormatEvery(every),
		commas(int64(len(schedules.Kinds)*csz.Schedules)), delWall.Seconds())
	r.Details = "Row 10 triggers (schedules.Manager.Trigger as `starter schedule trigger`, then the export's result): " + strings.Join(lines, "; ") + ".\n"
	if delErr != nil {
		r.Figures += "; deleting: " + delErr.Error()
	}
	r.judge(ok)
	return r
}

// parallel calls f for each item, n at a time, and returns the first error.
func parallel(ctx context.Context, n int, items []string, f func(context.Context, string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan string)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				if err := f(ctx, it); err != nil {
					once.Do(func() { first = fmt.Errorf("%s: %w", it, err); cancel() })
				}
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		ch <- it
	}
	close(ch)
	wg.Wait()
	return first
}

// row11: the same export and import on the dev server and on the cluster.
func (b *bench) row11(ctx context.Context, cs *clusterStack, csz clusterSizes) *Row {
	r := &Row{N: 11, What: "dev server vs cluster: export orders/s and import sales/s, one worker process, no budget, ratio cluster ÷ dev server",
		Target: "— (ratio reported)", Met: "n/a"}
	// The dev server: its own worker, no budget. Under TEMPORAL_STACK=cluster
	// the stack runs on the cluster, so a dev server is started for this row.
	dev := b.s
	if b.s.cluster != nil {
		if _, err := b.s.stopWorker(); err != nil {
			return r.fail(err)
		}
		d, err := b.s.withDevServer(ctx)
		if err != nil {
			return r.fail(fmt.Errorf("dev server: %w", err))
		}
		defer d.stopTemporal()
		dev = d
	}
	if err := dev.startWorker(ctx, 0); err != nil {
		return r.fail(err)
	}
	devExp, devImp, err := b.cmpRates(ctx, dev.tc, dev.config(), "cmp-dev", 11_000_000, csz)
	if err != nil {
		return r.fail(fmt.Errorf("dev server: %w", err))
	}
	if _, err := dev.stopWorker(); err != nil {
		return r.fail(err)
	}
	if err := cs.startWorkers(ctx, 1, 0); err != nil {
		return r.fail(err)
	}
	defer cs.stopWorkers()
	clExp, clImp, err := b.cmpRates(ctx, cs.tc, cs.config(), "cmp-cluster", 12_000_000, csz)
	if err != nil {
		return r.fail(fmt.Errorf("cluster: %w", err))
	}
	r.Figures = fmt.Sprintf("export of %s changed orders: dev server %.1f orders/s, cluster %.1f orders/s, **ratio %.2f**; import of %s sales: dev server %.0f sales/s, cluster %.0f sales/s, **ratio %.2f** (size %s)",
		commas(int64(csz.CmpExport)), devExp, clExp, clExp/devExp, commas(int64(csz.CmpImport)), devImp, clImp, clImp/devImp, b.sz.Name)
	return r
}

// cmpRates exports csz.CmpExport changed orders of a new shop named prefix and
// imports csz.CmpImport sales of another (prefix-imp) through c, and returns
// orders/s and sales/s.
func (b *bench) cmpRates(ctx context.Context, c client.Client, cfg config.Config, prefix string, firstID int64, csz clusterSizes) (float64, float64, error) {
	exp, err := b.cmpExport(ctx, c, cfg, prefix, firstID, csz.CmpExport)
	if err != nil {
		return 0, 0, err
	}
	imp, err := b.cmpImport(ctx, c, cfg.TaskQueue, prefix+"-imp", firstID+500_000, csz.CmpImport)
	return exp, imp, err
}

// cmpExport exports n changed orders of a new shop through c and returns orders/s.
func (b *bench) cmpExport(ctx context.Context, c client.Client, cfg config.Config, shop string, firstID int64, n int) (float64, error) {
	sb, _, _, err := b.exportSetup(ctx, shop, firstID, n, true, sandbox.Options{})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := exportThrough(ctx, c, cfg, workflows.ShippingSyncInput{ShopID: shop, AsOf: &b.asOf, MaxInFlight: workflows.DefaultMaxInFlight})
	if err != nil {
		return 0, fmt.Errorf("export of shop %s: %w", shop, err)
	}
	wall := time.Since(start)
	if err := checkExport(res, n, n, 0); err != nil {
		return 0, err
	}
	if c := sb.Counters(); c.NoopWrites != 0 || c.Writes != n {
		return 0, fmt.Errorf("shop %s: %d writes (%d repeated) for %d orders", shop, c.Writes, c.NoopWrites, n)
	}
	return float64(n) / wall.Seconds(), nil
}

// cmpImport imports n sales of a new shop through c and returns sales/s.
func (b *bench) cmpImport(ctx context.Context, c client.Client, queue, shop string, firstID int64, n int) (float64, error) {
	const days = 7
	sb, err := b.s.newShop(ctx, shop, sandbox.Options{})
	if err != nil {
		return 0, err
	}
	sb.Seed(importSales(firstID, n, time.Now(), days)...)
	start := time.Now()
	res, err := importThrough(ctx, c, queue, shop, days)
	if err != nil {
		return 0, fmt.Errorf("import of shop %s: %w", shop, err)
	}
	wall := time.Since(start)
	if res.Created != n {
		return 0, fmt.Errorf("import of shop %s created %d orders, want %d", shop, res.Created, n)
	}
	return float64(n) / wall.Seconds(), nil
}

// exportStarted waits up to wait for the shop's ShippingSync to exist and
// returns its run ID.
func exportStarted(ctx context.Context, c client.Client, shop string, wait time.Duration) (string, bool) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if d, err := c.DescribeWorkflow(ctx, workflows.ShippingSyncID(shop), ""); err == nil {
			return d.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId(), true
		}
		time.Sleep(500 * time.Millisecond)
	}
	return "", false
}
