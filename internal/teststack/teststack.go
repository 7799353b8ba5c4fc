// Package teststack runs colorme-sync on the real stack for tests: a Temporal CLI
// dev server (or, with TEMPORAL_STACK=cluster, a cluster of separate service
// processes on PostgreSQL: see StartCluster), a private PostgreSQL database, the
// ColorMe sandbox and the same worker registrations users run.
package teststack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "tools", "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("repository root not found above the working directory")
		}
		dir = parent
	}
}

// TemporalCLI returns the Temporal CLI binary: $TEMPORAL_CLI, or bin/temporal in
// the repository, built from tools/go.mod (the module proxy) when missing.
func TemporalCLI() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, "bin", "temporal")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	// Build to a private name and rename: parallel test packages may race here.
	tmp := fmt.Sprintf("%s.%d", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-modfile=tools/go.mod", "-o", tmp, "github.com/temporalio/cli/cmd/temporal")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the Temporal CLI (make temporal): %v\n%s", err, out)
	}
	return bin, os.Rename(tmp, bin)
}

// Server is the Temporal service a test package shares: the CLI's dev server, or
// the production-like cluster of scripts/cluster.sh under TEMPORAL_STACK=cluster.
type Server interface {
	// FrontendHostPort is the frontend's gRPC address, host:port.
	FrontendHostPort() string
	// Client is a client of the default namespace.
	Client() client.Client
}

// DevServer is the Temporal service shared by a test package (see Main): the
// dev server, or the cluster when TEMPORAL_STACK=cluster.
var DevServer Server

// Main starts a Temporal dev server (or, with TEMPORAL_STACK=cluster, a cluster:
// see StartCluster) for the package's tests, runs them and stops it: call it
// from TestMain.
func Main(m *testing.M) {
	os.Exit(func() int {
		if OnCluster() {
			return runOnCluster(m)
		}
		srv, err := startShared()
		if err != nil {
			fmt.Fprintln(os.Stderr, "starting the Temporal dev server:", err)
			return 1
		}
		defer func() { _ = srv.Stop() }()
		DevServer = srv
		return m.Run()
	}())
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Stack is colorme-sync running for one test: its own database, sandbox and
// worker task queue on the package's dev server.
type Stack struct {
	Config     config.Config
	Client     client.Client
	Store      *stores.Stores
	Sandbox    *sandbox.Server
	SandboxURL string
	Worker     worker.Worker
}

// Token is the sandbox access token every stack shop is connected with.
const Token = "sandbox-token-for-tests-3f9c2a"

// New starts a stack on a fresh PostgreSQL database; everything stops at t.Cleanup.
func New(t testing.TB) *Stack {
	t.Helper()
	if DevServer == nil {
		t.Fatal("teststack: the package's TestMain must call teststack.Main")
	}
	return NewOn(t, testenv.OpenStore(t))
}

// NewOn starts a stack on st, a store the test opened itself (e.g. a database it
// upgraded); everything but the store stops at t.Cleanup.
func NewOn(t testing.TB, st *stores.Stores) *Stack {
	t.Helper()
	if DevServer == nil {
		t.Fatal("teststack: the package's TestMain must call teststack.Main")
	}
	sb := sandbox.New(sandbox.Options{Tokens: []string{Token}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.TemporalAddress = DevServer.FrontendHostPort()
	cfg.TaskQueue = "test-" + testenv.RandomHex(6)
	cfg.BudgetPerMinute = 0
	cfg.ColorMeTimeout = 10 * time.Second
	// This sandbox serves fresh reads (no Options.StaleReads): there is no
	// stale-read window to wait out before a re-read.
	cfg.StaleReadWindow = 0
	c := DevServer.Client()
	w := app.NewWorker(c, cfg, app.Activities(cfg, st, srv.Client()))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &Stack{Config: cfg, Client: c, Store: st, Sandbox: sb, SandboxURL: srv.URL, Worker: w}
}

// AddShop creates a shop connected to the stack's sandbox and returns its ID.
func (s *Stack) AddShop(t testing.TB, id string) string {
	t.Helper()
	ctx := context.Background()
	if err := s.Store.Shops.CreateShop(ctx, shops.Shop{ID: id, Name: id, APIBaseURL: s.SandboxURL, Settings: shops.DefaultSettings()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.Shops.SetAccessToken(ctx, id, Token); err != nil {
		t.Fatal(err)
	}
	return id
}
