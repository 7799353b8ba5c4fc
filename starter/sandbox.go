package main

// The ColorMe sandbox's admin API (internal/sandbox), as demo-seed calls it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

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

// postJSON posts body as JSON to url, an admin endpoint of the sandbox.
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
