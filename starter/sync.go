package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// runSync starts a manual shipping export and, with -wait, prints its summary.
func runSync(ctx context.Context, e *env, args []string) error {
	fs := e.runFlags("sync", "window-days", "作成期間: orders updated in the last N days (0 = the shop's setting, default 3)")
	var requireShipDate, sendMail optBool
	fs.Var(&requireShipDate, "require-ship-date", "出荷日が入力された注文のみ「配送済み」に更新: mark delivered only with a ship date (default: the shop's setting)")
	fs.Var(&sendMail, "send-mail", "send ColorMe's shipping mail to sales this run turns delivered (default: the shop's setting)")
	dryRun := fs.Bool("dry-run", false, "plan and record, write nothing to ColorMe")
	changes := fs.Bool("changes", false, "incremental export (what 変更時 exports run): only the orders changed since the last completed export, plus the sales whose last export failed")
	asOf := fs.String("as-of", "", "evaluate at this instant (RFC 3339, e.g. 2026-11-20T12:00:00+09:00); default now")
	wait := fs.Bool("wait", true, "wait for the run to finish and print its summary")
	outcomes := fs.Bool("outcomes", false, "with -wait: print every order's outcome")
	fs.wideFlag()
	if err := fs.parse(args); err != nil {
		return err
	}
	at, err := parseAsOf(*asOf)
	if err != nil {
		return err
	}
	in := workflows.ShippingSyncInput{ShopID: *fs.shop, WindowDays: *fs.days, RequireShipDate: requireShipDate.v,
		SendMail: sendMail.v, DryRun: *dryRun, Trigger: oms.TriggerManual, Changes: *changes, StartedBy: *fs.by, AsOf: at}
	what := "export"
	if *changes {
		what = "incremental export"
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	in.MaxInFlight = cfg.ExportMaxInFlight
	st, res, err := startRun[workflows.ShippingSyncResult](ctx, e, what, *fs.shop, *wait, app.StartExport, in)
	if err != nil || res == nil {
		return err
	}
	printSummary(e, *res)
	if *outcomes {
		return printOutcomes(ctx, e, st, res.RunID, false)
	}
	return nil
}

// parseAsOf reads -as-of, an RFC 3339 instant; "" is nil: now.
func parseAsOf(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("-as-of must be RFC 3339 like 2026-11-20T12:00:00+09:00, got %q", s)
	}
	return &t, nil
}

func printSummary(e *env, r workflows.ShippingSyncResult) {
	title := "export finished"
	if r.DryRun {
		title = "dry run finished (nothing written; \"updated\" = would be updated)"
	}
	fmt.Fprintf(e.out, "\n%s: shop %s, run log #%d\n", title, r.ShopID, r.RunID)
	who := triggerWord(r.Trigger, r.StartedBy)
	if who != "" {
		who = " (" + who + ")"
	}
	fmt.Fprintf(e.out, "  as of %s%s\n  options: %s\n", opsTime(r.AsOf), who, exportOptionsLong(r.WindowDays, r.RequireShipDate, r.SendMail, r.DryRun))
	if r.Changes {
		fmt.Fprintf(e.out, "  incremental: %s\n", incrementalText(r))
	}
	if r.LimitedTo > 0 {
		fmt.Fprintf(e.out, "  limited to %d named sales\n", r.LimitedTo)
	}
	t := newTable(column{title: "targets", right: true}, column{title: "updated", right: true}, column{title: "unchanged", right: true},
		column{title: "skipped", right: true}, column{title: "failed", right: true}, column{title: "mails", right: true}, column{title: "runs", right: true})
	t.indent = "  "
	t.add(r.Targets, r.Updated, r.Unchanged, r.Skipped, r.Failed, r.Mails, r.Chain)
	_ = t.write(e.out)
	if len(r.FailedSaleIDs) > 0 {
		fmt.Fprintf(e.out, "failed sales: %v (see `starter runs -run %d`)\n", r.FailedSaleIDs, r.RunID)
	}
}

// incrementalText says what an incremental export read: the orders changed
// since the watermark, and the failed sales it retried.
func incrementalText(r workflows.ShippingSyncResult) string {
	read := "no export of the shop had completed yet, so every target was read"
	if r.Since != nil {
		read = fmt.Sprintf("orders changed since %s (the last completed export's start less %s)", opsTime(*r.Since), schedules.FormatEvery(oms.ExportWatermarkMargin))
	}
	return fmt.Sprintf("%s, and %s retried", read, opsCount(r.Pending, "failed sale"))
}

// printOutcomes prints every order's outcome of a run; reasons are cut unless
// wide (or -wide).
func printOutcomes(ctx context.Context, e *env, st *stores.Stores, runID int64, wide bool) error {
	outs, err := st.Outcomes(ctx, runID)
	if err != nil {
		return err
	}
	t := newTable(column{title: "sale", right: true}, column{title: "outcome"}, column{title: "mail"}, column{title: "reason / sent", max: 100})
	t.wide = wide || e.wide
	for _, o := range outs {
		detail := o.Reason
		if o.Sent != "" {
			detail = o.Sent + " " + detail
		}
		mail := ""
		if o.Mailed {
			mail = "sent"
		}
		t.add(o.SaleID, o.Outcome, mail, detail)
	}
	return t.write(e.out)
}

