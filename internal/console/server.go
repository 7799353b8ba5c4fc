// Package console is the operator console: GoQ's screens (APIアクセス設定, データ書出,
// 受注一覧, データ取込, 自動処理ログ) served as server-rendered pages for shop staff.
// It works on the same store, Temporal client and packages as the starter, so a
// click does exactly what the matching `starter` command does.
package console

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

//go:embed templates/*.html static/*
var assets embed.FS

// CallbackPath is the console's OAuth redirect endpoint, the equivalent of GoQ's
// get_access_token_redirect.php: register PublicURL+CallbackPath as the ColorMe
// app's リダイレクトURL.
const CallbackPath = "/colorme/callback"

// Deps is what the console works on.
type Deps struct {
	Config    config.Config
	Store     *stores.Stores
	Temporal  client.Client
	Schedules *schedules.Manager
	Logger    *slog.Logger
	// PublicURL is the address browsers reach the console at, e.g.
	// https://console.example.com (CONSOLE_PUBLIC_URL). Cookies are Secure when
	// it is https.
	PublicURL string
	// HTTPClient makes the OAuth token exchange; nil = http.DefaultClient.
	HTTPClient *http.Client
	// Now returns the current time; nil = time.Now.
	Now func() time.Time
	// TrustedProxies are the proxies whose X-Forwarded-For names the client
	// (CONSOLE_TRUSTED_PROXIES); from any other peer the header is ignored.
	TrustedProxies []netip.Prefix
	// LoginConcurrency bounds the password checks (bcrypt) running at once,
	// all logins together; 0 = DefaultLoginConcurrency.
	LoginConcurrency int
	// PreviewConcurrency bounds the upload previews and label checks running
	// at once; 0 = DefaultPreviewConcurrency.
	PreviewConcurrency int
	// BodyGrace and BodyMinRate bound how slowly a request body may arrive:
	// it must be read by BodyGrace plus one second per BodyMinRate bytes.
	// 0 = DefaultBodyGrace, DefaultBodyMinRate.
	BodyGrace   time.Duration
	BodyMinRate int
}

// Server serves the console.
type Server struct {
	d     Deps
	acc   *accounts.Store
	pages map[string]*pageTemplate
	// loginSlots and previewSlots bound the password checks and the previews
	// running at once.
	loginSlots, previewSlots chan struct{}
	secure                   bool
	handler                  http.Handler
	mux                      *http.ServeMux // the route table, for getURLOf
	callback                 string
	staticDir                fs.FS
	seen                     workerSeen // whether a worker polls, for page views (workerStoppedNow)
}

// TriggerWait bounds how long 今すぐ実行 waits for the schedule to act before
// the page answers (the CLI waits schedules.DefaultTriggerWait).
const TriggerWait = 20 * time.Second

// The limits a zero Deps field means.
const (
	DefaultLoginConcurrency   = 2
	DefaultPreviewConcurrency = 2
	DefaultBodyGrace          = 30 * time.Second
	DefaultBodyMinRate        = 8 << 10 // bytes a second: a 32 MB file in about 70 minutes
)

// New builds the console on its dependencies.
func New(d Deps) (*Server, error) {
	if d.Store == nil || d.Temporal == nil {
		return nil, errors.New("console: the store and the Temporal client are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.BodyGrace = cmp.Or(d.BodyGrace, DefaultBodyGrace)
	d.BodyMinRate = cmp.Or(d.BodyMinRate, DefaultBodyMinRate)
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Schedules == nil {
		d.Schedules = schedules.New(d.Temporal, d.Config.TaskQueue)
		d.Schedules.Namespace = d.Config.TemporalNamespace
		// A browser waits for 今すぐ実行's answer: a shorter wait than the
		// CLI's, after which staff are told to look at 自動処理ログ.
		d.Schedules.TriggerWait = TriggerWait
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	if !strings.HasPrefix(d.PublicURL, "http://") && !strings.HasPrefix(d.PublicURL, "https://") {
		return nil, fmt.Errorf("CONSOLE_PUBLIC_URL must be the http(s) address browsers open the console at, got %q", d.PublicURL)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	s := &Server{d: d, acc: d.Store.Accounts, pages: pages, secure: strings.HasPrefix(d.PublicURL, "https://"),
		callback: d.PublicURL + CallbackPath, staticDir: static}
	s.loginSlots = make(chan struct{}, cmp.Or(d.LoginConcurrency, DefaultLoginConcurrency))
	s.previewSlots = make(chan struct{}, cmp.Or(d.PreviewConcurrency, DefaultPreviewConcurrency))
	s.handler = s.routes()
	return s, nil
}

// Handler returns the console's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// CallbackURL is the redirect URL to register in the ColorMe app.
func (s *Server) CallbackURL() string { return s.callback }
