package operatorflow_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestScheduleAndIncrementalCLI runs the starter as an operator would:
// `sync -changes` twice (every target, then the changes since the first),
// `schedule trigger` while a change-triggered export runs (it says it waits
// for that run, naming it, and prints the full reconcile's summary when it
// ran), then `schedule list` and `runs`.
func TestScheduleAndIncrementalCLI(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	ctx := context.Background()
	newShop := func(prefix string, first int64) string {
		t.Helper()
		shop := stack.AddShop(t, fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1000000))
		t.Cleanup(func() {
			for _, kind := range schedules.Kinds {
				_ = stack.Client.ScheduleClient().GetHandle(context.Background(), schedules.ID(kind, shop)).Delete(context.Background())
			}
		})
		orders, sales := demo.Generate(40, 7, first, time.Now())
		stack.Sandbox.Seed(sales...)
		require.NoError(t, demo.SeedStore(ctx, stack.Store, shop, orders, sales))
		s, err := stack.Store.Shops.Shop(ctx, shop)
		require.NoError(t, err)
		s.Settings.ExportIntervalMinutes, s.Settings.ExportOnChange = 1440, false // only the test's triggers run it
		require.NoError(t, stack.Store.Shops.UpdateShop(ctx, s))
		return shop
	}
	shop := newShop("cli", 790001)
	starter := buildStarter(t)
	q := stack.Config.TaskQueue
	run := func(args ...string) string {
		t.Helper()
		out, code := runStarter(t, stack, starter, q, args...)
		require.Equal(t, 0, code, out)
		return out
	}
	run("schedule", "apply", "-shop", shop)

	out := run("sync", "-shop", shop, "-changes")
	assert.Contains(t, out, "started incremental export of shop "+shop)
	assert.Contains(t, out, "incremental: no export of the shop had completed yet, so every target was read, and 0 failed sales retried")
	out = run("sync", "-shop", shop, "-changes")
	assert.Regexp(t, `incremental: orders changed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST \(the last completed export's start less 1m\)`, out)

	// Another shop, where no export ran yet: a change-triggered export reads
	// every target, slowly: the triggered full reconcile waits for it.
	shop = newShop("cliwait", 795001)
	run("schedule", "apply", "-shop", shop)
	stack.Sandbox.SetLatency(2 * time.Second)
	change, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: shop, Trigger: oms.TriggerChange, Changes: true})
	require.NoError(t, err)
	go func() { // let the reconcile run at full speed once the change export is under way
		time.Sleep(3 * time.Second)
		stack.Sandbox.SetLatency(0)
	}()
	out = run("schedule", "trigger", "-shop", shop)
	assert.Contains(t, out, "triggered schedule colorme-export-"+shop)
	assert.Regexp(t, `scheduled run: colorme-export-`+regexp.QuoteMeta(shop)+`-\S+ \(run [0-9a-f-]{36}\)`, out)
	assert.Contains(t, out, fmt.Sprintf("export:        WAITING: a change-triggered export of shop %s is running (workflow %s, run %s)",
		shop, workflows.ShippingSyncID(shop), change.GetRunID()))
	assert.Contains(t, out, "this full reconcile starts when it ends")
	assert.Contains(t, out, "export finished: shop "+shop)
	assert.Contains(t, out, "(scheduled)")
	assert.NotContains(t, out, "(run )", "no empty run ID")

	out = run("schedule", "list", "-shop", shop)
	assert.Regexp(t, `colorme-export-`+regexp.QuoteMeta(shop)+`\s+active\s+24h\s`, out)
	assert.Contains(t, out, "skipped (overlap)")

	out = run("runs", "-shop", shop, "-kind", "export")
	for _, trigger := range []string{"on-change", "scheduled"} {
		assert.Regexp(t, `\d+\s+`+trigger+`\s`, out, trigger)
	}
	assert.Equal(t, 2, strings.Count(out, "completed"), "one change-triggered, one scheduled export")
}
