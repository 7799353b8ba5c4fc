package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/jst"
	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// Defaults of ShippingSyncInput.
const (
	// DefaultMaxInFlight is the updates in flight of a run whose input and
	// worker (EXPORT_MAX_IN_FLIGHT) set none; StartRun resolves them.
	DefaultMaxInFlight      = activities.DefaultMaxInFlight
	DefaultPageSize         = activities.MaxPageSize // also the largest
	DefaultMaxHistoryEvents = 4000
	outcomeBatch            = 100
	maxFailedSaleIDs        = 100 // kept for the result
)

// ShippingSyncInput starts a shipping export (発送情報の更新) for one shop. It never
// holds credentials. Zero/nil options take the shop's settings.
type ShippingSyncInput struct {
	ShopID          string      `json:"shop_id"`
	WindowDays      int         `json:"window_days,omitempty"`       // 作成期間; 0 = the shop's setting
	RequireShipDate *bool       `json:"require_ship_date,omitempty"` // 出荷日が入力された注文のみ「配送済み」に更新; nil = the shop's setting
	SendMail        *bool       `json:"send_mail,omitempty"`         // send ColorMe's shipping mail; nil = the shop's setting
	DryRun          bool        `json:"dry_run,omitempty"`           // plan and record, write nothing to ColorMe
	AsOf            *time.Time  `json:"as_of,omitempty"`             // evaluate at this instant; nil = workflow time
	Trigger         oms.Trigger `json:"trigger,omitempty"`           // manual | scheduled
	StartedBy       string      `json:"started_by,omitempty"`        // operator login of a manual run (an operator's name, never a secret)
	MaxInFlight     int         `json:"max_in_flight,omitempty"`     // update activities in flight; 0 = the worker's EXPORT_MAX_IN_FLIGHT (16)
	PageSize        int         `json:"page_size,omitempty"`         // orders per page; 0 = 100
	MaxHistory      int         `json:"max_history_events,omitempty"`
	// SaleIDs limits the run to these sales (at most MaxSaleIDs), e.g. the failed
	// orders of an earlier run (失敗分を再実行). Rules 1–4 still apply at the run's
	// as_of: a sale that is no target any more is recorded as skipped with the
	// reason (and counted in Skipped, not in Targets). nil = every target.
	SaleIDs []int64 `json:"sale_ids,omitempty"`
	// Changes makes the run incremental (変更分の書き出し): the targets whose
	// order changed since the shop's export watermark (the last completed
	// export's start, less oms.ExportWatermarkMargin), plus the sales whose last
	// outcome failed. Same rules, same activities and the same workflow ID as a
	// full run; it makes no ColorMe call when there is nothing to export.
	// Not with SaleIDs.
	Changes bool `json:"changes,omitempty"`

	// Set by the workflow itself when it continues as new.
	Continuation *Continuation `json:"continuation,omitempty"`
}

// MaxSaleIDs is the most sales ShippingSyncInput.SaleIDs may name.
const MaxSaleIDs = oms.MaxTargetSaleIDs

// NotTargetReason prefixes the reason recorded for a sale of SaleIDs that is no
// target at the run's as_of.
var NotTargetReason = strings.TrimSuffix(msg.NotTarget.En, "%s")

// Continuation carries a run's state across continue-as-new.
type Continuation struct {
	RunID   int64         `json:"run_id"`
	AsOf    time.Time     `json:"as_of"`
	Options rules.Options `json:"options"`
	Cursor  oms.Cursor    `json:"cursor"`
	Totals  oms.RunTotals `json:"totals"`
	Chain   int           `json:"chain"` // runs so far in the continue-as-new chain

	FailedSaleIDs []int64 `json:"failed_sale_ids,omitempty"` // failed so far (the first 100), for the result

	// Incremental runs: where the changed targets start, the failed sales to
	// retry first, and whether those are done (Cursor then pages the changes).
	Since       *time.Time `json:"since,omitempty"`
	Pending     []int64    `json:"pending,omitempty"`
	PendingDone bool       `json:"pending_done,omitempty"`
}

