package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/metrics"
)

// value returns the value of the series name{labels} in metrics.Registry (a
// counter's, a gauge's, or a histogram's count), and whether it exists.
func value(t *testing.T, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := metrics.Registry.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(m.GetHistogram().GetSampleCount()), true
			default:
				return m.GetUntyped().GetValue(), true
			}
		}
	}
	return 0, false
}

func TestTemporalHandlerTakesOneNameWithDifferentTags(t *testing.T) {
	h := metrics.TemporalHandler().WithTags(map[string]string{"namespace": "default"})
	h.WithTags(map[string]string{"task_queue": "q1"}).Counter("temporal_test_request").Inc(2)
	h.WithTags(map[string]string{"task_queue": "q1", "operation": "Poll"}).Counter("temporal_test_request").Inc(1)
	h.Counter("temporal_test_request").Inc(5)
	h.Gauge("temporal_test_pollers").Update(3)
	h.WithTags(map[string]string{"activity-type": "UpdateSale"}).Timer("temporal_test_latency").Record(1500 * time.Millisecond)

	v, ok := value(t, "temporal_test_request", map[string]string{"namespace": "default", "task_queue": "q1", "operation": "Poll"})
	require.True(t, ok)
	require.Equal(t, 1.0, v)
	v, _ = value(t, "temporal_test_request", map[string]string{"namespace": "default", "task_queue": "q1"})
	require.Equal(t, 2.0, v, "the series without operation is its own")
	v, _ = value(t, "temporal_test_pollers", nil)
	require.Equal(t, 3.0, v)
	v, ok = value(t, "temporal_test_latency", map[string]string{"activity_type": "UpdateSale"})
	require.True(t, ok, "tag names are made valid label names")
	require.Equal(t, 1.0, v)

	body := scrape(t, metrics.Handler())
	require.Contains(t, body, `temporal_test_latency_bucket{activity_type="UpdateSale",namespace="default",le="2.5"} 1`)
}

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return rec.Body.String()
}

func TestEndpointNamesWithoutIDs(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/sales/123.json":       "PUT /v1/sales/{id}.json",
		"/v1/sales/9/mails.json":   "PUT /v1/sales/{id}/mails.json",
		"/v1/sales.json":           "PUT /v1/sales.json",
		"/api/v1/sales/12/34.json": "PUT /api/v1/sales/{id}/{id}.json",
	} {
		require.Equal(t, want, metrics.Endpoint("PUT", path), path)
	}
}

func TestTransportCountsCallsByEndpointAndStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/7.json") {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()
	hc := &http.Client{Transport: metrics.Transport("transport-shop", nil)}
	for _, p := range []string{"/v1/sales/7.json", "/v1/sales/8.json", "/v1/sales/9.json"} {
		resp, err := hc.Get(srv.URL + p)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	v, _ := value(t, "colorme_sync_colorme_requests_total", map[string]string{"shop": "transport-shop", "endpoint": "GET /v1/sales/{id}.json", "status": "429"})
	require.Equal(t, 1.0, v)
	v, _ = value(t, "colorme_sync_colorme_requests_total", map[string]string{"shop": "transport-shop", "endpoint": "GET /v1/sales/{id}.json", "status": "200"})
	require.Equal(t, 2.0, v)
	v, _ = value(t, "colorme_sync_colorme_request_duration_seconds", map[string]string{"endpoint": "GET /v1/sales/{id}.json"})
	require.GreaterOrEqual(t, v, 3.0)

	srv.Close()
	_, err := hc.Get(srv.URL + "/v1/shop.json")
	require.Error(t, err)
	v, _ = value(t, "colorme_sync_colorme_requests_total", map[string]string{"shop": "transport-shop", "endpoint": "GET /v1/shop.json", "status": "error"})
	require.Equal(t, 1.0, v)
}

type sleepLimiter time.Duration

func (s sleepLimiter) Wait(ctx context.Context) error {
	time.Sleep(time.Duration(s))
	return ctx.Err()
}

