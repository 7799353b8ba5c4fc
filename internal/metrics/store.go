package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

var (
	lastCompletedDesc = prometheus.NewDesc(Namespace+"_last_completed_timestamp_seconds",
		"When the shop's latest completed export or import (not a dry run) finished, from the run log; "+
			"for the shop label \"other\" the oldest of its shops.", []string{"shop", "kind"}, nil)
	intervalDesc = prometheus.NewDesc(Namespace+"_schedule_interval_seconds",
		"The interval of the shop's enabled export or import schedule (its settings); "+
			"for the shop label \"other\" the longest of its shops.", []string{"shop", "kind"}, nil)
)

// storeCacheFor is how long a read of the run log serves scrapes.
const storeCacheFor = 15 * time.Second

// storeCollector publishes, per shop, the last completed export and import and
// the schedules' intervals, read from the database on scrape: every worker
// publishes the same values, whichever worker ran the run.
type storeCollector struct {
	st     *stores.Stores
	logger *slog.Logger

	mu      sync.Mutex
	read    time.Time
	metrics []prometheus.Metric
}

var runLog = &storeCollector{}

func init() { Registry.MustRegister(runLog) }

// WatchStore publishes the run log's per-shop last completed runs and schedule
// intervals (colorme_sync_last_completed_timestamp_seconds,
// colorme_sync_schedule_interval_seconds) from st, in place of a store watched
// before.
func WatchStore(st *stores.Stores, logger *slog.Logger) {
	runLog.mu.Lock()
	defer runLog.mu.Unlock()
	runLog.st, runLog.logger, runLog.read, runLog.metrics = st, logger, time.Time{}, nil
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) { lastCompletedDescribe(ch) }

func lastCompletedDescribe(ch chan<- *prometheus.Desc) {
	ch <- lastCompletedDesc
	ch <- intervalDesc
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st != nil && time.Since(c.read) > storeCacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ms, err := c.readStore(ctx)
		cancel()
		if err != nil {
			c.logger.Warn("metrics: reading the run log failed", "error", err)
		} else {
			c.metrics, c.read = ms, time.Now()
		}
	}
	for _, m := range c.metrics {
		ch <- m
	}
}

type shopKind struct{ shop, kind string }

func (c *storeCollector) readStore(ctx context.Context) ([]prometheus.Metric, error) {
	last, err := c.st.LastCompletedRuns(ctx)
	if err != nil {
		return nil, err
	}
	shops, err := c.st.Shops.Shops(ctx)
	if err != nil {
		return nil, err
	}
	done := map[shopKind]time.Time{}
	for _, r := range last {
		k := shopKind{ShopLabel(r.ShopID), string(r.Kind)}
		if t, ok := done[k]; !ok || r.FinishedAt.Before(t) {
			done[k] = r.FinishedAt
		}
	}
	every := map[shopKind]time.Duration{}
	for _, s := range shops {
		set := s.Settings
		for kind, d := range map[oms.Kind]time.Duration{
			oms.KindExport: enabledMinutes(set.ExportEnabled, set.ExportIntervalMinutes),
			oms.KindImport: enabledMinutes(set.ImportEnabled, set.ImportIntervalMinutes),
		} {
			k := shopKind{ShopLabel(s.ID), string(kind)}
			if d > every[k] {
				every[k] = d
			}
		}
	}
	var out []prometheus.Metric
	for k, t := range done {
		out = append(out, prometheus.MustNewConstMetric(lastCompletedDesc, prometheus.GaugeValue, float64(t.UnixMilli())/1000, k.shop, k.kind))
	}
	for k, d := range every {
		if d > 0 {
			out = append(out, prometheus.MustNewConstMetric(intervalDesc, prometheus.GaugeValue, d.Seconds(), k.shop, k.kind))
		}
	}
	return out, nil
}

func enabledMinutes(on bool, minutes int) time.Duration {
	if !on {
		return 0
	}
	return time.Duration(minutes) * time.Minute
}
