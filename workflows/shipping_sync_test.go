package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// ---------------------------------------------------------------------------
// An in-memory world: the OMS (target orders paged by cursor) and ColorMe (sales).
// Its methods have the signatures of the activities and back their mocks.
// ---------------------------------------------------------------------------

const (
	testShop  = "shop-1"
	testRunID = int64(42)
)

var testAsOf = time.Date(2025, 6, 1, 12, 0, 0, 0, rules.Tokyo)

// kind is how ColorMe shows an order's sale before the run.
type kind int

const (
	changed   kind = iota // no slip number, not delivered: needs a write
	unchanged             // already shows the OMS slip number and delivered
	cancelled             // cancelled on ColorMe: skipped
	missing               // no such sale on ColorMe
)

type world struct {
	mu             sync.Mutex
	orders         []rules.Order // sorted by (updated_at, sale_id)
	sales          map[int64]colorme.Sale
	options        rules.Options
	workerInFlight int        // the worker's EXPORT_MAX_IN_FLIGHT; 0 = unset
	since          *time.Time // StartRun's Since for an incremental run
	pending        []int64    // StartRun's Pending for an incremental run

	// fault injection
	updateErr func(saleID int64, attempt int32) error // nil error = succeed
	readErr   func(call int) error                    // call counts from 1
	fetchErr  func(call int) error                    // call counts from 1
	onUpdate  func(saleID int64)                      // runs inside UpdateSale, under the lock

	// what the activities saw
	events         []string // "fetch", "read", "update <id>", in call order
	starts         []activities.StartRunInput
	fetches        []activities.FetchTargetsInput
	reads          []activities.ReadColorMeStateInput
	updateCalls    map[int64]int
	lastAttempt    map[int64]int32
	writes         int
	mails          int
	outcomes       []oms.Outcome
	outcomeBatches int
	finishes       []activities.FinishRunInput
	reconnects     []activities.MarkReconnectNeededInput
	batches        []activities.UpdateSalesInput
}

// newWorld makes one target order per kind, sale ids 1001, 1002, … in cursor
// order, plus two orders that are no targets (rules 1 and 4) and must never appear.
func newWorld(kinds ...kind) *world {
	w := &world{
		sales:       map[int64]colorme.Sale{},
		options:     rules.Options{WindowDays: 3, RequireShipDate: true},
		updateCalls: map[int64]int{},
		lastAttempt: map[int64]int32{},
	}
	for i, k := range kinds {
		id := int64(1001 + i)
		o := rules.Order{
			SaleID: id, Status: rules.StatusShipped,
			OrderedAt:  testAsOf.AddDate(0, 0, -10),
			UpdatedAt:  testAsOf.Add(-2 * time.Hour).Add(time.Duration(i) * time.Minute),
			Deliveries: []rules.Delivery{{ID: id*10 + 1, SlipNumber: fmt.Sprintf("TRK%06d", id), ShippedOn: "2025-05-31"}},
		}
		w.orders = append(w.orders, o)
		if k == missing {
			continue
		}
		s := colorme.Sale{ID: id, DeliveredMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: id*10 + 1}}}
		switch k {
		case unchanged:
			slip := o.Deliveries[0].SlipNumber
			s.SaleDeliveries[0].SlipNumber, s.SaleDeliveries[0].Delivered = &slip, true
			s.Delivered, s.DeliveredMailState = true, colorme.MailSent
		case cancelled:
			s.Canceled = true
		}
		w.sales[id] = s
	}
	// Not targets: a new order (rule 1) and a bundled child (rule 4).
	w.orders = append(w.orders,
		rules.Order{SaleID: 9001, Status: rules.StatusNew, OrderedAt: testAsOf.AddDate(0, 0, -1), UpdatedAt: testAsOf.Add(-90 * time.Minute)},
		rules.Order{SaleID: 9002, Status: rules.StatusShipped, BundleParentSaleID: 1001, OrderedAt: testAsOf.AddDate(0, 0, -1), UpdatedAt: testAsOf.Add(-30 * time.Minute)},
	)
	sort.Slice(w.orders, func(i, j int) bool {
		a, b := w.orders[i], w.orders[j]
		if !a.UpdatedAt.Equal(b.UpdatedAt) {
			return a.UpdatedAt.Before(b.UpdatedAt)
		}
		return a.SaleID < b.SaleID
	})
	return w
}

func repeat(k kind, n int) []kind { return slices.Repeat([]kind{k}, n) }

func (w *world) StartRun(_ context.Context, in activities.StartRunInput) (activities.StartRunResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.starts = append(w.starts, in)
	res := activities.StartRunResult{RunID: testRunID, Options: in.Options(w.options), MaxInFlight: in.InFlight(w.workerInFlight)}
	if in.Changes {
		res.Since, res.Pending = w.since, w.pending
	}
	return res, nil
}

func after(o rules.Order, c oms.Cursor) bool {
	if c.IsZero() {
		return true
	}
	return o.UpdatedAt.After(c.UpdatedAt) || (o.UpdatedAt.Equal(c.UpdatedAt) && o.SaleID > c.SaleID)
}

func (w *world) FetchTargets(_ context.Context, in activities.FetchTargetsInput) (activities.FetchTargetsResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, "fetch")
	w.fetches = append(w.fetches, in)
	if w.fetchErr != nil {
		if err := w.fetchErr(len(w.fetches)); err != nil {
			return activities.FetchTargetsResult{}, err
		}
	}
	if in.Limit <= 0 {
		return activities.FetchTargetsResult{}, temporal.NewNonRetryableApplicationError("limit must be positive", "InvalidInput", nil)
	}
	if len(in.SaleIDs) > 0 {
		return w.fetchByID(in), nil
	}
	var page []rules.Order
	for _, o := range w.orders {
		if len(page) == in.Limit {
			break
		}
		if after(o, in.After) && rules.IsTarget(o, in.AsOf, in.WindowDays) {
			page = append(page, o)
		}
	}
	res := activities.FetchTargetsResult{Orders: page, Next: in.After, Done: len(page) < in.Limit}
	if n := len(page); n > 0 {
		res.Next = oms.Cursor{UpdatedAt: page[n-1].UpdatedAt, SaleID: page[n-1].SaleID}
	}
	if in.RunID != 0 { // as the activity does: leave out orders the run has recorded
		recorded := map[int64]bool{}
		for _, o := range w.outcomes {
			if o.RunID == in.RunID {
				recorded[o.SaleID] = true
			}
		}
		res.Orders = nil
		for _, o := range page {
			if recorded[o.SaleID] {
				res.Repeated++
			} else {
				res.Orders = append(res.Orders, o)
			}
		}
	}
	return res, nil
}

