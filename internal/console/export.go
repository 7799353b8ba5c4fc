package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// previewWait bounds how long 「プレビュー」 waits for its dry run before it shows
// the run's progress page instead.
const previewWait = 20 * time.Second

// stateWait bounds the Temporal calls of one page that shows a run.
const stateWait = 10 * time.Second

// exportFormData is what the データ書出 page shows.
type exportFormData struct {
	WindowDays      int
	RequireShipDate bool
	SendMail        bool
	Connection      connection
	Connected       bool
	Running         *runLink // the shop's export running now, if any
}

// runLink points at a run of Temporal: its page in the console and in the Temporal UI.
type runLink struct {
	WorkflowID  string
	RunID       string
	URL         string // the console's page of the run
	TemporalURL string
}

func (s *Server) exportLink(shopID, workflowID, runID string) *runLink {
	return &runLink{WorkflowID: workflowID, RunID: runID, URL: exportRunPath(shopID, workflowID, runID),
		TemporalURL: s.d.Config.WorkflowURL(workflowID, runID)}
}

// exportRunPath is the console's page of an export or dry run.
func exportRunPath(shopID, workflowID, runID string) string {
	return "/shops/" + url.PathEscape(shopID) + "/export/runs/" + url.PathEscape(workflowID) + "/" + url.PathEscape(runID)
}

func (s *Server) exportForm(rq *request) error {
	st := rq.shop.Settings
	return s.renderExport(rq, http.StatusOK, st.WindowDays, st.RequireShipDate, "", nil)
}

// renderExport shows the データ書出 form with the given values; running names the
// export that refused a start.
func (s *Server) renderExport(rq *request, status, windowDays int, requireShipDate bool, errMsg string, running *runLink) error {
	sh := rq.shop
	data := exportFormData{WindowDays: windowDays, RequireShipDate: requireShipDate, SendMail: sh.Settings.SendMail,
		Connection: connectionOf(sh), Connected: sh.HasAccessToken && !sh.ReconnectNeeded, Running: running}
	if data.Running == nil {
		data.Running = s.runningExport(rq)
	}
	return s.renderStatus(rq, status, "export", "データ書出", data, errMsg)
}

// runningExport returns the shop's running export, or nil (also when Temporal
// cannot say).
func (s *Server) runningExport(rq *request) *runLink {
	ctx, cancel := context.WithTimeout(rq.ctx(), 3*time.Second)
	defer cancel()
	id := workflows.ShippingSyncID(rq.shop.ID)
	desc, err := s.d.Temporal.DescribeWorkflow(ctx, id, "")
	if err != nil || desc.RawResponse.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil
	}
	return s.exportLink(rq.shop.ID, id, desc.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId())
}

// exportInput reads the form: 作成期間 and the ship-date checkbox; the shipping
// mail follows the shop's setting. When the form cannot run, it shows the form
// again with what to fix and returns ok false.
func (s *Server) exportInput(rq *request, dryRun bool) (in workflows.ShippingSyncInput, ok bool, err error) {
	require := rq.r.FormValue("require_ship_date") == "on"
	window, convErr := strconv.Atoi(strings.TrimSpace(rq.r.FormValue("window_days")))
	if convErr != nil || !rules.ValidDays(window) {
		return in, false, s.renderExport(rq, http.StatusBadRequest, rq.shop.Settings.WindowDays, require,
			fmt.Sprintf("作成期間は%d〜%dの数字 (日) で入力してください。直してもう一度押してください。", rules.MinDays, rules.MaxDays), nil)
	}
	if rq.shop.ReconnectNeeded || !rq.shop.HasAccessToken {
		return in, false, s.renderExport(rq, http.StatusBadRequest, window, require,
			"カラーミーショップに接続していないため実行できません。"+connectionOf(rq.shop).Hint, nil)
	}
	if msg := s.workerMissing(rq); msg != "" {
		return in, false, s.renderExport(rq, http.StatusServiceUnavailable, window, require, msg, nil)
	}
	return workflows.ShippingSyncInput{ShopID: rq.shop.ID, WindowDays: window, RequireShipDate: &require, DryRun: dryRun,
		Trigger: oms.TriggerManual, StartedBy: rq.user.Login, MaxInFlight: s.d.Config.ExportMaxInFlight}, true, nil
}