// ShippingSyncResult summarises a finished export.
type ShippingSyncResult struct {
	RunID  int64     `json:"run_id"`
	ShopID string    `json:"shop_id"`
	AsOf   time.Time `json:"as_of"`
	DryRun bool      `json:"dry_run"`
	// The options the run used, resolved from its input and the shop's settings.
	WindowDays      int         `json:"window_days"`       // 作成期間
	RequireShipDate bool        `json:"require_ship_date"` // 出荷日が入力された注文のみ「配送済み」に更新
	SendMail        bool        `json:"send_mail"`         // 商品発送メール
	Trigger         oms.Trigger `json:"trigger"`           // manual | scheduled
	StartedBy       string      `json:"started_by,omitempty"`
	LimitedTo       int         `json:"limited_to_sales,omitempty"` // the run was limited to this many named sales (input sale_ids, 失敗分を再実行)
	// Incremental runs (input changes): the watermark they read changes from
	// (nil: none yet, every target was read) and the failed sales retried.
	Changes bool       `json:"changes,omitempty"`
	Since   *time.Time `json:"since,omitempty"`
	Pending int        `json:"pending,omitempty"`

	// The run's counts, as the run log keeps them (JSON: targets, updated,
	// unchanged, skipped, failed, mails at the top level). In a dry run
	// Updated counts the sales that would be updated.
	oms.RunTotals
	FailedSaleIDs []int64 `json:"failed_sale_ids,omitempty"` // the first 100
	Chain         int     `json:"chain"`                     // runs in the continue-as-new chain
}

// Progress is what the progress query returns while an export runs.
type Progress struct {
	RunID    int64         `json:"run_id"`
	Pages    int           `json:"pages"`
	InFlight int           `json:"in_flight"`
	Queued   int           `json:"queued"`
	Done     bool          `json:"done"`
	Cursor   oms.Cursor    `json:"cursor"`
	Totals   oms.RunTotals `json:"totals"`
	// Retrying are the sales that failed in a batch and are being retried in
	// their own UpdateSale activity; Failed the last failed sales and why (at
	// most maxFailedSaleIDs): what the Temporal UI shows of single orders.
	Retrying []int64      `json:"retrying,omitempty"`
	Failed   []FailedSale `json:"failed,omitempty"`
}

// FailedSale is a sale the export could not update, and why.
type FailedSale struct {
	SaleID int64  `json:"sale_id"`
	Reason string `json:"reason"`
}

// ShippingSync pushes tracking numbers and 配送済み of the shop's target orders to
// ColorMe: pages of targets from the OMS, ColorMe's current state per page, the
// rules' plan per order, and one UpdateSales activity per page writing its
// changed orders, at most MaxInFlight at a time; a sale that fails in the
// batch with an error worth retrying gets its own UpdateSale activity (runs
// begun before BatchUpdatesChange keep one UpdateSale per changed order). It
// continues as new before its history grows large.
//
// ShippingSync is the export (the run kind oms.KindExport, the schedule
// colorme-export-…, `starter sync`). Its Go name is also its registered
// workflow type name, which existing schedules and running workflows refer
// to: keep the name ShippingSync even though everything else says "export".
func ShippingSync(ctx workflow.Context, in ShippingSyncInput) (ShippingSyncResult, error) {
	s := &exportRun{in: in, failedIDs: nil, seen: map[int64]bool{}}
	if err := begin(ctx, in.ShopID, in.Trigger, s.init, &s.progress); err != nil {
		return ShippingSyncResult{}, err
	}
	loop := s.loop // one UpdateSale activity per changed sale (runs begun before the change)
	if workflow.GetVersion(ctx, BatchUpdatesChange, workflow.DefaultVersion, 1) == 1 {
		loop = s.loopBatched // one UpdateSales activity per page (shipping_batch.go)
	}
	canContinue, err := loop(ctx)
	if err != nil {
		if !isType(err, activities.ErrReconnectNeeded) { // stop() already closed the run
			s.fail(ctx, err)
		}
		return ShippingSyncResult{}, err
	}
	if canContinue {
		next := in
		next.MaxInFlight = s.in.MaxInFlight // as resolved by StartRun
		next.Continuation = &Continuation{RunID: s.c.RunID, AsOf: s.c.AsOf, Options: s.c.Options,
			Cursor: s.progress.Cursor, Totals: s.progress.Totals, Chain: s.c.Chain + 1, FailedSaleIDs: s.failedIDs,
			Since: s.c.Since, Pending: s.c.Pending, PendingDone: s.c.PendingDone}
		return ShippingSyncResult{}, workflow.NewContinueAsNewError(ctx, ShippingSync, next)
	}
	t := s.progress.Totals
	if err := workflow.ExecuteActivity(dbCtx(ctx), a.FinishRun, activities.FinishRunInput{
		RunID: s.c.RunID, Totals: t, Status: oms.RunCompleted}).Get(ctx, nil); err != nil {
		return ShippingSyncResult{}, err
	}
	res := ShippingSyncResult{RunID: s.c.RunID, ShopID: in.ShopID, AsOf: s.c.AsOf, DryRun: in.DryRun,
		WindowDays: s.c.Options.WindowDays, RequireShipDate: s.c.Options.RequireShipDate, SendMail: s.c.Options.SendMail,
		Trigger: s.trigger(), StartedBy: in.StartedBy, LimitedTo: len(in.SaleIDs),
		RunTotals: t, FailedSaleIDs: s.failedIDs, Chain: s.c.Chain + 1,
		Changes: in.Changes, Since: s.c.Since, Pending: len(s.c.Pending)}
	workflow.SetCurrentDetails(ctx, s.details()+fmt.Sprintf("\n\n**finished**: %d targets, %d updated, %d unchanged, %d skipped, %d failed, %d mails",
		t.Targets, t.Updated, t.Unchanged, t.Skipped, t.Failed, t.Mails))
	return res, nil
}

