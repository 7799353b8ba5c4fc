// Package incrementalflow_test runs the on-change incremental export and the
// scheduled full reconcile (issue 15) on the real stack: the Temporal dev
// server, PostgreSQL, the worker and the ColorMe sandbox.
package incrementalflow_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// shop is one stack shop with generated orders, its sales on the sandbox and a
// completed full export (which sets the first watermark).
type shop struct {
	t     *testing.T
	stack *teststack.Stack
	id    string
	// shipped are target orders with status shipped after the full export, by sale id.
	shipped []rules.Order
}

func newShop(t *testing.T, id string, n int, sendMail bool) *shop {
	t.Helper()
	stack := teststack.New(t)
	ctx := context.Background()
	stack.AddShop(t, id)
	sh, err := stack.Store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	sh.Settings.SendMail = sendMail
	require.NoError(t, stack.Store.Shops.UpdateShop(ctx, sh))
	orders, sales := demo.Generate(n, 15, 500001, time.Now())
	require.NoError(t, stack.Store.UpsertOrders(ctx, id, orders))
	stack.Sandbox.Seed(sales...)
	s := &shop{t: t, stack: stack, id: id}
	res := s.export(workflows.ShippingSyncInput{ShopID: id, Trigger: oms.TriggerManual})
	require.Zero(t, res.Failed)
	outs, err := stack.Store.Outcomes(ctx, res.RunID)
	require.NoError(t, err)
	for _, o := range outs {
		if o.Outcome != rules.OutcomeUpdated && o.Outcome != rules.OutcomeUnchanged {
			continue
		}
		ord, err := stack.Store.Order(ctx, id, o.SaleID)
		require.NoError(t, err)
		if ord.Status == rules.StatusShipped && len(ord.Deliveries) > 0 {
			s.shipped = append(s.shipped, ord)
		}
	}
	require.GreaterOrEqual(t, len(s.shipped), 12, "the generated shop needs shipped targets")
	return s
}

// export runs an export to its end (no as_of: it sets the watermark).
func (s *shop) export(in workflows.ShippingSyncInput) workflows.ShippingSyncResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := app.StartExport(ctx, s.stack.Client, s.stack.Config, in)
	require.NoError(s.t, err)
	var res workflows.ShippingSyncResult
	require.NoError(s.t, run.Get(ctx, &res))
	return res
}

// notify is app.NotifyChange, as the console and the starter call it.
func (s *shop) notify(reason string) {
	s.t.Helper()
	require.NoError(s.t, app.NotifyChange(context.Background(), s.stack.Client, s.stack.Config, s.stack.Store, s.id, reason))
}

// newSlips gives each order's first delivery a new tracking number (through the
// shipping-results import, as staff do) and notifies the trigger; it returns
// the new tracking numbers by sale id.
func (s *shop) newSlips(tag string, orders ...rules.Order) map[int64]string {
	s.t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"受注番号", "お届け先ID", "伝票番号", "出荷日"})
	today := time.Now().In(rules.Tokyo).Format(time.DateOnly)
	slips := map[int64]string{}
	for _, o := range orders {
		slip := fmt.Sprintf("%s-%d", tag, o.SaleID)
		slips[o.SaleID] = slip
		_ = w.Write([]string{strconv.FormatInt(o.SaleID, 10), strconv.FormatInt(o.Deliveries[0].ID, 10), slip, today})
	}
	w.Flush()
	rep, err := app.ApplyShipmentCSV(context.Background(), s.stack.Store, s.id, buf.Bytes(), false, time.Now())
	require.NoError(s.t, err)
	require.Empty(s.t, rep.Rejected)
	require.True(s.t, rep.Applied)
	s.notify(fmt.Sprintf("shipping-results CSV: %d orders", rep.Orders))
	return slips
}

// slip is the tracking number ColorMe shows on the order's first delivery.
func (s *shop) slip(o rules.Order) string {
	sale, ok := s.stack.Sandbox.Sale(o.SaleID)
	require.True(s.t, ok)
	for _, d := range sale.SaleDeliveries {
		if d.ID == o.Deliveries[0].ID {
			return d.Slip()
		}
	}
	return ""
}

// trigger queries the shop's on-change trigger.
func (s *shop) trigger() (workflows.TriggerState, bool) {
	v, err := s.stack.Client.QueryWorkflow(context.Background(), workflows.ExportOnChangeID(s.id), "", workflows.ProgressQuery)
	if err != nil {
		return workflows.TriggerState{}, false
	}
	var st workflows.TriggerState
	require.NoError(s.t, v.Get(&st))
	return st, true
}

// exportRunning says whether the shop's export ID has an open run.
func (s *shop) exportRunning() bool {
	d, err := s.stack.Client.DescribeWorkflow(context.Background(), workflows.ShippingSyncID(s.id), "")
	if err != nil {
		return false
	}
	return d.RawResponse.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
}

