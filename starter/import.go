package main

import (
	"context"
	"fmt"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// runImport starts an order import (受注取得) now and, with -wait, prints its result.
func runImport(ctx context.Context, e *env, args []string) error {
	fs := e.runFlags("import", "days", "受注を取得する日数: import sales ordered in the last N days (0 = the shop's setting, default 7)")
	wait := fs.Bool("wait", true, "wait for the import to finish and print its result")
	changes := fs.Bool("changes", false, "with -wait: print every order the import created or changed")
	fs.wideFlag()
	if err := fs.parse(args); err != nil {
		return err
	}
	st, res, err := startRun[workflows.OrderImportResult](ctx, e, "import", *fs.shop, *wait, app.StartImport,
		workflows.OrderImportInput{ShopID: *fs.shop, Days: *fs.days, Trigger: oms.TriggerManual, StartedBy: *fs.by})
	if err != nil || res == nil {
		return err
	}
	printImport(e, *res)
	outs, err := st.Outcomes(ctx, res.RunID)
	if err != nil {
		return err
	}
	var flagged []oms.Outcome
	for _, o := range outs {
		if o.Outcome == oms.ImportFlagged {
			flagged = append(flagged, o)
		}
	}
	if len(flagged) > 0 {
		fmt.Fprintf(e.out, "\nflagged for the operator (kept as they are; the whole reason: `starter runs -run %d`):\n", res.RunID)
		t := newTable(column{title: "sale", right: true}, column{title: "reason", max: 110})
		t.indent, t.wide = "  ", e.wide
		for _, o := range flagged {
			t.add(o.SaleID, o.Reason)
		}
		_ = t.write(e.out)
	}
	if *changes {
		fmt.Fprintln(e.out)
		return printOutcomes(ctx, e, st, res.RunID, false)
	}
	return nil
}

func printImport(e *env, r workflows.OrderImportResult) {
	fmt.Fprintf(e.out, "\nimport finished: shop %s, run log #%d\n", r.ShopID, r.RunID)
	fmt.Fprintf(e.out, "  read: sales ordered in the last %d days", r.Days)
	if r.Since != nil {
		fmt.Fprintf(e.out, ", and older ones updated since %s", opsTime(*r.Since))
	} else {
		fmt.Fprint(e.out, " (first import of the shop)")
	}
	fmt.Fprintf(e.out, "\n  next import reads updates since %s\n", opsTime(r.Watermark))
	printImportCounts(e, r)
}

// printImportCounts prints an import's counts as a one-row table.
func printImportCounts(e *env, r workflows.OrderImportResult) {
	t := newTable(column{title: "fetched", right: true}, column{title: "created", right: true}, column{title: "updated", right: true},
		column{title: "unchanged", right: true}, column{title: "cancelled", right: true}, column{title: "flagged", right: true},
		column{title: "pages", right: true}, column{title: "runs", right: true})
	t.indent = "  "
	t.add(r.Fetched, r.Created, r.Updated, r.Unchanged, r.Cancelled, r.Flagged, r.Pages, r.Chain)
	_ = t.write(e.out)
}
