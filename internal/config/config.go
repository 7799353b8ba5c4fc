// Package config reads colorme-sync's configuration from the environment.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/colorme-sync/colorme-sync/internal/secrets"
)

// Config is the configuration shared by the worker, the starter and the console.
// Its groups only sort the variables for the reader: each is read by its own name.
type Config struct {
	Temporal
	Storage
	ColorMe
	Process
}

// Temporal is where the Temporal service is and which task queue the workers poll.
type Temporal struct {
	TemporalAddress   string `envconfig:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233"`
	TemporalNamespace string `envconfig:"TEMPORAL_NAMESPACE" default:"default"`
	TaskQueue         string `envconfig:"TEMPORAL_TASK_QUEUE" default:"colorme-sync"`
	TemporalUIURL     string `envconfig:"TEMPORAL_UI_URL" default:"http://127.0.0.1:8233"`
}

// Storage is the OMS database and the keys that seal the secrets stored in it.
type Storage struct {
	DatabaseURL string `envconfig:"DATABASE_URL" default:""`
	// DBAutoMigrate lets the worker, console and starter migrate a database whose
	// schema is behind at start (under an advisory lock on PostgreSQL); when off
	// they refuse to start and name `starter db migrate`.
	DBAutoMigrate bool     `envconfig:"DB_AUTO_MIGRATE" default:"true"`
	SecretKey     string   `envconfig:"COLORME_SYNC_SECRET_KEY" default:""`
	OldSecretKeys []string `envconfig:"COLORME_SYNC_OLD_SECRET_KEYS" default:""`
}

// ColorMe is how ColorMe's API is reached: where, how often and how long.
type ColorMe struct {
	ColorMeBaseURL  string        `envconfig:"COLORME_API_BASE_URL" default:"https://api.shop-pro.jp"`
	BudgetPerMinute int           `envconfig:"COLORME_BUDGET_PER_MINUTE" default:"120"`
	ColorMeTimeout  time.Duration `envconfig:"COLORME_TIMEOUT" default:"30s"`
	// StaleReadWindow is how long a ColorMe read may lag a write: a read that
	// decides whether an earlier write or mail landed waits for it
	// (activities.DefaultStaleReadWindow; 0s = no wait).
	StaleReadWindow time.Duration `envconfig:"COLORME_STALE_READ_WINDOW" default:"10s"`
	// PlainHTTPHosts may be a shop's api_base_url host over plain http besides
	// loopback ones, e.g. "sandbox" for the ColorMe sandbox inside docker-compose.
	PlainHTTPHosts []string `envconfig:"COLORME_PLAIN_HTTP_HOSTS" default:""`
	// APIHosts, when set, are the only hosts a shop's api_base_url may name
	// (e.g. api.shop-pro.jp): an admin cannot point a shop, and its token,
	// at another host. Empty = any host.
	APIHosts []string `envconfig:"COLORME_API_HOSTS" default:""`
	// OAuthBrowserBaseURL replaces the shop's API base URL in the authorize URL
	// `starter shop connect` prints, when the browser reaches ColorMe (the
	// sandbox) at another address than the worker, e.g. in docker-compose.
	OAuthBrowserBaseURL string `envconfig:"COLORME_OAUTH_BROWSER_BASE_URL" default:""`
}

// Process is how much a worker does at once, and how much every process logs.
type Process struct {
	MaxConcurrent     int    `envconfig:"WORKER_MAX_CONCURRENT_ACTIVITIES" default:"200"`
	ExportMaxInFlight int    `envconfig:"EXPORT_MAX_IN_FLIGHT" default:"16"` // activities.DefaultMaxInFlight (a test keeps them equal)
	LogLevel          string `envconfig:"LOG_LEVEL" default:"info"`
}

// Load reads the configuration from the environment and validates it. Errors name
// the variable that is wrong.
func Load() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, c.Validate()
}

