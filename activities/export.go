package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/settings"
)

// RunStart is what an export or import opens its run in the run log
// (自動処理ログ) with. StartRunInput and StartImportInput embed it untagged, so
// its fields stand first in their JSON.
type RunStart struct {
	ShopID     string      `json:"shop_id"`
	WorkflowID string      `json:"workflow_id"`
	RunKey     string      `json:"run_key"` // idempotency key: the first run's ID
	Trigger    oms.Trigger `json:"trigger"`
	StartedBy  string      `json:"started_by,omitempty"` // operator login of a manual run
	AsOf       time.Time   `json:"as_of"`                // an export's as-of time; an import's start
}

// run is the run-log entry of a run of kind starting now.
func (s RunStart) run(kind oms.Kind) oms.Run {
	return oms.Run{ShopID: s.ShopID, Kind: kind, WorkflowID: s.WorkflowID, RunKey: s.RunKey, Trigger: s.Trigger,
		StartedBy: s.StartedBy, AsOf: s.AsOf, StartedAt: time.Now(), Status: oms.RunRunning}
}

// StartRunInput opens an export run in the run log.
type StartRunInput struct {
	RunStart
	WindowDays      int   `json:"window_days,omitempty"`       // 0 = the shop's setting
	RequireShipDate *bool `json:"require_ship_date,omitempty"` // nil = the shop's setting
	SendMail        *bool `json:"send_mail,omitempty"`         // nil = the shop's setting
	DryRun          bool  `json:"dry_run"`
	MaxInFlight     int   `json:"max_in_flight,omitempty"` // 0 = the worker's EXPORT_MAX_IN_FLIGHT
	// Watermark records the run's watermark (its start minus
	// oms.ExportWatermarkMargin), where the next incremental export starts once
	// this run completed: set for real exports of every target.
	Watermark bool `json:"watermark,omitempty"`
	// Changes asks for what an incremental export reads: the shop's current
	// watermark (Since) and the sales whose last outcome failed (Pending).
	Changes bool `json:"changes,omitempty"`
}

// StartRunResult is the run's log ID and the options resolved from the shop's
// settings; for an incremental export also where it starts.
type StartRunResult struct {
	RunID   int64         `json:"run_id"`
	Options rules.Options `json:"options"`
	// MaxInFlight is the UpdateSale activities the run keeps in flight (see
	// InFlight); 0 in the history of runs started before it was resolved here.
	MaxInFlight int `json:"max_in_flight,omitempty"`
	// Since is the watermark of the shop's last completed export: the
	// incremental export reads the targets updated at or after it. nil: no
	// export completed yet, every target is read.
	Since *time.Time `json:"since,omitempty"`
	// Pending are the sales whose last export outcome failed (at most
	// oms.MaxTargetSaleIDs), retried by the incremental export.
	Pending []int64 `json:"pending,omitempty"`
}

// Options returns the run's options: the input's, where it sets them, over
// the shop's settings (shop).
func (in StartRunInput) Options(shop rules.Options) rules.Options {
	opt := shop
	if in.WindowDays != 0 {
		opt.WindowDays = in.WindowDays
	}
	if in.RequireShipDate != nil {
		opt.RequireShipDate = *in.RequireShipDate
	}
	if in.SendMail != nil {
		opt.SendMail = *in.SendMail
	}
	return opt
}

// InFlight returns the UpdateSale activities the run keeps in flight: the
// input's max_in_flight, else the worker's EXPORT_MAX_IN_FLIGHT (worker), else
// DefaultMaxInFlight.
func (in StartRunInput) InFlight(worker int) int {
	switch {
	case in.MaxInFlight > 0:
		return in.MaxInFlight
	case worker > 0:
		return worker
	}
	return DefaultMaxInFlight
}