func (w *world) ReadColorMeState(_ context.Context, in activities.ReadColorMeStateInput) (activities.ReadColorMeStateResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, "read")
	w.reads = append(w.reads, in)
	if w.readErr != nil {
		if err := w.readErr(len(w.reads)); err != nil {
			return activities.ReadColorMeStateResult{}, err
		}
	}
	var res activities.ReadColorMeStateResult
	for _, id := range in.SaleIDs {
		if s, ok := w.sales[id]; ok {
			res.Sales = append(res.Sales, s)
		}
	}
	return res, nil
}

func (w *world) UpdateSale(ctx context.Context, in activities.UpdateSaleInput) (activities.UpdateSaleResult, error) {
	return w.update(in, activity.GetInfo(ctx).Attempt+in.Tries)
}

// UpdateSales does UpdateSale for each plan of the batch, in order, and sorts
// the errors as the real activity does: non-retryable ones fail the sale,
// others come back Retry, a refused token stops the batch.
func (w *world) UpdateSales(ctx context.Context, in activities.UpdateSalesInput) (activities.UpdateSalesResult, error) {
	w.mu.Lock()
	w.batches = append(w.batches, in)
	w.mu.Unlock()
	var res activities.UpdateSalesResult
	stopped := false
	for _, p := range in.Plans {
		if stopped {
			res.Sales = append(res.Sales, activities.SaleResult{SaleID: p.SaleID, NotTried: true})
			continue
		}
		r, err := w.update(activities.UpdateSaleInput{ShopID: in.ShopID, RunID: in.RunID, Plan: p}, activity.GetInfo(ctx).Attempt)
		sr := activities.SaleResult{SaleID: p.SaleID, UpdateSaleResult: r}
		var ae *temporal.ApplicationError
		switch {
		case err == nil:
		case errors.As(err, &ae) && ae.NonRetryable():
			sr.Error, sr.ErrorType = ae.Message(), ae.Type()
			stopped = ae.Type() == activities.ErrReconnectNeeded
		default:
			sr.Retry, sr.Error = true, err.Error()
		}
		res.Sales = append(res.Sales, sr)
	}
	return res, nil
}

func (w *world) update(in activities.UpdateSaleInput, attempt int32) (activities.UpdateSaleResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := in.Plan.SaleID
	w.events = append(w.events, fmt.Sprintf("update %d", id))
	w.updateCalls[id]++
	w.lastAttempt[id] = attempt
	if w.onUpdate != nil {
		w.onUpdate(id)
	}
	if w.updateErr != nil {
		if err := w.updateErr(id, attempt); err != nil {
			return activities.UpdateSaleResult{}, err
		}
	}
	s, ok := w.sales[id]
	if !ok {
		return activities.UpdateSaleResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("sale %d is not on ColorMe", id), activities.ErrSaleNotOnColorMe, nil)
	}
	var res activities.UpdateSaleResult
	for _, u := range in.Plan.Deliveries {
		for i := range s.SaleDeliveries {
			d := &s.SaleDeliveries[i]
			if d.ID != u.ID {
				continue
			}
			if u.SlipNumber != nil {
				slip := *u.SlipNumber
				d.SlipNumber = &slip
			}
			if u.Delivered != nil {
				d.Delivered = *u.Delivered
			}
			res.Written = true
		}
	}
	if res.Written {
		w.writes++
	}
	s.Delivered = s.AllDelivered()
	if in.Plan.SendMail && s.DeliveredMailState == colorme.MailNotYet {
		s.DeliveredMailState = colorme.MailSent
		w.mails++
		res.Mailed = true
	}
	w.sales[id] = s
	return res, nil
}

func (w *world) RecordOutcomes(_ context.Context, in activities.RecordOutcomesInput) (activities.RecordOutcomesResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if in.RunID != testRunID {
		return activities.RecordOutcomesResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("run %d does not exist", in.RunID), "NotFound", nil)
	}
	w.outcomeBatches++
	w.outcomes = append(w.outcomes, in.Outcomes...)
	return activities.RecordOutcomesResult{}, nil
}

func (w *world) FinishRun(_ context.Context, in activities.FinishRunInput) (activities.FinishRunResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finishes = append(w.finishes, in)
	return activities.FinishRunResult{}, nil
}

func (w *world) MarkReconnectNeeded(_ context.Context, in activities.MarkReconnectNeededInput) (activities.MarkReconnectNeededResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reconnects = append(w.reconnects, in)
	return activities.MarkReconnectNeededResult{}, nil
}

// outcomeBySale returns the recorded outcomes by sale id and fails the test when
// a sale was recorded twice.
func (w *world) outcomeBySale(t *testing.T) map[int64]oms.Outcome {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	m := make(map[int64]oms.Outcome, len(w.outcomes))
	for _, o := range w.outcomes {
		_, dup := m[o.SaleID]
		require.False(t, dup, "sale %d recorded twice", o.SaleID)
		require.Equal(t, testRunID, o.RunID)
		require.Equal(t, testShop, o.ShopID)
		m[o.SaleID] = o
	}
	return m
}

// failUpdate makes every update of sale id fail with err.
func (w *world) failUpdate(id int64, err error) {
	w.updateErr = func(sale int64, _ int32) error {
		if sale == id {
			return err
		}
		return nil
	}
}

