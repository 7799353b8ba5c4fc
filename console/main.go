// Command console serves the operator console: GoQ's screens in a browser for shop
// staff (APIアクセス設定, データ書出, 受注一覧, データ取込, 自動処理ログ). It uses the same
// configuration, database and Temporal server as the worker and the starter.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/console"
)

// Settings are the console's own settings, beside config.Config.
type Settings struct {
	Listen    string `envconfig:"CONSOLE_LISTEN" default:"127.0.0.1:8080"`
	PublicURL string `envconfig:"CONSOLE_PUBLIC_URL" default:""` // default http://<CONSOLE_LISTEN>
	// TrustedProxies are the proxies (CIDRs or addresses) whose X-Forwarded-For
	// names the client, e.g. 127.0.0.1/32 for a proxy on this host.
	TrustedProxies string `envconfig:"CONSOLE_TRUSTED_PROXIES" default:""`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	var set Settings
	if err := envconfig.Process("", &set); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if set.PublicURL == "" {
		set.PublicURL = "http://" + set.Listen
	}
	logger := app.Logger(cfg.LogLevel)
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := app.Dial(cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := app.ServeConfiguredMetrics(ctx, "console", cfg, st, c, logger); err != nil {
		return err
	}
	proxies, err := console.ParseProxies(set.TrustedProxies)
	if err != nil {
		return err
	}
	srv, err := console.New(console.Deps{Config: cfg, Store: st, Temporal: c, Logger: logger, PublicURL: set.PublicURL,
		TrustedProxies: proxies})
	if err != nil {
		return err
	}
	stopNotify, err := app.StartConsoleNotifications(ctx, c, cfg, st, logger)
	if err != nil {
		return err
	}
	defer stopNotify()
	hs := srv.HTTPServer(set.Listen)
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	logger.Info("console: listening", "url", set.PublicURL, "listen", set.Listen, "oauth_redirect_url", srv.CallbackURL())
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("CONSOLE_LISTEN=%s: %w", set.Listen, err)
		}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}