// settle waits until the trigger is idle with nothing pending and no export runs.
func (s *shop) settle() workflows.TriggerState {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		st, ok := s.trigger()
		if ok && st.State == workflows.TriggerIdle && !st.Pending && !s.exportRunning() {
			return st
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.t.Fatal("the on-change trigger did not settle within 2 minutes")
	return workflows.TriggerState{}
}

// changeRuns are the shop's completed incremental exports, oldest first.
func (s *shop) runs(trigger oms.Trigger) []oms.Run {
	s.t.Helper()
	all, err := s.stack.Store.Runs(context.Background(), s.id, 500)
	require.NoError(s.t, err)
	var out []oms.Run
	for _, r := range all {
		if r.Kind == oms.KindExport && (trigger == "" || r.Trigger == trigger) {
			out = append(out, r)
		}
	}
	slices.Reverse(out)
	return out
}

// TestBurstGivesOneRun: a CSV import, a status edit and another CSV import a
// moment apart are one burst: one incremental export writes all of them, with
// one ColorMe read for the lot and one write per changed order.
func TestBurstGivesOneRun(t *testing.T) {
	s := newShop(t, "burst", 300, false)
	s.stack.Sandbox.ResetCounters()
	a, b := s.shipped[:3], s.shipped[3:6]
	slipsA := s.newSlips("BURSTA", a...)
	_, err := s.stack.Store.SetStatus(context.Background(), s.id, s.shipped[6].SaleID, rules.StatusCompleted, time.Now())
	require.NoError(t, err)
	s.notify("status")
	slipsB := s.newSlips("BURSTB", b...)

	st := s.settle()
	assert.Equal(t, 3, st.Changes)
	runs := s.runs(oms.TriggerChange)
	require.Len(t, runs, 1, "one incremental export for the burst")
	r := runs[0]
	assert.Equal(t, oms.RunCompleted, r.Status)
	for _, o := range append(slices.Clone(a), b...) {
		want := slipsA[o.SaleID] + slipsB[o.SaleID]
		assert.Equal(t, want, s.slip(o), "sale %d", o.SaleID)
	}
	assert.Equal(t, 6, r.Totals.Updated)
	assert.Equal(t, 7, r.Totals.Targets, "the six new slips and the status edit, nothing else")
	c := s.stack.Sandbox.Counters()
	assert.Equal(t, 1, c.Reads, "one read for the burst")
	assert.Equal(t, 6, c.Writes, "one write per changed order")
	assert.Zero(t, c.NoopWrites)
}

// TestChangeDuringRun: a change made while the incremental export runs is not
// lost: the trigger runs another export after it, which writes it.
func TestChangeDuringRun(t *testing.T) {
	s := newShop(t, "during", 300, false)
	s.stack.Sandbox.SetLatency(400 * time.Millisecond) // a run takes a few seconds
	first := s.newSlips("FIRST", s.shipped[:8]...)
	deadline := time.Now().Add(time.Minute)
	for {
		st, ok := s.trigger()
		if ok && st.State == workflows.TriggerExporting {
			break
		}
		require.True(t, time.Now().Before(deadline), "the incremental export did not start")
		time.Sleep(50 * time.Millisecond)
	}
	late := s.shipped[10]
	second := s.newSlips("LATE", late)
	st := s.settle()
	s.stack.Sandbox.SetLatency(0)

	for _, o := range s.shipped[:8] {
		assert.Equal(t, first[o.SaleID], s.slip(o))
	}
	assert.Equal(t, second[late.SaleID], s.slip(late), "the change made during the run is on ColorMe")
	runs := s.runs(oms.TriggerChange)
	assert.GreaterOrEqual(t, len(runs), 2, "another export followed the one running")
	assert.GreaterOrEqual(t, st.Runs, 2)
	for _, r := range runs {
		assert.Equal(t, oms.RunCompleted, r.Status)
	}
}

// TestIdleShopMakesNoCalls: a notice when nothing changed runs an incremental
// export that finds no target and makes no ColorMe call at all (no read, no
// token use); a shop left alone with its trigger armed makes none either.
func TestIdleShopMakesNoCalls(t *testing.T) {
	s := newShop(t, "idle", 400, true)
	s.stack.Sandbox.ResetCounters()
	s.notify("nothing really changed")
	st := s.settle()
	require.Equal(t, 1, st.Runs)
	runs := s.runs(oms.TriggerChange)
	require.Len(t, runs, 1)
	assert.Equal(t, oms.RunCompleted, runs[0].Status)
	assert.Zero(t, runs[0].Totals.Targets)
	time.Sleep(15 * time.Second) // armed and idle
	assert.Zero(t, s.stack.Sandbox.Counters().Requests, "no ColorMe request while nothing changed")
	st, ok := s.trigger()
	require.True(t, ok)
	assert.Equal(t, 1, st.Runs, "no export without a change")
}

// TestNotifyWithoutTemporal: when Temporal cannot be reached the notice fails
// within NotifyTimeout and the edit stands; the next run still exports it,
// because its updated_at is past the watermark.
func TestNotifyWithoutTemporal(t *testing.T) {
	s := newShop(t, "down", 200, false)
	o := s.shipped[0]
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%d,%d,DOWN-%d,%s\n", o.SaleID, o.Deliveries[0].ID, o.SaleID, time.Now().In(rules.Tokyo).Format(time.DateOnly))
	rep, err := app.ApplyShipmentCSV(context.Background(), s.stack.Store, s.id, buf.Bytes(), false, time.Now())
	require.NoError(t, err)
	require.True(t, rep.Applied)
	dead, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	defer dead.Close()
	began := time.Now()
	err = app.NotifyChange(context.Background(), dead, s.stack.Config, s.stack.Store, s.id, "csv")
	require.Error(t, err)
	assert.Less(t, time.Since(began), app.NotifyTimeout+2*time.Second, "the notice gives up within its timeout")
	assert.Equal(t, fmt.Sprintf("DOWN-%d", o.SaleID), mustOrder(t, s, o.SaleID).Deliveries[0].SlipNumber, "the edit is stored")

	s.notify("a later change") // Temporal is back: the next incremental export picks the earlier edit up
	s.settle()
	assert.Equal(t, fmt.Sprintf("DOWN-%d", o.SaleID), s.slip(o))
}

func mustOrder(t *testing.T, s *shop, sale int64) rules.Order {
	t.Helper()
	o, err := s.stack.Store.Order(context.Background(), s.id, sale)
	require.NoError(t, err)
	return o
}

// clearSlip clears a delivery's slip number on ColorMe, as someone would on its
// admin screen, through the sandbox's admin API.
func clearSlip(t *testing.T, s *shop, o rules.Order) {
	t.Helper()
	sale, ok := s.stack.Sandbox.Sale(o.SaleID)
	require.True(t, ok)
	for i := range sale.SaleDeliveries {
		sale.SaleDeliveries[i].SlipNumber = nil
	}
	body, err := json.Marshal([]colorme.Sale{sale})
	require.NoError(t, err)
	resp, err := http.Post(s.stack.SandboxURL+"/_sandbox/sales", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, s.slip(o))
}

// applySchedules creates the shop's schedules (export every 30 minutes) and
// deletes them when the test ends.
func applySchedules(t *testing.T, s *shop) *schedules.Manager {
	t.Helper()
	ctx := context.Background()
	m := schedules.New(s.stack.Client, s.stack.Config.TaskQueue)
	sh, err := s.stack.Store.Shops.Shop(ctx, s.id)
	require.NoError(t, err)
	_, err = m.Apply(ctx, sh)
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, kind := range schedules.Kinds {
			_ = s.stack.Client.ScheduleClient().GetHandle(context.Background(), schedules.ID(kind, s.id)).Delete(context.Background())
		}
	})
	return m
}

