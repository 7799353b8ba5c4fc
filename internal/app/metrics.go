package app

import (
	"context"
	"log/slog"
	"net"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/metrics"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// ServeMetrics serves /metrics, /healthz and /readyz (the database and
// Temporal) on addr until ctx ends, for process "worker" or "console"; the
// worker also publishes the run log's per-shop last runs. It returns the
// address it listens on.
func ServeMetrics(ctx context.Context, addr, process string, cfg config.Config, st *stores.Stores, c client.Client, logger *slog.Logger) (net.Addr, error) {
	metrics.SetProcess(process)
	metrics.SetBudgetPerMinute(cfg.BudgetPerMinute)
	if process == "worker" {
		metrics.WatchStore(st, logger)
	}
	return metrics.Serve(ctx, addr, logger, ReadyChecks(st, c)...)
}

// ReadyChecks are what /readyz checks: the database and Temporal.
func ReadyChecks(st *stores.Stores, c client.Client) []metrics.Check {
	return []metrics.Check{metrics.DatabaseCheck(st.DB()), metrics.TemporalCheck(c)}
}

// ServeConfiguredMetrics serves the metrics (ServeMetrics) until ctx ends on
// the address the environment gives (metrics.LoadSettings); none: nothing.
func ServeConfiguredMetrics(ctx context.Context, process string, cfg config.Config, st *stores.Stores, c client.Client, logger *slog.Logger) error {
	ms, err := metrics.LoadSettings()
	if err != nil || ms.Listen == "" {
		return err
	}
	_, err = ServeMetrics(ctx, ms.Listen, process, cfg, st, c, logger)
	return err
}