type exportRun struct {
	in        ShippingSyncInput
	c         Continuation
	progress  Progress
	outcomes  []oms.Outcome
	failedIDs []int64
	// pagesThisRun counts pages read since this run (of the continue-as-new chain) began.
	pagesThisRun int
	// seen holds the sale ids this execution has counted. An order whose
	// updated_at moves past the cursor during the run (re-imported or edited)
	// comes round again on a later page: it is handled and counted once. Earlier
	// executions of the chain are covered by FetchTargets (RunID), since their
	// outcomes are all recorded before continue-as-new.
	seen map[int64]bool
	// batched: the run writes a page per UpdateSales activity (BatchUpdatesChange).
	batched bool
	// localDB: StartRun and FetchTargets run as local activities (LocalDBChange).
	localDB bool
}

// LocalDBChange is the workflow.GetVersion change ID of the export's local
// database activities: from version 1 on, StartRun, and FetchTargets while no
// batch or sale is in flight (the first page of a run), run as local
// activities in the workflow's own task, with dbCtx's timeout and retries.
// Each saves a round trip through the server before the shop's first ColorMe
// call: with 50 shops on one machine that idle time kept shops below 0.9 of
// their budget (bench row 9, docs/temporal-cost.md). A page read while a batch
// runs stays a regular activity: a local activity holds its workflow task
// open, so the batch scheduled in that task would wait for it. Both are safe to
// run again after a lost workflow task: StartRun is keyed by the run's first
// run ID, and FetchTargets only reads.
const LocalDBChange = "export-local-db"

// db runs a database activity of the export: a local activity from
// LocalDBChange on when local, a regular one otherwise.
func (s *exportRun) db(ctx workflow.Context, local bool, activity, in any) workflow.Future {
	if s.localDB && local {
		return workflow.ExecuteLocalActivity(dbLocalCtx(ctx), activity, in)
	}
	return workflow.ExecuteActivity(dbCtx(ctx), activity, in)
}