func (w *world) count(event string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.events {
		if e == event || strings.HasPrefix(e, event+" ") {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------------------
// The test environment
// ---------------------------------------------------------------------------

type harness struct {
	env *testsuite.TestWorkflowEnvironment
	w   *world

	// history simulates the history length (the test environment does not
	// count events): 3 to start, 6 per completed activity (scheduled, started,
	// completed and a workflow task), a generous estimate.
	history int

	// UpdateSale activities between start and completion (across retries).
	running     map[string]bool
	maxInFlight int
	// workflow-clock time at which each UpdateSale started (first attempts).
	updateStarts []time.Time

	version *testsuite.MockCallWrapper // GetVersion(BatchUpdatesChange)
}

type envOption func(*harness, *testsuite.MockCallWrapper)

// batched runs the export as runs begun after BatchUpdatesChange do: one
// UpdateSales activity per page.
func batched() envOption {
	return func(h *harness, _ *testsuite.MockCallWrapper) {
		h.version.Return(workflow.Version(1))
	}
}

// updateTakes makes every UpdateSale take d on the workflow clock.
func updateTakes(d time.Duration) envOption {
	return func(_ *harness, upd *testsuite.MockCallWrapper) { upd.After(d) }
}

func newHarness(t *testing.T, w *world, opts ...envOption) *harness {
	t.Helper()
	env := testenv.WorkflowEnv()
	h := &harness{env: env, w: w, history: 3, running: map[string]bool{}}

	acts := &activities.Activities{}
	env.RegisterWorkflow(workflows.ShippingSync)
	env.RegisterActivity(acts)
	env.OnActivity(acts.StartRun, mock.Anything, mock.Anything).Return(w.StartRun)
	env.OnActivity(acts.FetchTargets, mock.Anything, mock.Anything).Return(w.FetchTargets)
	env.OnActivity(acts.ReadColorMeState, mock.Anything, mock.Anything).Return(w.ReadColorMeState)
	upd := env.OnActivity(acts.UpdateSale, mock.Anything, mock.Anything).Return(w.UpdateSale)
	env.OnActivity(acts.UpdateSales, mock.Anything, mock.Anything).Return(w.UpdateSales)
	// Runs begun before BatchUpdatesChange: one UpdateSale per sale (unless batched()).
	h.version = env.OnGetVersion(workflows.BatchUpdatesChange, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.OnActivity(acts.RecordOutcomes, mock.Anything, mock.Anything).Return(w.RecordOutcomes)
	env.OnActivity(acts.FinishRun, mock.Anything, mock.Anything).Return(w.FinishRun)
	env.OnActivity(acts.MarkReconnectNeeded, mock.Anything, mock.Anything).Return(w.MarkReconnectNeeded)
	for _, o := range opts {
		o(h, upd)
	}

	// Both listeners run on the environment's main loop: no locking needed.
	env.SetCurrentHistoryLength(h.history)
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "UpdateSale" {
			if !h.running[info.ActivityID] {
				h.updateStarts = append(h.updateStarts, env.Now())
			}
			h.running[info.ActivityID] = true
			h.maxInFlight = max(h.maxInFlight, len(h.running))
		}
	})
	env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
		delete(h.running, info.ActivityID)
		h.history += 6
		env.SetCurrentHistoryLength(h.history)
	})
	return h
}

func (h *harness) run(t *testing.T, in workflows.ShippingSyncInput) (workflows.ShippingSyncResult, error) {
	t.Helper()
	h.env.ExecuteWorkflow(workflows.ShippingSync, in)
	require.True(t, h.env.IsWorkflowCompleted())
	if err := h.env.GetWorkflowError(); err != nil {
		return workflows.ShippingSyncResult{}, err
	}
	var res workflows.ShippingSyncResult
	require.NoError(t, h.env.GetWorkflowResult(&res))
	return res, nil
}

func input() workflows.ShippingSyncInput {
	asOf := testAsOf
	return workflows.ShippingSyncInput{ShopID: testShop, AsOf: &asOf, PageSize: 5}
}

func boolPtr(b bool) *bool { return &b }

// appError returns the application error inside err, failing the test when there is none.
func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	ae, ok := errors.AsType[*temporal.ApplicationError](err)
	require.True(t, ok, "want an ApplicationError, got %v", err)
	return ae
}

