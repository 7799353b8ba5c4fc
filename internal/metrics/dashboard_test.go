package metrics_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/metrics"
)

// DashboardFile is the Grafana dashboard of deploy/.
const DashboardFile = "../../deploy/grafana/dashboards/colorme-sync.json"

type dashboard struct {
	UID    string `json:"uid"`
	Title  string `json:"title"`
	Panels []struct {
		ID         int    `json:"id"`
		Title      string `json:"title"`
		Type       string `json:"type"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

var metricName = regexp.MustCompile(`\b(colorme_sync_[a-z0-9_]+|temporal_[a-z0-9_]+)\b`)

// TestDashboardNamesOnlyExportedMetrics parses the Grafana dashboard and checks
// that every panel queries Prometheus and names only colorme_sync_… metrics the
// application exports (the temporal_… ones are checked against a live worker
// in internal/e2e/monitoringflow).
func TestDashboardNamesOnlyExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile(DashboardFile)
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d))
	require.NotEmpty(t, d.UID)
	require.NotEmpty(t, d.Panels)
	names := metrics.Names()
	require.Contains(t, names, "colorme_sync_runs_total")
	ids := map[int]bool{}
	for _, p := range d.Panels {
		require.False(t, ids[p.ID], "panel id %d twice", p.ID)
		ids[p.ID] = true
		require.NotEmpty(t, p.Title)
		require.Equal(t, "prometheus", p.Datasource.UID, "panel %q", p.Title)
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			used := metricName.FindAllString(tg.Expr, -1)
			require.NotEmpty(t, used, "panel %q: %s names no metric", p.Title, tg.Expr)
			for _, n := range used {
				if strings.HasPrefix(n, "temporal_") {
					continue
				}
				base := n
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if b, ok := strings.CutSuffix(n, suffix); ok && slices.Contains(names, b) {
						base = b
					}
				}
				require.Contains(t, names, base, "panel %q names %s, which the application does not export", p.Title, n)
			}
		}
	}
}

// TestDashboardCoversTheIssue checks the dashboard shows runs, latency, budget
// use per shop and failures.
func TestDashboardCoversTheIssue(t *testing.T) {
	raw, err := os.ReadFile(DashboardFile)
	require.NoError(t, err)
	for _, want := range []string{"colorme_sync_runs_total", "colorme_sync_colorme_request_duration_seconds_bucket",
		"colorme_sync_change_latency_seconds_bucket", "colorme_sync_budget_per_minute", `result=\"failed\"`} {
		require.Contains(t, string(raw), want, "runs, latency, budget use per shop and failures are on the dashboard")
	}
}
