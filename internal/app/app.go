// Package app wires colorme-sync's parts together: the Temporal client, the store
// and the worker's registrations. The worker and starter commands and the tests
// share it, so what the tests run is what users run.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/metrics"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// Logger returns the process logger at the configured level (JSON on stderr).
func Logger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level)))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// OpenStore opens the OMS database named by the configuration: the one place the
// worker, the console and the starter open it. It checks the schema version: a
// database newer than this binary is refused; one that is behind is migrated
// when DB_AUTO_MIGRATE is on (the default), else refused naming `starter db migrate`.
func OpenStore(ctx context.Context, cfg config.Config) (*stores.Stores, error) {
	policy := schema.SchemaRequire
	if cfg.DBAutoMigrate {
		policy = schema.SchemaMigrate
	}
	return openStore(ctx, cfg, policy)
}

// OpenStoreForMigrations opens the OMS database without checking its schema
// version: for `starter db status` and `starter db migrate`.
func OpenStoreForMigrations(ctx context.Context, cfg config.Config) (*stores.Stores, error) {
	return openStore(ctx, cfg, schema.SchemaIgnore)
}

func openStore(ctx context.Context, cfg config.Config, policy schema.SchemaPolicy) (*stores.Stores, error) {
	sealer, err := cfg.Sealer()
	if err != nil {
		return nil, err
	}
	st, err := stores.OpenWith(ctx, cfg.DatabaseURL, sealer, schema.Options{Schema: policy, Logger: Logger(cfg.LogLevel)})
	if err != nil {
		return nil, fmt.Errorf("database (DATABASE_URL): %w", ExplainStoreError(err))
	}
	st.Shops.AllowPlainHTTP(cfg.PlainHTTPHosts...)
	st.Shops.AllowAPIHosts(cfg.APIHosts...)
	return st, nil
}

// Dial connects to Temporal; the error says where it tried.
func Dial(cfg config.Config, logger *slog.Logger) (client.Client, error) {
	c, err := client.Dial(client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(logger),
		// The SDK's temporal_… metrics; served where METRICS_LISTEN is set.
		MetricsHandler: metrics.TemporalHandler(),
	})
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (namespace %s; set TEMPORAL_ADDRESS): %w", cfg.TemporalAddress, cfg.TemporalNamespace, err)
	}
	return c, nil
}

// Activities builds the activities with their dependencies. They log through
// activity.GetLogger: the Temporal client's logger (Dial's), which adds the
// workflow and run IDs, the activity and its attempt to every line.
func Activities(cfg config.Config, st *stores.Stores, httpClient *http.Client) *activities.Activities {
	return &activities.Activities{
		Store:             st,
		ExportMaxInFlight: cfg.ExportMaxInFlight,
		StaleReadWindow:   staleWindow(cfg.StaleReadWindow),
		ColorMe: &activities.ClientFactory{
			Store:           st,
			BudgetPerMinute: cfg.BudgetPerMinute,
			Timeout:         cfg.ColorMeTimeout,
			HTTPClient:      httpClient,
		},
	}
}

// staleWindow maps COLORME_STALE_READ_WINDOW to activities.Activities'
// StaleReadWindow: 0s there means no wait, which is negative here.
func staleWindow(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// NewWorker returns a worker on the configured task queue with every workflow and
// activity registered.
func NewWorker(c client.Client, cfg config.Config, acts *activities.Activities) worker.Worker {
	w := worker.New(c, cfg.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize: cfg.MaxConcurrent,
		WorkerStopTimeout:                  30 * time.Second, // let running activities finish on SIGTERM
	})
	if acts.Temporal == nil {
		// Pausing a shop's schedules when its token is refused, and naming the run
		// a skipped scheduled run gave way to, use the worker's own client.
		acts.Temporal = schedules.New(c, cfg.TaskQueue)
	}
	Register(w, acts)
	return w
}

// Register registers every workflow and activity of colorme-sync on w.
func Register(w worker.Registry, acts *activities.Activities) {
	workflows.Register(w)
	w.RegisterActivity(acts)
}