func TestLimiterCountsOnlyRealWaits(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, metrics.Limiter("limiter-shop", sleepLimiter(0)).Wait(ctx))
	_, ok := value(t, "colorme_sync_budget_waits_total", map[string]string{"shop": "limiter-shop"})
	require.False(t, ok, "a call that took its slot at once did not wait")
	require.NoError(t, metrics.Limiter("limiter-shop", sleepLimiter(80*time.Millisecond)).Wait(ctx))
	v, _ := value(t, "colorme_sync_budget_waits_total", map[string]string{"shop": "limiter-shop"})
	require.Equal(t, 1.0, v)
	v, _ = value(t, "colorme_sync_budget_wait_seconds_total", map[string]string{"shop": "limiter-shop"})
	require.GreaterOrEqual(t, v, 0.08)
}

func TestRunFinishedCountsRunsSalesAndMails(t *testing.T) {
	before, ok := value(t, "colorme_sync_runs_total", map[string]string{"kind": "export", "trigger": "change", "result": "failed"})
	require.True(t, ok, "runs_total starts at 0 for every kind, trigger and result")
	metrics.RunFinished("runs-shop", "export", "change", "failed", 2*time.Second, metrics.RunTotals{Written: 3, Failed: 1, Mails: 2})
	v, _ := value(t, "colorme_sync_runs_total", map[string]string{"kind": "export", "trigger": "change", "result": "failed"})
	require.Equal(t, before+1, v)
	v, _ = value(t, "colorme_sync_sales_total", map[string]string{"shop": "runs-shop", "outcome": "written"})
	require.Equal(t, 3.0, v)
	v, _ = value(t, "colorme_sync_mails_sent_total", map[string]string{"shop": "runs-shop"})
	require.Equal(t, 2.0, v)
	_, ok = value(t, "colorme_sync_sales_total", map[string]string{"shop": "runs-shop", "outcome": "skipped"})
	require.False(t, ok, "no zero series for outcomes that did not occur")

	metrics.ChangeReached("runs-shop", 4*time.Second)
	v, _ = value(t, "colorme_sync_change_latency_seconds", map[string]string{"shop": "runs-shop"})
	require.Equal(t, 1.0, v)
}

func TestOpenNotificationsAreReplacedWhole(t *testing.T) {
	metrics.SetOpenNotifications(map[metrics.NotificationKey]int{{ShopID: "n-shop", Event: "reconnect"}: 1, {ShopID: "n-shop", Event: "run_failed"}: 2})
	v, _ := value(t, "colorme_sync_open_notifications", map[string]string{"shop": "n-shop", "event": "run_failed"})
	require.Equal(t, 2.0, v)
	metrics.SetOpenNotifications(map[metrics.NotificationKey]int{{ShopID: "n-shop", Event: "reconnect"}: 1})
	_, ok := value(t, "colorme_sync_open_notifications", map[string]string{"shop": "n-shop", "event": "run_failed"})
	require.False(t, ok, "a cleared notification leaves the gauge")
}

func TestShopLabelsAreBounded(t *testing.T) {
	require.Equal(t, "early-shop", metrics.ShopLabel("early-shop"))
	labels := map[string]bool{}
	for i := range metrics.MaxShops + 10 {
		labels[metrics.ShopLabel(fmt.Sprintf("bounded-%d", i))] = true
	}
	require.True(t, labels[metrics.OtherShops])
	require.LessOrEqual(t, len(labels), metrics.MaxShops+1)
	require.Equal(t, metrics.OtherShops, metrics.ShopLabel(fmt.Sprintf("bounded-%d", metrics.MaxShops+9)))
	require.Equal(t, "early-shop", metrics.ShopLabel("early-shop"), "a shop met before the cap keeps its label")
}

func TestReadyzNamesWhatIsDown(t *testing.T) {
	up := metrics.Check{Name: "temporal", Fn: func(context.Context) error { return nil }}
	down := metrics.Check{Name: "database", Fn: func(context.Context) error { return errors.New("connection refused") }}
	for _, c := range []struct {
		checks []metrics.Check
		code   int
		body   string
	}{
		{[]metrics.Check{up}, http.StatusOK, "ready\n"},
		{[]metrics.Check{down, up}, http.StatusServiceUnavailable, "database: unreachable: connection refused\n"},
	} {
		rec := httptest.NewRecorder()
		metrics.Handler(c.checks...).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		require.Equal(t, c.code, rec.Code)
		require.Equal(t, c.body, rec.Body.String())
	}
	rec := httptest.NewRecorder()
	metrics.Handler(down).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	require.Equal(t, http.StatusOK, rec.Code, "alive even when a dependency is down")
}