// runRuns lists recent runs of a shop, or the outcomes of one run.
func runRuns(ctx context.Context, e *env, args []string) error {
	fs := e.flags("runs")
	shop := fs.String("shop", "", "shop ID")
	runID := fs.Int64("run", 0, "print this run's per-order outcomes, reasons whole")
	fs.wideFlag()
	kind := fs.String("kind", "", "only export, import or stock (在庫連携) runs (default: all)")
	limit := fs.Int("limit", 20, "how many runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runID != 0 {
		st, err := e.db(ctx)
		if err != nil {
			return err
		}
		r, err := st.Run(ctx, *runID)
		if errors.Is(err, oms.ErrNotFound) {
			return fmt.Errorf("run #%d is not in the run log: `starter runs -shop ID` lists a shop's runs", *runID)
		}
		if err != nil {
			return err
		}
		printRunHeader(ctx, e, st, r)
		return printOutcomes(ctx, e, st, *runID, true) // -run: whole reasons, as the import's output promises
	}
	if *shop == "" {
		return errors.New("-shop or -run is required")
	}
	if k := oms.Kind(*kind); k != "" && k != oms.KindExport && k != oms.KindImport && k != oms.KindStock {
		return fmt.Errorf("-kind must be export, import or stock, got %q", *kind)
	}
	st, _, err := e.shop(ctx, *shop)
	if err != nil {
		return err
	}
	runs, err := st.Runs(ctx, *shop, *limit)
	if err != nil {
		return err
	}
	var exports, imports, stocks []oms.Run
	for _, r := range runs {
		switch r.Kind {
		case oms.KindImport:
			imports = append(imports, r)
		case oms.KindStock:
			stocks = append(stocks, r)
		default:
			exports = append(exports, r)
		}
	}
	if len(runs) == 0 {
		fmt.Fprintf(e.out, "shop %s has no runs yet: `starter sync -shop %s` exports, `starter import -shop %s` imports\n", *shop, *shop, *shop)
		return nil
	}
	if oms.Kind(*kind) == oms.KindStock {
		return printStockRuns(e, *shop, stocks)
	}
	if oms.Kind(*kind) != oms.KindImport {
		fmt.Fprintf(e.out, "exports (発送情報の更新) of shop %s, newest first (times in JST):\n", *shop)
		if len(exports) == 0 {
			fmt.Fprintln(e.out, "  none among the last runs")
		} else {
			t := newTable(column{title: "run", right: true}, column{title: "trigger", max: 24}, column{title: "started"}, column{title: "status"},
				column{title: "options"}, column{title: "targets", right: true}, column{title: "updated", right: true},
				column{title: "unchanged", right: true}, column{title: "skipped", right: true}, column{title: "failed", right: true},
				column{title: "mails", right: true}, column{title: "error", max: 60})
			t.indent, t.wide = "  ", e.wide
			for _, r := range exports {
				x := r.Totals
				t.add(r.ID, triggerText(r), opsTime(r.StartedAt), r.Status, exportOptions(r.WindowDays, r.RequireShipDate, r.SendMail, r.DryRun),
					x.Targets, x.Updated, x.Unchanged, x.Skipped, x.Failed, x.Mails, opsDash(r.Error))
			}
			if err := t.write(e.out); err != nil {
				return err
			}
		}
	}
	if oms.Kind(*kind) != oms.KindExport {
		if *kind == "" {
			fmt.Fprintln(e.out)
		}
		fmt.Fprintf(e.out, "imports (受注取得) of shop %s, newest first (times in JST):\n", *shop)
		if len(imports) == 0 {
			fmt.Fprintln(e.out, "  none among the last runs")
			return nil
		}
		t := newTable(column{title: "run", right: true}, column{title: "trigger", max: 24}, column{title: "started"}, column{title: "status"},
			column{title: "days", right: true}, column{title: "fetched", right: true}, column{title: "created", right: true},
			column{title: "updated", right: true}, column{title: "unchanged", right: true}, column{title: "cancelled", right: true},
			column{title: "flagged", right: true}, column{title: "error", max: 60})
		t.indent, t.wide = "  ", e.wide
		for _, r := range imports {
			ir, err := st.ImportRun(ctx, r.ID)
			if err != nil {
				return err
			}
			x := ir.Import
			t.add(r.ID, triggerText(r), opsTime(r.StartedAt), r.Status, r.WindowDays,
				x.Fetched, x.Created, x.Updated, x.Unchanged, x.Cancelled, x.Flagged, opsDash(r.Error))
		}
		if err := t.write(e.out); err != nil {
			return err
		}
	}
	if *kind == "" && len(stocks) > 0 {
		fmt.Fprintln(e.out)
		return printStockRuns(e, *shop, stocks)
	}
	return nil
}

