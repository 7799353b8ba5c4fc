package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// manager returns the schedules manager on the configured task queue.
func (e *env) manager() (*schedules.Manager, error) {
	cfg, c, err := e.clientWithConfig()
	if err != nil {
		return nil, err
	}
	m := schedules.New(c, cfg.TaskQueue)
	m.Namespace = cfg.TemporalNamespace
	return m, nil
}

// shopOrExplain loads a shop, turning "not found" into what to do.
func shopOrExplain(ctx context.Context, st *stores.Stores, id string) (shops.Shop, error) {
	s, err := st.Shops.Shop(ctx, id)
	if errors.Is(err, oms.ErrNotFound) {
		return shops.Shop{}, fmt.Errorf("shop %q does not exist: list shops with `starter shop list`, add one with `starter shop add`", id)
	}
	return s, err
}

// kindFlag reads -kind: "import", "export" or "stock".
func kindFlag(kind string) (oms.Kind, error) {
	switch k := oms.Kind(kind); k {
	case oms.KindImport, oms.KindExport, oms.KindStock:
		return k, nil
	}
	return "", fmt.Errorf("-kind must be import, export or stock, got %q", kind)
}

// kindsFlag reads -kind: "import", "export", "stock" or "" (all).
func kindsFlag(kind string) ([]oms.Kind, error) {
	if kind == "" {
		return schedules.Kinds, nil
	}
	k, err := kindFlag(kind)
	if err != nil {
		return nil, err
	}
	return []oms.Kind{k}, nil
}

// parseShopKinds parses a schedule command's flags, reads -kind (kindsFlag)
// and loads the shop -shop names.
func (f flags) parseShopKinds(ctx context.Context, args []string, shop, kind *string) (shops.Shop, []oms.Kind, error) {
	if err := f.Parse(args); err != nil {
		return shops.Shop{}, nil, err
	}
	kinds, err := kindsFlag(*kind)
	if err != nil {
		return shops.Shop{}, nil, err
	}
	_, s, err := f.e.shop(ctx, *shop)
	return s, kinds, err
}

// kindsText is "import", "export" or "import and export".
func kindsText(kinds []oms.Kind) string {
	words := make([]string, len(kinds))
	for i, k := range kinds {
		words[i] = string(k)
	}
	return strings.Join(words, " and ")
}

func scheduleList(ctx context.Context, e *env, args []string) error {
	fs := e.flags("schedule list")
	shop := fs.String("shop", "", "only this shop (default: every shop)")
	fs.wideFlag()
	st, err := fs.parseDB(ctx, args)
	if err != nil {
		return err
	}
	var list []shops.Shop
	if *shop != "" {
		s, err := shopOrExplain(ctx, st, *shop)
		if err != nil {
			return err
		}
		list = []shops.Shop{s}
	} else if list, err = st.Shops.Shops(ctx); err != nil {
		return err
	}
	m, err := e.manager()
	if err != nil {
		return err
	}
	t := newTable(column{title: "schedule"}, column{title: "state"}, column{title: "every"}, column{title: "next run"},
		column{title: "last run"}, column{title: "last workflow", max: 60}, column{title: "runs", right: true},
		column{title: "skipped (overlap)", right: true}, column{title: "note", max: 90})
	t.wide = e.wide
	for _, s := range list {
		sts, err := m.Describe(ctx, s.ID)
		if err != nil {
			return err
		}
		for _, x := range sts {
			if !x.Exists {
				t.add(x.ID, "missing", "-", "-", "-", "-", "-", "-", fmt.Sprintf("create it with `starter schedule apply -shop %s`", s.ID))
				continue
			}
			state := "active"
			if x.Paused {
				state = "PAUSED"
			}
			if len(x.Running) > 0 {
				state += " (running)"
			}
			next, last, lastWF := "-", "-", "-"
			if !x.NextRun.IsZero() && !x.Paused {
				next = opsTime(x.NextRun)
			}
			if n := len(x.Recent); n > 0 && x.Recent[n-1].StartWorkflowResult != nil {
				last, lastWF = opsTime(x.Recent[n-1].ActualTime), x.Recent[n-1].StartWorkflowResult.WorkflowID
			}
			t.add(x.ID, state, schedules.FormatEvery(x.Every), next, last, lastWF, x.Actions, x.SkippedOverlap, opsDash(x.Note))
		}
	}
	fmt.Fprintln(e.out, "schedules (times in JST):")
	return t.write(e.out)
}

