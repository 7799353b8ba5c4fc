// Package operatorflow_test checks what an operator sees on the real stack: the
// starter says when no worker runs, a run that waits on a failing activity says
// why, and a run started by the Temporal CLI is findable by its shop.
package operatorflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"gorm.io/driver/postgres"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// TestCheckWorker: on a task queue no worker polls, CheckWorker answers within
// its wait with a NoWorkerError naming the queue and the command that starts a
// worker; on the stack's queue, which its worker polls, it answers nil at once.
func TestCheckWorker(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	ctx := context.Background()

	cfg := stack.Config
	cfg.TaskQueue = "nobody-polls-" + strings.ToLower(t.Name())
	began := time.Now()
	err := app.CheckWorker(ctx, stack.Client, cfg, 2*time.Second)
	took := time.Since(began)
	var nw *app.NoWorkerError
	require.ErrorAs(t, err, &nw)
	assert.Less(t, took, 6*time.Second, "said within a few seconds")
	assert.Contains(t, err.Error(), `no worker is polling task queue "`+cfg.TaskQueue+`"`)
	assert.Contains(t, err.Error(), "bin/worker")
	assert.Contains(t, err.Error(), "make demo")

	began = time.Now()
	require.NoError(t, app.CheckWorker(ctx, stack.Client, stack.Config, 10*time.Second))
	assert.Less(t, time.Since(began), 5*time.Second)
}

// TestStarterWithoutWorker runs the starter binary as a new user would, against
// a task queue no worker polls: `sync` and `import` say so within seconds,
// name the command that starts a worker, start nothing and exit 1.
func TestStarterWithoutWorker(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "noworker")
	starter := buildStarter(t)
	for _, args := range [][]string{{"sync", "-shop", shop}, {"import", "-shop", shop}} {
		began := time.Now()
		out, code := runStarter(t, stack, starter, "nobody-polls-this-queue", args...)
		assert.Equal(t, 1, code, out)
		assert.Less(t, time.Since(began), 15*time.Second, "said within a few seconds")
		assert.Contains(t, out, "nothing was started: no worker is polling task queue \"nobody-polls-this-queue\"")
		assert.Contains(t, out, "bin/worker")
		assert.NotContains(t, out, "workflow ID:", "nothing was started")
	}
	_, err := stack.Client.DescribeWorkflow(context.Background(), workflows.ShippingSyncID(shop), "")
	assert.Error(t, err, "no export was started")
}

// TestRetriedFailureIsReported: a worker that cannot open the shop's access
// token (sealed with a key it lacks) fails the import's activity, and Temporal
// retries it. The starter, waiting, is told so with the failure — which names
// the missing key and what to do — instead of sitting silent.
func TestRetriedFailureIsReported(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "wrongkey")
	ctx := context.Background()
	otherKey := secrets.GenerateKey()
	other, err := secrets.NewSealer(otherKey)
	require.NoError(t, err)
	sealed, err := other.Seal(teststack.Token, "shops/"+shop+"/access_token_sealed")
	require.NoError(t, err)
	require.NoError(t, stack.Store.DB().Table("shops").Where("id = ?", shop).Update("access_token_sealed", sealed).Error)
	otherID, err := secrets.KeyIDOf(otherKey)
	require.NoError(t, err)

	run, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shop})
	require.NoError(t, err)
	t.Cleanup(func() { _ = stack.Client.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })

	wctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	var mu sync.Mutex
	var got []app.Notice
	app.WatchRun(wctx, stack.Client, stack.Config, run.GetID(), app.WatchOptions{Every: 500 * time.Millisecond}, func(n app.Notice) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, n)
		if n.Kind == app.NoticeRetrying {
			cancel()
		}
	})
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, got, "a notice while the activity is retried")
	n := got[len(got)-1]
	t.Logf("notice: %s", n.Text)
	assert.Equal(t, app.NoticeRetrying, n.Kind)
	assert.Equal(t, "ImportPage", n.Activity)
	assert.GreaterOrEqual(t, n.Attempt, int32(2))
	assert.Regexp(t, `^ImportPage failed on worker \S+ and is being retried \(attempt`, n.Text)
	assert.Contains(t, n.Failure, "sealed with key "+otherID+", which this process does not have")
	assert.NotContains(t, n.Text, otherKey)
	assert.NotContains(t, n.Text, teststack.Token)
}