// printStockRuns lists stock pushes (在庫連携): SKUs compared, written,
// already right, skipped (unmapped or no on-hand) and failed (refused or
// still unclear).
func printStockRuns(e *env, shop string, stocks []oms.Run) error {
	fmt.Fprintf(e.out, "stock pushes (在庫連携) of shop %s, newest first (times in JST):\n", shop)
	if len(stocks) == 0 {
		fmt.Fprintln(e.out, "  none among the last runs")
		return nil
	}
	t := newTable(column{title: "run", right: true}, column{title: "trigger", max: 24}, column{title: "started"}, column{title: "status"},
		column{title: "skus", right: true}, column{title: "written", right: true}, column{title: "unchanged", right: true},
		column{title: "skipped", right: true}, column{title: "failed", right: true}, column{title: "error", max: 60})
	t.indent, t.wide = "  ", e.wide
	for _, r := range stocks {
		x := r.Totals
		t.add(r.ID, triggerText(r), opsTime(r.StartedAt), r.Status, x.Targets, x.Updated, x.Unchanged, x.Skipped, x.Failed, opsDash(r.Error))
	}
	return t.write(e.out)
}

// printRunHeader describes one run of the log: what, when, with which options,
// and its counts.
func printRunHeader(ctx context.Context, e *env, st *stores.Stores, r oms.Run) {
	fmt.Fprintf(e.out, "run #%d: %s %s of shop %s (workflow %s), %s\n", r.ID, triggerText(r), r.Kind, r.ShopID, r.WorkflowID, r.Status)
	finished := "-"
	if r.FinishedAt != nil {
		finished = opsTime(*r.FinishedAt)
	}
	fmt.Fprintf(e.out, "  started %s, finished %s\n", opsTime(r.StartedAt), finished)
	if r.Kind == oms.KindStock {
		x := r.Totals
		fmt.Fprintf(e.out, "  SKUs %d: written %d, unchanged %d, skipped %d, failed %d\n", x.Targets, x.Updated, x.Unchanged, x.Skipped, x.Failed)
	} else if r.Kind == oms.KindImport {
		fmt.Fprintf(e.out, "  read: sales ordered in the last %d days (and older ones updated since the previous import)\n", r.WindowDays)
		if ir, err := st.ImportRun(ctx, r.ID); err == nil {
			x := ir.Import
			fmt.Fprintf(e.out, "  fetched %d: created %d, updated %d, unchanged %d, cancelled %d, flagged %d\n",
				x.Fetched, x.Created, x.Updated, x.Unchanged, x.Cancelled, x.Flagged)
		}
	} else {
		fmt.Fprintf(e.out, "  options: as of %s, %s\n", opsTime(r.AsOf), exportOptionsLong(r.WindowDays, r.RequireShipDate, r.SendMail, r.DryRun))
		x := r.Totals
		fmt.Fprintf(e.out, "  targets %d: updated %d, unchanged %d, skipped %d, failed %d; mails %d\n",
			x.Targets, x.Updated, x.Unchanged, x.Skipped, x.Failed, x.Mails)
	}
	if r.Error != "" {
		fmt.Fprintf(e.out, "  error: %s\n", r.Error)
	}
	fmt.Fprintln(e.out)
}

// triggerText is "manual", "manual by tanaka", "scheduled" or "on-change".
func triggerText(r oms.Run) string { return triggerWord(r.Trigger, r.StartedBy) }

// triggerWord names what started a run: "manual", "manual by tanaka",
// "scheduled" or "on-change" (the run log's "change": 変更時).
func triggerWord(t oms.Trigger, startedBy string) string {
	w := string(t)
	if t == oms.TriggerChange {
		w = "on-change"
	}
	if startedBy != "" {
		w += " by " + startedBy
	}
	return w
}

// exportOptions is the short form of an export's options for the runs table:
// "3d, ship date, mail, dry run".
func exportOptions(window int, requireShipDate, sendMail, dryRun bool) string {
	parts := []string{fmt.Sprintf("%dd", window)}
	if requireShipDate {
		parts = append(parts, "ship date")
	}
	if sendMail {
		parts = append(parts, "mail")
	}
	if dryRun {
		parts = append(parts, "dry run")
	}
	return strings.Join(parts, ", ")
}

// exportOptionsLong spells an export's options out, with the settings' keys.
func exportOptionsLong(window int, requireShipDate, sendMail, dryRun bool) string {
	s := fmt.Sprintf("window %d days (作成期間, window_days=%d), ", window, window)
	if requireShipDate {
		s += "配送済み only with a ship date (require_ship_date=true), "
	} else {
		s += "配送済み with a tracking number alone (require_ship_date=false), "
	}
	if sendMail {
		s += "shipping mail on (send_mail=true)"
	} else {
		s += "shipping mail off (send_mail=false)"
	}
	if dryRun {
		s += ", dry run: nothing written"
	}
	return s
}
