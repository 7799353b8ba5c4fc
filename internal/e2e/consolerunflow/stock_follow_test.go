package consolerunflow_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestStockEditDuringPush is an on-hand edit in the console while a push of
// the shop runs and has already read ColorMe, on the real stack with
// 自動在庫連携 on: the running push writes the value from before the edit and
// ends; the edit's page says that ColorMe follows by itself and where to watch
// it; the on-change stock trigger's push (started after the running one ended)
// brings ColorMe to the edited value without anyone pressing anything.
func TestStockEditDuringPush(t *testing.T) {
	s := newSite(t, "stock-follow", 1)
	ctx := context.Background()
	// Six products: a push writes them one PUT at a time.
	skuOf, onHand := map[int64]string{}, map[string]int64{}
	for i := range int64(6) {
		sku := fmt.Sprintf("MAME-%d", i+1)
		s.Sandbox.SeedProducts(colorme.Product{ID: 501 + i, Name: "豆皿 " + sku, ModelNumber: sku, StockManaged: true, Stocks: 5})
		skuOf[501+i], onHand[sku] = sku, 10
	}
	t.Cleanup(func() { // the trigger would outlive the stack's worker
		_ = s.Client.TerminateWorkflow(context.Background(), workflows.StockOnChangeID(s.Shop), "", "test over")
	})
	sh, err := s.Store.Shops.Shop(ctx, s.Shop)
	require.NoError(t, err)
	sh.Settings.StockEnabled = true
	require.NoError(t, s.Store.Shops.UpdateShop(ctx, sh))
	cat, err := app.StartStockCatalogue(ctx, s.Client, s.Config, workflows.StockCatalogueInput{ShopID: s.Shop})
	require.NoError(t, err)
	require.NoError(t, cat.Get(ctx, nil))
	_, err = stock.New(s.Store).SetOnHand(ctx, s.Shop, onHand, "倉庫", stock.ReasonFile)
	require.NoError(t, err)

	// A push by suzuki, slowed by ColorMe (2 s a call): after its first write,
	// five more take 10 s.
	s.Sandbox.SetLatency(2 * time.Second)
	run, err := app.StartStockPush(ctx, s.Client, s.Config, workflows.StockPushInput{ShopID: s.Shop, Trigger: oms.TriggerManual, StartedBy: "suzuki"})
	require.NoError(t, err)
	var written int64 // the product the push wrote first; the others' writes are still to come
	require.Eventually(t, func() bool {
		for id := range skuOf {
			if p, ok := s.Sandbox.Product(id); ok && p.Stocks == 10 {
				written = id
				return true
			}
		}
		return false
	}, 2*time.Minute, 20*time.Millisecond, "the push writes its first product")

	// The edit lands after the push read ColorMe and the OMS: that push cannot carry it.
	sku := skuOf[written]
	p := s.post("/shops/"+s.Shop+"/stock/sku", url.Values{"sku": {sku}, "on_hand": {"12"}, "reason": {"棚卸しの差異"}})
	require.Equal(t, 200, p.Status, p.Body)
	assert.Contains(t, p.Body, "型番「"+sku+"」の在庫数を12にしました。自動在庫連携がオンのため、数秒後に在庫連携が始まり、カラーミーショップの在庫がこの変更に追従します")
	assert.Contains(t, p.Body, "ほかの在庫連携が実行中なら、その終了後に改めて送ります。押す必要はありません")
	assert.Contains(t, p.Body, `id="push-run"><a href="/shops/`+s.Shop+`/runs?kind=stock"`, "the page links to 自動処理ログ's 在庫連携 runs")
	s.Sandbox.SetLatency(0) // suzuki's push writes the rest quickly; the edit is not in them
	var res workflows.StockPushResult
	require.NoError(t, run.Get(ctx, &res))
	p0, _ := s.Sandbox.Product(written)
	require.Equal(t, int64(10), p0.Stocks, "the running push wrote the value from before the edit")
	moves, err := stock.New(s.Store).Movements(ctx, s.Shop, sku, 1)
	require.NoError(t, err)
	manual, _, err := s.Store.ListRuns(ctx, oms.RunFilter{ShopID: s.Shop, Kind: string(oms.KindStock), Trigger: string(oms.TriggerManual)})
	require.NoError(t, err)
	require.Len(t, manual, 1)
	require.NotNil(t, manual[0].FinishedAt)
	require.True(t, manual[0].FinishedAt.After(moves[0].At), "suzuki's push ended after the edit (%s, edit %s)", manual[0].FinishedAt, moves[0].At)

	// No click: the on-change trigger's push follows.
	require.Eventually(t, func() bool {
		p, _ := s.Sandbox.Product(written)
		return p.Stocks == 12
	}, 90*time.Second, 200*time.Millisecond, "ColorMe follows the edit without anyone pressing 「在庫を今すぐ送る」")
	require.Eventually(t, func() bool {
		runs, _, err := s.Store.ListRuns(ctx, oms.RunFilter{ShopID: s.Shop, Kind: string(oms.KindStock), Trigger: string(oms.TriggerChange)})
		require.NoError(t, err)
		return len(runs) > 0 && runs[0].Status == oms.RunCompleted
	}, 30*time.Second, 200*time.Millisecond, "the follow-up push is in 自動処理ログ, started on change")
	list := s.get("/shops/" + s.Shop + "/runs?kind=stock")
	require.Contains(t, list.Body, "変更時", "自動処理ログ shows the push that followed the edit")
	require.Contains(t, list.Body, "suzuki")
}
