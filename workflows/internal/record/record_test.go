package record_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

var (
	record = flag.Bool("record", false, "run every workflow on the real stack and write its histories into -out")
	out    = flag.String("out", "", "the directory the histories go to (default: workflows/testdata/histories/<commit>)")
)

// TestMain starts the Temporal dev server only when recording: without -record
// the package's one test skips, so `make test` costs nothing here.
func TestMain(m *testing.M) {
	flag.Parse()
	if !*record {
		os.Exit(m.Run())
	}
	teststack.Main(m)
}

// TestRecordHistories runs each scenario on a stack of its own and writes the
// histories of the runs it names (every run of a continue-as-new chain, each
// as <name>-<n>.json).
func TestRecordHistories(t *testing.T) {
	if !*record {
		t.Skip("records histories only with -record (see docs/DEVELOPING.md)")
	}
	dir := outDir(t)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := &rec{t: t, stack: teststack.New(t), dir: dir, name: sc.name}
			sc.run(r)
		})
	}
	t.Logf("histories written to %s", dir)
}

// outDir is -out, or testdata/histories/<commit> of the workflows package.
func outDir(t *testing.T) string {
	if *out != "" {
		return *out
	}
	commit, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output()
	require.NoError(t, err, "name the directory with -out")
	return filepath.Join("..", "..", "testdata", "histories", strings.TrimSpace(string(commit)))
}

// rec is one scenario's recording.
type rec struct {
	t     *testing.T
	stack *teststack.Stack
	dir   string
	name  string
}

func (r *rec) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	r.t.Cleanup(cancel)
	return ctx
}

// shop adds a shop with n target orders shipped in the OMS and not yet on
// ColorMe, except: the second is already on ColorMe (unchanged), the third is
// cancelled there (skipped) and, when missing, the last has no sale on
// ColorMe (failed). It returns the orders.
func (r *rec) shop(id string, n int, first int64, missing bool) []rules.Order {
	r.stack.AddShop(r.t, id)
	now := time.Now()
	orders, sales := demo.Generate(n, 7, first, now)
	for i := range orders {
		o := &orders[i]
		o.Status, o.BundleParentSaleID = rules.StatusShipped, 0
		o.OrderedAt = now.Add(-time.Duration(24+i) * time.Hour).Truncate(time.Second)
		o.UpdatedAt = now.Add(-time.Duration(12+i) * time.Hour).Truncate(time.Second)
		for j := range o.Deliveries {
			o.Deliveries[j].SlipNumber = fmt.Sprintf("4912-%04d-%04d", o.SaleID%10000, j)
			o.Deliveries[j].ShippedOn = o.UpdatedAt.In(rules.Tokyo).Format(time.DateOnly)
		}
		s := &sales[i]
		s.MakeDate, s.UpdateDate, s.Canceled = o.OrderedAt.Unix(), o.OrderedAt.Unix(), i == 2
		for j := range s.SaleDeliveries {
			s.SaleDeliveries[j].SlipNumber, s.SaleDeliveries[j].Delivered = nil, false
			if i == 1 {
				slip := o.Deliveries[j].SlipNumber
				s.SaleDeliveries[j].SlipNumber, s.SaleDeliveries[j].Delivered = &slip, true
			}
		}
	}
	require.NoError(r.t, r.stack.Store.UpsertOrders(context.Background(), id, orders))
	if missing {
		sales = sales[:len(sales)-1]
	}
	r.stack.Sandbox.Seed(sales...)
	return orders
}

// settings changes a shop's settings.
func (r *rec) settings(id string, change func(*shops.ShopSettings)) {
	ctx := context.Background()
	sh, err := r.stack.Store.Shops.Shop(ctx, id)
	require.NoError(r.t, err)
	change(&sh.Settings)
	require.NoError(r.t, r.stack.Store.Shops.UpdateShop(ctx, sh))
}

// ownToken gives the shop a token of its own, so that revoking it leaves the
// stack's other shops connected.
func (r *rec) ownToken(id string) string {
	token := "token-of-" + id
	r.stack.Sandbox.AddToken(token)
	require.NoError(r.t, r.stack.Store.Shops.SetAccessToken(context.Background(), id, token))
	return token
}