// TestFullReconcileRestoresHandClearedSlip: a slip number cleared by hand on
// ColorMe is no OMS change, so the incremental export leaves it; the scheduled
// full reconcile reads the whole window and writes it back.
func TestFullReconcileRestoresHandClearedSlip(t *testing.T) {
	s := newShop(t, "reconcile", 300, false)
	o := s.shipped[0]
	want := s.slip(o)
	require.NotEmpty(t, want)
	clearSlip(t, s, o)

	s.notify("another order changed")
	s.settle()
	assert.Empty(t, s.slip(o), "the incremental export reads only changed orders")

	m := applySchedules(t, s)
	ctx := context.Background()
	res, err := m.Trigger(ctx, s.id, oms.KindExport)
	require.NoError(t, err)
	require.False(t, res.Skipped, res.Reason)
	var out workflows.ScheduledExportResult
	require.NoError(t, s.stack.Client.GetWorkflow(ctx, res.WorkflowID, res.RunID).Get(ctx, &out))
	require.NotNil(t, out.Export)
	assert.Equal(t, want, s.slip(o), "the full reconcile restored the slip")
	assert.Equal(t, 1, out.Export.Updated, "only the cleared slip differed")
	assert.Equal(t, oms.TriggerScheduled, out.Export.Trigger)
}

