package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// stack is colorme-sync on the real stack for the benchmarks: a Temporal CLI dev
// server (subprocess) or, with TEMPORAL_STACK=cluster, a production-like cluster
// (teststack.StartCluster), a fresh PostgreSQL database, the worker (subprocess,
// so its memory can be read) and ColorMe sandboxes served in this process.
type stack struct {
	root, tmp string
	logf      func(format string, args ...any)

	temporalMem  bool // the dev server keeps its state in memory instead of a SQLite file
	temporalBin  string
	temporal     *teststack.LocalServer // the dev server (teststack's core)
	temporalLog  string
	temporalAddr string
	metricsURL   string // the dev server's Prometheus endpoint (row 15's heartbeats)
	tc           client.Client
	cluster      *teststack.Cluster // TEMPORAL_STACK=cluster: the cluster instead of the dev server

	db        *testenv.Database
	dsn       string
	store     *stores.Stores
	secretKey string

	taskQueue string
	workerBin string
	worker    *workerProc
	workerN   int

	sandboxes []*sandboxSrv
}

// startStack builds what it needs and starts everything; on error what was
// started is stopped again.
func startStack(ctx context.Context, logf func(string, ...any), temporalMem bool) (s *stack, err error) {
	s = &stack{logf: logf, secretKey: secrets.GenerateKey(), taskQueue: "bench-" + testenv.RandomHex(4), temporalMem: temporalMem}
	defer func() {
		if err != nil {
			s.close()
			s = nil
		}
	}()
	if s.root, err = teststack.RepoRoot(); err != nil {
		return s, fmt.Errorf("run the benchmarks from the repository (make bench): %w", err)
	}
	if s.tmp, err = os.MkdirTemp("", "colorme-bench-"); err != nil {
		return s, err
	}

	logf("Temporal CLI: locating bin/temporal (built from tools/go.mod when missing, ~5 min cold)")
	if s.temporalBin, err = teststack.TemporalCLI(); err != nil {
		return s, fmt.Errorf("the Temporal CLI: %w", err)
	}
	logf("building the worker (go build ./worker)")
	if s.workerBin, err = teststack.BuildWorker(ctx, s.tmp); err != nil {
		return s, err
	}

	if err := s.openDatabase(ctx); err != nil {
		return s, err
	}
	if teststack.OnCluster() {
		return s, s.startCluster(ctx)
	}
	if err := s.startTemporal(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// startCluster starts the production-like cluster as the stack's Temporal
// (TEMPORAL_STACK=cluster), as rows 9–11 start theirs.
func (s *stack) startCluster(ctx context.Context) error {
	s.logf("Temporal cluster (TEMPORAL_STACK=cluster): starting (scripts/cluster.sh: server 1.29.1, PostgreSQL, 4 service processes)")
	t := time.Now()
	cl, err := teststack.StartCluster()
	if err != nil {
		return fmt.Errorf("the Temporal cluster (TEMPORAL_STACK=cluster): %w", err)
	}
	s.cluster, s.temporalAddr, s.tc = cl, cl.FrontendHostPort(), cl.Client()
	s.logf("Temporal cluster: frontend %s, databases %s and %s_visibility, up in %.1f s", cl.FrontendHostPort(), cl.DB, cl.DB, time.Since(t).Seconds())
	return ctx.Err()
}

// deployment names the Temporal the stack runs on, for the results.
func (s *stack) deployment() string {
	if s.cluster != nil {
		return "cluster (4 services, PostgreSQL)"
	}
	return "dev server"
}

// withDevServer returns the stack on a dev server of its own, for row 11 under
// TEMPORAL_STACK=cluster: the same database, store, sandboxes and worker binary,
// its own task queue and worker. Stop it with stopTemporal.
func (s *stack) withDevServer(ctx context.Context) (*stack, error) {
	d := &stack{root: s.root, tmp: s.tmp, logf: s.logf, temporalBin: s.temporalBin, temporalMem: s.temporalMem,
		dsn: s.dsn, store: s.store, secretKey: s.secretKey, taskQueue: "bench-dev-" + testenv.RandomHex(4),
		workerBin: s.workerBin, workerN: 100}
	if err := d.startTemporal(ctx); err != nil {
		d.stopTemporal()
		return nil, err
	}
	return d, nil
}

// openDatabase creates bench_<random> on the PostgreSQL server (teststack's
// core: testenv.CreateDatabase) and opens the OMS store on it (which migrates
// the schema).
func (s *stack) openDatabase(ctx context.Context) error {
	base := os.Getenv("BENCH_POSTGRES_URL")
	if base == "" {
		base = os.Getenv("TEST_POSTGRES_URL")
	}
	if base == "" {
		base = testenv.DefaultPostgresURL
	}
	db, err := testenv.CreateDatabase(ctx, base, "bench_")
	if errors.Is(err, testenv.ErrUnreachable) {
		return fmt.Errorf("%w: start it or set BENCH_POSTGRES_URL", err)
	}
	if err != nil {
		return err
	}
	s.db, s.dsn = db, db.DSN
	sealer, err := secrets.NewSealer(s.secretKey)
	if err != nil {
		return err
	}
	if s.store, err = stores.Open(ctx, s.dsn, sealer); err != nil {
		return fmt.Errorf("opening the OMS store on %s: %w", db.Name, err)
	}
	s.logf("PostgreSQL: database %s", db.Name)
	return nil
}

// startTemporal starts the Temporal CLI dev server (teststack's core) with a
// file database, unless temporalMem, and waits until it answers.
func (s *stack) startTemporal(ctx context.Context) error {
	s.temporalLog = filepath.Join(s.tmp, "temporal.log")
	logFile, err := os.Create(s.temporalLog)
	if err != nil {
		return err
	}
	opts := teststack.DevServerOptions{Log: logFile, SysProcAttr: childAttr()}
	if addr, err := teststack.FreeAddr(); err == nil {
		if _, p, err := net.SplitHostPort(addr); err == nil {
			opts.MetricsPort, _ = strconv.Atoi(p)
			s.metricsURL = "http://" + addr + "/metrics"
		}
	}
	if !s.temporalMem {
		opts.DBFile = filepath.Join(s.tmp, "temporal.db")
	}
	srv, err := teststack.StartDevServer(ctx, opts)
	if err != nil {
		logFile.Close()
		return fmt.Errorf("%w:\n%s", err, tail(s.temporalLog, 20))
	}
	go func() { <-srv.Done(); logFile.Close() }()
	s.temporal, s.temporalAddr, s.tc = srv, srv.FrontendHostPort(), srv.Client()
	s.logf("Temporal dev server: pid %d on %s (log %s)", srv.Cmd.Process.Pid, s.temporalAddr, s.temporalLog)
	return nil
}

// config is the configuration the bench process uses to start workflows.
func (s *stack) config() config.Config {
	return config.Config{Temporal: config.Temporal{TemporalAddress: s.temporalAddr, TemporalNamespace: "default", TaskQueue: s.taskQueue}}
}

// workerProc is a running worker process.
type workerProc struct {
	cmd    *exec.Cmd
	budget int
	log    string
	done   chan struct{}
}

// Memory is a process's memory from /proc/<pid>/status, in KiB (0 = unknown).
type Memory struct{ HWM, RSS int64 }

// startWorker starts a worker process with the given API budget per minute
// (0 = none), stopping the one running, and waits until it polls both the
// workflow and the activity task queue.
func (s *stack) startWorker(ctx context.Context, budget int) error {
	if _, err := s.stopWorker(); err != nil {
		return err
	}
	w, err := spawnWorker(ctx, s, s.temporalAddr, s.tc, s.taskQueue, budget)
	if err != nil {
		return err
	}
	s.worker = w
	return nil
}

// workerMemory reads the running worker's VmHWM and VmRSS.
func (s *stack) workerMemory() (Memory, error) {
	if s.worker == nil {
		return Memory{}, errors.New("no worker is running")
	}
	select {
	case <-s.worker.done:
		return Memory{}, fmt.Errorf("the worker exited:\n%s", tail(s.worker.log, 20))
	default:
	}
	return procMemory(s.worker.cmd.Process.Pid)
}

// stopWorker stops the running worker (SIGTERM, then SIGKILL after 40 s) and
// returns its memory read just before.
func (s *stack) stopWorker() (Memory, error) {
	w := s.worker
	if w == nil {
		return Memory{}, nil
	}
	s.worker = nil
	select {
	case <-w.done:
		return Memory{}, fmt.Errorf("the worker (pid %d) had exited by itself (%v):\n%s", w.cmd.Process.Pid, w.cmd.ProcessState, tail(w.log, 20))
	default:
	}
	mem, _ := procMemory(w.cmd.Process.Pid)
	stopProc(w)
	return mem, nil
}

// cpuUse is the CPU time used so far by the dev server, the worker and this
// process (the bench and its in-process sandboxes); PostgreSQL is not counted.
type cpuUse struct {
	temporal, worker, self time.Duration
	temporalName           string // "dev server" or "cluster's 4 services"
}

func (s *stack) cpu() cpuUse {
	u := cpuUse{temporalName: "dev server"}
	if s.cluster != nil {
		u.temporalName = "cluster's 4 services"
	}
	if s.cluster != nil {
		for _, svc := range []string{"frontend", "history", "matching", "worker"} {
			if b, err := os.ReadFile(filepath.Join(s.cluster.Dir, svc+".pid")); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					d, _ := procCPU(pid)
					u.temporal += d
				}
			}
		}
	} else {
		u.temporal, _ = procCPU(s.temporal.Cmd.Process.Pid)
	}
	if s.worker != nil {
		u.worker, _ = procCPU(s.worker.cmd.Process.Pid)
	}
	u.self = selfCPU()
	return u
}

