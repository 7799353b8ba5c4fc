// Package metrics holds colorme-sync's Prometheus metrics: the application's
// colorme_sync_… series, the Temporal SDK's temporal_… series (TemporalHandler),
// and the HTTP listener that serves them with /healthz and /readyz
// (METRICS_LISTEN). Metrics are process-wide, like the registry they live in.
package metrics

import (
	"regexp"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes every application metric.
const Namespace = "colorme_sync"

// Registry is the process's metric registry: what /metrics serves.
var Registry = prometheus.NewRegistry()

var (
	runs = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "runs_total",
		Help: "Finished runs by kind (export, import), trigger (manual, scheduled, change) and result (completed, failed)."},
		[]string{"kind", "trigger", "result"})
	runDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "run_duration_seconds",
		Help:    "How long finished runs took, start to finish, by kind.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600}}, []string{"kind"})
	sales = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "sales_total",
		Help: "Sales handled by finished export runs, by shop and outcome (written, unchanged, skipped, failed)."},
		[]string{"shop", "outcome"})
	mails = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "mails_sent_total",
		Help: "Shipping mails sent through ColorMe by finished export runs, by shop."}, []string{"shop"})
	calls = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "colorme_requests_total",
		Help: "ColorMe API requests by shop, endpoint and HTTP status (\"error\": no answer)."},
		[]string{"shop", "endpoint", "status"})
	callLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "colorme_request_duration_seconds",
		Help:    "ColorMe API request latency by endpoint.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"endpoint"})
	budgetWaits = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "budget_waits_total",
		Help: "ColorMe calls that waited for a slot of the shop's API budget (COLORME_BUDGET_PER_MINUTE), by shop."}, []string{"shop"})
	budgetWaitSeconds = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "budget_wait_seconds_total",
		Help: "Time ColorMe calls spent waiting for the shop's API budget, by shop."}, []string{"shop"})
	budgetPerMinute = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "budget_per_minute",
		Help: "The ColorMe calls per minute each shop token may make (COLORME_BUDGET_PER_MINUTE; 0 = unlimited)."})
	changeLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "change_latency_seconds",
		Help:    "On-change exports: time from an order's change in the OMS to its write on ColorMe, by shop.",
		Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 900, 1800}}, []string{"shop"})
	openNotifications = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "open_notifications",
		Help: "Open staff notifications (problems not yet cleared) by shop and event."}, []string{"shop", "event"})
	buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "up",
		Help: "1 while the process (worker or console) runs."}, []string{"process"})
)

// app are the application's collectors (Names lists their metrics).
var app = []prometheus.Collector{runs, runDuration, sales, mails, calls, callLatency, budgetWaits, budgetWaitSeconds,
	budgetPerMinute, changeLatency, openNotifications, buildInfo}

// The label values runs_total starts with at 0, so that the first failed run
// is an increase (alert rules and dashboards use increase()).
var (
	runKinds    = []string{"export", "import"}
	runTriggers = []string{"manual", "scheduled", "change"}
	runResults  = []string{"completed", "failed"}
)

func init() {
	Registry.MustRegister(app...)
	Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, k := range runKinds {
		for _, t := range runTriggers {
			for _, r := range runResults {
				runs.WithLabelValues(k, t, r)
			}
		}
	}
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Names returns the names of the application's colorme_sync_… metrics (a
// histogram's without its _bucket, _sum and _count series), sorted.
func Names() []string {
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range app {
			c.Describe(ch)
		}
		lastCompletedDescribe(ch)
		close(ch)
	}()
	var out []string
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// SetProcess marks the process (worker or console) as up: colorme_sync_up{process}.
func SetProcess(name string) { buildInfo.WithLabelValues(name).Set(1) }

// SetBudgetPerMinute publishes the configured API budget per shop token.
func SetBudgetPerMinute(n int) { budgetPerMinute.Set(float64(n)) }

// RunTotals are the counts of a finished run that the metrics take.
type RunTotals struct {
	Written, Unchanged, Skipped, Failed, Mails int
}

// RunFinished counts a finished run and, for exports, its sales and mails.
// result is "completed" or "failed"; took is its duration (0: unknown).
func RunFinished(shopID, kind, trigger, result string, took time.Duration, t RunTotals) {
	runs.WithLabelValues(kind, trigger, result).Inc()
	if took > 0 {
		runDuration.WithLabelValues(kind).Observe(took.Seconds())
	}
	shop := ShopLabel(shopID)
	for outcome, n := range map[string]int{"written": t.Written, "unchanged": t.Unchanged, "skipped": t.Skipped, "failed": t.Failed} {
		if n > 0 {
			sales.WithLabelValues(shop, outcome).Add(float64(n))
		}
	}
	if t.Mails > 0 {
		mails.WithLabelValues(shop).Add(float64(t.Mails))
	}
}

// ChangeReached records the time from an order's change to its write on
// ColorMe by an on-change export.
func ChangeReached(shopID string, d time.Duration) {
	if d < 0 {
		d = 0
	}
	changeLatency.WithLabelValues(ShopLabel(shopID)).Observe(d.Seconds())
}

// NotificationKey is a shop and an event of the open notifications gauge.
type NotificationKey struct {
	ShopID, Event string
}

// SetOpenNotifications replaces the open notifications gauge with counts (the
// notifier calls it after every change, with every open notification): keys
// missing from counts drop to absent.
func SetOpenNotifications(counts map[NotificationKey]int) {
	openNotifications.Reset()
	for k, n := range counts {
		openNotifications.WithLabelValues(ShopLabel(k.ShopID), k.Event).Add(float64(n))
	}
}
