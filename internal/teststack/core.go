package teststack

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// This file is the stack's core without a testing.TB: the bench (./bench) and
// the chaos rows start their Temporal and worker with it too.

// devServerArgs are every dev server's arguments besides its address and
// database, written once: the search attribute the workflows set
// (workflows.ShopSearchAttribute).
var devServerArgs = []string{"server", "start-dev", "--headless", "--log-level", "error",
	"--search-attribute", "ColorMeShop=Keyword"}

// DevServerOptions say how to start a dev server.
type DevServerOptions struct {
	HostPort    string               // 127.0.0.1:port; "" = a free port
	DBFile      string               // the server's SQLite file, kept across restarts; "" = state in memory
	Log         io.Writer            // the server's output; nil = discarded
	SysProcAttr *syscall.SysProcAttr // e.g. its own process group
	MetricsPort int                  // serve the server's Prometheus metrics on 127.0.0.1:MetricsPort; 0 = off
}

// LocalServer is a Temporal CLI dev server running as a subprocess.
type LocalServer struct {
	Cmd    *exec.Cmd
	addr   string
	client client.Client
	done   chan struct{}
}

// StartDevServer starts the Temporal CLI dev server (TemporalCLI) and waits up
// to 90 s until it answers; its client is of the default namespace.
func StartDevServer(ctx context.Context, opts DevServerOptions) (*LocalServer, error) {
	path, err := TemporalCLI()
	if err != nil {
		return nil, err
	}
	if opts.HostPort == "" {
		if opts.HostPort, err = FreeAddr(); err != nil {
			return nil, err
		}
	}
	host, port, err := net.SplitHostPort(opts.HostPort)
	if err != nil {
		return nil, fmt.Errorf("dev server address %q: %w", opts.HostPort, err)
	}
	args := append(append([]string{}, devServerArgs...), "--ip", host, "--port", port)
	if opts.DBFile != "" {
		args = append(args, "--db-filename", opts.DBFile)
	}
	if opts.MetricsPort > 0 {
		args = append(args, "--metrics-port", strconv.Itoa(opts.MetricsPort))
	}
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr, cmd.SysProcAttr = out, out, opts.SysProcAttr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Temporal dev server %s: %w", path, err)
	}
	s := &LocalServer{Cmd: cmd, addr: opts.HostPort, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if s.client, err = s.dial(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// dial connects to the server once it answers.
func (s *LocalServer) dial(ctx context.Context) (client.Client, error) {
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("the Temporal dev server exited at start (%v)", s.Cmd.ProcessState)
		default:
		}
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := client.DialContext(dctx, client.Options{HostPort: s.addr, Namespace: "default", Logger: tlog.NewStructuredLogger(quietLogger())})
		cancel()
		switch {
		case err == nil:
			return c, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case time.Now().After(deadline):
			return nil, fmt.Errorf("the Temporal dev server at %s did not answer within 90 s: %w", s.addr, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// FrontendHostPort is the server's gRPC address.
func (s *LocalServer) FrontendHostPort() string { return s.addr }

// Client is a client of the default namespace, closed by Stop.
func (s *LocalServer) Client() client.Client { return s.client }

// Done is closed once the server process has exited.
func (s *LocalServer) Done() <-chan struct{} { return s.done }

// Stop closes the client and stops the server: SIGTERM, SIGKILL after 15 s.
func (s *LocalServer) Stop() error {
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.Cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// FreeAddr returns a free TCP address on the loopback interface, host:port.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// BuildWorker builds the worker (go build ./worker) into dir and returns the
// binary's path.
func BuildWorker(ctx context.Context, dir string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "worker")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./worker")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./worker: %v\n%s", err, out)
	}
	return bin, nil
}

// startShared starts the dev server a test package shares (Main).
func startShared() (*LocalServer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return StartDevServer(ctx, DevServerOptions{Log: os.Stderr})
}

// WorkerProcess is what a worker process (./worker, see BuildWorker) runs on.
type WorkerProcess struct {
	Address   string // Temporal frontend, host:port
	TaskQueue string
	DSN       string // its database
	SecretKey string // COLORME_SYNC_SECRET_KEY
	Budget    int    // ColorMe calls per minute per shop; 0 = none
}

// Env is the worker process's environment: this process's, then its settings.
// A caller appends what else it needs (the last value of a name wins).
func (w WorkerProcess) Env() []string {
	return append(os.Environ(),
		"TEMPORAL_ADDRESS="+w.Address,
		"TEMPORAL_NAMESPACE=default",
		"TEMPORAL_TASK_QUEUE="+w.TaskQueue,
		"DATABASE_URL="+w.DSN,
		"COLORME_SYNC_SECRET_KEY="+w.SecretKey,
		"COLORME_SYNC_OLD_SECRET_KEYS=",
		"COLORME_BUDGET_PER_MINUTE="+strconv.Itoa(w.Budget),
	)
}