func (s *exportRun) init(ctx workflow.Context) error {
	pageDefaults(&s.in.PageSize, DefaultPageSize, &s.in.MaxHistory)
	if err := requireShop(s.in.ShopID); err != nil {
		return err
	}
	if len(s.in.SaleIDs) > MaxSaleIDs {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("sale_ids names %d sales; at most %d per run", len(s.in.SaleIDs), MaxSaleIDs), activities.ErrInvalidInput, nil)
	}
	if s.in.Changes && len(s.in.SaleIDs) > 0 {
		return temporal.NewNonRetryableApplicationError("changes and sale_ids exclude each other: an incremental export reads the changed orders itself",
			activities.ErrInvalidInput, nil)
	}
	for _, id := range s.in.SaleIDs {
		if id <= 0 {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("sale_ids: %d is not a sale id", id), activities.ErrInvalidInput, nil)
		}
	}
	s.localDB = workflow.GetVersion(ctx, LocalDBChange, workflow.DefaultVersion, 1) == 1
	if s.in.Continuation != nil {
		s.c = *s.in.Continuation
		s.failedIDs = s.c.FailedSaleIDs
	} else {
		asOf := workflow.Now(ctx)
		if s.in.AsOf != nil {
			asOf = *s.in.AsOf
		}
		trigger := s.trigger()
		var r activities.StartRunResult
		err := s.db(ctx, true, a.StartRun, activities.StartRunInput{
			RunStart: runStart(ctx, s.in.ShopID, trigger, s.in.StartedBy, asOf), WindowDays: s.in.WindowDays,
			RequireShipDate: s.in.RequireShipDate, SendMail: s.in.SendMail, DryRun: s.in.DryRun, MaxInFlight: s.in.MaxInFlight,
			Watermark: !s.in.DryRun && len(s.in.SaleIDs) == 0 && s.in.AsOf == nil, Changes: s.in.Changes,
		}).Get(ctx, &r)
		if err != nil {
			return err
		}
		s.c = Continuation{RunID: r.RunID, AsOf: asOf, Options: r.Options, Since: r.Since, Pending: r.Pending}
		if r.MaxInFlight > 0 { // 0: StartRun of an earlier build, which left it to the input
			s.in.MaxInFlight = r.MaxInFlight
		}
		if s.in.Changes && len(r.Pending) == 0 {
			s.c.PendingDone = true
			s.c.Cursor = s.changesStart()
		}
	}
	if s.in.MaxInFlight <= 0 {
		s.in.MaxInFlight = DefaultMaxInFlight
	}
	s.progress = Progress{RunID: s.c.RunID, Cursor: s.c.Cursor, Totals: s.c.Totals}
	workflow.SetCurrentDetails(ctx, s.details())
	return nil
}

func (s *exportRun) trigger() oms.Trigger { return s.in.Trigger.OrManual() }

// retrying says an incremental run is reading its pending failed sales (by sale
// id) rather than the changed targets.
func (s *exportRun) retrying() bool { return s.in.Changes && !s.c.PendingDone }

// changesStart is the cursor of an incremental run's first page of changed
// targets: every target updated at or after the watermark (sale ids are
// positive), through the same index as a full run's.
func (s *exportRun) changesStart() oms.Cursor {
	if s.c.Since == nil {
		return oms.Cursor{}
	}
	return oms.Cursor{UpdatedAt: *s.c.Since}
}

// details is what the Temporal UI shows as the run's current details: the shop,
// who started it and the options it uses.
func (s *exportRun) details() string {
	who := string(s.trigger())
	if s.in.StartedBy != "" {
		who += " by " + s.in.StartedBy
	}
	kind := string(oms.KindExport)
	if s.in.Changes {
		kind = "incremental export"
	}
	if s.in.DryRun {
		kind = "dry run (nothing written)"
	}
	o := s.c.Options
	d := fmt.Sprintf("**%s of shop %s** (%s), run log #%d\n\nas of %s; window %d days; require_ship_date=%t; send_mail=%t",
		kind, s.in.ShopID, who, s.c.RunID, jst.Format(s.c.AsOf), o.WindowDays, o.RequireShipDate, o.SendMail)
	if len(s.in.SaleIDs) > 0 {
		d += fmt.Sprintf("; limited to %d named sales", len(s.in.SaleIDs))
	}
	if s.in.Changes {
		since := "none yet: every target"
		if s.c.Since != nil {
			since = jst.Format(*s.c.Since)
		}
		d += fmt.Sprintf("\n\nchanged since %s; %d failed sales retried", since, len(s.c.Pending))
	}
	return d
}

