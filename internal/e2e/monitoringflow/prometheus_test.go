// Package monitoringflow_test runs a real Prometheus (the Debian package's
// binary) against a live worker on the real dev server: it scrapes the worker's
// METRICS_LISTEN and evaluates deploy/'s alert rules.
package monitoringflow_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// prometheusBinary returns the prometheus binary, skipping the test when it is
// missing (failing it when CI=true: .ci/run installs the package).
func prometheusBinary(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("prometheus")
	if err != nil {
		msg := "prometheus is not installed (apt-get install prometheus): the test that scrapes a live worker with a real Prometheus cannot run"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// TestPrometheusScrapesAWorker starts a worker the way bin/worker does (the
// Temporal client with the SDK's metrics, METRICS_LISTEN), runs a completed and
// a failed export through it, and has a real Prometheus scrape it with deploy/'s
// rules: the worker's temporal_… and colorme_sync_… series arrive, every query
// of the Grafana dashboard is valid PromQL on them, ColorMeSyncRunsFailing
// goes pending after the failed run, and /readyz turns 503 when the database
// goes away.
func TestPrometheusScrapesAWorker(t *testing.T) {
	promBin := prometheusBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	dsn := testenv.PostgresDSN(t)
	sealer, err := secrets.NewSealer(secrets.GenerateKey())
	require.NoError(t, err)
	st, err := stores.Open(ctx, dsn, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	stack := teststack.NewOn(t, st)
	shop := stack.AddShop(t, "metrics-shop")
	orders, sales := demo.Generate(40, 15, 810001, time.Now())
	require.NoError(t, st.UpsertOrders(ctx, shop, orders))
	stack.Sandbox.Seed(sales...)

	// The worker as bin/worker runs it: app.Dial (the SDK's metrics), its own
	// task queue, the real API budget limiter, METRICS_LISTEN.
	cfg := stack.Config
	cfg.TaskQueue = stack.Config.TaskQueue + "-metrics"
	cfg.BudgetPerMinute = 6000
	c, err := app.Dial(cfg, logger)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	w := app.NewWorker(c, cfg, app.Activities(cfg, st, nil))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	addr, err := app.ServeMetrics(ctx, "127.0.0.1:0", "worker", cfg, st, c, logger)
	require.NoError(t, err)
	base := "http://" + addr.String()
	require.Equal(t, http.StatusOK, get(t, base+"/readyz").code)

	run, err := app.StartExport(ctx, c, cfg, workflows.ShippingSyncInput{ShopID: shop})
	require.NoError(t, err)
	var res workflows.ShippingSyncResult
	require.NoError(t, run.Get(ctx, &res))
	require.Positive(t, res.Updated)

	body := get(t, base+"/metrics").body
	for _, want := range []string{
		`colorme_sync_runs_total{kind="export",result="completed",trigger="manual"} 1`,
		fmt.Sprintf(`colorme_sync_sales_total{outcome="written",shop="metrics-shop"} %d`, res.Updated),
		`colorme_sync_colorme_requests_total{endpoint="PUT /v1/sales/{id}.json",shop="metrics-shop",status="200"}`,
		`colorme_sync_last_completed_timestamp_seconds{kind="export",shop="metrics-shop"}`,
		`colorme_sync_schedule_interval_seconds{kind="export",shop="metrics-shop"} 1800`,
		`temporal_num_pollers{`,
		`temporal_activity_execution_latency_bucket{`,
	} {
		require.Contains(t, body, want)
	}

	// A change reaches ColorMe through the on-change export: its latency is measured.
	changeSlip(t, ctx, st, shop, res.RunID)
	require.NoError(t, app.NotifyChange(ctx, c, cfg, st, shop, "shipping-results CSV: 1 order"))
	waitFor(t, "the on-change export's latency", func() (bool, string) {
		b := get(t, base+"/metrics").body
		return strings.Contains(b, `colorme_sync_change_latency_seconds_count{shop="metrics-shop"} 1`) &&
			strings.Contains(b, `colorme_sync_runs_total{kind="export",result="completed",trigger="change"} 1`), ""
	})

	prom := startPrometheus(t, promBin, addr.String())
	waitFor(t, "Prometheus to scrape the worker", func() (bool, string) {
		r := prom.query(t, `up{job="colorme-sync-worker"}`)
		return len(r) == 1 && r[0].Value[1] == "1", fmt.Sprint(r)
	})
	waitFor(t, "the worker's series in Prometheus", func() (bool, string) {
		a := prom.query(t, `colorme_sync_runs_total{kind="export",result="completed",trigger="manual"}`)
		b := prom.query(t, `sum(temporal_num_pollers{job="colorme-sync-worker"})`)
		return len(a) == 1 && a[0].Value[1] == "1" && len(b) == 1 && b[0].Value[1] != "0", fmt.Sprint(a, b)
	})

	// Every query of the Grafana dashboard is valid PromQL, and the SDK metrics
	// it names are the worker's.
	exprs := dashboardExprs(t)
	for _, e := range exprs {
		prom.query(t, e)
	}
	for _, name := range regexp.MustCompile(`\btemporal_[a-z0-9_]+`).FindAllString(strings.Join(exprs, "\n"), -1) {
		require.Contains(t, body, name+"{", "the dashboard names %s, which the worker does not serve", name)
	}

	// A failed run: ColorMeSyncRunsFailing (for: 10m) goes pending.
	stack.Sandbox.RevokeToken(teststack.Token)
	run, err = app.StartExport(ctx, c, cfg, workflows.ShippingSyncInput{ShopID: shop})
	require.NoError(t, err)
	require.Error(t, run.Get(ctx, nil))
	waitFor(t, "ColorMeSyncRunsFailing to go pending", func() (bool, string) {
		alerts := prom.alerts(t)
		for _, a := range alerts {
			if a.Labels["alertname"] == "ColorMeSyncRunsFailing" && a.Labels["kind"] == "export" {
				t.Logf("alert %v: %s", a.Labels, a.State)
				return a.State == "pending" || a.State == "firing", fmt.Sprint(alerts)
			}
		}
		return false, fmt.Sprint(alerts)
	})
	for _, r := range prom.rules(t) {
		require.Equal(t, "ok", r.Health, "rule %s: %s", r.Name, r.LastError)
		t.Logf("rule %s: %s", r.Name, r.Health)
	}

	// The database goes away: /readyz answers 503 and names it; /healthz stays 200.
	dropDatabase(t, dsn)
	r := get(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, r.code)
	require.Contains(t, r.body, "database: unreachable")
	require.Equal(t, http.StatusOK, get(t, base+"/healthz").code)
}

// changeSlip gives a shipped order the export wrote a new tracking number,
// through the shipping-results import as staff do.
func changeSlip(t *testing.T, ctx context.Context, st *stores.Stores, shop string, runID int64) {
	t.Helper()
	outs, err := st.Outcomes(ctx, runID)
	require.NoError(t, err)
	for _, o := range outs {
		if o.Outcome != rules.OutcomeUpdated {
			continue
		}
		ord, err := st.Order(ctx, shop, o.SaleID)
		require.NoError(t, err)
		if ord.Status != rules.StatusShipped || len(ord.Deliveries) == 0 {
			continue
		}
		csv := fmt.Sprintf("受注番号,お届け先ID,伝票番号,出荷日\n%d,%d,CHANGED-%d,%s\n", o.SaleID, ord.Deliveries[0].ID, o.SaleID,
			time.Now().In(rules.Tokyo).Format(time.DateOnly))
		rep, err := app.ApplyShipmentCSV(ctx, st, shop, []byte(csv), false, time.Now())
		require.NoError(t, err)
		require.True(t, rep.Applied, "%+v", rep)
		return
	}
	t.Fatal("the export wrote no shipped order to change")
}

type answer struct {
	code int
	body string
}

func get(t *testing.T, u string) answer {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, string(b)}
}

func waitFor(t *testing.T, what string, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		done, last := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 90s for %s; last: %s", what, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// dropDatabase drops the test database under the worker's feet.
func dropDatabase(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin := testenv.RawDB(t, u.String())
	require.NoError(t, admin.Exec("DROP DATABASE IF EXISTS "+name+" WITH (FORCE)").Error)
}