// exportPreview is 「プレビュー」: a dry run with the form's values (as `starter
// sync -dry-run`), waited for a bounded time, then its page: what would be
// written per order, or its progress while it still runs.
func (s *Server) exportPreview(rq *request) error {
	in, ok, err := s.exportInput(rq, true)
	if !ok {
		return err
	}
	run, err := app.StartExport(rq.ctx(), s.d.Temporal, s.d.Config, in)
	if err != nil {
		return err
	}
	s.d.Logger.Info("console: preview started", "shop", in.ShopID, "by", rq.user.Login, "workflow_id", run.GetID(), "run_id", run.GetRunID())
	ctx, cancel := context.WithTimeout(rq.ctx(), previewWait)
	defer cancel()
	_ = run.Get(ctx, nil) // finished, failed or still running: the run's page says which
	return s.redirect(rq, exportRunPath(in.ShopID, run.GetID(), run.GetRunID()), "")
}

// exportStart is 「発送情報の更新」: the export with the form's values (as `starter
// sync`), then its page. While the shop's export runs, it is not started again:
// the page says which run is running and links to it.
func (s *Server) exportStart(rq *request) error {
	in, ok, err := s.exportInput(rq, false)
	if !ok {
		return err
	}
	return s.startExport(rq, in, func(run string) string { return "発送情報の更新を開始しました。" + run })
}

// startExport starts in and shows its page; flash makes the message from the run's
// description. An export already running is named, with a link to it.
func (s *Server) startExport(rq *request, in workflows.ShippingSyncInput, flash func(run string) string) error {
	run, err := app.StartExport(rq.ctx(), s.d.Temporal, s.d.Config, in)
	var running *app.RunningError
	if errors.As(err, &running) {
		s.d.Logger.Info("console: export refused: one is running", "shop", in.ShopID, "by", rq.user.Login, "running_run_id", running.RunID)
		window, require := in.WindowDays, rq.shop.Settings.RequireShipDate
		if window == 0 {
			window = rq.shop.Settings.WindowDays
		}
		if in.RequireShipDate != nil {
			require = *in.RequireShipDate
		}
		return s.renderExport(rq, http.StatusConflict, window, require, s.runningMessage(rq, running),
			s.exportLink(rq.shop.ID, running.WorkflowID, running.RunID))
	}
	if err != nil {
		return err
	}
	s.d.Logger.Info("console: export started", "shop", in.ShopID, "by", rq.user.Login, "workflow_id", run.GetID(),
		"run_id", run.GetRunID(), "sales", len(in.SaleIDs))
	return s.redirect(rq, exportRunPath(in.ShopID, run.GetID(), run.GetRunID()), flash("(ラン "+run.GetRunID()+")"))
}

// exportWorkflow checks that workflowID is an export or dry run of the shop and
// says which.
func exportWorkflow(shopID, workflowID string) (dryRun, ok bool) {
	if shop, ok := workflows.ParseShippingSyncID(workflowID); ok {
		return false, shop == shopID
	}
	shop, _, ok := workflows.ParseDryRunID(workflowID)
	return ok, ok && shop == shopID
}

// exportRunData is what the page of a started export or dry run shows.
type exportRunData struct {
	Link     *runLink
	DryRun   bool
	Running  bool
	Progress progressView
	PollURL  string
	Result   *workflows.ShippingSyncResult
	Failure  string // why the run ended without a result
	Outcomes []outcomeLine
	More     bool // more outcomes than shown
	RunPath  string
}

// progressView is a running export's progress as the page and its JSON show it;
// console.js copies each field into the element with the same data-field and
// reloads the page when done is true.
type progressView struct {
	Done          bool   `json:"done"` // the run has ended: reload for the summary
	State         string `json:"state"`
	RunID         int64  `json:"run_id"`
	Pages         int    `json:"pages"`
	oms.RunTotals        // targets, updated, unchanged, skipped, failed, mails
	InFlight      int    `json:"in_flight"`
	Queued        int    `json:"queued"`
}

