package app

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// StartImport starts an order import (受注取得) with the shop's fixed workflow
// ID, so a second one is refused while one runs.
func StartImport(ctx context.Context, c client.Client, cfg config.Config, in workflows.OrderImportInput) (client.WorkflowRun, error) {
	in.Trigger = in.Trigger.OrManual()
	id := workflows.OrderImportID(in.ShopID)
	return startOne(ctx, c, cfg, oms.KindImport, in.ShopID, in.Trigger, id, workflows.OrderImport, in)
}
