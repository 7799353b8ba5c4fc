package shopflow_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// redirectURL is the redirect URL registered for the test apps: not local, so the
// flow goes through the pasted address like the seed's "copy the displayed string".
const redirectURL = "https://oms.example.com/colorme/callback"

func randomID(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// oauthShop adds a shop whose ColorMe app is registered in the sandbox with the
// given secret and redirect URL, and stores that secret. It returns the app's client ID.
func oauthShop(t *testing.T, st *stores.Stores, sb *sandbox.Server, baseURL, shopID, secret, redirect string) string {
	t.Helper()
	ctx := context.Background()
	clientID := "app-" + shopID
	sb.AddClient(sandbox.OAuthClient{ID: clientID, Secret: secret, RedirectURI: redirect})
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: shopID, APIBaseURL: baseURL, ClientID: clientID, RedirectURL: redirect, Settings: shops.DefaultSettings()}))
	require.NoError(t, st.Shops.SetClientSecret(ctx, shopID, secret))
	return clientID
}

// authorize opens the authorize URL as the merchant's browser would and presses
// Approve or Deny (the sandbox's auto=approve|deny). It returns the address
// ColorMe redirects to, or "" and the page when ColorMe does not redirect.
func authorize(t *testing.T, authURL, decision string) (location string, status int, page string) {
	t.Helper()
	u, err := url.Parse(authURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set("auto", decision)
	u.RawQuery = q.Encode()
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(u.String())
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusFound {
		return resp.Header.Get("Location"), resp.StatusCode, ""
	}
	return "", resp.StatusCode, string(body)
}

// connectShop runs the whole flow: begin, approve, paste the redirect address, complete.
func connectShop(t *testing.T, flow *connect.Flow, shopID string) (connect.Result, string) {
	t.Helper()
	ctx := context.Background()
	a, err := flow.Begin(ctx, shopID)
	require.NoError(t, err)
	loc, status, page := authorize(t, a.AuthURL, "approve")
	require.NotEmpty(t, loc, "authorize answered %d: %s", status, page)
	cb, err := connect.ParseCallback(loc)
	require.NoError(t, err)
	res, err := flow.Complete(ctx, a, cb)
	require.NoError(t, err)
	return res, cb.Code
}

// seedOrders puts n demo orders in the OMS and their sales in the sandbox.
func seedOrders(t *testing.T, st *stores.Stores, sb *sandbox.Server, shopID string, n int, firstSaleID int64) {
	t.Helper()
	orders, sales := demo.Generate(n, 7, firstSaleID, time.Now())
	require.NoError(t, st.UpsertOrders(context.Background(), shopID, orders))
	sb.Seed(sales...)
}

// setSettings changes a shop's settings in the database.
func setSettings(t *testing.T, st *stores.Stores, shopID string, change func(*shops.ShopSettings)) shops.Shop {
	t.Helper()
	ctx := context.Background()
	s, err := st.Shops.Shop(ctx, shopID)
	require.NoError(t, err)
	change(&s.Settings)
	require.NoError(t, st.Shops.UpdateShop(ctx, s))
	s, err = st.Shops.Shop(ctx, shopID)
	require.NoError(t, err)
	return s
}

// deleteSchedules removes the shop's schedules at the end of the test, so they do
// not fire later against a stopped worker.
func deleteSchedules(t *testing.T, c client.Client, shopID string) {
	t.Cleanup(func() {
		for _, kind := range schedules.Kinds {
			_ = c.ScheduleClient().GetHandle(context.Background(), schedules.ID(kind, shopID)).Delete(context.Background())
		}
	})
}

// describe returns one of the shop's schedules.
func describe(t *testing.T, c client.Client, id string) *client.ScheduleDescription {
	t.Helper()
	d, err := c.ScheduleClient().GetHandle(context.Background(), id).Describe(context.Background())
	require.NoError(t, err)
	return d
}

// settled waits until the schedule satisfies cond (updates, pauses and unpauses
// reach a schedule asynchronously) and returns its description.
func settled(t *testing.T, c client.Client, id string, cond func(*client.ScheduleDescription) bool) *client.ScheduleDescription {
	t.Helper()
	var d *client.ScheduleDescription
	eventually(t, 10*time.Second, "schedule "+id, func() bool {
		d = describe(t, c, id)
		return cond(d)
	})
	return d
}

func paused(want bool) func(*client.ScheduleDescription) bool {
	return func(d *client.ScheduleDescription) bool { return d.Schedule.State.Paused == want }
}

// scheduledExportResult waits for a scheduled export wrapper's result.
func scheduledExportResult(t *testing.T, c client.Client, workflowID, runID string) (workflows.ScheduledExportResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var res workflows.ScheduledExportResult
	err := c.GetWorkflow(ctx, workflowID, runID).Get(ctx, &res)
	return res, err
}

// eventually polls cond every 200ms until it is true or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