// TestWatchSaysNoWorker: a run waiting on a queue no worker polls is reported
// within seconds.
func TestWatchSaysNoWorker(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	ctx := context.Background()
	cfg := stack.Config
	cfg.TaskQueue = "nobody-polls-watch"
	run, err := app.StartExport(ctx, stack.Client, cfg, workflows.ShippingSyncInput{ShopID: "watch"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = stack.Client.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var got []app.Notice
	app.WatchRun(wctx, stack.Client, cfg, run.GetID(), app.WatchOptions{Every: 500 * time.Millisecond, Grace: time.Second}, func(n app.Notice) {
		got = append(got, n)
		cancel()
	})
	require.NotEmpty(t, got)
	assert.Equal(t, app.NoticeNoWorker, got[0].Kind)
	assert.Contains(t, got[0].Text, "the run waits until one does; start a worker with `bin/worker`")
}

// TestFindableWhenStartedByTheCLI: an export started with docs/operating.md's plain
// `temporal workflow start` — no search attribute, memo or summary — sets its
// ColorMeShop search attribute and memo itself, so the UI's filter
// ColorMeShop="…" finds it, and its result holds the options it used.
func TestFindableWhenStartedByTheCLI(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "findable")
	stack.Sandbox.Seed(colorme.Sale{ID: 880001, MakeDate: time.Now().Add(-time.Hour).Unix()})
	cli, err := teststack.TemporalCLI()
	require.NoError(t, err)
	ctx := context.Background()
	id := workflows.ShippingSyncID(shop)
	cmd := exec.Command(cli, "workflow", "start", "--address", stack.Config.TemporalAddress, "--namespace", stack.Config.TemporalNamespace,
		"--type", "ShippingSync", "--task-queue", stack.Config.TaskQueue, "--workflow-id", id,
		"--id-conflict-policy", "Fail", "--input", `{"shop_id":"`+shop+`","window_days":5,"require_ship_date":false}`)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	var res workflows.ShippingSyncResult
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, stack.Client.GetWorkflow(rctx, id, "").Get(rctx, &res))
	assert.Equal(t, 5, res.WindowDays, "the run's result holds the options it used")
	assert.False(t, res.RequireShipDate)
	assert.False(t, res.SendMail, "the shop's setting")
	assert.Equal(t, oms.TriggerManual, res.Trigger)
	assert.False(t, res.AsOf.IsZero())

	query := fmt.Sprintf(`ColorMeShop=%q AND WorkflowId=%q`, shop, id)
	var found *workflowservice.ListWorkflowExecutionsResponse
	require.Eventually(t, func() bool {
		found, err = stack.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: stack.Config.TemporalNamespace, Query: query})
		return err == nil && len(found.GetExecutions()) == 1
	}, 20*time.Second, 250*time.Millisecond, "the UI's filter %s finds the run", query)
	memo := found.GetExecutions()[0].GetMemo().GetFields()
	require.Contains(t, memo, "shop")
	var memoShop string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(memo["shop"], &memoShop))
	assert.Equal(t, shop, memoShop)

	raw, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"window_days":5`)
}

func buildStarter(t *testing.T) string {
	t.Helper()
	root, err := teststack.RepoRoot()
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "starter")
	cmd := exec.Command("go", "build", "-o", bin, "./starter")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "building the starter: %s", out)
	return bin
}

func runStarter(t *testing.T, stack *teststack.Stack, starter, taskQueue string, args ...string) (string, int) {
	t.Helper()
	dialector, ok := stack.Store.DB().Dialector.(*postgres.Dialector)
	require.True(t, ok, "the test stack runs on PostgreSQL")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, starter, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dialector.DSN, "TEMPORAL_ADDRESS="+stack.Config.TemporalAddress,
		"TEMPORAL_NAMESPACE="+stack.Config.TemporalNamespace, "TEMPORAL_TASK_QUEUE="+taskQueue)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("$ starter %s\n%s", strings.Join(args, " "), out.String())
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), 0
}

// TestDemoSeedFirstImport: a shop seeded like the demo's imports without
// "updating" its orders (their destinations came from ColorMe), and a delivery
// method changed on ColorMe is reported by its name.
func TestDemoSeedFirstImport(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "demoseed")
	ctx := context.Background()
	now := time.Now()
	orders, sales := demo.Generate(120, 7, 770001, now)
	stack.Sandbox.Seed(sales...)
	require.NoError(t, demo.SeedStore(ctx, stack.Store, shop, orders, sales))

	importNow := func() workflows.OrderImportResult {
		t.Helper()
		run, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shop})
		require.NoError(t, err)
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		var res workflows.OrderImportResult
		require.NoError(t, run.Get(rctx, &res))
		return res
	}
	res := importNow()
	t.Logf("first import: %+v", res)
	require.Positive(t, res.Fetched)
	assert.Zero(t, res.Created, "every sale is in the OMS")
	assert.Zero(t, res.Updated, "destinations and methods are already ColorMe's")
	assert.Equal(t, res.Fetched, res.Unchanged+res.Cancelled+res.Flagged, "only sales cancelled on ColorMe are news")

	var sale colorme.Sale
	for _, s := range sales {
		if !s.Canceled && s.MakeDate > now.Add(-5*24*time.Hour).Unix() && s.SaleDeliveries[0].DeliveryID == 1 {
			sale = s
			break
		}
	}
	require.NotZero(t, sale.ID)
	sale.SaleDeliveries[0].DeliveryID = 2
	sale.UpdateDate = time.Now().Unix()
	stack.Sandbox.Seed(sale)
	res = importNow()
	assert.Equal(t, 1, res.Updated)
	outs, err := stack.Store.Outcomes(ctx, res.RunID)
	require.NoError(t, err)
	require.Len(t, outs, 1)
	assert.Equal(t, sale.ID, outs[0].SaleID)
	assert.Contains(t, outs[0].Reason, "delivery method 宅急便 (ヤマト運輸) (#1) → ゆうパック (日本郵便) (#2)")
}

// TestTriggerPausedSchedule: `starter schedule trigger` on a schedule an
// operator paused (note 棚卸し) runs nothing and says it is paused, quoting the
// note; with -force it runs once and the schedule stays paused.
func TestTriggerPausedSchedule(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "paused-"+strings.ToLower(fmt.Sprint(time.Now().UnixNano()%100000)))
	starter := buildStarter(t)
	q := stack.Config.TaskQueue
	out, code := runStarter(t, stack, starter, q, "schedule", "apply", "-shop", shop)
	require.Equal(t, 0, code, out)
	out, code = runStarter(t, stack, starter, q, "schedule", "pause", "-shop", shop, "-kind", "export", "-note", "棚卸し")
	require.Equal(t, 0, code, out)

	out, code = runStarter(t, stack, starter, q, "schedule", "trigger", "-shop", shop, "-kind", "export")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "schedule colorme-export-"+shop+" is PAUSED")
	assert.Contains(t, out, "棚卸し")
	assert.Contains(t, out, "nothing was run")
	assert.Contains(t, out, "-force")
	_, err := stack.Client.DescribeWorkflow(context.Background(), workflows.ShippingSyncID(shop), "")
	assert.Error(t, err, "no export ran")

	out, code = runStarter(t, stack, starter, q, "schedule", "trigger", "-shop", shop, "-kind", "export", "-force", "-by", "suzuki")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "running it once because of -force")
	assert.Contains(t, out, "export finished")
	assert.Contains(t, out, "options: window 3 days (作成期間, window_days=3)")
	runs, err := stack.Store.Runs(context.Background(), shop, 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, "suzuki", runs[0].StartedBy, "the run log names who triggered it")
	out, code = runStarter(t, stack, starter, q, "runs", "-shop", shop)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "scheduled by suzuki")

	// A manual export names the OS user unless -by says otherwise.
	out, code = runStarter(t, stack, starter, q, "sync", "-shop", shop)
	require.Equal(t, 0, code, out)
	me, err := user.Current()
	require.NoError(t, err)
	runs, err = stack.Store.Runs(context.Background(), shop, 1)
	require.NoError(t, err)
	assert.Equal(t, me.Username, runs[0].StartedBy)

	out, code = runStarter(t, stack, starter, q, "schedule", "list", "-shop", shop)
	assert.Equal(t, 0, code, out)
	assert.Regexp(t, `colorme-export-`+shop+`\s+PAUSED`, out, "it stays paused")
	assert.Regexp(t, `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST`, out, "times in JST with the zone")
}
