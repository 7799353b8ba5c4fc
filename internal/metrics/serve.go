package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
)

// Settings are the metrics listener's settings, read from the environment.
type Settings struct {
	// Listen is where /metrics, /healthz and /readyz are served, e.g. ":9090";
	// empty: no listener.
	Listen string `envconfig:"METRICS_LISTEN" default:""`
}

// LoadSettings reads Settings from the environment.
func LoadSettings() (Settings, error) {
	var s Settings
	if err := envconfig.Process("", &s); err != nil {
		return Settings{}, fmt.Errorf("configuration: %w", err)
	}
	return s, nil
}

// Check is one dependency /readyz checks.
type Check struct {
	Name string                          // e.g. "database"
	Fn   func(ctx context.Context) error // nil error: reachable
}

// DatabaseCheck checks that the database answers a ping.
func DatabaseCheck(db *gorm.DB) Check {
	return Check{Name: "database", Fn: func(ctx context.Context) error {
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		return sqlDB.PingContext(ctx)
	}}
}

// TemporalCheck checks that the Temporal frontend answers its health check.
func TemporalCheck(c client.Client) Check {
	return Check{Name: "temporal", Fn: func(ctx context.Context) error {
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	}}
}

// readyTimeout bounds each /readyz check.
const readyTimeout = 3 * time.Second

// Ready answers /readyz: 200 "ready" when every check passes, else 503 with
// one line per check that failed.
func Ready(checks ...Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var failed []string
		for _, c := range checks {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			err := c.Fn(ctx)
			cancel()
			if err != nil {
				failed = append(failed, fmt.Sprintf("%s: unreachable: %v", c.Name, err))
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, f := range failed {
				_, _ = fmt.Fprintln(w, f)
			}
			return
		}
		_, _ = fmt.Fprintln(w, "ready")
	}
}

// Alive answers /healthz: 200 while the process serves requests.
func Alive(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// Handler serves /metrics (Registry), /healthz and /readyz (checks).
func Handler(checks ...Check) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", Alive)
	mux.HandleFunc("GET /readyz", Ready(checks...))
	return mux
}

// Serve listens on addr and serves Handler(checks) until ctx ends. It returns
// once listening (the error names METRICS_LISTEN when it cannot); the server
// runs in the background and logs a failure.
func Serve(ctx context.Context, addr string, logger *slog.Logger, checks ...Check) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_LISTEN=%s: %w", addr, err)
	}
	hs := &http.Server{Handler: Handler(checks...), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", "listen", addr, "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	logger.Info("metrics: listening", "listen", ln.Addr().String(), "paths", "/metrics /healthz /readyz")
	return ln.Addr(), nil
}