// StartRun resolves the run's options against the shop's settings, and its
// updates in flight against the worker's, and records the run.
func (a *Activities) StartRun(ctx context.Context, in StartRunInput) (StartRunResult, error) {
	shop, err := a.Store.Shops.Shop(ctx, in.ShopID)
	if err != nil {
		return StartRunResult{}, shopError(in.ShopID, err)
	}
	shopOpt := rules.Options{
		WindowDays:      shop.Settings.WindowDays,
		RequireShipDate: shop.Settings.RequireShipDate,
		SendMail:        shop.Settings.SendMail,
		SendPaidMail:    shop.Settings.SendPaidMail,
	}
	opt := in.Options(shopOpt)
	if err := settings.WindowDays.CheckInt(opt.WindowDays); err != nil {
		return StartRunResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidInput, nil)
	}
	run := in.run(oms.KindExport)
	run.WindowDays, run.RequireShipDate, run.SendMail, run.DryRun = opt.WindowDays, opt.RequireShipDate, opt.SendMail, in.DryRun
	id, err := a.Store.StartRun(ctx, run)
	if err != nil {
		return StartRunResult{}, err
	}
	res := StartRunResult{RunID: id, Options: opt, MaxInFlight: in.InFlight(a.ExportMaxInFlight)}
	if in.Changes {
		// Read before this run's own watermark is set (it counts only once the
		// run completed, so the order does not matter; this is plainer).
		since, ok, err := a.Store.ExportWatermark(ctx, in.ShopID)
		if err != nil {
			return StartRunResult{}, err
		}
		if ok {
			res.Since = &since
		}
		res.Pending, err = a.Store.PendingFailed(ctx, oms.PendingFailedQuery{ShopID: in.ShopID, AsOf: in.AsOf, WindowDays: opt.WindowDays})
		if err != nil {
			return StartRunResult{}, err
		}
	}
	// A run that reads less than the shop's settings would (a narrower window,
	// or require_ship_date where the shop has it off) records no watermark: the
	// changes it leaves out must still be read by the next incremental export.
	if in.Watermark && opt.WindowDays >= shopOpt.WindowDays && (!opt.RequireShipDate || shopOpt.RequireShipDate) {
		// Taken here, before the run reads its first target: an order changed
		// from now on has a later updated_at and is read by the next run.
		if err := a.Store.SetExportWatermark(ctx, id, time.Now().Add(-oms.ExportWatermarkMargin)); err != nil {
			return StartRunResult{}, err
		}
	}
	return res, nil
}

// FetchTargetsInput asks for the next page of target orders (rules 1–4).
type FetchTargetsInput struct {
	ShopID     string     `json:"shop_id"`
	AsOf       time.Time  `json:"as_of"`
	WindowDays int        `json:"window_days"`
	After      oms.Cursor `json:"after"`
	Limit      int        `json:"limit"`
	// RunID, when set, leaves out orders that already have an outcome in that
	// run: an order whose updated_at moved past the cursor during the run
	// (re-imported or edited) comes round again and must not count twice.
	RunID int64 `json:"run_id,omitempty"`
	// SaleIDs limits the run to these sales (at most oms.MaxTargetSaleIDs),
	// paged by sale id; those that are no targets come back in Excluded.
	SaleIDs []int64 `json:"sale_ids,omitempty"`
}

// FetchTargetsResult is one page of target orders.
type FetchTargetsResult struct {
	Orders   []rules.Order   `json:"orders"`
	Excluded []oms.Exclusion `json:"excluded,omitempty"` // with SaleIDs: asked-for sales that are no targets, and why
	Next     oms.Cursor      `json:"next"`
	Done     bool            `json:"done"`
	Repeated int             `json:"repeated,omitempty"` // orders left out: already handled by the run
}