func scheduleApply(ctx context.Context, e *env, args []string) error {
	fs := e.flags("schedule apply")
	shop := fs.String("shop", "", "shop ID")
	all := fs.Bool("all", false, "every shop")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*shop == "") == !*all {
		return errors.New("give -shop ID or -all")
	}
	ids := []string{*shop}
	if *all {
		shops, err := withShops(ctx, e, (*shops.Store).Shops)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, s := range shops {
			ids = append(ids, s.ID)
		}
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, applySchedules(ctx, e, id))
	}
	return errors.Join(errs...)
}

// applySchedules reconciles the shop's schedules with its saved settings and
// prints what changed.
func applySchedules(ctx context.Context, e *env, shopID string) error {
	_, s, err := e.shop(ctx, shopID)
	if err != nil {
		return err
	}
	m, err := e.manager()
	if err == nil {
		var applied []schedules.Applied
		applied, err = m.Apply(ctx, s)
		for _, a := range applied {
			state := "active, every " + schedules.FormatEvery(a.Every)
			if a.Paused {
				state = "PAUSED — " + a.Note
			}
			fmt.Fprintf(e.out, "  schedule %s: %s; %s\n", a.ID, a.Change, state)
		}
	}
	if err != nil {
		return fmt.Errorf("shop %s is saved, but its schedules were not applied (%w): run `starter schedule apply -shop %s` once Temporal is reachable", shopID, err, shopID)
	}
	return nil
}

func schedulePause(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("schedule pause")
	kind := fs.String("kind", "", "import, export or stock (default: all)")
	note := fs.String("note", "", "why (shown in the Temporal UI)")
	_, kinds, err := fs.parseShopKinds(ctx, args, shop, kind)
	if err != nil {
		return err
	}
	m, err := e.manager()
	if err != nil {
		return err
	}
	n := "paused by the operator (`starter schedule pause`)"
	if *note != "" {
		n += ": " + *note
	}
	if err := m.Pause(ctx, *shop, kinds, n); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "paused the %s schedule(s) of shop %s; `starter schedule unpause -shop %s` resumes them\n", kindsText(kinds), *shop, *shop)
	return nil
}

func scheduleUnpause(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("schedule unpause")
	kind := fs.String("kind", "", "import, export or stock (default: all)")
	s, kinds, err := fs.parseShopKinds(ctx, args, shop, kind)
	if err != nil {
		return err
	}
	// Only unpause what the settings allow to run: anything else would be paused
	// again by the next apply, or fail on a refused token.
	for _, d := range schedules.Want(s) {
		if d.Paused && slices.Contains(kinds, d.Kind) {
			return fmt.Errorf("schedule %s stays paused: %s", d.ID, strings.TrimPrefix(d.Note, "colorme-sync: paused: "))
		}
	}
	m, err := e.manager()
	if err != nil {
		return err
	}
	if err := m.Unpause(ctx, *shop, kinds); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "unpaused the %s schedule(s) of shop %s\n", kindsText(kinds), *shop)
	return nil
}

func scheduleTrigger(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("schedule trigger")
	kind := fs.String("kind", string(oms.KindExport), "import, export or stock")
	wait := fs.Bool("wait", true, "wait for the run to finish and print its summary")
	force := fs.Bool("force", false, "run it once even though the schedule is paused (it stays paused)")
	by := fs.byFlag()
	if err := fs.Parse(args); err != nil {
		return err
	}
	k, err := kindFlag(*kind)
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, s, err := e.shop(ctx, *shop)
	if err != nil {
		return err
	}
	if s.ReconnectNeeded {
		return fmt.Errorf("shop %s needs reconnection (%s): run `starter shop connect -shop %s` first", s.ID, s.ReconnectReason, s.ID)
	}
	if !s.HasAccessToken {
		return fmt.Errorf("shop %s is not connected to ColorMe: run `starter shop connect -shop %s` first", s.ID, s.ID)
	}
	m, err := e.manager()
	if err != nil {
		return err
	}
	if err := e.needWorker(ctx); err != nil {
		return err
	}
	// A paused schedule was paused for a reason (an operator's note such as
	// 棚卸し, or the shop's settings): app.RunNow refuses it without -force, as
	// the console's 今すぐ実行 asks first.
	r, err := app.RunNow(ctx, m, st, s.ID, k, *force, *by)
	if r.Paused != nil && err == nil {
		fmt.Fprintf(e.errOut, "starter: schedule %s is PAUSED (note: %q); running it once because of -force (it stays paused)\n", r.Paused.ScheduleID, opsDash(r.Paused.Note))
	}
	if err != nil {
		return err
	}
	if r.Skipped {
		return fmt.Errorf("trigger of schedule %s did NOT run anything: %s", r.ScheduleID, strings.TrimPrefix(r.Reason, "skipped: "))
	}
	printTriggered(e, cfg, r.TriggerResult, s.ID, *kind)
	if *by != "" && !r.Attributed {
		fmt.Fprintf(e.errOut, "starter: the run log does not name %s as who started it: %s\n", *by, unattributedWhy(r))
	}
	if !*wait {
		return nil
	}
	if r.Waiting() {
		fmt.Fprintln(e.out, "waiting for the change-triggered export to end and the full reconcile to run (Ctrl-C stops waiting; both go on in Temporal)…")
	}
	return waitTriggered(ctx, e, r.TriggerResult, k)
}

