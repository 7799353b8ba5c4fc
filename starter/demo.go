package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// runDemoSeed creates a demo shop pointing at a ColorMe sandbox and seeds both
// sides with a realistic shop.
func runDemoSeed(ctx context.Context, e *env, args []string) error {
	fs := newFlags("demo-seed", e.errOut)
	sandbox := fs.String("sandbox", "http://127.0.0.1:8081", "ColorMe sandbox base URL")
	shopID := fs.String("shop", "demo", "shop ID to create or reuse")
	n := fs.Int("orders", 300, "number of orders")
	token := fs.String("token", "demo-token", "sandbox access token to register and store for the shop")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := e.db(ctx)
	if err != nil {
		return err
	}
	base := strings.TrimRight(*sandbox, "/")
	if _, err := st.Shop(ctx, *shopID); errors.Is(err, oms.ErrNotFound) {
		err = st.CreateShop(ctx, oms.Shop{ID: *shopID, Name: "デモショップ", APIBaseURL: base, Settings: oms.DefaultSettings()})
		if err != nil {
			return err
		}
	} else if err != nil {
		return err
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
