package app

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// StartStockPush starts a stock push (在庫連携) of a shop now: one at a time
// per shop (its workflow ID is fixed), refused with a RunningError while one runs.
func StartStockPush(ctx context.Context, c client.Client, cfg config.Config, in workflows.StockPushInput) (client.WorkflowRun, error) {
	in.Trigger = in.Trigger.OrManual()
	return startOne(ctx, c, cfg, oms.KindStock, in.ShopID, in.Trigger, workflows.StockPushID(in.ShopID), workflows.StockPush, in)
}

// StartStockCatalogue starts a catalogue import (商品情報を取得) of a shop now.
func StartStockCatalogue(ctx context.Context, c client.Client, cfg config.Config, in workflows.StockCatalogueInput) (client.WorkflowRun, error) {
	in.Trigger = in.Trigger.OrManual()
	return startOne(ctx, c, cfg, oms.KindStock, in.ShopID, in.Trigger, workflows.StockCatalogueID(in.ShopID), workflows.StockCatalogue, in)
}
