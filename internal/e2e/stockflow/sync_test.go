package stockflow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestStockSyncAutomatic is 自動在庫連携 on the real stack: with stock_enabled
// on, the stock schedule exists and runs every stock_interval_minutes; a stock
// file, then a ColorMe order imported, then a cancellation in the OMS each
// reach ColorMe within 60 s without anyone pushing; the pushes are in the run
// log (kind stock, trigger change) and findable in Temporal by ColorMeShop.
func TestStockSyncAutomatic(t *testing.T) {
	stack := teststack.New(t)
	shop := stack.AddShop(t, "autostock")
	stack.Sandbox.SeedProducts(catalogue()...)
	w := world{t: t, stack: stack, shop: shop, st: stock.New(stack.Store)}
	ctx := context.Background()
	sh, err := stack.Store.Shops.Shop(ctx, shop)
	require.NoError(t, err)
	sh.Settings.StockEnabled, sh.Settings.StockIntervalMinutes = true, 15
	require.NoError(t, stack.Store.Shops.UpdateShop(ctx, sh))
	sh, err = stack.Store.Shops.Shop(ctx, shop)
	require.NoError(t, err)
	m := schedules.New(stack.Client, stack.Config.TaskQueue)
	_, err = m.Apply(ctx, sh)
	require.NoError(t, err)
	got, err := m.Describe(ctx, shop)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, oms.KindStock, got[2].Kind)
	assert.True(t, got[2].Exists)
	assert.False(t, got[2].Paused, got[2].Note)
	assert.Equal(t, 15*time.Minute, got[2].Every)

	run, err := app.StartStockCatalogue(ctx, stack.Client, stack.Config, workflows.StockCatalogueInput{ShopID: shop})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	// A stock file: the on-change push brings ColorMe in step.
	w.file("型番,在庫数\nTS-001,10\nMUG-R,5\nMUG-B,2\n")
	require.NoError(t, app.NotifyStockChange(ctx, stack.Client, stack.Config, stack.Store, shop, "stock file: 3 SKUs"))
	lat := w.eventually(map[string]int64{"TS-001": 10, "MUG-R": 5, "MUG-B": 2})
	t.Logf("stock file → ColorMe: %s", lat)

	// A ColorMe order, imported: the import tells the stock push; a
	// cancellation in the OMS restores the units on ColorMe.
	w.settle()
	require.NoError(t, stack.Sandbox.PlaceOrder(710001, []sandbox.OrderItem{{ProductID: 101, Quantity: 3}}))
	before := w.changePushes()
	imp, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shop})
	require.NoError(t, err)
	require.NoError(t, imp.Get(ctx, nil))
	require.Eventually(t, func() bool { return w.changePushes() > before }, time.Minute, 200*time.Millisecond,
		"the import that created an order starts an on-change push")
	w.eventually(map[string]int64{"TS-001": 7})
	w.settle()
	_, err = stack.Store.SetStatus(ctx, shop, 710001, rules.StatusCancelled, time.Now())
	require.NoError(t, err)
	require.NoError(t, app.NotifyStockChange(ctx, stack.Client, stack.Config, stack.Store, shop, "status of sale 710001"))
	lat = w.eventually(map[string]int64{"TS-001": 10, "MUG-R": 5, "MUG-B": 2})
	t.Logf("cancellation → ColorMe: %s", lat)

	require.Eventually(t, func() bool { return w.changePushes() >= 3 }, 30*time.Second, 200*time.Millisecond,
		"the on-change pushes (stock file, import, cancellation) are in the run log")
	list, err := stack.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("ColorMeShop = %q AND WorkflowType = %q", shop, workflows.StockPushType)})
	require.NoError(t, err)
	assert.NotEmpty(t, list.GetExecutions(), "stock pushes are findable by ColorMeShop")
}

// settle waits until the shop's on-change stock trigger is idle with nothing
// pending and no push of the shop runs.
func (w world) settle() {
	w.t.Helper()
	ctx := context.Background()
	require.Eventually(w.t, func() bool {
		v, err := w.stack.Client.QueryWorkflow(ctx, workflows.StockOnChangeID(w.shop), "", workflows.ProgressQuery)
		var st workflows.TriggerState
		if err != nil || v.Get(&st) != nil || st.State != workflows.TriggerIdle || st.Pending {
			return false
		}
		d, err := w.stack.Client.DescribeWorkflow(ctx, workflows.StockPushID(w.shop), "")
		return err == nil && d.RawResponse.GetWorkflowExecutionInfo().GetCloseTime() != nil
	}, time.Minute, 200*time.Millisecond, "the on-change stock trigger settles")
}

// changePushes counts the shop's completed on-change stock pushes in the run log.
func (w world) changePushes() int {
	w.t.Helper()
	runs, _, err := w.stack.Store.ListRuns(context.Background(), oms.RunFilter{ShopID: w.shop, Kind: string(oms.KindStock)})
	require.NoError(w.t, err)
	n := 0
	for _, r := range runs {
		if r.Trigger == oms.TriggerChange && r.Status == oms.RunCompleted {
			n++
		}
	}
	return n
}

// eventually waits until ColorMe and the OMS show want (at most 60 s) and
// returns how long it took.
func (w world) eventually(want map[string]int64) time.Duration {
	w.t.Helper()
	start := time.Now()
	require.Eventually(w.t, func() bool {
		got, avail := w.colorMe(), w.available()
		for sku, n := range want {
			if got[sku] != n || avail[sku] != n {
				return false
			}
		}
		return true
	}, 60*time.Second, 200*time.Millisecond, "ColorMe in step within 60 s")
	return time.Since(start).Round(100 * time.Millisecond)
}

// TestStockScopesMissing: a shop connected with the sales scopes only gets a
// push that fails without retrying, with the message that says to turn
// 自動在庫連携 on and reconnect, in the run log; the shop is not marked for
// reconnection (its sales sync goes on).
func TestStockScopesMissing(t *testing.T) {
	stack := teststack.New(t)
	shop := stack.AddShop(t, "salesonly")
	stack.Sandbox.SeedProducts(catalogue()...)
	stack.Sandbox.AddTokenWithScopes("sales-only-token", "read_sales", "write_sales")
	ctx := context.Background()
	require.NoError(t, stack.Store.Shops.SetAccessToken(ctx, shop, "sales-only-token"))
	run, err := app.StartStockCatalogue(ctx, stack.Client, stack.Config, workflows.StockCatalogueInput{ShopID: shop})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), activities.StockScopesMessage(shop))
	assert.Contains(t, err.Error(), "stock_enabled=true")

	push, err := app.StartStockPush(ctx, stack.Client, stack.Config, workflows.StockPushInput{ShopID: shop})
	require.NoError(t, err)
	require.Error(t, push.Get(ctx, nil))
	runs, _, err := stack.Store.ListRuns(ctx, oms.RunFilter{ShopID: shop, Kind: string(oms.KindStock)})
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	assert.Equal(t, oms.RunFailed, runs[0].Status)
	assert.Equal(t, activities.StockScopesMessage(shop), runs[0].Error)
	sh, err := stack.Store.Shops.Shop(ctx, shop)
	require.NoError(t, err)
	assert.False(t, sh.ReconnectNeeded, "the sales sync goes on")
}