// FetchTargets reads one page of target orders from the OMS database: of every
// order of the shop, or of the given sales only.
func (a *Activities) FetchTargets(ctx context.Context, in FetchTargetsInput) (FetchTargetsResult, error) {
	if len(in.SaleIDs) > 0 {
		if len(in.SaleIDs) > oms.MaxTargetSaleIDs {
			return FetchTargetsResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("at most %d sale ids per run, got %d", oms.MaxTargetSaleIDs, len(in.SaleIDs)), ErrInvalidInput, nil)
		}
		page, err := a.Store.FetchTargetsByID(ctx, oms.TargetIDQuery{
			ShopID: in.ShopID, AsOf: in.AsOf, WindowDays: in.WindowDays, SaleIDs: in.SaleIDs, After: in.After, Limit: in.Limit,
		})
		if err != nil {
			return FetchTargetsResult{}, err
		}
		return FetchTargetsResult{Orders: page.Orders, Excluded: page.Excluded, Next: page.Next, Done: page.Done}, nil
	}
	page, err := a.Store.FetchTargets(ctx, oms.TargetQuery{
		ShopID: in.ShopID, AsOf: in.AsOf, WindowDays: in.WindowDays, After: in.After, Limit: in.Limit,
	})
	if err != nil {
		return FetchTargetsResult{}, err
	}
	res := FetchTargetsResult{Orders: page.Orders, Next: page.Next, Done: page.Done}
	if in.RunID != 0 && len(page.Orders) > 0 {
		ids := make([]int64, len(page.Orders))
		for i, o := range page.Orders {
			ids[i] = o.SaleID
		}
		done, err := a.Store.RecordedSales(ctx, in.RunID, ids)
		if err != nil {
			return FetchTargetsResult{}, err
		}
		if len(done) > 0 {
			res.Orders = make([]rules.Order, 0, len(page.Orders)-len(done))
			for _, o := range page.Orders {
				if !done[o.SaleID] {
					res.Orders = append(res.Orders, o)
				}
			}
			res.Repeated = len(done)
		}
	}
	return res, nil
}

// ReadColorMeStateInput names the sales to read from ColorMe (≤100 per call).
type ReadColorMeStateInput struct {
	ShopID  string  `json:"shop_id"`
	SaleIDs []int64 `json:"sale_ids"`
	// DryRun: the read is for a preview, which writes nothing; it does not wait
	// for the stale-read window after the last export (staff wait for it).
	DryRun bool `json:"dry_run,omitempty"`
}

// ReadColorMeStateResult holds the sales ColorMe returned; absent ids are not on ColorMe.
type ReadColorMeStateResult struct {
	Sales []colorme.Sale `json:"sales"`
}

// ReadColorMeState reads the current state of the given sales from ColorMe.
// Should the shop's last export have ended within the stale-read window, a
// real export's read first waits for the window to pass, so that it does not
// plan that export's writes again from a stale read.
func (a *Activities) ReadColorMeState(ctx context.Context, in ReadColorMeStateInput) (ReadColorMeStateResult, error) {
	defer keepAlive(ctx)()
	client, err := a.ColorMe.For(ctx, in.ShopID)
	if err != nil {
		return ReadColorMeStateResult{}, err
	}
	if !in.DryRun {
		if err := a.afterLastExport(ctx, in.ShopID); err != nil {
			return ReadColorMeStateResult{}, err
		}
	}
	sales, err := client.SalesByIDs(ctx, in.SaleIDs)
	if err != nil {
		return ReadColorMeStateResult{}, classify(ctx, err)
	}
	for i := range sales { // keep history small: only what the rules read
		sales[i] = trimSale(sales[i])
	}
	return ReadColorMeStateResult{Sales: sales}, nil
}

func trimSale(s colorme.Sale) colorme.Sale {
	out := colorme.Sale{ID: s.ID, Canceled: s.Canceled, Delivered: s.Delivered, DeliveredMailState: s.DeliveredMailState,
		Paid: s.Paid, PaidMailState: s.PaidMailState}
	if s.Segment != nil && s.Segment.ParentSaleID != 0 && s.Segment.ParentSaleID != s.ID { // a split-off sale: the paid mail's rule reads it
		seg := *s.Segment
		out.Segment = &seg
	}
	for _, d := range s.SaleDeliveries {
		out.SaleDeliveries = append(out.SaleDeliveries, colorme.SaleDelivery{ID: d.ID, SlipNumber: d.SlipNumber, Delivered: d.Delivered})
	}
	return out
}

