package metrics

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// timerBuckets are the buckets (seconds) of the SDK's timers: request, poll,
// schedule-to-start and execution latencies.
var timerBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// sdkMetrics holds the Temporal SDK's metrics. The SDK names them temporal_…
// and gives one metric different tag sets in different places (a poller's,
// a workflow's, an activity's), which a prometheus Vec cannot hold: each
// series is its own collector with its tags as constant labels.
type sdkMetrics struct {
	mu     sync.Mutex
	series map[string]prometheus.Collector // name + sorted tags
	kinds  map[string]string               // name → counter, gauge or timer: one kind per name
}

var sdk = &sdkMetrics{series: map[string]prometheus.Collector{}, kinds: map[string]string{}}

func init() { Registry.MustRegister(sdk) }

// Describe sends nothing: the SDK's series are unchecked (they come and go
// with the SDK's tags).
func (*sdkMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (m *sdkMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	cs := slices.Collect(maps.Values(m.series))
	m.mu.Unlock()
	for _, c := range cs {
		c.Collect(ch)
	}
}

// get returns the series of name with tags, made by mk on first use; nil when
// name was first used as another kind (the SDK never does that).
func (m *sdkMetrics) get(kind, name string, tags map[string]string, mk func(prometheus.Opts) prometheus.Collector) prometheus.Collector {
	keys := slices.Sorted(maps.Keys(tags))
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		b.WriteString("\xff" + k + "=" + tags[k])
	}
	id := b.String()
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.series[id]; ok {
		return c
	}
	if k, ok := m.kinds[name]; ok && k != kind {
		return nil
	}
	m.kinds[name] = kind
	c := mk(prometheus.Opts{Name: name, Help: "Temporal SDK " + kind + " " + name + ".", ConstLabels: maps.Clone(tags)})
	m.series[id] = c
	return c
}

// sdkHandler is the Temporal SDK's client.MetricsHandler on Registry.
type sdkHandler struct {
	tags map[string]string
}

// TemporalHandler returns the metrics handler to give the Temporal client
// (client.Options.MetricsHandler): the SDK's metrics appear on /metrics,
// named temporal_…, timers as histograms in seconds.
func TemporalHandler() client.MetricsHandler { return sdkHandler{} }

// WithTags implements client.MetricsHandler.
func (h sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range tags {
		merged[sanitize(k)] = v
	}
	return sdkHandler{tags: merged}
}

// Counter implements client.MetricsHandler.
func (h sdkHandler) Counter(name string) client.MetricsCounter {
	c, _ := sdk.get("counter", sanitize(name), h.tags, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewCounter(prometheus.CounterOpts(o))
	}).(prometheus.Counter)
	return counterFunc(func(d int64) {
		if c != nil && d > 0 {
			c.Add(float64(d))
		}
	})
}

// Gauge implements client.MetricsHandler.
func (h sdkHandler) Gauge(name string) client.MetricsGauge {
	g, _ := sdk.get("gauge", sanitize(name), h.tags, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewGauge(prometheus.GaugeOpts(o))
	}).(prometheus.Gauge)
	return gaugeFunc(func(v float64) {
		if g != nil {
			g.Set(v)
		}
	})
}

// Timer implements client.MetricsHandler.
func (h sdkHandler) Timer(name string) client.MetricsTimer {
	t, _ := sdk.get("timer", sanitize(name), h.tags, func(o prometheus.Opts) prometheus.Collector {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: o.Name, Help: o.Help, ConstLabels: o.ConstLabels, Buckets: timerBuckets})
	}).(prometheus.Histogram)
	return timerFunc(func(d time.Duration) {
		if t != nil {
			t.Observe(d.Seconds())
		}
	})
}

// sanitize makes name a valid Prometheus metric or label name.
func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

type counterFunc func(int64)

// Inc implements client.MetricsCounter.
func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

// Update implements client.MetricsGauge.
func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

// Record implements client.MetricsTimer.
func (f timerFunc) Record(d time.Duration) { f(d) }
