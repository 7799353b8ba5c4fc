package consolerunflow_test

import (
	"context"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestExportScreen is データ書出 on the real stack: the form prefilled from the
// shop's settings, 「プレビュー」 (a dry run: nothing written, every order's planned
// write listed), 「発送情報の更新」 with its progress as JSON while it runs, a
// second click refused with the running run named and linked, and the summary
// with the Temporal UI link once it is done.
func TestExportScreen(t *testing.T) {
	s := newSite(t, "export-screen", 1)
	ctx := context.Background()
	sh, err := s.Store.Shops.Shop(ctx, s.Shop)
	require.NoError(t, err)
	sh.Settings.WindowDays, sh.Settings.RequireShipDate, sh.Settings.SendMail = 5, false, true
	require.NoError(t, s.Store.Shops.UpdateShop(ctx, sh))
	s.seed(700001, 12, 700012) // 700012 is not on ColorMe

	// The form: the shop's settings, the shipping mail state, the rules of the manual.
	p := s.get("/shops/" + s.Shop + "/export")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	require.Contains(t, p.Body, `name="window_days" id="window_days" value="5"`)
	require.NotContains(t, p.Body, `id="require_ship_date" checked`, "the checkbox follows the shop's setting")
	require.Contains(t, p.Body, "出荷日が入力された注文のみ「配送済み」に更新")
	require.Contains(t, p.Body, `<span class="badge ok">送る</span>`, "商品発送メール: on")
	require.Contains(t, p.Body, "書出し対象")
	require.Contains(t, p.Body, "更新される項目")
	require.Contains(t, p.Body, "プレビュー")
	require.Contains(t, p.Body, "発送情報の更新")
	require.NotContains(t, p.Body, `id="running"`)

	// A window out of range is refused with what to fix; nothing starts.
	p = s.post("/shops/"+s.Shop+"/export/start", exportForm(0, true))
	require.Equal(t, http.StatusBadRequest, p.Status)
	require.Contains(t, p.Body, "作成期間は1〜365")

	// プレビュー: a dry run with the form's values; its page lists what would be written.
	p = s.post("/shops/"+s.Shop+"/export/preview", exportForm(3, true))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	preview := s.runPage(p)
	_, rest, _ := strings.Cut(preview, "/export/runs/")
	wf, _, _ := strings.Cut(rest, "/")
	shop, _, dry := workflows.ParseDryRunID(wf)
	require.True(t, dry && shop == s.Shop, "the page of a dry run of the shop: %s", preview)
	require.Contains(t, p.Body, "プレビューの結果", "the preview finished within the wait: %s", p.Body)
	require.Equal(t, 12, num(t, p.Body, "sum-targets"))
	require.Equal(t, 11, num(t, p.Body, "sum-updated"), "would be updated")
	require.Equal(t, 1, num(t, p.Body, "sum-failed"))
	require.Equal(t, 0, num(t, p.Body, "sum-mails"), "a dry run sends no mail")
	require.Contains(t, p.Body, html.EscapeString("お届け先 7000011: 伝票番号「SLIP-700001」、配送済みにする"))
	require.Contains(t, p.Body, "商品発送メールを送る", "send_mail follows the shop's setting")
	require.Contains(t, p.Body, "更新予定")
	require.Regexp(t, `<tr class="bad" data-sale="700012">`, p.Body, "the failed order stands out")
	require.Contains(t, p.Body, "not on ColorMe")
	require.Zero(t, s.Sandbox.Counters().Writes, "a preview writes nothing")
	previewRun, err := s.Store.Run(ctx, runLogID(t, p.Body))
	require.NoError(t, err)
	require.True(t, previewRun.DryRun)
	require.Equal(t, s.Login, previewRun.StartedBy)
	require.Equal(t, 3, previewRun.WindowDays)
	require.True(t, previewRun.RequireShipDate)

	// 発送情報の更新: slow ColorMe and one write at a time, so it runs a while.
	s.Sandbox.SetLatency(300 * time.Millisecond)
	p = s.post("/shops/"+s.Shop+"/export/start", exportForm(3, false))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	run := s.runPage(p)
	require.Contains(t, run, "/export/runs/"+workflows.ShippingSyncID(s.Shop)+"/")
	require.Contains(t, p.Body, "発送情報の更新を開始しました")
	require.Contains(t, p.Body, `data-poll="`+run+`/progress"`, "the page polls while the export runs")
	require.Contains(t, p.Body, `id="reload"`, "and has a reload link for browsers without JavaScript")
	require.Contains(t, p.Body, `data-field="updated"`)
	require.Contains(t, p.Body, `id="temporal-link"`)

	// A second click while it runs: refused, naming the running run with a link to it.
	p = s.post("/shops/"+s.Shop+"/export/start", exportForm(3, false))
	require.Equal(t, http.StatusConflict, p.Status, p.Body)
	require.Contains(t, p.Body, "すでに実行中です")
	require.Contains(t, p.Body, "の発送情報の更新 (手動、"+s.Login+"が", "the running export is named by its kind and who started it")
	require.Contains(t, p.Body, "店舗「"+s.Shop+"」", "the shop by its name (here the same as its ID)")
	runID := run[strings.LastIndex(run, "/")+1:]
	require.Contains(t, p.Body, runID, "the running run is named")
	require.Contains(t, p.Body, `href="`+run+`" id="running-link"`, "and linked")
	// The form also shows the running export when opened.
	p = s.get("/shops/" + s.Shop + "/export")
	require.Contains(t, p.Body, `id="running"`)
	require.Contains(t, p.Body, run)

	// Progress as JSON until done; it counts up while running.
	seen := s.waitDone(run)
	require.Greater(t, len(seen), 1, "the export ran long enough to be polled")
	sawRunning := false
	for _, pr := range seen[:len(seen)-1] {
		require.False(t, pr.Done)
		require.Contains(t, []string{"開始しています", "実行中"}, pr.State)
		if pr.State == "実行中" {
			sawRunning = true
			require.NotZero(t, pr.RunID)
		}
	}
	require.True(t, sawRunning, "the progress query was answered while the export ran: %+v", seen)
	last := seen[len(seen)-1]
	require.Equal(t, "完了", last.State)
	require.Equal(t, 12, last.Targets)
	require.Equal(t, 11, last.Updated)
	require.Equal(t, 1, last.Failed)

	// The summary, the changed and failed orders, the links.
	p = s.get(run)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	require.NotContains(t, p.Body, "data-poll", "a finished run is not polled")
	require.Equal(t, "完了", cell(t, p.Body, "state"))
	require.Equal(t, 12, num(t, p.Body, "sum-targets"))
	require.Equal(t, 11, num(t, p.Body, "sum-updated"))
	require.Equal(t, 0, num(t, p.Body, "sum-unchanged"))
	require.Equal(t, 0, num(t, p.Body, "sum-skipped"))
	require.Equal(t, 1, num(t, p.Body, "sum-failed"))
	require.Equal(t, 11, num(t, p.Body, "sum-mails"))
	require.Contains(t, p.Body, html.EscapeString(s.Config.WorkflowURL(workflows.ShippingSyncID(s.Shop), runID)))
	logID := runLogID(t, p.Body)
	require.Contains(t, p.Body, `href="/shops/`+s.Shop+`/runs/`)
	r, err := s.Store.Run(ctx, logID)
	require.NoError(t, err)
	require.Equal(t, oms.RunCompleted, r.Status)
	require.Equal(t, s.Login, r.StartedBy, "who started it is in the run log")
	require.False(t, r.RequireShipDate, "the form's checkbox")
	require.Equal(t, 3, r.WindowDays)

	for id := int64(700001); id <= 700011; id++ {
		slip, delivered := s.slip(id)
		require.Equal(t, "SLIP-"+strconv.FormatInt(id, 10), slip)
		require.True(t, delivered)
	}
	p = s.get("/shops/" + s.Shop + "/export")
	require.NotContains(t, p.Body, `id="running"`, "nothing runs any more")

	// A run of another shop, or an unknown run, is not shown.
	p = s.get("/shops/" + s.Shop + "/export/runs/" + workflows.ShippingSyncID("someone-else") + "/" + runID)
	require.Equal(t, http.StatusNotFound, p.Status)
	p = s.get("/shops/" + s.Shop + "/export/runs/" + workflows.ShippingSyncID(s.Shop) + "/3b1e9a2c-0000-4000-8000-000000000000")
	require.Equal(t, http.StatusNotFound, p.Status)
}
