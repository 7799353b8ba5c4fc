package console

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// runsPerPage is the page size of 自動処理ログ; outcomesPerPage that of a run's orders.
const (
	runsPerPage     = 50
	outcomesPerPage = 200
)

// runPath is the console's page of a run of the run log.
func runPath(shopID string, runID int64) string {
	return "/shops/" + shopID + "/runs/" + strconv.FormatInt(runID, 10)
}

// runLine is one run as staff see it.
type runLine struct {
	Run         oms.Run
	Path        string
	Kind        string // 受注取得 | 発送情報の更新 | プレビュー
	Trigger     string // 手動 | スケジュール | 変更時
	By          string // who started a manual run
	Status      string // 実行中 | 完了 | 失敗
	StatusClass string
	Bad         bool   // the run failed or some of its orders did
	LiveURL     string // a running export's progress page
}

func (s *Server) lineOf(r oms.Run) runLine {
	l := runLine{Run: r, Path: runPath(r.ShopID, r.ID), Kind: runKindLabel(r), Trigger: "手動", By: r.StartedBy}
	switch r.Trigger { // a scheduled run started by 今すぐ実行 names who pressed it
	case oms.TriggerScheduled:
		l.Trigger, l.By = "スケジュール", cmp.Or(r.StartedBy, "スケジュール")
	case oms.TriggerChange:
		l.Trigger, l.By = "変更時", cmp.Or(r.StartedBy, "変更時")
	}
	if l.By == "" {
		l.By = "-"
	}
	switch r.Status {
	case oms.RunRunning:
		l.Status, l.StatusClass = "実行中", "warn"
		if r.Kind == oms.KindExport {
			l.LiveURL = exportRunPath(r.ShopID, r.WorkflowID, r.RunKey)
		}
	case oms.RunCompleted:
		l.Status, l.StatusClass = "完了", "ok"
	case oms.RunFailed:
		l.Status, l.StatusClass = "失敗", "bad"
	default:
		l.Status = string(r.Status)
	}
	l.Bad = r.Status == oms.RunFailed || r.Totals.Failed > 0
	return l
}

func runKindLabel(r oms.Run) string {
	switch {
	case r.Kind == oms.KindImport:
		return "受注取得"
	case r.Kind == oms.KindStock:
		return "在庫連携"
	case r.DryRun:
		return "プレビュー"
	}
	return "発送情報の更新"
}

// runFilter is the filter of 自動処理ログ, as the query string carries it.
type runFilter struct {
	Kind    string // import | export | dry_run
	Trigger string // manual | scheduled
	Status  string // failed
	Page    int    // from 1
}

// choice is one option of a filter.
type choice struct{ Value, Label string }

// Options of the filters.
var (
	kindChoices    = []choice{{"", "すべて"}, {string(oms.KindImport), "受注取得"}, {string(oms.KindExport), "発送情報の更新"}, {oms.FilterDryRun, "プレビュー"}, {string(oms.KindStock), "在庫連携"}}
	triggerChoices = []choice{{"", "すべて"}, {string(oms.TriggerManual), "手動"}, {string(oms.TriggerScheduled), "スケジュール"}, {string(oms.TriggerChange), "変更時"}}
	statusChoices  = []choice{{"", "すべて"}, {string(oms.RunFailed), "失敗のみ (失敗した注文を含む)"}}
)

func valid(v string, cs []choice) string {
	for _, c := range cs {
		if c.Value == v {
			return v
		}
	}
	return ""
}

// runListData is what 自動処理ログ shows.
type runListData struct {
	Filter         runFilter
	Lines          []runLine
	More           bool
	KindChoices    []choice
	TriggerChoices []choice
	StatusChoices  []choice
}