// perThousand describes the CPU used since before, per 1,000 orders.
func (u cpuUse) perThousand(before cpuUse, orders int) string {
	k := float64(orders) / 1000
	return fmt.Sprintf("CPU s per 1,000 orders: %s %.1f, worker %.1f, bench + sandbox %.1f",
		u.temporalName, (u.temporal-before.temporal).Seconds()/k, (u.worker-before.worker).Seconds()/k, (u.self-before.self).Seconds()/k)
}

// workerLogTail returns the end of the running worker's log, for error messages.
func (s *stack) workerLogTail() string {
	if s.worker == nil {
		return ""
	}
	return tail(s.worker.log, 10)
}

// sandboxSrv is a ColorMe sandbox served on a local listener.
type sandboxSrv struct {
	*sandbox.Server
	URL   string
	Token string
	srv   *http.Server
	conns atomic.Int64 // TCP connections accepted
}

// newSandbox serves a fresh sandbox with one valid token (all scopes).
func (s *stack) newSandbox(opts sandbox.Options) (*sandboxSrv, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sandbox listener: %w", err)
	}
	sb := &sandboxSrv{Token: "bench-" + testenv.RandomHex(12)}
	opts.Tokens = append(opts.Tokens, sb.Token)
	sb.Server = sandbox.New(opts)
	sb.URL = "http://" + ln.Addr().String()
	sb.srv = &http.Server{Handler: sb.Server, ReadHeaderTimeout: 30 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				sb.conns.Add(1)
			}
		}}
	go func() { _ = sb.srv.Serve(ln) }()
	s.sandboxes = append(s.sandboxes, sb)
	return sb, nil
}