// UpdateSaleInput carries the plan for one sale.
type UpdateSaleInput struct {
	ShopID string     `json:"shop_id"`
	RunID  int64      `json:"run_id"`
	Plan   rules.Plan `json:"plan"`
	// Tries are the tries made for this sale before this activity: an
	// UpdateSales batch that could not finish it. A sale tried before is
	// re-read first, as on a retry, so nothing written is written again.
	Tries int32 `json:"tries,omitempty"`
}

// UpdateSaleResult says what was written for the sale.
type UpdateSaleResult struct {
	Written bool   `json:"written"`
	Mailed  bool   `json:"mailed"`
	Note    string `json:"note,omitempty"`
	// PaidWritten: ColorMe shows the sale paid (入金済み) after this update;
	// PaidMailed: the 入金確認メール went (this or an earlier attempt).
	PaidWritten bool `json:"paid_written,omitempty"`
	PaidMailed  bool `json:"paid_mailed,omitempty"`
}

// UpdateSale writes the plan's deliveries to ColorMe and sends the shipping mail
// when planned. A retried attempt first re-reads the sale and writes only what is
// still missing, so a write whose answer was lost is not repeated; the mail goes
// through a ledger in the database so that it is sent at most once per sale.
func (a *Activities) UpdateSale(ctx context.Context, in UpdateSaleInput) (UpdateSaleResult, error) {
	defer keepAlive(ctx)()
	client, err := a.ColorMe.For(ctx, in.ShopID)
	if err != nil {
		return UpdateSaleResult{}, err
	}
	return a.updateSale(withTries(ctx, in.Tries), client, in)
}

// updateSale is one sale's update; attempt(ctx) > 1 says an earlier try may
// have written.
func (a *Activities) updateSale(ctx context.Context, client *colorme.Client, in UpdateSaleInput) (UpdateSaleResult, error) {
	saleID := in.Plan.SaleID
	updates := in.Plan.Deliveries
	if in.Plan.SendMail {
		// Before the write: should the mail fail after the write landed, the
		// ledger still says it is owed and a later run sends it.
		if err := a.Store.MarkMailOwed(ctx, in.ShopID, saleID, in.RunID); err != nil {
			return UpdateSaleResult{}, err
		}
	}
	started := time.Now() // every earlier attempt, and what it wrote, ended before this
	var current *colorme.Sale
	if attempt(ctx) > 1 {
		// The re-read decides what an earlier attempt wrote: made after the
		// stale-read window, it cannot show the sale as it was before that write.
		if err := a.waitFresh(ctx, started); err != nil {
			return UpdateSaleResult{}, err
		}
		s, err := a.readSale(ctx, client, saleID)
		if err != nil {
			return UpdateSaleResult{}, err
		}
		current = &s
		if s.Canceled {
			return UpdateSaleResult{Note: msg.CancelledMeanwhile.Format()}, nil
		}
		updates = stillNeeded(updates, s)
	}
	var res UpdateSaleResult
	if len(in.Plan.Deliveries) > 0 && len(updates) == 0 {
		// An earlier attempt's write landed but its answer was lost: nothing to repeat.
		res.Written, res.Note = true, msg.WrittenEarlier.Format()
	}
	if len(updates) > 0 {
		s, err := client.UpdateDeliveries(ctx, saleID, updates)
		if err != nil {
			return UpdateSaleResult{}, classify(ctx, err)
		}
		current = &s
		res.Written = true
	}
	if in.Plan.SendMail {
		mailed, note, err := a.sendOnce(ctx, client, in, a.shippingMail(), current, started, attempt(ctx) > 1)
		if err != nil {
			return UpdateSaleResult{}, err
		}
		res.Mailed, res.Note = mailed, note
	}
	if in.Plan.Paid || in.Plan.SendPaidMail {
		return a.updatePayment(ctx, client, in, res, started)
	}
	return res, nil
}

