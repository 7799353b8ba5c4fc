package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// env holds what a command needs, opened lazily so that each command only
// connects to what it uses.
type env struct {
	out, errOut io.Writer
	cfg         *config.Config
	store       *stores.Stores
	temporal    client.Client
	wide        bool // -wide: tables print long values whole
}

func (e *env) config() (config.Config, error) {
	if e.cfg == nil {
		c, err := config.Load()
		if err != nil {
			return config.Config{}, err
		}
		e.cfg = &c
	}
	return *e.cfg, nil
}

func (e *env) db(ctx context.Context) (*stores.Stores, error) {
	if e.store != nil {
		return e.store, nil
	}
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return nil, err
	}
	if path := cfg.SQLitePath(); path != "" && path != ":memory:" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(e.errOut, "starter: %s does not exist yet: creating a new, empty SQLite database there (DATABASE_URL=%s)\n", path, cfg.DatabaseURL)
		}
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e.store = st
	return st, nil
}

func (e *env) client() (client.Client, error) {
	if e.temporal != nil {
		return e.temporal, nil
	}
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	// The starter prints to the terminal: keep the SDK quiet unless it fails.
	c, err := app.Dial(cfg, slog.New(slog.NewTextHandler(e.errOut, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		return nil, err
	}
	e.temporal = c
	return c, nil
}

func (e *env) close() {
	if e.temporal != nil {
		e.temporal.Close()
	}
	if e.store != nil {
		_ = e.store.Close()
	}
}

// shop opens the database and loads a shop, explaining a missing one; an empty
// id is a missing -shop, said before the database is opened.
func (e *env) shop(ctx context.Context, id string) (*stores.Stores, shops.Shop, error) {
	if id == "" {
		return nil, shops.Shop{}, errors.New("-shop is required")
	}
	st, err := e.db(ctx)
	if err != nil {
		return nil, shops.Shop{}, err
	}
	s, err := shopOrExplain(ctx, st, id)
	return st, s, err
}

// workerCheckWait is how long the starter waits for a worker to show up on the
// task queue before it says there is none.
const workerCheckWait = 3 * time.Second

// needWorker refuses to start a run that no worker would pick up: the operator
// hears it within seconds, with the command that starts a worker, instead of
// waiting in silence.
func (e *env) needWorker(ctx context.Context) error {
	cfg, c, err := e.clientWithConfig()
	if err != nil {
		return err
	}
	if err := app.CheckWorker(ctx, c, cfg, workerCheckWait); err != nil {
		if app.IsNoWorker(err) {
			return fmt.Errorf("nothing was started: %w", err)
		}
		return err
	}
	return nil
}

// wait waits for a workflow's result in valuePtr and meanwhile tells the
// operator, on stderr, what holds up the workflow watchID (run's own, or the
// export or import a scheduled run started): no worker, an activity failing and
// being retried (with its failure), a workflow task that keeps failing.
func (e *env) wait(ctx context.Context, run client.WorkflowRun, watchID string, valuePtr any) error {
	cfg, c, err := e.clientWithConfig()
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		app.WatchRun(wctx, c, cfg, watchID, app.WatchOptions{}, func(n app.Notice) {
			fmt.Fprintf(e.errOut, "starter: %s is waiting: %s\n", watchID, n.Text)
		})
	}()
	err = run.Get(ctx, valuePtr)
	cancel()
	<-done
	if err != nil && ctx.Err() != nil {
		return stoppedWaiting{fmt.Sprintf("stopped waiting; %s goes on in Temporal: watch it at %s", run.GetID(), cfg.WorkflowURL(run.GetID(), ""))}
	}
	return err
}

// stoppedWaiting is wait's error when the operator stopped it (Ctrl-C): the run
// itself did not fail.
type stoppedWaiting struct{ msg string }

func (s stoppedWaiting) Error() string { return s.msg }

// runFailed wraps a failed run's error with what failed, unless the operator only
// stopped waiting for it.
func runFailed(what string, err error) error {
	var sw stoppedWaiting
	if errors.As(err, &sw) {
		return err
	}
	return fmt.Errorf("%s failed: %w", what, err)
}
