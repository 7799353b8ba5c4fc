// Command worker runs colorme-sync's Temporal worker: it executes the shipping
// export and import workflows and their activities. Configuration comes from the
// environment (README "Configuration").
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	logger := app.Logger(cfg.LogLevel)
	st, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	warnUnknownKeys(cfg, st, logger)
	c, err := app.Dial(cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if err := app.ServeConfiguredMetrics(ctx, "worker", cfg, st, c, logger); err != nil {
		return err
	}
	w := app.NewWorker(c, cfg, app.Activities(cfg, st, nil))
	stopNotify, err := app.StartNotifications(context.Background(), c, cfg, st, w)
	if err != nil {
		return err
	}
	defer stopNotify()
	logger.Info("worker starting", "task_queue", cfg.TaskQueue, "temporal", cfg.TemporalAddress, "namespace", cfg.TemporalNamespace, "database", st.Dialect())
	// worker.InterruptCh stops on SIGINT/SIGTERM and lets running activities finish.
	return w.Run(worker.InterruptCh())
}

// warnUnknownKeys logs, at start, stored secrets this worker cannot open: their
// activities would fail and be retried until the worker gets the key.
func warnUnknownKeys(cfg config.Config, st *stores.Stores, logger *slog.Logger) {
	sealer, err := cfg.Sealer()
	if err != nil || sealer == nil {
		return
	}
	counts, err := st.Shops.SealedKeyIDs(context.Background())
	if err != nil {
		return
	}
	cur, old := sealer.KeyIDs()
	for id, n := range counts {
		if id == "" || id == cur || slices.Contains(old, id) {
			continue
		}
		err := &secrets.UnknownKeyError{KeyID: id, Current: cur, Old: old}
		logger.Warn(fmt.Sprintf("%d stored secret(s) cannot be opened by this worker: %v", n, err), "key_id", id)
	}
}