// opts are the start options a shop's workflow gets from the app (memo and
// search attribute set); bare leaves them out, as `temporal workflow start` does.
func (r *rec) opts(id, shopID string, trigger oms.Trigger, bare bool) client.StartWorkflowOptions {
	o := client.StartWorkflowOptions{ID: id, TaskQueue: r.stack.Config.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}
	if !bare {
		o.Memo = map[string]any{"shop": shopID, "trigger": trigger}
		o.TypedSearchAttributes = temporal.NewSearchAttributes(workflows.ShopSearchAttribute.ValueSet(shopID))
	}
	return o
}

// start starts a workflow.
func (r *rec) start(o client.StartWorkflowOptions, wf, in any) client.WorkflowRun {
	run, err := r.stack.Client.ExecuteWorkflow(r.ctx(), o, wf, in)
	require.NoError(r.t, err)
	return run
}

// finish waits for run's chain to end: failed when wantErr, completed otherwise.
func (r *rec) finish(run client.WorkflowRun, wantErr bool) {
	err := run.Get(r.ctx(), nil)
	if wantErr {
		require.Error(r.t, err)
		r.t.Logf("%s failed as it should: %v", run.GetID(), err)
	} else {
		require.NoError(r.t, err)
	}
}

// save writes the history of every run of runID's continue-as-new chain (from
// its first run: a client's WorkflowRun.GetRunID moves to the last run once Get
// followed the chain) under the scenario's name plus suffix; it returns the
// first run's history.
func (r *rec) save(suffix, workflowID, runID string) *historypb.History {
	name := r.name + suffix
	d, err := r.stack.Client.DescribeWorkflow(r.ctx(), workflowID, runID)
	require.NoError(r.t, err)
	if first := d.RawResponse.GetWorkflowExecutionInfo().GetFirstRunId(); first != "" {
		runID = first
	}
	var chain []*historypb.History
	for runID != "" {
		h := r.history(workflowID, runID)
		chain = append(chain, h)
		runID = h.Events[len(h.Events)-1].GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId()
	}
	for i, h := range chain {
		file := name + ".json"
		if len(chain) > 1 {
			file = fmt.Sprintf("%s-%d.json", name, i+1)
		}
		r.write(file, h)
	}
	return chain[0]
}