// saleMail is a mail UpdateSale sends at most once per sale: the shipping
// mail (shippingMail) or the 入金確認メール (paidMail). Each has its ledger and
// its state on ColorMe's sale.
type saleMail struct {
	name     string // "shipping mail", "paid mail": in the notes
	claim    func(ctx context.Context, shopID string, saleID, runID int64) (oms.MailState, error)
	markSent func(ctx context.Context, shopID string, saleID int64) error
	state    func(colorme.Sale) string // ColorMe's state of the mail: not_yet, sent, pass, or "" (null)
	send     func(c *colorme.Client, ctx context.Context, saleID int64) error
	unknown  func(state string) string // the note when state is none of not_yet, sent and pass
}

// shippingMail is the delivered mail: the shipping mail ledger and ColorMe's
// delivered_mail_state.
func (a *Activities) shippingMail() saleMail {
	return saleMail{name: "shipping mail", claim: a.Store.ClaimMail, markSent: a.Store.MarkMailSent,
		state: func(s colorme.Sale) string { return s.DeliveredMailState },
		send:  (*colorme.Client).SendDeliveredMail, unknown: rules.MailStateUnknownNote}
}

// sendOnce sends the mail m unless its ledger or ColorMe shows it went.
// ColorMe's state of the mail decides when the ledger cannot: not_yet sends,
// sent and pass are recorded as done, anything else (null) sends nothing. A
// mail claimed before (its answer lost, or its worker killed) is confirmed only
// by a read made at least the stale-read window after this attempt started
// (started): ColorMe's reads can lag its writes, and a stale not_yet would send
// the customer a second mail. retried says an earlier attempt may have run.
func (a *Activities) sendOnce(ctx context.Context, client *colorme.Client, in UpdateSaleInput, m saleMail, current *colorme.Sale, started time.Time, retried bool) (bool, string, error) {
	saleID := in.Plan.SaleID
	prev, err := m.claim(ctx, in.ShopID, saleID, in.RunID)
	if err != nil {
		return false, "", err
	}
	switch prev {
	case oms.MailSent:
		if retried {
			// The plan saw ColorMe's mail state not_yet, so the earlier attempt sent it.
			return true, m.name + " sent by an earlier attempt", nil
		}
		return false, m.name + " was already sent", nil
	case oms.MailClaimed:
		// An earlier attempt or run claimed the mail; ColorMe's mail state tells
		// whether it went, once reads can no longer be stale.
		if err := a.waitFresh(ctx, started); err != nil {
			return false, "", err
		}
		s, err := a.readSale(ctx, client, saleID)
		if err != nil {
			return false, "", err
		}
		current = &s
		if m.state(s) == colorme.MailSent {
			return true, m.name + " sent by an earlier attempt", m.markSent(ctx, in.ShopID, saleID)
		}
	}
	if current != nil && m.state(*current) != colorme.MailNotYet {
		switch state := m.state(*current); state {
		case colorme.MailSent, colorme.MailPass:
			return false, "ColorMe shows the " + m.name + " as " + state, m.markSent(ctx, in.ShopID, saleID)
		default:
			return false, m.unknown(state), nil
		}
	}
	if err := m.send(client, ctx, saleID); err != nil {
		return false, "", classify(ctx, err)
	}
	return true, "", m.markSent(ctx, in.ShopID, saleID)
}

func (a *Activities) readSale(ctx context.Context, client *colorme.Client, saleID int64) (colorme.Sale, error) {
	sales, err := client.SalesByIDs(ctx, []int64{saleID})
	if err != nil {
		return colorme.Sale{}, classify(ctx, err)
	}
	for _, s := range sales {
		if s.ID == saleID {
			return s, nil
		}
	}
	return colorme.Sale{}, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("sale %d is not on ColorMe", saleID), ErrSaleNotOnColorMe, nil)
}

