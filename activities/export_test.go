package activities_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

func setup(t *testing.T) (*activities.Activities, *sandbox.Server, *testsuite.TestActivityEnvironment) {
	t.Helper()
	st := testenv.OpenStore(t)
	sb := sandbox.New(sandbox.Options{Tokens: []string{"tok-123456"}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s1", APIBaseURL: srv.URL}))
	require.NoError(t, st.Shops.SetAccessToken(ctx, "s1", "tok-123456"))
	sb.Seed(colorme.Sale{ID: 1, SaleDeliveries: []colorme.SaleDelivery{{ID: 11}}})
	a := &activities.Activities{Store: st, ColorMe: &activities.ClientFactory{Store: st}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return a, sb, env
}

// TestMalformedColorMeAnswer ends the activity with a clear, retryable error,
// not a panic.
func TestMalformedColorMeAnswer(t *testing.T) {
	a, sb, env := setup(t)
	sb.SetFaults(sandbox.Faults{MalformedRate: 1})
	_, err := env.ExecuteActivity(a.ReadColorMeState, activities.ReadColorMeStateInput{ShopID: "s1", SaleIDs: []int64{1}})
	require.Error(t, err)
	require.Contains(t, err.Error(), "malformed response body")
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.Equal(t, activities.ErrColorMeUnavailable, appErr.Type())
	require.False(t, appErr.NonRetryable())
}

// TestRevokedTokenIsNotRetried classifies 401 as ReconnectNeeded, without the token in the message.
func TestRevokedTokenIsNotRetried(t *testing.T) {
	a, sb, env := setup(t)
	sb.RevokeToken("tok-123456")
	_, err := env.ExecuteActivity(a.ReadColorMeState, activities.ReadColorMeStateInput{ShopID: "s1", SaleIDs: []int64{1}})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, activities.ErrReconnectNeeded, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.NotContains(t, err.Error(), "tok-123456")
}

// TestUnknownShop says which shop and what to do.
func TestUnknownShop(t *testing.T) {
	a, _, env := setup(t)
	_, err := env.ExecuteActivity(a.ReadColorMeState, activities.ReadColorMeStateInput{ShopID: "nope", SaleIDs: []int64{1}})
	require.ErrorContains(t, err, `shop "nope" does not exist`)
}

// TestFetchTargetsLeavesOutRecorded: given the run, FetchTargets leaves out the
// orders that already have an outcome in it (met again after a re-import moved
// their updated_at past the cursor), and says how many.
func TestFetchTargetsLeavesOutRecorded(t *testing.T) {
	a, _, env := setup(t)
	ctx := context.Background()
	asOf := time.Now().UTC().Truncate(time.Second)
	var orders []rules.Order
	for i := range 4 {
		orders = append(orders, rules.Order{SaleID: int64(101 + i), Status: rules.StatusShipped, OrderedAt: asOf.AddDate(0, 0, -5),
			UpdatedAt: asOf.Add(-time.Hour + time.Duration(i)*time.Minute)})
	}
	require.NoError(t, a.Store.UpsertOrders(ctx, "s1", orders))
	runID, err := a.Store.StartRun(ctx, oms.Run{ShopID: "s1", Kind: oms.KindExport, RunKey: "k1", AsOf: asOf})
	require.NoError(t, err)
	require.NoError(t, a.Store.RecordOutcomes(ctx, runID, []oms.Outcome{{SaleID: 102, Outcome: rules.OutcomeUpdated}, {SaleID: 104, Outcome: rules.OutcomeUnchanged}}))

	in := activities.FetchTargetsInput{ShopID: "s1", AsOf: asOf, WindowDays: 3, Limit: 10}
	val, err := env.ExecuteActivity(a.FetchTargets, in)
	require.NoError(t, err)
	var all activities.FetchTargetsResult
	require.NoError(t, val.Get(&all))
	require.Len(t, all.Orders, 4, "without a run nothing is left out")

	in.RunID = runID
	val, err = env.ExecuteActivity(a.FetchTargets, in)
	require.NoError(t, err)
	var res activities.FetchTargetsResult
	require.NoError(t, val.Get(&res))
	var ids []int64
	for _, o := range res.Orders {
		ids = append(ids, o.SaleID)
	}
	require.Equal(t, []int64{101, 103}, ids)
	require.Equal(t, 2, res.Repeated)
	require.True(t, res.Done)
	require.Equal(t, all.Next, res.Next, "the cursor still moves past the orders left out")
}

// TestImportPageSaleWithoutMakeDate: ColorMe answers a page in which one sale
// has make_date null. The page is not refused: that sale is recorded as flagged
// with the reason and the other is imported.
func TestImportPageSaleWithoutMakeDate(t *testing.T) {
	st := testenv.OpenStore(t)
	ctx := context.Background()
	colorMe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"sales":[
			{"id":501,"make_date":null,"update_date":1767225600,"canceled":false,"sale_deliveries":[{"id":5011,"name":"A","pref_name":"東京都"}]},
			{"id":502,"make_date":1767225600,"update_date":1767225600,"canceled":false,"sale_deliveries":[{"id":5021,"name":"B","pref_name":"大阪府"}]}],
			"meta":{"total":2,"limit":100,"offset":0}}`)
	}))
	defer colorMe.Close()
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s1", APIBaseURL: colorMe.URL}))
	require.NoError(t, st.Shops.SetAccessToken(ctx, "s1", "tok-123456"))
	runID, err := st.StartImport(ctx, oms.Run{ShopID: "s1", RunKey: "imp-1", Trigger: "manual", WindowDays: 7, AsOf: time.Now()})
	require.NoError(t, err)
	a := &activities.Activities{Store: st, ColorMe: &activities.ClientFactory{Store: st}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)

	val, err := env.ExecuteActivity(a.ImportPage, activities.ImportPageInput{ShopID: "s1", RunID: runID,
		Query: activities.ImportQuery{Name: activities.QueryOrdered, After: time.Date(2025, 12, 25, 0, 0, 0, 0, time.UTC)}, Limit: 100})
	require.NoError(t, err, "one bad sale must not fail the page")
	var res activities.ImportPageResult
	require.NoError(t, val.Get(&res))
	require.Equal(t, oms.ImportTotals{Fetched: 2, Created: 1, Flagged: 1}, res.Counts)
	outs, err := st.Outcomes(ctx, runID)
	require.NoError(t, err)
	require.Len(t, outs, 2)
	require.Equal(t, int64(501), outs[0].SaleID)
	require.Equal(t, oms.ImportFlagged, outs[0].Outcome)
	require.Contains(t, outs[0].Reason, "without an order date (make_date)")
	views, err := st.Orders(ctx, "s1")
	require.NoError(t, err)
	require.Len(t, views, 1)
	require.Equal(t, int64(502), views[0].SaleID)
}

// TestStartRunResolvesMaxInFlight: a run's updates in flight are its input's,
// else the worker's EXPORT_MAX_IN_FLIGHT, else DefaultMaxInFlight, for every
// trigger; the options are the input's over the shop's settings.
func TestStartRunResolvesMaxInFlight(t *testing.T) {
	a, _, env := setup(t)
	start := func(key string, trigger oms.Trigger, inFlight int) activities.StartRunResult {
		t.Helper()
		v, err := env.ExecuteActivity(a.StartRun, activities.StartRunInput{
			RunStart:    activities.RunStart{ShopID: "s1", WorkflowID: "wf-" + key, RunKey: key, Trigger: trigger, AsOf: time.Now()},
			MaxInFlight: inFlight, WindowDays: 5, SendMail: new(true)})
		require.NoError(t, err)
		var res activities.StartRunResult
		require.NoError(t, v.Get(&res))
		return res
	}
	res := start("k1", oms.TriggerScheduled, 0)
	require.Equal(t, activities.DefaultMaxInFlight, res.MaxInFlight)
	require.Equal(t, 5, res.Options.WindowDays)
	require.True(t, res.Options.SendMail)

	a.ExportMaxInFlight = 7
	require.Equal(t, 7, start("k2", oms.TriggerScheduled, 0).MaxInFlight)
	require.Equal(t, 7, start("k3", oms.TriggerChange, 0).MaxInFlight)
	require.Equal(t, 3, start("k4", oms.TriggerManual, 3).MaxInFlight)
}

// TestActivitiesLogWithTheirContext: an activity logs through
// activity.GetLogger, so the line names the workflow, the activity and its attempt.
func TestActivitiesLogWithTheirContext(t *testing.T) {
	a, _, _ := setup(t)
	var logs bytes.Buffer
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	_, err := env.ExecuteActivity(a.MarkReconnectNeeded, activities.MarkReconnectNeededInput{ShopID: "s1", Reason: "token refused"})
	require.NoError(t, err)
	var line map[string]any
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, "shop needs reconnection") {
			require.NoError(t, json.Unmarshal([]byte(l), &line))
		}
	}
	require.NotNil(t, line, "no log line: %s", logs.String())
	require.Equal(t, "s1", line["shop"])
	require.Equal(t, "MarkReconnectNeeded", line["ActivityType"])
	require.Contains(t, line, "WorkflowID")
	require.Contains(t, line, "Attempt")
}

// TestStartRunWatermarkOnlyWhenItReadsWhatTheShopWould: a run that reads fewer
// orders than the shop's settings would (a narrower window, or
// require_ship_date where the shop has it off) records no export watermark, so
// the next incremental export still reads the changes it left out; one with
// the shop's settings, or reading more, records it.
func TestStartRunWatermarkOnlyWhenItReadsWhatTheShopWould(t *testing.T) {
	a, _, env := setup(t)
	ctx := context.Background()
	sh, err := a.Store.Shops.Shop(ctx, "s1")
	require.NoError(t, err)
	s2 := shops.DefaultSettings()
	s2.RequireShipDate = false
	require.NoError(t, a.Store.Shops.CreateShop(ctx, shops.Shop{ID: "s2", APIBaseURL: sh.APIBaseURL, Settings: s2}))
	yes, no := true, false
	for i, c := range []struct {
		shop     string
		window   int
		require  *bool
		recorded bool
	}{
		{"s1", 0, nil, true},   // the shop's settings (3 days, require_ship_date on)
		{"s1", 1, nil, false},  // narrower window
		{"s1", 7, &no, true},   // wider window, require_ship_date off: reads more
		{"s2", 0, &yes, false}, // require_ship_date on where the shop has it off
	} {
		val, err := env.ExecuteActivity(a.StartRun, activities.StartRunInput{
			RunStart:   activities.RunStart{ShopID: c.shop, WorkflowID: "w", RunKey: fmt.Sprintf("wm-%d", i), Trigger: oms.TriggerManual, AsOf: time.Now().UTC()},
			WindowDays: c.window, RequireShipDate: c.require, Watermark: true})
		require.NoError(t, err, "case %d", i)
		var r activities.StartRunResult
		require.NoError(t, val.Get(&r))
		require.NoError(t, a.Store.FinishRun(ctx, r.RunID, oms.RunTotals{}, oms.RunCompleted, ""))
		var n int64
		require.NoError(t, a.Store.DB().Table("runs").Where("id = ? AND watermark IS NOT NULL", r.RunID).Count(&n).Error)
		require.Equal(t, c.recorded, n == 1, "case %d: window %d, require_ship_date %v on shop %s", i, c.window, c.require, c.shop)
	}
}
