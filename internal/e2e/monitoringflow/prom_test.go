package monitoringflow_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// prometheus is a Prometheus server the test started.
type prometheus struct {
	base string
}

// startPrometheus runs prometheus scraping target every second with deploy/'s
// alert rules evaluated every second; it stops at cleanup.
func startPrometheus(t *testing.T, bin, target string) *prometheus {
	t.Helper()
	root, err := teststack.RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	listen := ln.Addr().String()
	require.NoError(t, ln.Close())
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: colorme-sync-worker
    static_configs:
      - targets: [%q]
`, filepath.Join(root, "deploy/prometheus/rules.yml"), target)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600))
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	require.NoError(t, err)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+listen)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("prometheus log:\n%s", b)
			}
		}
	})
	p := &prometheus{base: "http://" + listen}
	waitFor(t, "Prometheus to be ready", func() (bool, string) {
		resp, err := http.Get(p.base + "/-/ready")
		if err != nil {
			return false, err.Error()
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return p
}

// api GETs /api/v1/<path> and decodes its data into out; the answer must be a
// success.
func (p *prometheus) api(t *testing.T, path string, out any) {
	t.Helper()
	resp, err := http.Get(p.base + "/api/v1/" + path)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	require.Equal(t, "success", env.Status, "%s: %s", path, env.Error)
	require.NoError(t, json.Unmarshal(env.Data, out))
}

type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query evaluates expr now (instant query) and returns its vector.
func (p *prometheus) query(t *testing.T, expr string) []sample {
	t.Helper()
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	p.api(t, "query?query="+url.QueryEscape(expr)+"&time="+fmt.Sprint(time.Now().Unix()), &data)
	var out []sample
	if data.ResultType == "vector" {
		require.NoError(t, json.Unmarshal(data.Result, &out))
	}
	return out
}

type alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

func (p *prometheus) alerts(t *testing.T) []alert {
	t.Helper()
	var data struct {
		Alerts []alert `json:"alerts"`
	}
	p.api(t, "alerts", &data)
	return data.Alerts
}

type rule struct {
	Name      string `json:"name"`
	Health    string `json:"health"`
	LastError string `json:"lastError"`
}

func (p *prometheus) rules(t *testing.T) []rule {
	t.Helper()
	var data struct {
		Groups []struct {
			Rules []rule `json:"rules"`
		} `json:"groups"`
	}
	p.api(t, "rules", &data)
	var out []rule
	for _, g := range data.Groups {
		out = append(out, g.Rules...)
	}
	require.NotEmpty(t, out, "deploy/'s rules are loaded")
	return out
}

// dashboardExprs returns every query of deploy/'s Grafana dashboard.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	root, err := teststack.RepoRoot()
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join(root, "deploy/grafana/dashboards/colorme-sync.json"))
	require.NoError(t, err)
	var d struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	var out []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	require.NotEmpty(t, out)
	return out
}