// Validate checks the values that envconfig cannot.
func (c Config) Validate() error {
	switch {
	case c.TemporalAddress == "":
		return fmt.Errorf("TEMPORAL_ADDRESS must be host:port, got an empty value")
	case !strings.Contains(c.TemporalAddress, ":"):
		return fmt.Errorf("TEMPORAL_ADDRESS must be host:port, got %q", c.TemporalAddress)
	case c.TemporalNamespace == "":
		return fmt.Errorf("TEMPORAL_NAMESPACE must not be empty")
	case c.TaskQueue == "":
		return fmt.Errorf("TEMPORAL_TASK_QUEUE must not be empty")
	case c.BudgetPerMinute < 0:
		return fmt.Errorf("COLORME_BUDGET_PER_MINUTE must be 0 (no limit) or more, got %d", c.BudgetPerMinute)
	case c.StaleReadWindow < 0:
		return fmt.Errorf("COLORME_STALE_READ_WINDOW must be 0s (no wait) or a positive duration like 10s, got %s", c.StaleReadWindow)
	case c.ColorMeTimeout <= 0:
		return fmt.Errorf("COLORME_TIMEOUT must be a positive duration like 30s, got %s", c.ColorMeTimeout)
	case c.MaxConcurrent < 1 || c.MaxConcurrent > 1000:
		return fmt.Errorf("WORKER_MAX_CONCURRENT_ACTIVITIES must be between 1 and 1000, got %d", c.MaxConcurrent)
	case c.ExportMaxInFlight < 1 || c.ExportMaxInFlight > 1000:
		return fmt.Errorf("EXPORT_MAX_IN_FLIGHT must be between 1 and 1000, got %d", c.ExportMaxInFlight)
	}
	if u, err := url.Parse(c.ColorMeBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("COLORME_API_BASE_URL must be an http(s) URL, got %q", c.ColorMeBaseURL)
	}
	if c.OAuthBrowserBaseURL != "" {
		if u, err := url.Parse(c.OAuthBrowserBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("COLORME_OAUTH_BROWSER_BASE_URL must be empty or an http(s) URL, got %q", c.OAuthBrowserBaseURL)
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel)
	}
	return nil
}

// ErrNoDatabase is returned by RequireDatabase when DATABASE_URL is not set.
var ErrNoDatabase = errors.New("DATABASE_URL is not set: set it to the OMS database every process shares — " +
	"postgres://user@host:5432/db?sslmode=disable for PostgreSQL, or sqlite:<path> for a SQLite file " +
	"(the demo's: DATABASE_URL=sqlite:.data/colorme-sync.db); nothing was opened or created")

// RequireDatabase refuses an empty DATABASE_URL. The worker and the starter
// call it before opening the store: without it they would each quietly create
// an empty SQLite file in the current folder, and a command would then report
// "no such shop" or an empty run log instead of the real database's.
func (c Config) RequireDatabase() error {
	if strings.TrimSpace(c.DatabaseURL) == "" {
		return ErrNoDatabase
	}
	return nil
}

// SQLitePath returns the file of a SQLite DATABASE_URL (sqlite:<path>,
// file:<path> or a path ending in .db), "" for PostgreSQL.
func (c Config) SQLitePath() string {
	dsn := strings.TrimSpace(c.DatabaseURL)
	lower := strings.ToLower(dsn)
	var path string
	switch {
	case strings.HasPrefix(lower, "sqlite:"):
		path = strings.TrimPrefix(dsn[len("sqlite:"):], "//")
	case strings.HasPrefix(lower, "file:"):
		path = dsn[len("file:"):]
	case strings.HasSuffix(lower, ".db"):
		path = dsn
	default:
		return ""
	}
	path, _, _ = strings.Cut(path, "?")
	return path
}

// Sealer returns the secrets sealer built from COLORME_SYNC_SECRET_KEY (and the
// old keys kept for rotation), or nil when no key is set.
func (c Config) Sealer() (*secrets.Sealer, error) {
	if c.SecretKey == "" {
		return nil, nil
	}
	keys := []string{c.SecretKey}
	for _, k := range c.OldSecretKeys {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	s, err := secrets.NewSealer(keys...)
	if err != nil {
		return nil, fmt.Errorf("COLORME_SYNC_SECRET_KEY / COLORME_SYNC_OLD_SECRET_KEYS: %w", err)
	}
	return s, nil
}

// WorkflowURL returns the Temporal UI link of a workflow run.
func (c Config) WorkflowURL(workflowID, runID string) string {
	u := strings.TrimRight(c.TemporalUIURL, "/") + "/namespaces/" + url.PathEscape(c.TemporalNamespace) +
		"/workflows/" + url.PathEscape(workflowID)
	if runID != "" {
		u += "/" + url.PathEscape(runID) + "/history"
	}
	return u
}
