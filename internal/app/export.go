package app

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// StartExport starts a shipping export. Real exports use the shop's fixed workflow
// ID, so a second one is refused while one runs (one writer per shop); dry runs
// write nothing and get an ID of their own.
func StartExport(ctx context.Context, c client.Client, cfg config.Config, in workflows.ShippingSyncInput) (client.WorkflowRun, error) {
	id := workflows.ShippingSyncID(in.ShopID)
	if in.DryRun {
		id = workflows.DryRunID(in.ShopID, time.Now().UTC().Format("20060102T150405.000"))
	}
	trigger := in.Trigger
	if trigger == "" {
		trigger = "manual"
	}
	return startOne(ctx, c, cfg, "export", in.ShopID, trigger, id, workflows.ShippingSync, in)
}
