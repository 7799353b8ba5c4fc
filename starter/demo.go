package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// runDemoSeed creates a demo shop pointing at a ColorMe sandbox and seeds both
// sides with a realistic shop. It refuses a shop whose api_base_url is not that
// sandbox, and a -sandbox URL that does not answer as one, since it overwrites
// the shop's access token.
func runDemoSeed(ctx context.Context, e *env, args []string) error {
	fs := e.flags("demo-seed")
	sandbox := fs.String("sandbox", "http://127.0.0.1:8081", "ColorMe sandbox base URL")
	shopID := fs.String("shop", "demo", "shop ID to create or reuse")
	n := fs.Int("orders", 300, "number of orders")
	token := fs.String("token", "demo-token", "sandbox access token to register and store for the shop")
	st, err := fs.parseDB(ctx, args)
	if err != nil {
		return err
	}
	base := strings.TrimRight(strings.TrimSpace(*sandbox), "/")
	// demo-seed stores a made-up token and adds made-up orders: never to a shop
	// that talks to anything but this sandbox.
	existing, err := st.Shop(ctx, *shopID)
	create := errors.Is(err, oms.ErrNotFound)
	switch {
	case create:
	case err != nil:
		return err
	case strings.TrimRight(existing.APIBaseURL, "/") != base:
		return fmt.Errorf("refusing to seed shop %s: its api_base_url is %s, not the sandbox %s, and demo-seed would overwrite its access token and add demo orders; seed another shop with -shop (e.g. -shop demo-sandbox)",
			*shopID, existing.APIBaseURL, base)
	}
	if err := checkSandbox(ctx, base); err != nil {
		return err
	}
	if create {
		if err := st.CreateShop(ctx, oms.Shop{ID: *shopID, Name: "デモショップ", APIBaseURL: base, Settings: oms.DefaultSettings()}); err != nil {
			return err
		}
	}
	if err := st.SetAccessToken(ctx, *shopID, *token); err != nil {
		return err
	}
	orders, sales := demo.Generate(*n, time.Now().UnixNano(), 100001, time.Now())
	if err := postJSON(ctx, base+"/_sandbox/tokens", map[string]string{"token": *token}); err != nil {
		return err
	}
	if err := postJSON(ctx, base+"/_sandbox/sales", sales); err != nil {
		return err
	}
	// The OMS's orders came from ColorMe: they get ColorMe's destinations too,
	// as an earlier import would have stored them.
	if err := demo.SeedStore(ctx, st, *shopID, orders, sales); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "seeded shop %s: %d orders in the OMS, %d sales in the sandbox at %s\n", *shopID, len(orders), len(sales), base)
	return nil
}

// checkSandbox makes sure base is a ColorMe sandbox: it answers the sandbox's
// admin API (GET /_sandbox/counters), which ColorMe does not have.
func checkSandbox(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_sandbox/counters", nil)
	if err != nil {
		return fmt.Errorf("-sandbox %q is not a URL: give the sandbox's base URL, e.g. http://127.0.0.1:8081", base)
	}
	notSandbox := func(why string) error {
		return fmt.Errorf("refusing to seed: %s is not a ColorMe sandbox (GET /_sandbox/counters %s); demo-seed only seeds a sandbox: start one with `bin/sandbox -listen 127.0.0.1:8081` and pass its URL with -sandbox", base, why)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return notSandbox(fmt.Sprintf("failed: %v", err))
	}
	defer resp.Body.Close()
	var counters map[string]any
	if resp.StatusCode != http.StatusOK {
		return notSandbox("answered " + resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&counters); err != nil {
		return notSandbox("did not answer the sandbox's JSON")
	}
	return nil
}

func postJSON(ctx context.Context, url string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the ColorMe sandbox: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sandbox %s answered %s", url, resp.Status)
	}
	return nil
}