// runList is 自動処理ログ: runs of every kind, newest first, paged and filtered.
func (s *Server) runList(rq *request) error {
	q := rq.r.URL.Query()
	f := runFilter{Kind: valid(q.Get("kind"), kindChoices), Trigger: valid(q.Get("trigger"), triggerChoices),
		Status: valid(q.Get("status"), statusChoices), Page: 1}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 && p <= 100000 {
		f.Page = p
	}
	runs, more, err := s.d.Store.ListRuns(rq.ctx(), oms.RunFilter{ShopID: rq.shop.ID, Kind: f.Kind, Trigger: f.Trigger,
		Failed: f.Status == "failed", Offset: (f.Page - 1) * runsPerPage, Limit: runsPerPage})
	if err != nil {
		return err
	}
	data := runListData{Filter: f, More: more, KindChoices: kindChoices, TriggerChoices: triggerChoices, StatusChoices: statusChoices}
	for _, r := range runs {
		data.Lines = append(data.Lines, s.lineOf(r))
	}
	return s.render(rq, "runs", "自動処理ログ", data)
}

// outcomeLine is one order's outcome in a run.
type outcomeLine struct {
	oms.Outcome
	Label string   // the outcome in staff's words
	Class string   // bad for failed
	Sent  []string // what was (or would be) written, one line per delivery
}

// outcomeLines turns outcomes of a run of kind into lines.
func outcomeLines(kind oms.Kind, outs []oms.Outcome) []outcomeLine {
	lines := make([]outcomeLine, len(outs))
	for i, o := range outs {
		lines[i] = outcomeLine{Outcome: o, Label: outcomeLabel(kind, o.Outcome), Sent: sentLines(o.Sent)}
		switch o.Outcome {
		case rules.OutcomeFailed:
			lines[i].Class = "bad"
		case oms.ImportFlagged:
			lines[i].Class = "warn"
		}
	}
	return lines
}

func outcomeLabel(kind oms.Kind, outcome rules.Outcome) string {
	if kind == oms.KindImport {
		switch outcome {
		case oms.ImportCreated:
			return "新規"
		case oms.ImportUpdated:
			return "更新"
		case oms.ImportCancelled:
			return "キャンセル"
		case oms.ImportFlagged:
			return "要確認"
		}
		return string(outcome)
	}
	switch outcome {
	case rules.OutcomeUpdated:
		return "更新"
	case rules.OutcomePlanned:
		return "更新予定"
	case rules.OutcomeUnchanged:
		return "変更なし"
	case rules.OutcomeSkipped:
		return "スキップ"
	case rules.OutcomeFailed:
		return "失敗"
	}
	return string(outcome)
}

// sentWords says what was written to one delivery, in staff's words.
func sentWords(d colorme.DeliveryUpdate, slipFormat, delivered string) []string {
	var parts []string
	if d.SlipNumber != nil {
		parts = append(parts, fmt.Sprintf(slipFormat, *d.SlipNumber))
	}
	if d.Delivered != nil && *d.Delivered {
		parts = append(parts, delivered)
	}
	return parts
}

// sentLines describes what a run wrote to ColorMe: one line per delivery, and
// the shipping mail.
func sentLines(sent string) []string {
	body, ok := workflows.DecodeSent(sent)
	if !ok {
		if sent == "" {
			return nil
		}
		return []string{sent}
	}
	var out []string
	for _, d := range body.SaleDeliveries {
		out = append(out, fmt.Sprintf("お届け先 %d: %s", d.ID, strings.Join(sentWords(d, "伝票番号「%s」", "配送済みにする"), "、")))
	}
	if body.Mail {
		out = append(out, "商品発送メールを送る")
	}
	if body.Paid {
		out = append(out, "入金: 入金済みにする")
	}
	if body.PaidMail {
		out = append(out, "入金: 入金確認メールを送る")
	}
	return out
}

// runPageData is what the page of one run shows.
type runPageData struct {
	Line        runLine
	Import      *oms.ImportRun
	TemporalURL string
	Counts      map[string]int // recorded outcomes by outcome
	Only        string         // failed | changes | "" (all)
	Page        int
	Outcomes    []outcomeLine
	More        bool
	CanRetry    bool
	FailedCount int
}