// loop runs pages until done (false) or until it is time to continue as new (true).
func (s *exportRun) loop(ctx workflow.Context) (bool, error) {
	sel := workflow.NewSelector(ctx)
	var queue []rules.Plan
	var fatal error
	inFlight := 0
	done := false
	for {
		for len(queue) > 0 && inFlight < s.in.MaxInFlight && fatal == nil {
			p := queue[0]
			queue = queue[1:]
			inFlight++
			f := workflow.ExecuteActivity(colorMeCtx(ctx), a.UpdateSale, activities.UpdateSaleInput{ShopID: s.in.ShopID, RunID: s.c.RunID, Plan: p})
			sel.AddFuture(f, func(f workflow.Future) {
				inFlight--
				if err := s.settle(ctx, p, f); err != nil && fatal == nil {
					fatal = err
				}
			})
		}
		s.progress.InFlight, s.progress.Queued = inFlight, len(queue)
		switch {
		case fatal != nil && inFlight > 0:
			sel.Select(ctx)
		case fatal != nil:
			return false, s.stop(ctx, fatal)
		case len(queue) == 0 && !done:
			if s.historyFull(ctx) {
				for inFlight > 0 {
					sel.Select(ctx)
				}
				if fatal != nil {
					continue
				}
				return true, s.flush(ctx)
			}
			plans, last, err := s.nextPage(ctx, false) // runs begun before BatchUpdatesChange never read a page locally
			if err != nil {
				if isType(err, activities.ErrReconnectNeeded) {
					fatal = err
					continue
				}
				return false, err
			}
			done = last
			s.progress.Done = last
			queue = append(queue, plans...)
			if len(s.outcomes) >= outcomeBatch {
				if err := s.flush(ctx); err != nil {
					return false, err
				}
			}
		case inFlight > 0:
			sel.Select(ctx)
		default: // queue empty, done, nothing in flight
			return false, s.flush(ctx)
		}
	}
}

// settle counts the outcome of one sale's UpdateSale. It returns the error
// when ColorMe refused the shop's token: the run must stop.
func (s *exportRun) settle(ctx workflow.Context, p rules.Plan, f workflow.Future) error {
	var r activities.UpdateSaleResult
	if err := f.Get(ctx, &r); err != nil {
		s.add(p, rules.OutcomeFailed, errMessage(err), false)
		if isType(err, activities.ErrReconnectNeeded) {
			return err
		}
		return nil
	}
	s.addResult(p, r)
	return nil
}

// addResult counts what one sale's update wrote.
func (s *exportRun) addResult(p rules.Plan, r activities.UpdateSaleResult) {
	outcome := rules.OutcomeUpdated
	if !r.Written && !r.Mailed && !r.PaidMailed {
		outcome = rules.OutcomeUnchanged
	}
	note := r.Note
	if note == "" {
		note = p.Reason // e.g. why no shipping mail was planned
	}
	s.add(p, outcome, note, r.Mailed)
}

// nextPage fetches a page of targets and ColorMe's state and returns the plans
// that write. local: the page may be read by a local activity (LocalDBChange),
// which only loopBatched asks for, and only while nothing is in flight.
func (s *exportRun) nextPage(ctx workflow.Context, local bool) ([]rules.Plan, bool, error) {
	var page activities.FetchTargetsResult
	fetch := activities.FetchTargetsInput{
		ShopID: s.in.ShopID, AsOf: s.c.AsOf, WindowDays: s.c.Options.WindowDays, After: s.progress.Cursor, Limit: s.in.PageSize,
		RunID:   s.c.RunID,
		SaleIDs: s.in.SaleIDs,
	}
	retrying := s.retrying()
	if retrying {
		fetch.SaleIDs = s.c.Pending
	}
	if err := s.db(ctx, local, a.FetchTargets, fetch).Get(ctx, &page); err != nil {
		return nil, false, err
	}
	s.progress.Pages++
	s.pagesThisRun++
	s.progress.Cursor = page.Next
	if retrying && page.Done {
		// The failed sales are done: the changed targets follow.
		s.c.PendingDone = true
		s.progress.Cursor = s.changesStart()
		page.Done = false
	}
	for _, x := range page.Excluded {
		s.add(rules.Plan{SaleID: x.SaleID}, rules.OutcomeSkipped, NotTargetReason+x.Reason, false)
	}
	orders := make([]rules.Order, 0, len(page.Orders))
	for _, o := range page.Orders {
		if !s.seen[o.SaleID] { // met again after a re-import during the run: counted already
			s.seen[o.SaleID] = true
			orders = append(orders, o)
		}
	}
	if len(orders) == 0 {
		return nil, page.Done, nil
	}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.SaleID
	}
	var state activities.ReadColorMeStateResult
	if err := workflow.ExecuteActivity(colorMeCtx(ctx), a.ReadColorMeState, activities.ReadColorMeStateInput{
		ShopID: s.in.ShopID, SaleIDs: ids, DryRun: s.in.DryRun}).Get(ctx, &state); err != nil {
		return nil, false, err
	}
	sales := make(map[int64]colorme.Sale, len(state.Sales))
	for _, sale := range state.Sales {
		sales[sale.ID] = sale
	}
	var writes []rules.Plan
	for _, o := range orders {
		s.progress.Totals.Targets++
		sale, ok := sales[o.SaleID]
		if !ok {
			s.add(rules.Plan{SaleID: o.SaleID}, rules.OutcomeFailed, fmt.Sprintf("sale %d is not on ColorMe: check the sale id in the OMS", o.SaleID), false)
			continue
		}
		p := rules.Evaluate(o, sale, s.c.Options)
		switch {
		case p.Outcome != rules.OutcomeUpdated:
			s.add(p, p.Outcome, p.Reason, false)
		case s.in.DryRun:
			s.add(p, rules.OutcomePlanned, strings.TrimSuffix(msg.DryRun.Format()+"; "+p.Reason, "; "), false)
		default:
			writes = append(writes, p)
		}
	}
	return writes, page.Done, nil
}

