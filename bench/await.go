package main

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// exportThrough starts an export through c as the starter does and waits for
// its result.
func exportThrough(ctx context.Context, c client.Client, cfg config.Config, in workflows.ShippingSyncInput) (workflows.ShippingSyncResult, error) {
	run, err := app.StartExport(ctx, c, cfg, in)
	return result[workflows.ShippingSyncResult](ctx, run, err)
}

// importThrough starts a manual import of the shop's last days through c on
// queue and waits for its result.
func importThrough(ctx context.Context, c client.Client, queue, shop string, days int) (workflows.OrderImportResult, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.OrderImportID(shop), TaskQueue: queue},
		workflows.OrderImport, workflows.OrderImportInput{ShopID: shop, Days: days, Trigger: oms.TriggerManual})
	return result[workflows.OrderImportResult](ctx, run, err)
}

// result waits for run's result; err is the error of starting it, returned as is.
func result[R any](ctx context.Context, run client.WorkflowRun, err error) (R, error) {
	var res R
	if err == nil {
		err = run.Get(ctx, &res)
	}
	return res, err
}
