package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// defaultPostgresURL is the server used when BENCH_POSTGRES_URL and
// TEST_POSTGRES_URL are not set (the development machines' PostgreSQL).
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// stack is colorme-sync on the real stack for the benchmarks: a Temporal CLI dev
// server (subprocess) or, with TEMPORAL_STACK=cluster, a production-like cluster
// (teststack.StartCluster), a fresh PostgreSQL database, the worker (subprocess,
// so its memory can be read) and ColorMe sandboxes served in this process.
type stack struct {
	root, tmp string
	logf      func(format string, args ...any)

	temporalMem  bool // the dev server keeps its state in memory instead of a SQLite file
	temporalBin  string
	temporal     *exec.Cmd
	temporalDone chan struct{}
	temporalLog  string
	temporalAddr string
	metricsURL   string // the dev server's Prometheus endpoint (row 15's heartbeats)
	tc           client.Client
	cluster      *teststack.Cluster // TEMPORAL_STACK=cluster: the cluster instead of the dev server

	pgBase, dbName, dsn string
	admin               *gorm.DB
	store               *oms.Store
	secretKey           string

	taskQueue string
	workerBin string
	worker    *workerProc
	workerN   int

	sandboxes []*sandboxSrv
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startStack builds what it needs and starts everything; on error what was
// started is stopped again.
func startStack(ctx context.Context, logf func(string, ...any), temporalMem bool) (s *stack, err error) {
	s = &stack{logf: logf, secretKey: secrets.GenerateKey(), taskQueue: "bench-" + randomHex(4), temporalMem: temporalMem}
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
	s.workerBin = filepath.Join(s.tmp, "worker")
	build := exec.CommandContext(ctx, "go", "build", "-o", s.workerBin, "./worker")
	build.Dir = s.root
	if out, err := build.CombinedOutput(); err != nil {
		return s, fmt.Errorf("building the worker: %v\n%s", err, out)
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
		dsn: s.dsn, store: s.store, secretKey: s.secretKey, taskQueue: "bench-dev-" + randomHex(4),
		workerBin: s.workerBin, workerN: 100}
	if err := d.startTemporal(ctx); err != nil {
		d.stopTemporal()
		return nil, err
	}
	return d, nil
}

// openDatabase creates bench_<random> on the PostgreSQL server and opens the
// OMS store on it (which migrates the schema).
func (s *stack) openDatabase(ctx context.Context) error {
	s.pgBase = os.Getenv("BENCH_POSTGRES_URL")
	if s.pgBase == "" {
		s.pgBase = os.Getenv("TEST_POSTGRES_URL")
	}
	if s.pgBase == "" {
		s.pgBase = defaultPostgresURL
	}
	admin, err := gorm.Open(postgres.Open(s.pgBase), &gorm.Config{Logger: logger.Discard})
	if err == nil {
		var sqlDB interface{ PingContext(context.Context) error }
		if sqlDB, err = admin.DB(); err == nil {
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = sqlDB.PingContext(pctx)
			cancel()
		}
	}
	if err != nil {
		return fmt.Errorf("PostgreSQL at %s is unreachable (%v): start it or set BENCH_POSTGRES_URL", redact(s.pgBase), err)
	}
	s.admin = admin
	name := "bench_" + randomHex(6)
	if err := admin.WithContext(ctx).Exec("CREATE DATABASE " + name).Error; err != nil {
		return fmt.Errorf("creating database %s on %s: %w", name, redact(s.pgBase), err)
	}
	s.dbName = name
	u, err := url.Parse(s.pgBase)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("BENCH_POSTGRES_URL must be a postgres:// URL, got %s", redact(s.pgBase))
	}
	u.Path = "/" + name
	s.dsn = u.String()
	sealer, err := secrets.NewSealer(s.secretKey)
	if err != nil {
		return err
	}
	if s.store, err = oms.Open(ctx, s.dsn, sealer); err != nil {
		return fmt.Errorf("opening the OMS store on %s: %w", name, err)
	}
	s.logf("PostgreSQL: database %s", name)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startTemporal starts the Temporal CLI dev server as a subprocess with a file
// database and waits until it answers.
func (s *stack) startTemporal(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.temporalAddr = fmt.Sprintf("127.0.0.1:%d", port)
	s.temporalLog = filepath.Join(s.tmp, "temporal.log")
	logFile, err := os.Create(s.temporalLog)
	if err != nil {
		return err
	}
	args := []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--log-level", "error", "--search-attribute", "ColorMeShop=Keyword"}
	if mport, err := freePort(); err == nil {
		args = append(args, "--metrics-port", strconv.Itoa(mport))
		s.metricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", mport)
	}
	if !s.temporalMem {
		args = append(args, "--db-filename", filepath.Join(s.tmp, "temporal.db"))
	}
	cmd := exec.Command(s.temporalBin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting the Temporal dev server %s: %w", s.temporalBin, err)
	}
	s.temporal = cmd
	s.temporalDone = make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(s.temporalDone) }()
	s.logf("Temporal dev server: pid %d on %s (log %s)", cmd.Process.Pid, s.temporalAddr, s.temporalLog)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-s.temporalDone:
			return fmt.Errorf("the Temporal dev server exited at start:\n%s", tail(s.temporalLog, 20))
		default:
		}
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := client.DialContext(dctx, client.Options{HostPort: s.temporalAddr, Namespace: "default", Logger: tlog.NewStructuredLogger(quiet)})
		cancel()
		if err == nil {
			s.tc = c
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the Temporal dev server at %s did not answer within 90 s (%v):\n%s", s.temporalAddr, err, tail(s.temporalLog, 20))
		}
		time.Sleep(300 * time.Millisecond)
	}
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
		u.temporal, _ = procCPU(s.temporal.Process.Pid)
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
	sb := &sandboxSrv{Token: "bench-" + randomHex(12)}
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
	if err := s.store.CreateShop(ctx, oms.Shop{ID: id, Name: id, APIBaseURL: sb.URL, Settings: oms.DefaultSettings()}); err != nil {
		return fmt.Errorf("creating shop %s: %w", id, err)
	}
	if err := s.store.SetAccessToken(ctx, id, sb.Token); err != nil {
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
	if s.admin != nil {
		if s.dbName != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			if err := s.admin.WithContext(ctx).Exec("DROP DATABASE IF EXISTS " + s.dbName + " WITH (FORCE)").Error; err != nil {
				s.logf("dropping database %s: %v", s.dbName, err)
			}
			cancel()
		}
		if sqlDB, err := s.admin.DB(); err == nil {
			_ = sqlDB.Close()
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
	if s.tc != nil && s.cluster == nil {
		s.tc.Close()
		s.tc = nil
	}
	if s.temporal != nil {
		terminate(s.temporal, s.temporalDone, 15*time.Second)
		s.temporal = nil
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

// redact hides a password in a URL DSN.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}

func budgetText(perMinute int) string {
	if perMinute <= 0 {
		return "none"
	}
	return commas(int64(perMinute)) + "/min"
}