// add counts one order's outcome and buffers it for the run log.
func (s *exportRun) add(p rules.Plan, outcome rules.Outcome, reason string, mailed bool) {
	t := &s.progress.Totals
	switch outcome {
	case rules.OutcomeUpdated, rules.OutcomePlanned:
		t.Updated++
	case rules.OutcomeUnchanged:
		t.Unchanged++
	case rules.OutcomeSkipped:
		t.Skipped++
	case rules.OutcomeFailed:
		t.Failed++
		if len(s.failedIDs) < maxFailedSaleIDs {
			s.failedIDs = append(s.failedIDs, p.SaleID)
		}
		if s.batched {
			s.progress.Failed = append(s.progress.Failed, FailedSale{SaleID: p.SaleID, Reason: reason})
			if len(s.progress.Failed) > maxFailedSaleIDs {
				s.progress.Failed = s.progress.Failed[1:]
			}
		}
	}
	if mailed {
		t.Mails++
	}
	sent := ""
	if outcome == rules.OutcomeUpdated || outcome == rules.OutcomePlanned {
		sent = SentJSON(p)
	}
	s.outcomes = append(s.outcomes, oms.Outcome{RunID: s.c.RunID, ShopID: s.in.ShopID, SaleID: p.SaleID,
		Outcome: outcome, Reason: reason, Sent: sent, Mailed: mailed})
}

func (s *exportRun) flush(ctx workflow.Context) error {
	if len(s.outcomes) == 0 {
		return nil
	}
	err := workflow.ExecuteActivity(dbCtx(ctx), a.RecordOutcomes, activities.RecordOutcomesInput{
		RunID: s.c.RunID, Outcomes: s.outcomes}).Get(ctx, nil)
	if err == nil {
		s.outcomes = nil
	}
	return err
}

// stop ends a run whose shop must be reconnected: the shop is marked, the run
// recorded as failed, and the workflow fails with the reason.
func (s *exportRun) stop(ctx workflow.Context, cause error) error {
	msg := errMessage(cause)
	_ = s.flush(ctx)
	if err := workflow.ExecuteActivity(dbCtx(ctx), a.MarkReconnectNeeded, activities.MarkReconnectNeededInput{
		ShopID: s.in.ShopID, Reason: msg}).Get(ctx, nil); err != nil {
		return err
	}
	_ = workflow.ExecuteActivity(dbCtx(ctx), a.FinishRun, activities.FinishRunInput{
		RunID: s.c.RunID, Totals: s.progress.Totals, Status: oms.RunFailed, Error: msg}).Get(ctx, nil)
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("export of shop %s stopped: %s", s.in.ShopID, msg), activities.ErrReconnectNeeded, nil)
}

// fail records what was done and closes the run log as failed, so that a run that
// ends on an unexpected error is not left "running".
func (s *exportRun) fail(ctx workflow.Context, cause error) {
	_ = s.flush(ctx)
	_ = workflow.ExecuteActivity(dbCtx(ctx), a.FinishRun, activities.FinishRunInput{
		RunID: s.c.RunID, Totals: s.progress.Totals, Status: oms.RunFailed, Error: errMessage(cause)}).Get(ctx, nil)
}

// historyFull says it is time to continue as new; every run reads at least one
// page first, so a chain always makes progress.
func (s *exportRun) historyFull(ctx workflow.Context) bool {
	if s.pagesThisRun == 0 {
		return false
	}
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= s.in.MaxHistory
}
