package consolerunflow_test

import (
	"context"
	"html"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestRunLog is 自動処理ログ on the real stack: runs of every kind (import,
// export, dry run; scheduled or manual, with who started a manual one), newest
// first, filtered by kind, trigger and failures, paged; failed runs and runs
// with failed orders stand out; a run's page shows its settings, totals and
// every order's outcome and reason.
func TestRunLog(t *testing.T) {
	s := newSite(t, "run-log", 16)
	ctx := context.Background()
	s.seed(710001, 4, 710004) // 710004 is not on ColorMe

	// An import started from the command line, as `starter import` does.
	imp, err := app.StartImport(ctx, s.Client, s.Config, workflows.OrderImportInput{ShopID: s.Shop, StartedBy: "cli-user"})
	require.NoError(t, err)
	var impRes workflows.OrderImportResult
	require.NoError(t, imp.Get(ctx, &impRes))
	// A scheduled export, as the schedule starts it.
	sched, err := s.Client.ExecuteWorkflow(ctx, clientOptions(s, "scheduled-export-"+s.Shop), workflows.ScheduledExport,
		workflows.ScheduledExportInput{ShopID: s.Shop})
	require.NoError(t, err)
	var schedRes workflows.ScheduledExportResult
	require.NoError(t, sched.Get(ctx, &schedRes))
	require.Equal(t, workflows.DecisionStarted, schedRes.State)
	require.Equal(t, 1, schedRes.Export.Failed, "710004 failed")
	// A preview from the console.
	p := s.post("/shops/"+s.Shop+"/export/preview", exportForm(3, true))
	require.Contains(t, p.Body, "プレビューの結果")
	dryID := runLogID(t, p.Body)

	ids := func(path string) []string {
		t.Helper()
		p := s.get(path)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		return rowsOf(p.Body)
	}
	itoa := func(id int64) string { return strconv.FormatInt(id, 10) }
	impID, schedID := itoa(impRes.RunID), itoa(schedRes.Export.RunID)

	base := "/shops/" + s.Shop + "/runs"
	p = s.get(base)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	require.Equal(t, []string{itoa(dryID), schedID, impID}, rowsOf(p.Body), "newest first")
	require.Regexp(t, `<tr id="run-`+schedID+`" class="bad">`, p.Body, "a run with failed orders stands out")
	require.Regexp(t, `<tr id="run-`+impID+`">`, p.Body)
	require.Regexp(t, `(?s)<tr id="run-`+impID+`">.*?<td>受注取得</td>\s*<td>手動</td>\s*<td class="by">cli-user</td>`, p.Body, "who started a manual run")
	require.Regexp(t, `(?s)<tr id="run-`+schedID+`" class="bad">.*?<td>発送情報の更新</td>\s*<td>スケジュール</td>\s*<td class="by">スケジュール</td>`, p.Body)
	require.Regexp(t, `(?s)<tr id="run-`+itoa(dryID)+`"[^>]*>.*?<td>プレビュー</td>\s*<td>手動</td>\s*<td class="by">`+s.Login+`</td>`, p.Body)

	require.Equal(t, []string{impID}, ids(base+"?kind=import"))
	require.Equal(t, []string{schedID}, ids(base+"?kind=export"), "exports without the dry runs")
	require.Equal(t, []string{itoa(dryID)}, ids(base+"?kind=dry_run"))
	require.Equal(t, []string{schedID}, ids(base+"?trigger=scheduled"))
	require.Equal(t, []string{itoa(dryID), impID}, ids(base+"?trigger=manual"))
	require.Equal(t, []string{itoa(dryID), schedID}, ids(base+"?status=failed"), "runs with failed orders (the dry run found 710004 too)")
	require.Equal(t, []string{schedID}, ids(base+"?status=failed&trigger=scheduled&kind=export"))
	p = s.get(base + "?kind=import&trigger=scheduled")
	require.Empty(t, rowsOf(p.Body))
	require.Contains(t, p.Body, "条件に合うログはありません")
	require.Contains(t, p.Body, `<option value="import" selected>`, "the filter shows what is selected")

	// A failed run stands out too.
	broken, err := s.Store.StartRun(ctx, oms.Run{ShopID: s.Shop, Kind: oms.KindImport, WorkflowID: workflows.OrderImportID(s.Shop),
		RunKey: "broken-run", Trigger: oms.TriggerScheduled, AsOf: time.Now()})
	require.NoError(t, err)
	require.NoError(t, s.Store.FinishRun(ctx, broken, oms.RunTotals{}, oms.RunFailed, "ColorMe refused the token (401010)"))
	p = s.get(base + "?status=failed")
	require.Equal(t, []string{itoa(broken), itoa(dryID), schedID}, rowsOf(p.Body))
	require.Regexp(t, `<tr id="run-`+itoa(broken)+`" class="bad">`, p.Body)
	require.Contains(t, p.Body, "ColorMe refused the token (401010)")

	// The export's page: settings, totals, every order with its outcome and reason.
	p = s.get(base + "/" + schedID)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	require.Equal(t, "発送情報の更新", cell(t, p.Body, "run-kind"))
	require.Equal(t, "スケジュール", cell(t, p.Body, "run-trigger"))
	require.Equal(t, "完了", cell(t, p.Body, "run-status"))
	require.Equal(t, "3日", cell(t, p.Body, "run-window"))
	require.Equal(t, "チェックあり", cell(t, p.Body, "run-require"))
	require.Equal(t, "送らない", cell(t, p.Body, "run-mail"))
	require.Equal(t, "いいえ", cell(t, p.Body, "run-dry"))
	require.Equal(t, "1", cell(t, p.Body, "failed-total"))
	require.Len(t, regexpAll(`<tr class="[a-z]*" data-sale="`, p.Body), 4, "every order")
	require.Regexp(t, `<tr class="bad" data-sale="710004">`, p.Body, "the failed order stands out")
	require.Contains(t, p.Body, "sale 710004 is not on ColorMe")
	require.Contains(t, p.Body, html.EscapeString("お届け先 7100011: 伝票番号「SLIP-710001」、配送済みにする"))
	require.Contains(t, p.Body, `id="retry-button"`, "an export with failed orders can be retried")
	r, err := s.Store.Run(ctx, schedRes.Export.RunID)
	require.NoError(t, err)
	require.Contains(t, p.Body, html.EscapeString(s.Config.WorkflowURL(r.WorkflowID, r.RunKey)), "the Temporal UI link")
	p = s.get(base + "/" + schedID + "?only=failed")
	require.Len(t, regexpAll(`data-sale="`, p.Body), 1)

	// The import's page, and the dry run's (no retry there).
	p = s.get(base + "/" + impID)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	require.Equal(t, "受注取得", cell(t, p.Body, "run-kind"))
	require.Equal(t, "手動", cell(t, p.Body, "run-trigger")[:len("手動")])
	require.Contains(t, p.Body, "(cli-user)")
	require.Contains(t, p.Body, `id="import-totals"`)
	require.NotContains(t, p.Body, `id="retry-button"`)
	p = s.get(base + "/" + itoa(dryID))
	require.Equal(t, "はい (カラーミーショップには書き込んでいません)", cell(t, p.Body, "run-dry"))
	require.NotContains(t, p.Body, `id="retry-button"`)

	// Another shop's run, or no run: not found.
	s.AddShop(t, "run-log-other")
	other, err := s.Store.StartRun(ctx, oms.Run{ShopID: "run-log-other", Kind: oms.KindExport, RunKey: "other-run", Trigger: oms.TriggerManual, AsOf: time.Now()})
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, s.get(base+"/"+itoa(other)).Status)
	require.Equal(t, http.StatusNotFound, s.get(base+"/999999").Status)
	require.Equal(t, http.StatusNotFound, s.post(base+"/"+itoa(other)+"/retry", nil).Status)

	// Paging: 50 runs a page, newest first.
	for i := range 55 {
		_, err := s.Store.StartRun(ctx, oms.Run{ShopID: s.Shop, Kind: oms.KindImport, WorkflowID: workflows.OrderImportID(s.Shop),
			RunKey: "paged-" + itoa(int64(i)), Trigger: oms.TriggerScheduled, AsOf: time.Now()})
		require.NoError(t, err)
	}
	p = s.get(base)
	first := rowsOf(p.Body)
	require.Len(t, first, 50)
	require.Contains(t, p.Body, `id="next-page"`)
	require.NotContains(t, p.Body, `id="prev-page"`)
	p = s.get(base + "?page=2")
	second := rowsOf(p.Body)
	require.Equal(t, []string{itoa(broken), itoa(dryID), schedID, impID}, second[len(second)-4:], "the oldest on the last page")
	require.Len(t, second, 55+4-50)
	require.Contains(t, p.Body, `id="prev-page"`)
	require.NotContains(t, p.Body, `id="next-page"`)
	first1, _ := strconv.Atoi(first[49])
	second0, _ := strconv.Atoi(second[0])
	require.Greater(t, first1, second0)
}

// TestRetryFailed is 「失敗分を再実行」: an export fails two orders (their sales
// are not on ColorMe); one is fixed, the other is cancelled in the OMS meanwhile.
// The retry exports exactly the failed sales: the fixed one is written, the
// cancelled one is reported as no longer a target, nothing else is touched.
func TestRetryFailed(t *testing.T) {
	s := newSite(t, "retry-failed", 16)
	ctx := context.Background()
	orders := s.seed(720001, 6, 720002, 720005)

	p := s.post("/shops/"+s.Shop+"/export/start", exportForm(3, true))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	run := s.runPage(p)
	s.waitDone(run)
	p = s.get(run)
	require.Equal(t, 4, num(t, p.Body, "sum-updated"))
	require.Equal(t, 2, num(t, p.Body, "sum-failed"))
	first := runLogID(t, p.Body)
	require.Equal(t, 4, s.Sandbox.Counters().Writes)

	// The run page offers the retry.
	runPath := "/shops/" + s.Shop + "/runs/" + strconv.FormatInt(first, 10)
	p = s.get(runPath)
	require.Contains(t, p.Body, `id="retry-button"`)
	require.Contains(t, p.Body, "失敗した注文 2件")

	// Fix one (the sale is now on ColorMe), cancel the other in the OMS.
	s.Sandbox.Seed(sale(720002, time.Now()))
	_, err := s.Store.SetStatus(ctx, s.Shop, 720005, rules.StatusCancelled, time.Now())
	require.NoError(t, err)
	// Every other order changes too, so an unlimited export would read them again.
	require.NoError(t, s.Store.UpsertOrders(ctx, s.Shop, []rules.Order{withUpdated(orders[0], time.Now())}))
	s.Sandbox.ResetCounters()

	p = s.post(runPath+"/retry", nil)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	retry := s.runPage(p)
	require.Contains(t, p.Body, "失敗分 2件 を再実行しました")
	s.waitDone(retry)
	p = s.get(retry)
	require.Equal(t, 1, num(t, p.Body, "sum-targets"), "720005 is no target any more")
	require.Equal(t, 1, num(t, p.Body, "sum-updated"))
	require.Equal(t, 1, num(t, p.Body, "sum-skipped"))
	require.Equal(t, 0, num(t, p.Body, "sum-failed"))
	second := runLogID(t, p.Body)
	require.Contains(t, p.Body, "書出対象ではなくなりました: ルール1")

	c := s.Sandbox.Counters()
	require.Equal(t, 1, c.Writes, "only the fixed sale is written")
	slip, delivered := s.slip(720002)
	require.Equal(t, "SLIP-720002", slip)
	require.True(t, delivered)

	outs, err := s.Store.Outcomes(ctx, second)
	require.NoError(t, err)
	require.Len(t, outs, 2, "exactly the failed sales")
	require.Equal(t, int64(720002), outs[0].SaleID)
	require.Equal(t, rules.OutcomeUpdated, outs[0].Outcome)
	require.Equal(t, int64(720005), outs[1].SaleID)
	require.Equal(t, rules.OutcomeSkipped, outs[1].Outcome)
	require.Contains(t, outs[1].Reason, workflows.NotTargetReason)
	r, err := s.Store.Run(ctx, second)
	require.NoError(t, err)
	require.Equal(t, s.Login, r.StartedBy)
	require.Equal(t, oms.TriggerManual, r.Trigger)
	require.Equal(t, 3, r.WindowDays)
	require.True(t, r.RequireShipDate)

	// The retry's own page: no failures, no retry.
	p = s.get("/shops/" + s.Shop + "/runs/" + strconv.FormatInt(second, 10))
	require.NotContains(t, p.Body, `id="retry-button"`)
	// A retry of a run without failures only says so.
	p = s.post("/shops/"+s.Shop+"/runs/"+strconv.FormatInt(second, 10)+"/retry", nil)
	require.Equal(t, http.StatusOK, p.Status)
	require.Contains(t, p.Body, "このランに失敗した注文はありません")

	// While an export runs, a retry is refused like a second click, naming it.
	s.Sandbox.SetLatency(300 * time.Millisecond)
	s.Sandbox.Reset()
	s.Sandbox.Seed(sale(720001, time.Now()), sale(720003, time.Now()))
	slow, err := app.StartExport(ctx, s.Client, s.Config, workflows.ShippingSyncInput{ShopID: s.Shop, MaxInFlight: 1, StartedBy: "cli-user"})
	require.NoError(t, err)
	p = s.post(runPath+"/retry", nil)
	require.Equal(t, http.StatusConflict, p.Status, p.Body)
	require.Contains(t, p.Body, "すでに実行中です")
	require.Contains(t, p.Body, slow.GetRunID())
	require.Contains(t, p.Body, "(手動、cli-userが", "a run started from the CLI names who started it")
	require.Contains(t, p.Body, `id="running-link"`)
	require.NoError(t, slow.Get(ctx, nil))
}

func withUpdated(o rules.Order, at time.Time) rules.Order {
	o.UpdatedAt = at
	return o
}