// runPage shows one run: its settings, totals and error, and every order's
// outcome and reason (paged; failed ones stand out), with 「失敗分を再実行」 on an
// export with failed orders.
func (s *Server) runPage(rq *request) error {
	r, err := s.shopRun(rq)
	if err != nil {
		return err
	}
	q := rq.r.URL.Query()
	data := runPageData{Line: s.lineOf(r), TemporalURL: s.d.Config.WorkflowURL(r.WorkflowID, r.RunKey), Page: 1}
	switch q.Get("only") {
	case oms.OnlyFailed, oms.OnlyChanges:
		data.Only = q.Get("only")
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 && p <= 100000 {
		data.Page = p
	}
	if r.Kind == oms.KindImport {
		ir, err := s.d.Store.ImportRun(rq.ctx(), r.ID)
		if err != nil {
			return err
		}
		data.Import = &ir
	}
	if data.Counts, err = s.d.Store.OutcomeCounts(rq.ctx(), r.ID); err != nil {
		return err
	}
	outs, more, err := s.d.Store.RunOutcomes(rq.ctx(), oms.OutcomeQuery{RunID: r.ID, Only: data.Only,
		Offset: (data.Page - 1) * outcomesPerPage, Limit: outcomesPerPage})
	if err != nil {
		return err
	}
	data.Outcomes, data.More = outcomeLines(r.Kind, outs), more
	data.FailedCount = data.Counts[string(rules.OutcomeFailed)]
	data.CanRetry = r.Kind == oms.KindExport && !r.DryRun && r.Status != oms.RunRunning && data.FailedCount > 0
	return s.render(rq, "run", fmt.Sprintf("自動処理ログ #%d", r.ID), data)
}

// shopRun reads the run named by the path; a run of another shop is not found.
func (s *Server) shopRun(rq *request) (oms.Run, error) {
	id, err := strconv.ParseInt(rq.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return oms.Run{}, notFound("ログの番号が正しくありません。自動処理ログから開いてください。")
	}
	r, err := s.d.Store.Run(rq.ctx(), id)
	if errors.Is(err, oms.ErrNotFound) || (err == nil && r.ShopID != rq.shop.ID) {
		return oms.Run{}, notFound(fmt.Sprintf("この店舗の自動処理ログに #%d はありません。自動処理ログから開いてください。", id))
	}
	return r, err
}

// retryFailed is 「失敗分を再実行」: an export of exactly the run's failed sales
// (the first workflows.MaxSaleIDs by sale id), with the run's 作成期間, ship-date
// checkbox and shipping mail, evaluated now. Rules 1–4 still apply: a sale that
// is no target any more is recorded as skipped with the reason.
func (s *Server) retryFailed(rq *request) error {
	r, err := s.shopRun(rq)
	if err != nil {
		return err
	}
	if r.Kind != oms.KindExport || r.DryRun {
		return badRequest("「失敗分を再実行」は発送情報の更新のログでだけ使えます。")
	}
	if r.Status == oms.RunRunning {
		return badRequest("このランはまだ実行中です。終わってから「失敗分を再実行」を押してください。")
	}
	ids, more, err := s.d.Store.FailedSaleIDs(rq.ctx(), r.ID, workflows.MaxSaleIDs)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return s.redirect(rq, runPath(rq.shop.ID, r.ID), "このランに失敗した注文はありません。")
	}
	if rq.shop.ReconnectNeeded || !rq.shop.HasAccessToken {
		return badRequest("カラーミーショップに接続していないため実行できません。" + connectionOf(rq.shop).Hint)
	}
	in := workflows.ShippingSyncInput{ShopID: rq.shop.ID, WindowDays: r.WindowDays, RequireShipDate: &r.RequireShipDate,
		SendMail: &r.SendMail, Trigger: oms.TriggerManual, StartedBy: rq.user.Login, MaxInFlight: s.d.Config.ExportMaxInFlight,
		SaleIDs: ids}
	msg := fmt.Sprintf("自動処理ログ #%d の失敗分 %d件 を再実行しました。", r.ID, len(ids))
	if more {
		msg = fmt.Sprintf("自動処理ログ #%d の失敗分のうち、最初の %d件 を再実行しました (1回に %d件まで)。", r.ID, len(ids), workflows.MaxSaleIDs)
	}
	return s.startExport(rq, in, func(run string) string { return msg + run })
}