// workflowResult requires the workflow run in env to have completed without
// error and returns its result.
func workflowResult[R any](t *testing.T, env *testsuite.TestWorkflowEnvironment) R {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res R
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

// continuedAs requires err to be a continue-as-new of the workflow named
// wfType and returns the input it gives the next run.
func continuedAs[I any](t *testing.T, err error, wfType string) I {
	t.Helper()
	can, ok := errors.AsType[*workflow.ContinueAsNewError](err)
	require.True(t, ok, "want continue-as-new, got %v", err)
	require.Equal(t, wfType, can.WorkflowType.Name)
	var next I
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

// runChain runs ShippingSync from in over w, each run on a fresh harness,
// following continue-as-new until a run completes (at most maxRuns runs), and
// returns that run's result; carried, when not nil, checks each input carried
// over to the next run.
func runChain(t *testing.T, w *world, in workflows.ShippingSyncInput, maxRuns int, carried func(workflows.ShippingSyncInput)) workflows.ShippingSyncResult {
	t.Helper()
	for runs := 1; ; runs++ {
		require.LessOrEqual(t, runs, maxRuns, "the chain does not end")
		res, err := newHarness(t, w).run(t, in)
		if err == nil {
			return res
		}
		in = continuedAs[workflows.ShippingSyncInput](t, err, "ShippingSync")
		if carried != nil {
			carried(in)
		}
	}
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

// 1. Happy path over several pages: only changed orders are written, each order
// is recorded once, the run is finished as completed with the right totals.
func TestShippingSync_HappyPath(t *testing.T) {
	kinds := append(repeat(changed, 7), repeat(unchanged, 5)...)
	kinds = append(kinds, cancelled, changed, unchanged, changed)
	// 16 targets: 9 changed, 6 unchanged, 1 cancelled
	w := newWorld(kinds...)
	h := newHarness(t, w)
	in := input()
	in.SendMail = boolPtr(true)
	in.Trigger = "scheduled"

	res, err := h.run(t, in)
	require.NoError(t, err)

	require.Equal(t, testRunID, res.RunID)
	require.Equal(t, testShop, res.ShopID)
	require.True(t, res.AsOf.Equal(testAsOf))
	require.False(t, res.DryRun)
	require.Equal(t, oms.RunTotals{Targets: 16, Updated: 9, Unchanged: 6, Skipped: 1, Failed: 0, Mails: 9}, res.RunTotals)
	require.Empty(t, res.FailedSaleIDs)
	require.Equal(t, 1, res.Chain)

	// StartRun got the resolved input.
	require.Len(t, w.starts, 1)
	require.Equal(t, testShop, w.starts[0].ShopID)
	require.Equal(t, oms.TriggerScheduled, w.starts[0].Trigger)
	require.True(t, w.starts[0].AsOf.Equal(testAsOf))
	require.Equal(t, "default-test-workflow-id", w.starts[0].WorkflowID)

	// 16 targets in pages of 5: 5+5+5+1.
	require.Len(t, w.fetches, 4)
	for i, f := range w.fetches {
		require.Equal(t, 5, f.Limit)
		require.Equal(t, 3, f.WindowDays)
		require.True(t, f.AsOf.Equal(testAsOf))
		if i == 0 {
			require.True(t, f.After.IsZero())
		} else {
			require.Equal(t, int64(1001+5*i-1), f.After.SaleID, "page %d starts after the last order of the page before", i)
		}
	}
	require.Len(t, w.reads, 4)
	for _, r := range w.reads {
		require.LessOrEqual(t, len(r.SaleIDs), 5)
	}

	// Only changed orders were written, each once; ColorMe now agrees with the OMS.
	for i, k := range kinds {
		id := int64(1001 + i)
		if k == changed {
			require.Equal(t, 1, w.updateCalls[id], "sale %d", id)
			s := w.sales[id]
			require.Equal(t, fmt.Sprintf("TRK%06d", id), s.SaleDeliveries[0].Slip())
			require.True(t, s.SaleDeliveries[0].Delivered)
			require.Equal(t, colorme.MailSent, s.DeliveredMailState)
		} else {
			require.Zero(t, w.updateCalls[id], "sale %d must not be written", id)
		}
	}
	require.Equal(t, 9, w.writes)
	require.Equal(t, 9, w.mails)

	// Every target order recorded exactly once, with its outcome.
	outs := w.outcomeBySale(t)
	require.Len(t, outs, 16)
	for i, k := range kinds {
		id := int64(1001 + i)
		o := outs[id]
		switch k {
		case changed:
			require.Equal(t, rules.OutcomeUpdated, o.Outcome, "sale %d", id)
			require.True(t, o.Mailed)
			require.Contains(t, o.Sent, fmt.Sprintf("TRK%06d", id))
		case unchanged:
			require.Equal(t, rules.OutcomeUnchanged, o.Outcome, "sale %d", id)
			require.Empty(t, o.Sent)
		case cancelled:
			require.Equal(t, rules.OutcomeSkipped, o.Outcome, "sale %d", id)
			require.Equal(t, "sale is cancelled on ColorMe", o.Reason)
		}
	}
	require.NotContains(t, outs, int64(9001))
	require.NotContains(t, outs, int64(9002))

	require.Len(t, w.finishes, 1)
	f := w.finishes[0]
	require.Equal(t, oms.RunCompleted, f.Status)
	require.Equal(t, testRunID, f.RunID)
	require.Empty(t, f.Error)
	require.Equal(t, oms.RunTotals{Targets: 16, Updated: 9, Unchanged: 6, Skipped: 1, Mails: 9}, f.Totals)
	require.Empty(t, w.reconnects)

	// A rerun of the same plan writes nothing (every write compares first).
	h = newHarness(t, w)
	w.updateCalls = map[int64]int{}
	w.outcomes, w.finishes, w.writes = nil, nil, 0
	res, err = h.run(t, in)
	require.NoError(t, err)
	require.Equal(t, 0, w.writes)
	require.Empty(t, w.updateCalls)
	require.Equal(t, 0, res.Updated)
	require.Equal(t, 15, res.Unchanged)
	require.Equal(t, 1, res.Skipped)
}

// 1b. Options resolved by StartRun are those the plan uses: with the checkbox on,
// an order without ship date gets its slip number but is not marked delivered.
func TestShippingSync_RequireShipDate(t *testing.T) {
	w := newWorld(changed, changed)
	w.orders[0].Deliveries[0].ShippedOn = "" // sale 1001: no ship date
	h := newHarness(t, w)
	res, err := h.run(t, input())
	require.NoError(t, err)
	require.Equal(t, 2, res.Updated)
	require.Equal(t, "TRK001001", w.sales[1001].SaleDeliveries[0].Slip())
	require.False(t, w.sales[1001].SaleDeliveries[0].Delivered)
	require.True(t, w.sales[1002].SaleDeliveries[0].Delivered)

	w = newWorld(changed)
	w.orders[0].Deliveries[0].ShippedOn = ""
	h = newHarness(t, w)
	in := input()
	in.RequireShipDate = boolPtr(false)
	_, err = h.run(t, in)
	require.NoError(t, err)
	require.True(t, w.sales[1001].SaleDeliveries[0].Delivered)
}

// 2. A retryable ColorMe failure is retried with backoff until it succeeds.
func TestShippingSync_RetriesUnavailable(t *testing.T) {
	w := newWorld(repeat(changed, 4)...)
	w.updateErr = func(id int64, attempt int32) error {
		if id == 1002 && attempt <= 2 {
			return temporal.NewApplicationError("colorme PUT /v1/sales/1002.json: HTTP 503: maintenance", activities.ErrColorMeUnavailable)
		}
		return nil
	}
	h := newHarness(t, w)
	res, err := h.run(t, input())
	require.NoError(t, err)

	require.Equal(t, 3, w.updateCalls[1002])
	require.Equal(t, int32(3), w.lastAttempt[1002])
	require.Equal(t, 4, res.Updated)
	require.Equal(t, 0, res.Failed)
	require.Empty(t, res.FailedSaleIDs)
	require.Equal(t, rules.OutcomeUpdated, w.outcomeBySale(t)[1002].Outcome)
	for _, id := range []int64{1001, 1003, 1004} {
		require.Equal(t, 1, w.updateCalls[id])
	}
}

// 3. A non-retryable per-order failure fails that order only; the run goes on.
func TestShippingSync_RejectedOrderFailsAlone(t *testing.T) {
	w := newWorld(repeat(changed, 8)...)
	const msg = "colorme PUT /v1/sales/1003.json: HTTP 422 (code 422001): slip_number is too long"
	w.failUpdate(1003, temporal.NewNonRetryableApplicationError(msg, activities.ErrColorMeRejected, nil))
	h := newHarness(t, w)
	res, err := h.run(t, input())
	require.NoError(t, err)

	require.Equal(t, 1, w.updateCalls[1003], "a rejected request is not retried")
	require.Equal(t, 8, res.Targets)
	require.Equal(t, 7, res.Updated)
	require.Equal(t, 1, res.Failed)
	require.Equal(t, []int64{1003}, res.FailedSaleIDs)

	outs := w.outcomeBySale(t)
	require.Len(t, outs, 8)
	require.Equal(t, rules.OutcomeFailed, outs[1003].Outcome)
	require.Equal(t, msg, outs[1003].Reason)
	for id := int64(1001); id <= 1008; id++ {
		if id != 1003 {
			require.Equal(t, rules.OutcomeUpdated, outs[id].Outcome, "sale %d", id)
		}
	}
	require.Len(t, w.finishes, 1)
	require.Equal(t, oms.RunCompleted, w.finishes[0].Status)
	require.Equal(t, 1, w.finishes[0].Totals.Failed)
	require.Empty(t, w.reconnects)
}

const reconnectMsg = "ColorMe refused the shop's access token (invalid token): reconnect the shop with `starter shop connect`"

func reconnectErr() error {
	return temporal.NewNonRetryableApplicationError(reconnectMsg, activities.ErrReconnectNeeded, nil)
}

// requireReconnectFailure checks that the run failed on a refused token: err
// says so, the shop is marked and the run recorded as failed.
func requireReconnectFailure(t *testing.T, w *world, err error) {
	t.Helper()
	require.Error(t, err)
	ae := appError(t, err)
	require.Equal(t, activities.ErrReconnectNeeded, ae.Type())
	require.True(t, ae.NonRetryable())
	require.Contains(t, ae.Message(), testShop)
	require.Contains(t, ae.Message(), reconnectMsg)

	require.Len(t, w.reconnects, 1)
	require.Equal(t, testShop, w.reconnects[0].ShopID)
	require.Equal(t, reconnectMsg, w.reconnects[0].Reason)
	require.Len(t, w.finishes, 1)
	require.Equal(t, oms.RunFailed, w.finishes[0].Status)
	require.Equal(t, reconnectMsg, w.finishes[0].Error)
}

// 4a. A refused token while reading ColorMe stops the run: the shop is marked,
// the run recorded as failed, no further page is fetched.
func TestShippingSync_ReconnectNeededOnRead(t *testing.T) {
	w := newWorld(repeat(changed, 20)...)
	w.readErr = func(call int) error {
		if call == 2 {
			return reconnectErr()
		}
		return nil
	}
	h := newHarness(t, w)
	_, err := h.run(t, input())
	requireReconnectFailure(t, w, err)

	require.Len(t, w.fetches, 2, "no page is fetched after the refusal")
	require.Len(t, w.reads, 2, "a refused token is not retried")
	// The updates of page 1 that were in flight finished and were recorded.
	outs := w.outcomeBySale(t)
	require.Len(t, outs, 5)
	for id := int64(1001); id <= 1005; id++ {
		require.Equal(t, rules.OutcomeUpdated, outs[id].Outcome)
	}
	require.Equal(t, 5, w.count("update"))
	require.Equal(t, oms.RunTotals{Targets: 5, Updated: 5}, w.finishes[0].Totals)
}

// 4b. A refused token on an update stops the run: nothing more is dispatched or fetched.
func TestShippingSync_ReconnectNeededOnUpdate(t *testing.T) {
	w := newWorld(repeat(changed, 20)...)
	w.failUpdate(1003, reconnectErr())
	h := newHarness(t, w)
	in := input()
	in.MaxInFlight = 1 // deterministic order of updates
	_, err := h.run(t, in)
	requireReconnectFailure(t, w, err)

	require.Equal(t, []string{"fetch", "read", "update 1001", "update 1002", "update 1003"}, w.events,
		"nothing is fetched or written after the refusal")
	require.Equal(t, 1, w.updateCalls[1003], "a refused token is not retried")
	outs := w.outcomeBySale(t)
	require.Len(t, outs, 3)
	require.Equal(t, rules.OutcomeUpdated, outs[1001].Outcome)
	require.Equal(t, rules.OutcomeUpdated, outs[1002].Outcome)
	require.Equal(t, rules.OutcomeFailed, outs[1003].Outcome)
	require.Equal(t, reconnectMsg, outs[1003].Reason)
	require.Equal(t, 2, w.finishes[0].Totals.Updated)
	require.Equal(t, 1, w.finishes[0].Totals.Failed)
}

// 4c. A refused token on one of several updates in flight: the others finish and
// are recorded, nothing new is dispatched, no further page is fetched. Every
// update takes 1s: the first three start at 0s and end at 1s, when 1002 fails.
func TestShippingSync_ReconnectNeededWithUpdatesInFlight(t *testing.T) {
	w := newWorld(repeat(changed, 30)...)
	w.failUpdate(1002, reconnectErr())
	h := newHarness(t, w, updateTakes(time.Second))
	start := h.env.Now()
	in := input()
	in.MaxInFlight = 3
	in.PageSize = 10
	_, err := h.run(t, in)
	requireReconnectFailure(t, w, err)
	require.Equal(t, 1, w.count("fetch"))
	require.GreaterOrEqual(t, len(h.updateStarts), 3)
	for i, at := range h.updateStarts {
		// Updates that took a slot freed at 1s, before the failure was seen, may
		// start at 1s; nothing starts later.
		require.LessOrEqual(t, at.Sub(start), time.Second, "update %d started after the refusal", i)
	}
	require.Empty(t, h.running, "the updates in flight finished before the run stopped")
	outs := w.outcomeBySale(t)
	require.Equal(t, rules.OutcomeFailed, outs[1002].Outcome)
	require.Len(t, outs, w.count("update"), "every update that ran is recorded")
}

// 5. Continue-as-new: the run continues with the cursor and totals in its input;
// the continued runs do not start a new run log entry, and the chain's totals
// cover every order exactly once.
func TestShippingSync_ContinueAsNew(t *testing.T) {
	const n = 60
	kinds := repeat(changed, n)
	kinds[3], kinds[17], kinds[41] = unchanged, missing, cancelled
	w := newWorld(kinds...)
	w.workerInFlight = 7
	in := input()
	in.MaxHistory = 60
	in.SendMail = boolPtr(true)

	var (
		res     workflows.ShippingSyncResult
		runs    int
		prev    *workflows.Continuation
		fetches int
	)
	for {
		runs++
		require.LessOrEqual(t, runs, 30, "the chain does not end")
		h := newHarness(t, w)
		r, err := h.run(t, in)
		if in.Continuation != nil {
			// A continued run starts where the previous one stopped.
			require.Equal(t, in.Continuation.Cursor.SaleID, w.fetches[fetches].After.SaleID)
			require.True(t, in.Continuation.Cursor.UpdatedAt.Equal(w.fetches[fetches].After.UpdatedAt))
		}
		fetches = len(w.fetches)
		if err == nil {
			res = r
			break
		}
		next := continuedAs[workflows.ShippingSyncInput](t, err, "ShippingSync")
		c := next.Continuation
		require.NotNil(t, c)

		// The continuation carries the run, its options, the cursor and the totals so far.
		require.Equal(t, testRunID, c.RunID)
		require.True(t, c.AsOf.Equal(testAsOf))
		require.Equal(t, rules.Options{WindowDays: 3, RequireShipDate: true, SendMail: true}, c.Options)
		require.Equal(t, runs, c.Chain)
		require.Equal(t, testShop, next.ShopID)
		require.Equal(t, 60, next.MaxHistory)
		require.Equal(t, 7, next.MaxInFlight, "the bound StartRun resolved carries over")
		outs := w.outcomeBySale(t) // everything so far is recorded before continuing
		require.Equal(t, len(outs), c.Totals.Targets)
		var maxID int64
		updated := 0
		for id, o := range outs {
			maxID = max(maxID, id)
			if o.Outcome == rules.OutcomeUpdated {
				updated++
			}
		}
		require.Equal(t, maxID, c.Cursor.SaleID, "the cursor is the last order processed")
		require.Equal(t, updated, c.Totals.Updated)
		require.Equal(t, updated, c.Totals.Mails)
		if maxID >= 1018 {
			require.Equal(t, []int64{1018}, c.FailedSaleIDs, "the failures so far travel with the continuation")
		} else {
			require.Empty(t, c.FailedSaleIDs)
		}
		if prev != nil {
			require.Greater(t, c.Cursor.SaleID, prev.Cursor.SaleID)
			require.Greater(t, c.Totals.Targets, prev.Totals.Targets)
		}
		prev = c
		in = next
	}
	require.Greater(t, runs, 2, "the history limit must have been reached more than once")

	require.Len(t, w.starts, 1, "continued runs do not start a new run")
	require.Len(t, w.finishes, 1)
	require.Equal(t, oms.RunCompleted, w.finishes[0].Status)

	require.Equal(t, runs, res.Chain)
	require.Equal(t, testRunID, res.RunID)
	require.Equal(t, n, res.Targets)
	require.Equal(t, n-3, res.Updated)
	require.Equal(t, n-3, res.Mails)
	require.Equal(t, 1, res.Unchanged)
	require.Equal(t, 1, res.Skipped)
	require.Equal(t, 1, res.Failed)
	require.Equal(t, []int64{1018}, res.FailedSaleIDs, "failures of earlier runs of the chain are reported too")
	require.Equal(t, oms.RunTotals{Targets: n, Updated: n - 3, Unchanged: 1, Skipped: 1, Failed: 1, Mails: n - 3}, w.finishes[0].Totals)

	outs := w.outcomeBySale(t)
	require.Len(t, outs, n)
	for id := int64(1001); id <= 1000+n; id++ {
		require.Contains(t, outs, id)
	}
	for id, calls := range w.updateCalls {
		require.Equal(t, 1, calls, "sale %d written once", id)
	}
	require.Equal(t, n-3, w.writes)
}

// touch moves an order's updated_at to t, as a re-import or an edit during the
// run does, and keeps the orders in cursor order.
func (w *world) touch(saleID int64, t time.Time) {
	for i := range w.orders {
		if w.orders[i].SaleID == saleID {
			w.orders[i].UpdatedAt = t
		}
	}
	sort.SliceStable(w.orders, func(i, j int) bool {
		a, b := w.orders[i], w.orders[j]
		if !a.UpdatedAt.Equal(b.UpdatedAt) {
			return a.UpdatedAt.Before(b.UpdatedAt)
		}
		return a.SaleID < b.SaleID
	})
}

// 5a. An order re-imported during the export (its updated_at moves past the
// cursor) comes round again on a later page: it is handled and counted once,
// within one execution and across continue-as-new.
func TestShippingSync_ReimportedDuringExport(t *testing.T) {
	for _, maxHistory := range []int{0, 60} {
		t.Run(fmt.Sprintf("max_history=%d", maxHistory), func(t *testing.T) {
			const n = 30
			w := newWorld(repeat(changed, n)...)
			later := testAsOf.Add(-time.Minute) // after every other order
			w.onUpdate = func(id int64) {
				if id == 1001 || id == 1003 || id == 1020 {
					w.touch(id, later.Add(time.Duration(id)*time.Millisecond))
				}
			}
			in := input()
			in.MaxHistory = maxHistory
			res := runChain(t, w, in, 30, nil)
			if maxHistory > 0 {
				require.Greater(t, res.Chain, 1, "the test must cross continue-as-new")
			}
			for _, f := range w.fetches {
				require.Equal(t, testRunID, f.RunID, "FetchTargets is told the run, to leave out what it recorded")
			}
			require.Equal(t, n, res.Targets, "each order counted once")
			require.Equal(t, n, res.Updated)
			require.Zero(t, res.Unchanged)
			require.Equal(t, oms.RunTotals{Targets: n, Updated: n}, w.finishes[0].Totals)
			require.Len(t, w.outcomeBySale(t), n) // fails on a sale recorded twice
			for id, calls := range w.updateCalls {
				require.Equal(t, 1, calls, "sale %d written once", id)
			}
		})
	}
}

// 5b. When the server suggests continue-as-new, the run continues as new with
// what it has done so far recorded and carried over.
func TestShippingSync_ContinueAsNewSuggested(t *testing.T) {
	w := newWorld(repeat(changed, 12)...)
	h := newHarness(t, w)
	h.env.SetContinueAsNewSuggested(true)
	_, err := h.run(t, input())
	next := continuedAs[workflows.ShippingSyncInput](t, err, "ShippingSync")
	c := next.Continuation
	require.NotNil(t, c)
	require.Equal(t, 1, c.Chain)
	outs := w.outcomeBySale(t)
	require.Equal(t, len(outs), c.Totals.Targets)
	require.Equal(t, len(outs), c.Totals.Updated)
	require.Empty(t, h.running, "no update is left in flight")
	if len(outs) > 0 {
		require.Equal(t, int64(1000+len(outs)), c.Cursor.SaleID)
	}
	require.Empty(t, w.finishes, "the run is not finished yet")
}

// 6. Bounded fan-out: never more than MaxInFlight updates at a time, and the bound is used.
func TestShippingSync_BoundedConcurrency(t *testing.T) {
	w := newWorld(repeat(changed, 20)...)
	h := newHarness(t, w, updateTakes(time.Second))
	in := input()
	in.MaxInFlight = 3
	res, err := h.run(t, in)
	require.NoError(t, err)
	require.Equal(t, 20, res.Updated)
	require.Equal(t, 3, h.maxInFlight)
	require.Empty(t, h.running)

	// The default bound is 16.
	w = newWorld(repeat(changed, 40)...)
	h = newHarness(t, w, updateTakes(time.Second))
	in = input()
	in.PageSize = 100
	res, err = h.run(t, in)
	require.NoError(t, err)
	require.Equal(t, 40, res.Updated)
	require.Equal(t, workflows.DefaultMaxInFlight, h.maxInFlight)

	// A run whose input sets none (scheduled, change-triggered) takes the
	// worker's EXPORT_MAX_IN_FLIGHT, which StartRun resolves.
	w = newWorld(repeat(changed, 20)...)
	w.workerInFlight = 5
	h = newHarness(t, w, updateTakes(time.Second))
	in = input()
	in.Trigger = oms.TriggerScheduled
	res, err = h.run(t, in)
	require.NoError(t, err)
	require.Equal(t, 20, res.Updated)
	require.Equal(t, 5, h.maxInFlight)
	require.Zero(t, w.starts[0].MaxInFlight)
}

// 7. A dry run writes nothing and records what it would do as "planned".
func TestShippingSync_DryRun(t *testing.T) {
	kinds := append(repeat(changed, 6), unchanged, cancelled, missing)
	w := newWorld(kinds...)
	before := map[int64]colorme.Sale{}
	for id, s := range w.sales {
		before[id] = s
	}
	h := newHarness(t, w)
	in := input()
	in.DryRun = true
	in.SendMail = boolPtr(true)
	res, err := h.run(t, in)
	require.NoError(t, err)

	require.True(t, res.DryRun)
	require.True(t, w.starts[0].DryRun)
	require.Zero(t, w.count("update"), "a dry run never calls UpdateSale")
	require.Equal(t, before, w.sales)
	require.Equal(t, oms.RunTotals{Targets: 9, Updated: 6, Unchanged: 1, Skipped: 1, Failed: 1, Mails: 0}, res.RunTotals)

	outs := w.outcomeBySale(t)
	require.Len(t, outs, 9)
	for id := int64(1001); id <= 1006; id++ {
		require.Equal(t, rules.OutcomePlanned, outs[id].Outcome)
		require.Contains(t, outs[id].Sent, fmt.Sprintf("TRK%06d", id), "the plan is recorded")
		require.False(t, outs[id].Mailed)
	}
	require.Equal(t, rules.OutcomeUnchanged, outs[1007].Outcome)
	require.Equal(t, rules.OutcomeSkipped, outs[1008].Outcome)
	require.Equal(t, rules.OutcomeFailed, outs[1009].Outcome)
	require.Equal(t, oms.RunCompleted, w.finishes[0].Status)
}

// 7b. A shipping mail that failed after its delivery write landed (an earlier
// run; the ledger has it owed, FetchTargets says MailOwed) is sent by a later run
// while ColorMe still says not_yet — as a mail-only update — and never again.
// A sale delivered on ColorMe without an owed mail gets none.
func TestShippingSync_OwedMailRetried(t *testing.T) {
	w := newWorld(unchanged, unchanged, changed)
	for _, id := range []int64{1001, 1002} { // delivered with the OMS slip; the mail did not go
		s := w.sales[id]
		s.DeliveredMailState = colorme.MailNotYet
		w.sales[id] = s
	}
	for i := range w.orders {
		if w.orders[i].SaleID == 1001 {
			w.orders[i].MailOwed = true
		}
	}
	in := input()
	in.SendMail = boolPtr(true)
	res, err := newHarness(t, w).run(t, in)
	require.NoError(t, err)
	require.Equal(t, 2, w.mails, "the owed mail of 1001 and the mail of 1003, which the run delivers")
	require.Equal(t, 2, res.Mails)
	require.Equal(t, 1, w.updateCalls[1001])
	require.Zero(t, w.updateCalls[1002], "delivered without an owed mail: no mail")
	require.Equal(t, colorme.MailSent, w.sales[1001].DeliveredMailState)
	outs := w.outcomeBySale(t)
	require.Equal(t, rules.OutcomeUpdated, outs[1001].Outcome)
	require.True(t, outs[1001].Mailed)
	require.Equal(t, `{"sale_deliveries":[],"mail":true}`, outs[1001].Sent, "a mail-only update")
	require.Equal(t, 1, w.writes, "only 1003 is written")

	// A later run (the ledger may still say owed) sends nothing: ColorMe says sent.
	w.outcomes, w.finishes = nil, nil
	res, err = newHarness(t, w).run(t, in)
	require.NoError(t, err)
	require.Zero(t, res.Mails)
	require.Equal(t, 2, w.mails, "never twice")
}

// 7c. delivered_mail_state null (ColorMe's documented example): the sale is
// delivered but no mail is sent, and the run log says why.
func TestShippingSync_MailStateNull(t *testing.T) {
	w := newWorld(changed, changed)
	s := w.sales[1001]
	s.DeliveredMailState = ""
	w.sales[1001] = s
	in := input()
	in.SendMail = boolPtr(true)
	res, err := newHarness(t, w).run(t, in)
	require.NoError(t, err)
	require.Equal(t, 2, res.Updated)
	require.Equal(t, 1, res.Mails, "only 1002 (not_yet) is mailed")
	require.True(t, w.sales[1001].SaleDeliveries[0].Delivered)
	outs := w.outcomeBySale(t)
	require.False(t, outs[1001].Mailed)
	require.Contains(t, outs[1001].Reason, "delivered_mail_state null")
	require.True(t, outs[1002].Mailed)
}

// 8. The progress query shows pages and totals growing while the run goes on.
func TestShippingSync_ProgressQuery(t *testing.T) {
	w := newWorld(repeat(changed, 20)...)
	h := newHarness(t, w, updateTakes(10*time.Second))
	in := input()
	in.MaxInFlight = 2 // 20 updates, 2 at a time, 10s each: about 100s

	var snaps []workflows.Progress
	var queryErrs []error
	for _, at := range []time.Duration{15, 35, 55, 75, 95} {
		h.env.RegisterDelayedCallback(func() {
			v, err := h.env.QueryWorkflow(workflows.ProgressQuery)
			if err != nil {
				queryErrs = append(queryErrs, err)
				return
			}
			var p workflows.Progress
			if err := v.Get(&p); err != nil {
				queryErrs = append(queryErrs, err)
				return
			}
			snaps = append(snaps, p)
		}, at*time.Second)
	}
	res, err := h.run(t, in)
	require.NoError(t, err)
	require.Empty(t, queryErrs)
	require.Len(t, snaps, 5)

	for i, p := range snaps {
		require.Equal(t, testRunID, p.RunID)
		require.LessOrEqual(t, p.InFlight, 2)
		require.Less(t, p.Totals.Updated, 20, "snapshot %d is mid-run", i)
		require.Positive(t, p.Pages)
		require.LessOrEqual(t, p.Totals.Updated, p.Totals.Targets)
		if i > 0 {
			q := snaps[i-1]
			require.GreaterOrEqual(t, p.Pages, q.Pages)
			require.Greater(t, p.Totals.Updated, q.Totals.Updated, "snapshot %d: updates progress", i)
			require.GreaterOrEqual(t, p.Totals.Targets, q.Totals.Targets)
			require.GreaterOrEqual(t, p.Cursor.SaleID, q.Cursor.SaleID)
		}
	}
	require.Less(t, snaps[0].Pages, 4, "the first snapshot is early in the run")
	require.Greater(t, snaps[len(snaps)-1].Pages, snaps[0].Pages, "pages progress")
	require.Equal(t, 20, res.Updated)

	// After the run the query answers the final state.
	v, err := h.env.QueryWorkflow(workflows.ProgressQuery)
	require.NoError(t, err)
	var final workflows.Progress
	require.NoError(t, v.Get(&final))
	require.True(t, final.Done)
	require.Equal(t, 20, final.Totals.Updated)
	require.Equal(t, 20, final.Totals.Targets)
	require.Zero(t, final.InFlight)
	require.Zero(t, final.Queued)
	require.Equal(t, int64(1020), final.Cursor.SaleID)
}

// 9. An OMS order whose sale is not on ColorMe fails with a clear reason.
func TestShippingSync_SaleNotOnColorMe(t *testing.T) {
	w := newWorld(changed, missing, changed)
	h := newHarness(t, w)
	res, err := h.run(t, input())
	require.NoError(t, err)
	require.Equal(t, 3, res.Targets)
	require.Equal(t, 2, res.Updated)
	require.Equal(t, 1, res.Failed)
	require.Equal(t, []int64{1002}, res.FailedSaleIDs)
	require.Zero(t, w.updateCalls[1002], "nothing is written for a missing sale")

	o := w.outcomeBySale(t)[1002]
	require.Equal(t, rules.OutcomeFailed, o.Outcome)
	require.Contains(t, o.Reason, "not on ColorMe")
	require.Contains(t, o.Reason, "1002")
}

// 9b. An OMS delivery that the ColorMe sale does not have fails the order, without a write.
func TestShippingSync_UnknownDelivery(t *testing.T) {
	w := newWorld(changed, changed)
	w.orders[1].Deliveries[0].ID = 777
	h := newHarness(t, w)
	res, err := h.run(t, input())
	require.NoError(t, err)
	require.Equal(t, 1, res.Updated)
	require.Equal(t, []int64{1002}, res.FailedSaleIDs)
	require.Zero(t, w.updateCalls[1002])
	require.Contains(t, w.outcomeBySale(t)[1002].Reason, "777")
}

// 10. Input validation: a shop is required; nothing runs without one.
func TestShippingSync_RequiresShop(t *testing.T) {
	w := newWorld(changed)
	h := newHarness(t, w)
	in := input()
	in.ShopID = ""
	_, err := h.run(t, in)
	require.Error(t, err)
	ae := appError(t, err)
	require.True(t, ae.NonRetryable())
	require.Equal(t, "InvalidInput", ae.Type())
	require.Contains(t, ae.Message(), "shop_id")
	require.Empty(t, w.starts)
	require.Empty(t, w.events)
	require.Empty(t, w.finishes)
}

// 10b. An invalid window refused by StartRun fails the workflow without retrying.
func TestShippingSync_StartRunRefused(t *testing.T) {
	w := newWorld(changed)
	env := testenv.WorkflowEnv()
	acts := &activities.Activities{}
	env.RegisterActivity(acts)
	calls := 0
	env.OnActivity(acts.StartRun, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.StartRunInput) (activities.StartRunResult, error) {
			calls++
			return activities.StartRunResult{}, temporal.NewNonRetryableApplicationError(
				"window_days must be between 1 and 365, got 400", "InvalidInput", nil)
		})
	env.OnActivity(acts.FetchTargets, mock.Anything, mock.Anything).Return(w.FetchTargets).Never()
	in := input()
	in.WindowDays = 400
	env.ExecuteWorkflow(workflows.ShippingSync, in)
	require.True(t, env.IsWorkflowCompleted())
	ae := appError(t, env.GetWorkflowError())
	require.Equal(t, "InvalidInput", ae.Type())
	require.Equal(t, 1, calls)
	require.Empty(t, w.events)
}

// Outcomes are recorded in batches as the run goes (not all at the end), and still once each.
func TestShippingSync_OutcomesBatched(t *testing.T) {
	w := newWorld(repeat(unchanged, 250)...)
	h := newHarness(t, w)
	in := input()
	in.PageSize = 50
	res, err := h.run(t, in)
	require.NoError(t, err)
	require.Equal(t, 250, res.Unchanged)
	require.Len(t, w.outcomeBySale(t), 250)
	require.Greater(t, w.outcomeBatches, 1)
}

// TestShippingSync_Incremental: an incremental run retries the failed sales
// first (by id), then reads the targets updated at or after the watermark, each
// once; orders changed before the watermark are left alone.
func TestShippingSync_Incremental(t *testing.T) {
	w := newWorld(changed, changed, changed, changed, changed, changed) // 1001…1006, updated a minute apart
	since := w.orders[0].UpdatedAt.Add(3 * time.Minute)                 // 1004, 1005, 1006 changed since
	w.since, w.pending = &since, []int64{1001, 1005}
	h := newHarness(t, w)
	in := input()
	in.Changes, in.Trigger = true, oms.TriggerChange
	res, err := h.run(t, in)
	require.NoError(t, err)
	assert.True(t, w.starts[0].Changes)
	assert.False(t, w.starts[0].Watermark, "a run at a given as_of sets no watermark")
	assert.Equal(t, []int64{1001, 1004, 1005, 1006}, slices.Sorted(maps.Keys(w.updateCalls)))
	assert.Equal(t, 4, res.Targets)
	assert.Equal(t, 2, res.Pending)
	require.NotNil(t, res.Since)
	assert.Equal(t, []int64{1001, 1005}, w.fetches[0].SaleIDs, "the failed sales first")
	assert.True(t, w.fetches[1].After.UpdatedAt.Equal(since) && w.fetches[1].After.SaleID == 0, "then the changes, from the watermark: %+v", w.fetches[1].After)
}

// TestShippingSync_IncrementalNothingChanged: nothing changed and nothing
// pending: no ColorMe call at all.
func TestShippingSync_IncrementalNothingChanged(t *testing.T) {
	w := newWorld(changed, changed)
	since := testAsOf
	w.since = &since
	h := newHarness(t, w)
	in := input()
	in.Changes = true
	res, err := h.run(t, in)
	require.NoError(t, err)
	assert.Equal(t, 0, res.Targets)
	assert.Equal(t, 0, w.count("read"), "no ColorMe read")
	assert.Empty(t, w.updateCalls, "no ColorMe write")
}

// TestShippingSync_IncrementalRefusesSaleIDs: changes and sale_ids exclude each other.
func TestShippingSync_IncrementalRefusesSaleIDs(t *testing.T) {
	h := newHarness(t, newWorld(changed))
	in := input()
	in.Changes, in.SaleIDs = true, []int64{1001}
	_, err := h.run(t, in)
	assert.Equal(t, activities.ErrInvalidInput, appError(t, err).Type())
}
