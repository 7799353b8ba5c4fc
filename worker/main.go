// Command worker runs colorme-sync's Temporal worker: it executes the shipping
// export and import workflows and their activities. Configuration comes from the
// environment (see README).
package main

import (
	"context"
	"fmt"
	"os"

	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
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
	logger := app.Logger(cfg.LogLevel)
	st, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := app.Dial(cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	w := app.NewWorker(c, cfg, app.Activities(cfg, st, logger, nil))
	logger.Info("worker starting", "task_queue", cfg.TaskQueue, "temporal", cfg.TemporalAddress, "namespace", cfg.TemporalNamespace, "database", st.Dialect())
	// worker.InterruptCh stops on SIGINT/SIGTERM and lets running activities finish.
	return w.Run(worker.InterruptCh())
}
