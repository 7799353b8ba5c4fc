package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// StartExport starts a shipping export. Real exports use the shop's fixed workflow
// ID, so a second one is refused while one runs (one writer per shop); dry runs
// write nothing and get an ID of their own. in.SaleIDs, when set, must name
// 1 to workflows.MaxSaleIDs sales, and not with in.Changes.
func StartExport(ctx context.Context, c client.Client, cfg config.Config, in workflows.ShippingSyncInput) (client.WorkflowRun, error) {
	if in.SaleIDs != nil && len(in.SaleIDs) == 0 {
		// An empty list would reach the workflow as "no limit": every target.
		return nil, errors.New("start export: the list of sales to export is empty (nil exports every target)")
	}
	if in.Changes && len(in.SaleIDs) > 0 {
		return nil, errors.New("start export: an incremental export (changes) reads the changed orders itself and takes no list of sales: leave out the sales, or the incremental option")
	}
	if len(in.SaleIDs) > workflows.MaxSaleIDs {
		return nil, fmt.Errorf("start export: %d sales named, at most %d per run", len(in.SaleIDs), workflows.MaxSaleIDs)
	}
	id := workflows.ShippingSyncID(in.ShopID)
	if in.DryRun {
		id = workflows.DryRunID(in.ShopID, time.Now())
	}
	return startOne(ctx, c, cfg, oms.KindExport, in.ShopID, in.Trigger.OrManual(), id, workflows.ShippingSync, in)
}
