// Command sandbox runs the ColorMe Shop API sandbox (internal/sandbox) alone, for
// the demo and manual tests. Point the product's ColorMe base URL at it.
//
// Its admin API (/_sandbox/…) has no authentication: keep the listen address on
// localhost or a private test network.
//
// Flags (each also read from the environment variable in brackets):
//
//	-listen        address to serve on [SANDBOX_LISTEN] (127.0.0.1:8081)
//	-seed          JSON file of sales: an array of sales or {"sales":[…]} [SANDBOX_SEED]
//	-tokens        comma-separated valid access tokens [SANDBOX_TOKENS]
//	-client-id     OAuth client ID [SANDBOX_CLIENT_ID]
//	-client-secret OAuth client secret [SANDBOX_CLIENT_SECRET]
//	-redirect-uri  OAuth redirect URI registered for the client [SANDBOX_REDIRECT_URI]
//	-rate-limit    requests per minute per token, 0 = none [SANDBOX_RATE_LIMIT] (120, ColorMe's guideline)
//	-latency       latency added to every /v1 request [SANDBOX_LATENCY] (0)
//	-max-limit     largest sales list `limit` served, 50 as older ColorMe docs say [SANDBOX_MAX_LIMIT] (100)
//	-sort-by-update-date  list sales by update_date instead of id [SANDBOX_SORT_BY_UPDATE_DATE] (false)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

func main() {
	listen := flag.String("listen", env("SANDBOX_LISTEN", "127.0.0.1:8081"), "address to serve on")
	seed := flag.String("seed", env("SANDBOX_SEED", ""), "JSON file of sales to load at start")
	tokens := flag.String("tokens", env("SANDBOX_TOKENS", ""), "comma-separated valid access tokens")
	clientID := flag.String("client-id", env("SANDBOX_CLIENT_ID", ""), "OAuth client ID")
	clientSecret := flag.String("client-secret", env("SANDBOX_CLIENT_SECRET", ""), "OAuth client secret")
	redirectURI := flag.String("redirect-uri", env("SANDBOX_REDIRECT_URI", ""), "OAuth redirect URI of the client")
	rateLimit := flag.Int("rate-limit", envInt("SANDBOX_RATE_LIMIT", 120), "requests per minute per token (0 = no limit)")
	latency := flag.Duration("latency", envDuration("SANDBOX_LATENCY", 0), "latency added to every /v1 request")
	maxLimit := flag.Int("max-limit", envInt("SANDBOX_MAX_LIMIT", sandbox.DefaultMaxLimit), "largest sales list limit served (50: as older ColorMe docs say)")
	byUpdate := flag.Bool("sort-by-update-date", os.Getenv("SANDBOX_SORT_BY_UPDATE_DATE") == "true", "list sales by update_date instead of id (ColorMe does not document its order)")
	strict := flag.Bool("strict", os.Getenv("SANDBOX_STRICT") == "true", "refuse (400) requests that do not match ColorMe's published schemas, instead of answering as the live API does")
	stale := flag.Duration("stale-reads", envDuration("SANDBOX_STALE_READS", 0), "reads lag writes by this long, as ColorMe's were observed to (e.g. 5s; 0 = off)")
	flag.Parse()

	opts := sandbox.Options{RateLimitPerMinute: *rateLimit, Latency: *latency, MaxLimit: *maxLimit, SortByUpdateDate: *byUpdate,
		Strict: *strict, StaleReads: *stale}
	for _, t := range strings.Split(*tokens, ",") {
		if t = strings.TrimSpace(t); t != "" {
			opts.Tokens = append(opts.Tokens, t)
		}
	}
	if *clientID != "" {
		opts.Clients = []sandbox.OAuthClient{{ID: *clientID, Secret: *clientSecret, RedirectURI: *redirectURI}}
	}
	srv := sandbox.New(opts)
	if *seed != "" {
		sales, err := loadSales(*seed)
		if err != nil {
			log.Fatalf("sandbox: seed: %v", err)
		}
		srv.Seed(sales...)
		log.Printf("sandbox: loaded %d sales from %s", len(sales), *seed)
	}
	if host, _, _ := net.SplitHostPort(*listen); host != "127.0.0.1" && host != "localhost" && host != "::1" {
		log.Printf("sandbox: WARNING: listening on %s; the /_sandbox admin API has no authentication", *listen)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Addr: *listen, Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown) // exiting either way
	}()
	// Never log tokens or secrets: counts only.
	log.Printf("sandbox: ColorMe sandbox on http://%s (tokens: %d, OAuth clients: %d, rate limit: %d/min)",
		*listen, len(opts.Tokens), len(opts.Clients), *rateLimit)
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("sandbox: %v", err)
	}
}

// loadSales reads a JSON array of sales, or an object {"sales":[…]}.
func loadSales(path string) ([]colorme.Sale, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sales []colorme.Sale
	if err := json.Unmarshal(b, &sales); err == nil {
		return sales, nil
	}
	var page colorme.SalesPage
	if err := json.Unmarshal(b, &page); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of sales or {\"sales\":[…]}: %w", path, err)
	}
	return page.Sales, nil
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envInt(key string, def int) int { return envParsed(key, def, strconv.Atoi) }

func envDuration(key string, def time.Duration) time.Duration {
	return envParsed(key, def, time.ParseDuration)
}

// envParsed reads key with parse, or returns def when key is unset; a value
// parse refuses stops the sandbox, naming the variable.
func envParsed[T any](key string, def T, parse func(string) (T, error)) T {
	v, ok := os.LookupEnv(key)
	if !ok {
		return def
	}
	x, err := parse(v)
	if err != nil {
		log.Fatalf("sandbox: %s: %v", key, err)
	}
	return x
}