// resetCounters zeroes the sandbox's counters and its connection count.
func (sb *sandboxSrv) resetCounters() {
	sb.ResetCounters()
	sb.conns.Store(0)
}

// newShop creates a shop connected to a fresh sandbox served with opts.
func (s *stack) newShop(ctx context.Context, id string, opts sandbox.Options) (*sandboxSrv, error) {
	sb, err := s.newSandbox(opts)
	if err != nil {
		return nil, err
	}
	if err := s.addShop(ctx, id, sb); err != nil {
		return nil, err
	}
	return sb, nil
}

// addShop creates a shop connected to sb with the default settings.
func (s *stack) addShop(ctx context.Context, id string, sb *sandboxSrv) error {
	if err := s.store.Shops.CreateShop(ctx, shops.Shop{ID: id, Name: id, APIBaseURL: sb.URL, Settings: shops.DefaultSettings()}); err != nil {
		return fmt.Errorf("creating shop %s: %w", id, err)
	}
	if err := s.store.Shops.SetAccessToken(ctx, id, sb.Token); err != nil {
		return fmt.Errorf("storing the token of shop %s: %w", id, err)
	}
	return nil
}

// seed stores orders in the OMS (in chunks) and sales in the sandbox.
func (s *stack) seed(ctx context.Context, shopID string, sb *sandboxSrv, orders []rules.Order, sales []colorme.Sale) error {
	const chunk = 2000
	for i := 0; i < len(orders); i += chunk {
		if err := s.store.UpsertOrders(ctx, shopID, orders[i:min(i+chunk, len(orders))]); err != nil {
			return err
		}
	}
	sb.Seed(sales...)
	return nil
}

// close stops everything that was started, in reverse order, and drops the database.
func (s *stack) close() {
	if s == nil {
		return
	}
	if _, err := s.stopWorker(); err != nil {
		s.logf("%v", err)
	}
	for _, sb := range s.sandboxes {
		_ = sb.srv.Close()
	}
	s.stopTemporal()
	if s.cluster != nil {
		if err := s.cluster.Stop(false); err != nil { // closes s.tc, drops the cluster's databases
			s.logf("stopping the Temporal cluster: %v", err)
		}
		s.cluster, s.tc = nil, nil
	}
	if s.store != nil {
		_ = s.store.Close()
	}
	if s.db != nil {
		if err := s.db.Drop(context.Background()); err != nil {
			s.logf("%v", err)
		}
	}
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
	}
}

// stopTemporal stops the worker, closes the client and stops the dev server,
// if any (the cluster is stopped by close).
func (s *stack) stopTemporal() {
	if _, err := s.stopWorker(); err != nil {
		s.logf("%v", err)
	}
	if s.temporal != nil { // closes s.tc
		_ = s.temporal.Stop()
		s.temporal, s.tc = nil, nil
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "(empty log)"
	}
	return "  " + strings.Join(lines, "\n  ")
}

func budgetText(perMinute int) string {
	if perMinute <= 0 {
		return "none"
	}
	return commas(int64(perMinute)) + "/min"
}