// TestOneWriterWithChangesAndSchedules: changes flow for half a minute while the
// export schedule is triggered again and again: the run log shows no two
// exports of the shop at once, every change reaches ColorMe, and no sale is
// written for nothing or mailed twice.
func TestOneWriterWithChangesAndSchedules(t *testing.T) {
	s := newShop(t, "onewriter", 400, true)
	m := applySchedules(t, s)
	s.stack.Sandbox.SetLatency(50 * time.Millisecond)
	s.stack.Sandbox.ResetCounters()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	triggered := make(chan int)
	go func() {
		n := 0
		defer func() { triggered <- n }()
		for ctx.Err() == nil {
			if _, err := m.Trigger(ctx, s.id, oms.KindExport); err == nil {
				n++
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
		}
	}()
	// Bursts of two changes with quiet gaps, so that the trigger exports
	// between the schedule's runs as well as waiting for them.
	want := map[int64]string{}
	changed := s.shipped[:16]
	for i, o := range changed {
		for k, v := range s.newSlips(fmt.Sprintf("W%02d", i), o) {
			want[k] = v
		}
		gap := 300 * time.Millisecond
		if i%2 == 1 {
			gap = workflows.DefaultChangeQuiet + 2*time.Second
		}
		time.Sleep(gap)
	}
	cancel()
	n := <-triggered
	t.Logf("schedule triggered %d times while %d changes flowed", n, len(changed))
	// The last scheduled run may still be going: let everything finish.
	deadline := time.Now().Add(2 * time.Minute)
	for s.exportRunning() || func() bool { st, ok := s.trigger(); return !ok || st.Pending || st.State != workflows.TriggerIdle }() {
		require.True(t, time.Now().Before(deadline), "exports did not settle")
		time.Sleep(300 * time.Millisecond)
	}
	// A scheduled export that waited for a change run may start after that.
	time.Sleep(2 * time.Second)
	for s.exportRunning() {
		time.Sleep(300 * time.Millisecond)
	}

	for _, o := range changed {
		assert.Equal(t, want[o.SaleID], s.slip(o), "sale %d", o.SaleID)
	}
	runs := s.runs("")
	var change, scheduled int
	for i, r := range runs {
		require.NotNil(t, r.FinishedAt, "run %d finished", r.ID)
		assert.Equal(t, oms.RunCompleted, r.Status, "run %d: %s", r.ID, r.Error)
		switch r.Trigger {
		case oms.TriggerChange:
			change++
		case oms.TriggerScheduled:
			scheduled++
		}
		if i > 0 {
			prev := runs[i-1]
			assert.False(t, r.StartedAt.Before(*prev.FinishedAt), "run %d (%s) started %s, before run %d (%s) finished %s",
				r.ID, r.Trigger, r.StartedAt, prev.ID, prev.Trigger, *prev.FinishedAt)
		}
	}
	t.Logf("%d exports: %d on change, %d scheduled, 1 manual", len(runs), change, scheduled)
	assert.GreaterOrEqual(t, change, 2, "exports on change between the scheduled ones")
	assert.Positive(t, scheduled)
	c := s.stack.Sandbox.Counters()
	assert.Zero(t, c.NoopWrites, "no write repeated")
	for sale, n := range c.MailsBySale {
		assert.LessOrEqual(t, n, 1, "sale %d mailed %d times", sale, n)
	}
	for sale, n := range c.WritesBySale {
		assert.LessOrEqual(t, n, 1, "sale %d written %d times", sale, n)
	}
}

// TestImportNotifies: an order import that created or updated orders tells the
// shop's on-change trigger at its end (the NotifyExportChange activity), which
// runs an incremental export.
func TestImportNotifies(t *testing.T) {
	stack := teststack.New(t)
	shopID := stack.AddShop(t, "imported")
	_, sales := demo.Generate(60, 21, 800001, time.Now())
	stack.Sandbox.Seed(sales...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shopID})
	require.NoError(t, err)
	var res workflows.OrderImportResult
	require.NoError(t, run.Get(ctx, &res))
	require.Positive(t, res.Created)

	s := &shop{t: t, stack: stack, id: shopID}
	st := s.settle()
	assert.Equal(t, 1, st.Changes)
	assert.Equal(t, fmt.Sprintf("order import: %d created, %d updated", res.Created, res.Updated), st.LastChange)
	runs := s.runs(oms.TriggerChange)
	require.Len(t, runs, 1, "the import's notice ran an incremental export")
	assert.Equal(t, oms.RunCompleted, runs[0].Status)

	// With export_on_change off, an import sends no notice.
	sh, err := stack.Store.Shops.Shop(ctx, shopID)
	require.NoError(t, err)
	sh.Settings.ExportOnChange = false
	require.NoError(t, stack.Store.Shops.UpdateShop(ctx, sh))
	_, more := demo.Generate(5, 22, 810001, time.Now())
	stack.Sandbox.Seed(more...)
	run, err = app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shopID})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, &res))
	require.Positive(t, res.Created)
	time.Sleep(workflows.DefaultChangeQuiet + 2*time.Second)
	st = s.settle()
	assert.Equal(t, 1, st.Changes, "no notice while export_on_change is off")
	assert.Len(t, s.runs(oms.TriggerChange), 1)
}