// history reads a closed run's history.
func (r *rec) history(workflowID, runID string) *historypb.History {
	it := r.stack.Client.GetWorkflowHistory(r.ctx(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(r.t, err)
		h.Events = append(h.Events, e)
	}
	require.NotEmpty(r.t, h.Events)
	last := h.Events[len(h.Events)-1].GetEventType()
	require.Contains(r.t, []enumspb.EventType{
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
	}, last, "%s run %s is not closed", workflowID, runID)
	return h
}

// children returns the runs of the child workflows h started, in order.
func children(h *historypb.History) []*historypb.ChildWorkflowExecutionStartedEventAttributes {
	var out []*historypb.ChildWorkflowExecutionStartedEventAttributes
	for _, e := range h.Events {
		if c := e.GetChildWorkflowExecutionStartedEventAttributes(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// running waits until the workflow's run is open (and has started a task).
func (r *rec) running(workflowID string) {
	require.Eventually(r.t, func() bool {
		d, err := r.stack.Client.DescribeWorkflow(context.Background(), workflowID, "")
		return err == nil && d.RawResponse.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING &&
			d.RawResponse.GetWorkflowExecutionInfo().GetHistoryLength() > 3
	}, 30*time.Second, 100*time.Millisecond, "%s never ran", workflowID)
}

type scenario struct {
	name string
	run  func(r *rec)
}

var scenarios = []scenario{
	// A full export over pages of 2, continuing as new after every page: an
	// order written (mail off), one unchanged, one cancelled on ColorMe
	// (skipped), one not on ColorMe (failed outcome).
	{"export-full", func(r *rec) {
		r.shop("full", 6, 910001, true)
		run := r.start(r.opts(workflows.ShippingSyncID("full"), "full", oms.TriggerManual, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "full", Trigger: oms.TriggerManual, StartedBy: "recorder", PageSize: 2, MaxHistory: 10})
		r.finish(run, false)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// A full export with the shipping mail on, started without memo or search
	// attribute (as `temporal workflow start` does): the run upserts them.
	{"export-mail-bare-start", func(r *rec) {
		r.shop("mail", 3, 920001, false)
		r.settings("mail", func(s *shops.ShopSettings) { s.SendMail = true })
		run := r.start(r.opts(workflows.ShippingSyncID("mail"), "mail", oms.TriggerManual, true), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "mail"})
		r.finish(run, false)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// A dry run (its own workflow ID) limited to two sales.
	{"export-dry-run", func(r *rec) {
		orders := r.shop("dry", 4, 930001, false)
		run := r.start(r.opts(workflows.DryRunID("dry", time.Now()), "dry", oms.TriggerManual, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "dry", DryRun: true, SaleIDs: []int64{orders[0].SaleID, orders[3].SaleID}})
		r.finish(run, false)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// Incremental exports after a full one: one order changed (one write),
	// then nothing changed (no ColorMe call).
	{"export-incremental", func(r *rec) {
		orders := r.shop("inc", 3, 940001, false)
		full := r.start(r.opts(workflows.ShippingSyncID("inc"), "inc", oms.TriggerManual, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "inc"})
		r.finish(full, false)
		o := orders[0]
		o.Deliveries[0].SlipNumber = "4912-0000-9999"
		o.UpdatedAt = time.Now().Truncate(time.Second)
		require.NoError(r.t, r.stack.Store.UpsertOrders(context.Background(), "inc", []rules.Order{o}))
		for _, suffix := range []string{"-changed", "-none"} {
			run := r.start(r.opts(workflows.ShippingSyncID("inc"), "inc", oms.TriggerChange, false), workflows.ShippingSync,
				workflows.ShippingSyncInput{ShopID: "inc", Trigger: oms.TriggerChange, Changes: true})
			r.finish(run, false)
			r.save(suffix, run.GetID(), run.GetRunID())
		}
	}},
	// ColorMe refuses the shop's token: the shop is marked for reconnection
	// and the run fails.
	{"export-revoked", func(r *rec) {
		r.shop("revoked", 2, 950001, false)
		r.stack.Sandbox.RevokeToken(r.ownToken("revoked"))
		run := r.start(r.opts(workflows.ShippingSyncID("revoked"), "revoked", oms.TriggerManual, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "revoked"})
		r.finish(run, true)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// An input the workflow refuses (changes with sale_ids).
	{"export-invalid-input", func(r *rec) {
		r.shop("invalid", 1, 955001, false)
		run := r.start(r.opts(workflows.ShippingSyncID("invalid"), "invalid", oms.TriggerManual, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "invalid", Changes: true, SaleIDs: []int64{955001}})
		r.finish(run, true)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// A shop's first import (pages of 2, continuing as new) creates the
	// orders and tells the on-change export; the second reads the watermark's
	// search too.
	{"import", func(r *rec) {
		r.stack.AddShop(r.t, "imp")
		r.settings("imp", func(s *shops.ShopSettings) { s.ExportOnChange = false })
		_, sales := demo.Generate(5, 3, 960001, time.Now())
		for i := range sales {
			sales[i].MakeDate = time.Now().Add(-time.Duration(i+1) * time.Hour).Unix()
			sales[i].UpdateDate = sales[i].MakeDate
		}
		r.stack.Sandbox.Seed(sales...)
		for _, suffix := range []string{"-first", "-second"} {
			run := r.start(r.opts(workflows.OrderImportID("imp"), "imp", oms.TriggerManual, false), workflows.OrderImport,
				workflows.OrderImportInput{ShopID: "imp", Trigger: oms.TriggerManual, StartedBy: "recorder", PageSize: 2, MaxHistory: 12})
			r.finish(run, false)
			r.save(suffix, run.GetID(), run.GetRunID())
		}
	}},
	// ColorMe refuses the token during an import.
	{"import-revoked", func(r *rec) {
		r.shop("imprevoked", 1, 965001, false)
		r.stack.Sandbox.RevokeToken(r.ownToken("imprevoked"))
		run := r.start(r.opts(workflows.OrderImportID("imprevoked"), "imprevoked", oms.TriggerManual, false), workflows.OrderImport,
			workflows.OrderImportInput{ShopID: "imprevoked"})
		r.finish(run, true)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// The export schedule's action: it starts the export and waits for it.
	{"scheduled-export", func(r *rec) {
		r.shop("sched", 2, 970001, false)
		run := r.start(r.opts("colorme-export-sched-1", "sched", oms.TriggerScheduled, false), workflows.ScheduledExport,
			workflows.ScheduledExportInput{ShopID: "sched"})
		r.finish(run, false)
		h := r.save("", run.GetID(), run.GetRunID())
		c := children(h)
		require.Len(r.t, c, 1)
		r.save("-child", c[0].GetWorkflowExecution().GetWorkflowId(), c[0].GetWorkflowExecution().GetRunId())
	}},
	// A manual export runs: the scheduled one skips, naming it.
	{"scheduled-export-skipped", func(r *rec) {
		r.shop("schedskip", 2, 971001, false)
		r.stack.Sandbox.SetLatency(time.Second)
		manual := r.start(r.opts(workflows.ShippingSyncID("schedskip"), "schedskip", oms.TriggerManual, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "schedskip", Trigger: oms.TriggerManual})
		r.running(manual.GetID())
		run := r.start(r.opts("colorme-export-schedskip-1", "schedskip", oms.TriggerScheduled, false), workflows.ScheduledExport,
			workflows.ScheduledExportInput{ShopID: "schedskip"})
		r.finish(run, false)
		r.finish(manual, false)
		r.stack.Sandbox.SetLatency(0)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// A change-triggered export runs: the scheduled one waits for it, then runs.
	{"scheduled-export-waits", func(r *rec) {
		r.shop("schedwait", 2, 972001, false)
		r.stack.Sandbox.SetLatency(2 * time.Second)
		change := r.start(r.opts(workflows.ShippingSyncID("schedwait"), "schedwait", oms.TriggerChange, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "schedwait", Trigger: oms.TriggerChange, Changes: true})
		r.running(change.GetID())
		run := r.start(r.opts("colorme-export-schedwait-1", "schedwait", oms.TriggerScheduled, false), workflows.ScheduledExport,
			workflows.ScheduledExportInput{ShopID: "schedwait"})
		r.finish(change, false)
		r.stack.Sandbox.SetLatency(0)
		r.finish(run, false)
		r.save("", run.GetID(), run.GetRunID())
	}},
	// The import schedule's action, started and skipped.
	{"scheduled-import", func(r *rec) {
		r.shop("schedimp", 2, 973001, false)
		r.settings("schedimp", func(s *shops.ShopSettings) { s.ExportOnChange = false })
		run := r.start(r.opts("colorme-import-schedimp-1", "schedimp", oms.TriggerScheduled, false), workflows.ScheduledImport,
			workflows.ScheduledImportInput{ShopID: "schedimp"})
		r.finish(run, false)
		r.save("", run.GetID(), run.GetRunID())
		r.stack.Sandbox.SetLatency(time.Second)
		manual := r.start(r.opts(workflows.OrderImportID("schedimp"), "schedimp", oms.TriggerManual, false), workflows.OrderImport,
			workflows.OrderImportInput{ShopID: "schedimp", Trigger: oms.TriggerManual})
		r.running(manual.GetID())
		skip := r.start(r.opts("colorme-import-schedimp-2", "schedimp", oms.TriggerScheduled, false), workflows.ScheduledImport,
			workflows.ScheduledImportInput{ShopID: "schedimp"})
		r.finish(skip, false)
		r.finish(manual, false)
		r.stack.Sandbox.SetLatency(0)
		r.save("-skipped", skip.GetID(), skip.GetRunID())
	}},
	// The on-change trigger: a change, its export, a change after it (the
	// trigger continues as new after MaxRuns 1), that change's export, idle,
	// complete.
	{"export-on-change", func(r *rec) {
		r.shop("onchange", 2, 980001, false)
		id := r.signal("onchange", "status of sale 980001")
		require.Eventually(r.t, func() bool { return r.exports("onchange") >= 1 }, time.Minute, 200*time.Millisecond)
		r.signal("onchange", "status of sale 980002")
		r.wait(id)
	}},
	// The on-change trigger finds a manual export running: blocked, it tries
	// again until its own export starts.
	{"export-on-change-blocked", func(r *rec) {
		r.shop("blocked", 2, 981001, false)
		r.stack.Sandbox.SetLatency(time.Second)
		manual := r.start(r.opts(workflows.ShippingSyncID("blocked"), "blocked", oms.TriggerManual, false), workflows.ShippingSync,
			workflows.ShippingSyncInput{ShopID: "blocked", Trigger: oms.TriggerManual})
		r.running(manual.GetID())
		id := r.signal("blocked", "CSV import: 2 orders")
		r.finish(manual, false)
		r.stack.Sandbox.SetLatency(0)
		r.wait(id)
	}},
	// 在庫連携: the catalogue import, a push (one round, writes), the stock
	// schedule's action, and the on-change stock trigger (a change, its push,
	// idle, complete).
	{"stock", func(r *rec) {
		r.stockShop("stock")
		cat := r.start(r.opts(workflows.StockCatalogueID("stock"), "stock", oms.TriggerManual, false), workflows.StockCatalogue,
			workflows.StockCatalogueInput{ShopID: "stock"})
		r.finish(cat, false)
		r.save("-catalogue", cat.GetID(), cat.GetRunID())
		r.onHand("stock", 5)
		push := r.start(r.opts(workflows.StockPushID("stock"), "stock", oms.TriggerManual, false), workflows.StockPush,
			workflows.StockPushInput{ShopID: "stock", Trigger: oms.TriggerManual, StaleWindow: time.Second})
		r.finish(push, false)
		r.save("-push", push.GetID(), push.GetRunID())
		r.onHand("stock", 7)
		sched := r.start(r.opts("colorme-stock-stock-1", "stock", oms.TriggerScheduled, false), workflows.ScheduledStock,
			workflows.ScheduledStockInput{ShopID: "stock"})
		r.finish(sched, false)
		r.save("-scheduled", sched.GetID(), sched.GetRunID())
		r.onHand("stock", 4)
		id := workflows.StockOnChangeID("stock")
		_, err := r.stack.Client.SignalWithStartWorkflow(r.ctx(), id, workflows.ChangeSignal, workflows.ChangeNotice{Reason: "stock file: 1 SKUs"},
			r.opts(id, "stock", oms.TriggerChange, false), workflows.StockOnChange, workflows.StockOnChangeInput{ShopID: "stock",
				Quiet: 500 * time.Millisecond, MaxDelay: time.Second, Idle: 3 * time.Second, Retry: time.Second, MaxRuns: 1, StaleWindow: time.Second})
		require.NoError(r.t, err)
		r.wait(id)
	}},
	// A push without a catalogue fails (nothing to map).
	{"stock-no-catalogue", func(r *rec) {
		r.stockShop("stocknone")
		push := r.start(r.opts(workflows.StockPushID("stocknone"), "stocknone", oms.TriggerManual, false), workflows.StockPush,
			workflows.StockPushInput{ShopID: "stocknone", Trigger: oms.TriggerManual})
		r.finish(push, true)
		r.save("", push.GetID(), push.GetRunID())
	}},
}

// stockShop adds a shop whose ColorMe catalogue holds one product (SKU
// REC-1) and one with two option variants (REC-R, REC-B).
func (r *rec) stockShop(id string) {
	r.stack.AddShop(r.t, id)
	r.settings(id, func(s *shops.ShopSettings) { s.ExportOnChange = false })
	r.stack.Sandbox.SeedProducts(
		colorme.Product{ID: 5001, Name: "REC-1", ModelNumber: "REC-1", StockManaged: true, Stocks: 1},
		colorme.Product{ID: 5002, Name: "REC-V", StockManaged: true,
			Options:  []colorme.ProductOption{{Name: "カラー", Values: []string{"赤", "青"}}},
			Variants: []colorme.ProductVariant{{Option1Value: "赤", ModelNumber: "REC-R"}, {Option1Value: "青", ModelNumber: "REC-B"}}})
}

// onHand sets every SKU of stockShop's catalogue to n.
func (r *rec) onHand(id string, n int64) {
	_, err := stock.New(r.stack.Store).SetOnHand(context.Background(), id, map[string]int64{"REC-1": n, "REC-R": n, "REC-B": n}, "recorder", stock.ReasonFile)
	require.NoError(r.t, err)
}

// signal signals the shop's on-change trigger with short timings, starting it
// when none runs, as app.NotifyChange does; it returns the trigger's ID.
func (r *rec) signal(shopID, reason string) string {
	id := workflows.ExportOnChangeID(shopID)
	_, err := r.stack.Client.SignalWithStartWorkflow(r.ctx(), id, workflows.ChangeSignal, workflows.ChangeNotice{Reason: reason},
		r.opts(id, shopID, oms.TriggerChange, false), workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: shopID,
			Quiet: 500 * time.Millisecond, MaxDelay: time.Second, Idle: 3 * time.Second, Retry: time.Second, MaxRuns: 1})
	require.NoError(r.t, err)
	return id
}

// exports counts the shop's completed exports in the run log.
func (r *rec) exports(shopID string) int {
	runs, err := r.stack.Store.Runs(context.Background(), shopID, 10)
	require.NoError(r.t, err)
	n := 0
	for _, run := range runs {
		if run.Kind == oms.KindExport && run.Status == oms.RunCompleted {
			n++
		}
	}
	return n
}

// wait waits for the trigger's chain to complete and saves its runs.
func (r *rec) wait(id string) {
	run := r.stack.Client.GetWorkflow(r.ctx(), id, "")
	r.finish(run, false)
	r.save("", id, run.GetRunID())
}