// stillNeeded drops from updates what ColorMe already shows.
func stillNeeded(updates []colorme.DeliveryUpdate, s colorme.Sale) []colorme.DeliveryUpdate {
	now := make(map[int64]colorme.SaleDelivery, len(s.SaleDeliveries))
	for _, d := range s.SaleDeliveries {
		now[d.ID] = d
	}
	var out []colorme.DeliveryUpdate
	for _, u := range updates {
		d, ok := now[u.ID]
		if !ok {
			out = append(out, u) // let ColorMe reject it with its own message
			continue
		}
		var left colorme.DeliveryUpdate
		if u.SlipNumber != nil && *u.SlipNumber != d.Slip() {
			left.SlipNumber = u.SlipNumber
		}
		if u.Delivered != nil && *u.Delivered != d.Delivered {
			left.Delivered = u.Delivered
		}
		if left.SlipNumber != nil || left.Delivered != nil {
			left.ID = u.ID
			out = append(out, left)
		}
	}
	return out
}

// RecordOutcomesInput is a batch of per-order outcomes of a run.
type RecordOutcomesInput struct {
	RunID    int64         `json:"run_id"`
	Outcomes []oms.Outcome `json:"outcomes"`
}

// RecordOutcomesResult is empty: the batch is stored.
type RecordOutcomesResult struct{}

// RecordOutcomes stores a batch of outcomes; storing the same batch again changes nothing.
func (a *Activities) RecordOutcomes(ctx context.Context, in RecordOutcomesInput) (RecordOutcomesResult, error) {
	return RecordOutcomesResult{}, a.Store.RecordOutcomes(ctx, in.RunID, in.Outcomes)
}

// FinishRunInput closes a run in the run log.
type FinishRunInput struct {
	RunID  int64         `json:"run_id"`
	Totals oms.RunTotals `json:"totals"`
	Status oms.RunStatus `json:"status"`
	Error  string        `json:"error,omitempty"`
}

// FinishRunResult is empty: the run is closed.
type FinishRunResult struct{}

// FinishRun records the run's totals and end.
func (a *Activities) FinishRun(ctx context.Context, in FinishRunInput) (FinishRunResult, error) {
	if err := a.Store.FinishRun(ctx, in.RunID, in.Totals, in.Status, in.Error); err != nil {
		return FinishRunResult{}, err
	}
	a.observeRun(ctx, in.RunID)
	return FinishRunResult{}, nil
}

// MarkReconnectNeededInput names the shop whose token ColorMe refused.
type MarkReconnectNeededInput struct {
	ShopID string `json:"shop_id"`
	Reason string `json:"reason"`
}

// MarkReconnectNeededResult is empty: the shop is marked.
type MarkReconnectNeededResult struct{}

// MarkReconnectNeeded flags the shop as needing reconnection (its token was
// refused) and pauses its schedules with a note saying why; reconnecting resumes them.
func (a *Activities) MarkReconnectNeeded(ctx context.Context, in MarkReconnectNeededInput) (MarkReconnectNeededResult, error) {
	activity.GetLogger(ctx).Warn("shop needs reconnection", "shop", in.ShopID, "reason", in.Reason)
	if err := a.Store.Shops.MarkReconnectNeeded(ctx, in.ShopID, in.Reason); err != nil {
		return MarkReconnectNeededResult{}, err
	}
	if a.Temporal != nil {
		if err := a.Temporal.PauseForReconnect(ctx, in.ShopID, in.Reason); err != nil {
			return MarkReconnectNeededResult{}, err
		}
	}
	return MarkReconnectNeededResult{}, nil
}

func shopError(shopID string, err error) error {
	if errors.Is(err, oms.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("shop %q does not exist: add it with `starter shop add`", shopID), ErrShopNotFound, nil)
	}
	return err
}