func viewOf(st app.ExportState) progressView {
	p := st.Progress
	v := progressView{Done: !st.Running, State: stateLabel(st), RunID: p.RunID, Pages: p.Pages, InFlight: p.InFlight, Queued: p.Queued,
		RunTotals: p.Totals}
	if r := st.Result; r != nil {
		v.RunID, v.RunTotals = r.RunID, oms.RunTotals{Targets: r.Targets, Updated: r.Updated, Unchanged: r.Unchanged,
			Skipped: r.Skipped, Failed: r.Failed, Mails: r.Mails}
	}
	return v
}

func stateLabel(st app.ExportState) string {
	switch {
	case st.Running && st.Progress.RunID == 0:
		return "開始しています"
	case st.Running:
		return "実行中"
	case st.Result != nil:
		return "完了"
	case st.Status == enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED || st.Status == enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "停止"
	}
	return "失敗"
}

// exportState reads the state of the run named by the path.
func (s *Server) exportState(rq *request) (app.ExportState, bool, error) {
	wf, run := rq.r.PathValue("wf"), rq.r.PathValue("run")
	dryRun, ok := exportWorkflow(rq.shop.ID, wf)
	if !ok {
		return app.ExportState{}, false, notFound("この店舗の発送情報の更新ではありません。データ書出の画面から開いてください。")
	}
	ctx, cancel := context.WithTimeout(rq.ctx(), stateWait)
	defer cancel()
	st, err := app.ExportStateOf(ctx, s.d.Temporal, wf, run)
	if errors.Is(err, app.ErrNoSuchRun) {
		return st, dryRun, notFound("このランは Temporal にありません (保存期間を過ぎたか、URL が違います)。自動処理ログから開いてください。")
	}
	return st, dryRun, err
}

// exportRun shows a started export or dry run: its progress while it runs (the
// page polls the JSON; without JavaScript, the reload link), then the summary,
// the orders that changed or failed — for a dry run, what would be written — and
// the links to the run log and the Temporal UI.
func (s *Server) exportRun(rq *request) error {
	st, dryRun, err := s.exportState(rq)
	if err != nil {
		return err
	}
	wf, run := rq.r.PathValue("wf"), rq.r.PathValue("run")
	data := exportRunData{Link: s.exportLink(rq.shop.ID, wf, run), DryRun: dryRun, Running: st.Running, Progress: viewOf(st)}
	data.Link.TemporalURL = s.d.Config.WorkflowURL(wf, st.RunID)
	if st.Running {
		data.PollURL = data.Link.URL + "/progress"
	}
	if st.Err != nil {
		data.Failure = failureMessage(st.Err)
	}
	if r := st.Result; r != nil {
		data.Result = r
		data.RunPath = runPath(rq.shop.ID, r.RunID)
		outs, more, err := s.d.Store.RunOutcomes(rq.ctx(), oms.OutcomeQuery{RunID: r.RunID, Only: oms.OnlyChanges, Limit: 200})
		if err != nil {
			return err
		}
		data.Outcomes, data.More = outcomeLines(oms.KindExport, outs), more
	}
	title := "発送情報の更新"
	if dryRun {
		title = "プレビュー (書き込みなし)"
	}
	return s.render(rq, "export_run", title, data)
}

// exportProgress is the JSON the run's page polls.
func (s *Server) exportProgress(rq *request) error {
	st, _, err := s.exportState(rq)
	rq.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err != nil {
		var he *httpError
		status := http.StatusInternalServerError
		if errors.As(err, &he) {
			status = he.status
		} else {
			s.d.Logger.Warn("console: reading an export's progress failed", "shop", rq.shop.ID, "err", err)
		}
		rq.w.WriteHeader(status)
		return json.NewEncoder(rq.w).Encode(map[string]any{"done": false, "state": "状態を読めません"})
	}
	return json.NewEncoder(rq.w).Encode(viewOf(st))
}

// failureMessage says how a run ended without a result: the workflow's own
// message, without the SDK's wrapping.
func failureMessage(err error) string {
	var term *temporal.TerminatedError
	var canc *temporal.CanceledError
	var ae *temporal.ApplicationError
	var te *temporal.TimeoutError
	switch {
	case errors.As(err, &term):
		return "Temporal で停止 (terminate) されました。"
	case errors.As(err, &canc):
		return "取り消されました。"
	case errors.As(err, &ae):
		return ae.Message()
	case errors.As(err, &te):
		return "時間切れで終了しました: " + te.Error()
	}
	return err.Error()
}