// unattributedWhy says why RunNow could not name who started the run.
func unattributedWhy(r app.RunNowResult) string {
	if r.Waiting() {
		return "the scheduled run waits for a change-triggered export and starts its run later"
	}
	return fmt.Sprintf("its run did not reach the run log within %s (is the worker busy?)", schedules.FormatEvery(app.RunNowAttributionWait))
}

// waitTriggered waits for the scheduled run r started, prints the summary of
// the export or import it ran, and fails when it ran nothing in the end.
func waitTriggered(ctx context.Context, e *env, r schedules.TriggerResult, kind oms.Kind) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	run := c.GetWorkflow(ctx, r.WorkflowID, r.RunID)
	watchID := r.Decision.WorkflowID // the export or import the scheduled run started (or waits for)
	if watchID == "" {
		watchID = r.WorkflowID
	}
	var d workflows.Decision
	switch kind {
	case oms.KindStock:
		var res workflows.ScheduledStockResult
		if err := e.wait(ctx, run, watchID, &res); err != nil {
			return runFailed("scheduled stock push", err)
		}
		if p := res.Push; p != nil {
			t := p.Totals
			fmt.Fprintf(e.out, "stock push: run log #%d, %d rounds: %d SKUs written, %d unchanged, %d still open\n", p.RunID, p.Rounds, t.Written, t.Unchanged, p.Open)
		}
		d = res.Decision
	case oms.KindExport:
		var res workflows.ScheduledExportResult
		if err := e.wait(ctx, run, watchID, &res); err != nil {
			return runFailed("scheduled export", err)
		}
		if res.Export != nil {
			printSummary(e, *res.Export)
		}
		d = res.Decision
	default:
		var res workflows.ScheduledImportResult
		if err := e.wait(ctx, run, watchID, &res); err != nil {
			return runFailed("scheduled import", err)
		}
		if r := res.Import; r != nil {
			printImport(e, *r)
		}
		d = res.Decision
	}
	if d.State == workflows.DecisionSkipped { // it waited for a change-triggered export, then gave up
		return fmt.Errorf("the scheduled %s %s did NOT run: %s", kind, r.WorkflowID, strings.TrimPrefix(d.Reason, "skipped: "))
	}
	return nil
}

// printTriggered says what a trigger did: the run the schedule started, and
// the export or import that run started or waits for.
func printTriggered(e *env, cfg config.Config, r schedules.TriggerResult, shopID, kind string) {
	fmt.Fprintf(e.out, "triggered schedule %s\n  scheduled run: %s (run %s)\n", r.ScheduleID, r.WorkflowID, r.RunID)
	label := fmt.Sprintf("%-14s", kind+":")
	d := r.Decision
	switch d.State {
	case workflows.DecisionStarted:
		fmt.Fprintf(e.out, "  %s started %s (run %s)\n  Temporal UI:   %s\n", label, d.WorkflowID, d.RunID, cfg.WorkflowURL(d.WorkflowID, d.RunID))
	case workflows.DecisionWaiting:
		running := "run " + r.WaitingRunID
		if r.WaitingRunID == "" {
			running = "which has just ended"
		}
		fmt.Fprintf(e.out, "  %s WAITING: a change-triggered export of shop %s is running (workflow %s, %s);\n"+
			"                 this full reconcile starts when it ends (checked every %s; skipped if it still runs after %s)\n"+
			"  Temporal UI:   %s (the scheduled run)\n",
			label, shopID, d.WorkflowID, running,
			schedules.FormatEvery(workflows.ScheduledYieldRetry), schedules.FormatEvery(workflows.ScheduledYieldFor),
			cfg.WorkflowURL(r.WorkflowID, r.RunID))
	default:
		fmt.Fprintf(e.out, "  %s %s %s\n  Temporal UI:   %s (the scheduled run)\n", label, d.State, d.Reason, cfg.WorkflowURL(r.WorkflowID, r.RunID))
	}
}
