package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// runSync starts a manual shipping export and, with -wait, prints its summary.
func runSync(ctx context.Context, e *env, args []string) error {
	fs := newFlags("sync", e.errOut)
	shop := fs.String("shop", "", "shop ID (required)")
	window := fs.Int("window-days", 0, "作成期間: orders updated in the last N days (0 = the shop's setting, default 3)")
	var requireShipDate, sendMail optBool
	fs.Var(&requireShipDate, "require-ship-date", "出荷日が入力された注文のみ「配送済み」に更新: mark delivered only with a ship date (default: the shop's setting)")
	fs.Var(&sendMail, "send-mail", "send ColorMe's shipping mail to sales this run turns delivered (default: the shop's setting)")
	dryRun := fs.Bool("dry-run", false, "plan and record, write nothing to ColorMe")
	asOf := fs.String("as-of", "", "evaluate at this instant (RFC 3339, e.g. 2026-11-20T12:00:00+09:00); default now")
	wait := fs.Bool("wait", true, "wait for the run to finish and print its summary")
	outcomes := fs.Bool("outcomes", false, "with -wait: print every order's outcome")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *shop == "" {
		return errors.New("-shop is required")
	}
	if *window < 0 || *window > 365 {
		return fmt.Errorf("-window-days must be between 1 and 365, got %d", *window)
	}
	in := workflows.ShippingSyncInput{ShopID: *shop, WindowDays: *window, RequireShipDate: requireShipDate.v,
		SendMail: sendMail.v, DryRun: *dryRun, Trigger: "manual"}
	if *asOf != "" {
		t, err := time.Parse(time.RFC3339, *asOf)
		if err != nil {
			return fmt.Errorf("-as-of must be RFC 3339 like 2026-11-20T12:00:00+09:00, got %q", *asOf)
		}
		in.AsOf = &t
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, _, err := e.shop(ctx, *shop)
	if err != nil {
		return err
	}
	in.MaxInFlight = cfg.ExportMaxInFlight
	c, err := e.client()
	if err != nil {
		return err
	}
	run, err := app.StartExport(ctx, c, cfg, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "started export of shop %s\n  workflow ID: %s\n  run ID:      %s\n  Temporal UI: %s\n",
		*shop, run.GetID(), run.GetRunID(), cfg.WorkflowURL(run.GetID(), run.GetRunID()))
	if !*wait {
		return nil
	}
	var res workflows.ShippingSyncResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("export failed: %w", err)
	}
	printSummary(e, res)
	if *outcomes {
		return printOutcomes(ctx, e, st, res.RunID)
	}
	return nil
}

func printSummary(e *env, r workflows.ShippingSyncResult) {
	title := "export finished"
	if r.DryRun {
		title = "dry run finished (nothing written; \"updated\" = would be updated)"
	}
	fmt.Fprintf(e.out, "\n%s: shop %s, as of %s, run log #%d\n", title, r.ShopID, r.AsOf.In(rules.Tokyo).Format(time.RFC3339), r.RunID)
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "targets\tupdated\tunchanged\tskipped\tfailed\tmails\truns\t")
	fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.Targets, r.Updated, r.Unchanged, r.Skipped, r.Failed, r.Mails, r.Chain)
	_ = tw.Flush()
	if len(r.FailedSaleIDs) > 0 {
		fmt.Fprintf(e.out, "failed sales: %v (see `starter runs -run %d`)\n", r.FailedSaleIDs, r.RunID)
	}
}

func printOutcomes(ctx context.Context, e *env, st *oms.Store, runID int64) error {
	outs, err := st.Outcomes(ctx, runID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "sale\toutcome\tmail\treason / sent")
	for _, o := range outs {
		detail := o.Reason
		if o.Sent != "" {
			detail = o.Sent + " " + detail
		}
		mail := ""
		if o.Mailed {
			mail = "sent"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", o.SaleID, o.Outcome, mail, detail)
	}
	return tw.Flush()
}

// runRuns lists recent runs of a shop, or the outcomes of one run.
func runRuns(ctx context.Context, e *env, args []string) error {
	fs := newFlags("runs", e.errOut)
	shop := fs.String("shop", "", "shop ID")
	runID := fs.Int64("run", 0, "print this run's per-order outcomes")
	limit := fs.Int("limit", 20, "how many runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := e.db(ctx)
	if err != nil {
		return err
	}
	if *runID != 0 {
		r, err := st.Run(ctx, *runID)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "run #%d %s %s of shop %s (%s), as of %s: %s %s\n", r.ID, r.Trigger, r.Kind, r.ShopID, r.WorkflowID,
			r.AsOf.In(rules.Tokyo).Format(time.RFC3339), r.Status, r.Error)
		return printOutcomes(ctx, e, st, *runID)
	}
	if *shop == "" {
		return errors.New("-shop or -run is required")
	}
	runs, err := st.Runs(ctx, *shop, *limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tkind\ttrigger\tstarted\tstatus\ttargets\tupdated\tunchanged\tskipped\tfailed\tmails\terror")
	for _, r := range runs {
		t := r.Totals
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Kind, r.Trigger,
			r.StartedAt.Local().Format("2006-01-02 15:04:05"), r.Status, t.Targets, t.Updated, t.Unchanged, t.Skipped, t.Failed, t.Mails, r.Error)
	}
	return tw.Flush()
}
