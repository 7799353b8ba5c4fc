package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// 在庫連携 (在庫一覧, a SKU's page, 「在庫を今すぐ送る」, 「商品情報を取得」): the
// screens over internal/stock. A click does what `starter stock list|push|
// catalogue` does; the warehouse file (在庫取込) is in stock_upload.go.

// stockPageSize is how many sellable units 在庫一覧 shows on a page.
const stockPageSize = 50

// stockMovements is how many movements a SKU's page lists.
const stockMovements = 100

// catalogueWait bounds how long 「商品情報を取得」 waits for the import before
// the page says it still runs.
const catalogueWait = 30 * time.Second

// stockListData is what 在庫一覧 shows.
type stockListData struct {
	Query       string
	Page, Pages int
	Rows        []stockRow // the page's mapped units
	Matches     int        // mapped units matching Query
	Units       int        // sellable units in the catalogue
	Mapped      int
	Unmapped    []unmappedRow
	NoCatalogue bool      // the catalogue was never imported
	PushRun     string    // where to watch the 在庫連携 that follows a change (自動処理ログ)
	ReadAt      time.Time // when the catalogue was read
	LastRun     *stockRunView
	Connected   bool
	Connection  connection
}

// stockRow is one sellable unit mapped to a SKU.
type stockRow struct {
	SKU, Product, Options string
	HasLevel              bool // the OMS has an on-hand quantity
	OnHand, Open, Avail   int64
	ColorMe               int64     // ColorMe's last known stock
	ColorMeAt             time.Time // when it was known
	Push                  *pushView // the SKU's last write to ColorMe, nil = never
	Differs               bool      // ColorMe's last known value is not the available quantity
}

// pushView is a SKU's last write to ColorMe as staff see it.
type pushView struct {
	At           time.Time
	Delta        int64
	Label, Class string
}

// unmappedRow is a unit 在庫連携 leaves alone, with what to do.
type unmappedRow struct {
	Product, Options, SKU, Problem, Todo string
}

// stockRunView is a 在庫連携 run of the run log.
type stockRunView struct {
	Path, Status, Class, By string
	At                      time.Time
	Totals                  oms.RunTotals
	Error                   string
}

// problemLabels name the unmapped problems in staff's words.
var problemLabels = map[string]string{
	stock.ProblemNoModelNumber: "型番なし",
	stock.ProblemDuplicate:     "型番重複",
	stock.ProblemNotManaged:    "在庫管理なし",
}

// pushLabels name the ledger states in staff's words, with their colour.
var pushLabels = map[string][2]string{
	stock.WriteApplied: {"送信済み", "ok"},
	stock.WritePending: {"送信中", "warn"},
	stock.WriteUnclear: {"結果不明 (次の在庫連携で確認します)", "warn"},
	stock.WriteRefused: {"カラーミーショップが拒否", "bad"},
}

func stockPath(shopID string) string { return "/shops/" + url.PathEscape(shopID) + "/stock" }

func stockSKUPath(shopID, sku string) string {
	return stockPath(shopID) + "/sku?" + url.Values{"sku": {sku}}.Encode()
}

// stockList is 在庫一覧: each mapped unit's stock, searched by 型番 and paged,
// the units that cannot be mapped, and the last 在庫連携.
func (s *Server) stockList(rq *request) error {
	return s.renderStock(rq, http.StatusOK, "")
}

// stockRefused shows 在庫一覧 again with what went wrong and what to do.
func (s *Server) stockRefused(rq *request, status int, msg string) error {
	return s.renderStock(rq, status, msg)
}

func (s *Server) renderStock(rq *request, status int, errMsg string) error {
	st := stock.New(s.d.Store)
	ss, err := readShopStock(rq.ctx(), st, rq.shop.ID)
	if err != nil {
		return err
	}
	q := rq.r.URL.Query()
	data := stockListData{Query: strings.TrimSpace(q.Get("q")), Units: len(ss.units), NoCatalogue: len(ss.units) == 0, PushRun: pushRunLink(rq),
		Connection: connectionOf(rq.shop), Connected: rq.shop.HasAccessToken && !rq.shop.ReconnectNeeded}
	data.Mapped = len(ss.mapped)
	for _, u := range ss.unmapped {
		data.Unmapped = append(data.Unmapped, unmappedRow{Product: u.Unit.ProductName, Options: u.Unit.OptionText(),
			SKU: u.Unit.ModelNumber, Problem: problemLabels[u.Problem], Todo: u.Todo})
	}
	for _, u := range ss.units {
		data.ReadAt = u.ReadAt
	}
	if data.LastRun, err = s.lastStockRun(rq.ctx(), rq.shop.ID); err != nil {
		return err
	}
	rows, err := s.stockRows(rq.ctx(), st, rq.shop.ID, ss)
	if err != nil {
		return err
	}
	rows = slices.DeleteFunc(rows, func(r stockRow) bool { return !matchesSKU(r, data.Query) })
	data.Matches = len(rows)
	data.Pages = max((len(rows)+stockPageSize-1)/stockPageSize, 1)
	data.Page = min(max(atoiOr(q.Get("page"), 1), 1), data.Pages)
	from := (data.Page - 1) * stockPageSize
	data.Rows = rows[from:min(from+stockPageSize, len(rows))]
	return s.renderStatus(rq, status, "stock", "在庫一覧", data, errMsg)
}

// pushRunLink is where to watch the 在庫連携 that follows a change (?follow=):
// 自動処理ログ's 在庫連携 runs; "" when the on-change trigger was not told.
func pushRunLink(rq *request) string {
	if rq.r.URL.Query().Get("follow") == "" {
		return ""
	}
	return stockRunsPath(rq.shop.ID)
}

// matchesSKU reports whether a row's 型番 contains q (case-insensitive).
func matchesSKU(r stockRow, q string) bool {
	return q == "" || strings.Contains(strings.ToLower(r.SKU), strings.ToLower(q))
}

func atoiOr(v string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return n
}

// shopStock is a shop's stock as the 在庫連携 screens read it: the
// catalogue's sellable units, those mapped to a SKU and those that cannot be,
// and the OMS's levels by SKU.
type shopStock struct {
	units    []stock.Unit
	mapped   map[string]stock.Unit
	unmapped []stock.Unmapped
	levels   map[string]stock.Level
}

// readShopStock reads the shop's catalogue and levels.
func readShopStock(ctx context.Context, st *stock.Store, shopID string) (shopStock, error) {
	units, err := st.Catalogue(ctx, shopID)
	if err != nil {
		return shopStock{}, err
	}
	levels, err := st.Levels(ctx, shopID)
	if err != nil {
		return shopStock{}, err
	}
	mapped, unmapped := stock.Classify(units)
	return shopStock{units: units, mapped: mapped, unmapped: unmapped, levels: levels}, nil
}

// stockRows joins the mapped units with their levels and their last writes,
// in catalogue order.
func (s *Server) stockRows(ctx context.Context, st *stock.Store, shopID string, ss shopStock) ([]stockRow, error) {
	writes, err := st.Writes(ctx, shopID)
	if err != nil {
		return nil, err
	}
	last := map[string]stock.WriteRow{}
	for _, w := range writes { // oldest first: the last one stays
		last[w.SKU] = w
	}
	var rows []stockRow
	for _, u := range ss.units {
		if m, ok := ss.mapped[u.ModelNumber]; !ok || m.UnitKey != u.UnitKey {
			continue
		}
		l, has := ss.levels[u.ModelNumber]
		r := stockRow{SKU: u.ModelNumber, Product: u.ProductName, Options: u.OptionText(), HasLevel: has,
			OnHand: l.OnHand, Open: l.Open, Avail: l.Available, ColorMe: u.ColorMeStocks, ColorMeAt: u.ReadAt}
		if w, ok := last[u.ModelNumber]; ok {
			lbl := pushLabels[w.State]
			r.Push = &pushView{At: w.WrittenAt, Delta: w.Delta, Label: lbl[0], Class: lbl[1]}
			if w.State == stock.WriteApplied && w.WrittenAt.After(u.ReadAt) {
				r.ColorMe, r.ColorMeAt = w.ReadValue+w.Delta, w.WrittenAt
			}
		}
		r.Differs = has && r.ColorMe != r.Avail
		rows = append(rows, r)
	}
	return rows, nil
}

// lastStockRun is the shop's latest 在庫連携 run, nil when none.
func (s *Server) lastStockRun(ctx context.Context, shopID string) (*stockRunView, error) {
	runs, _, err := s.d.Store.ListRuns(ctx, oms.RunFilter{ShopID: shopID, Kind: string(oms.KindStock), Limit: 1})
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	return stockRunOf(runs[0]), nil
}

func stockRunOf(r oms.Run) *stockRunView {
	v := &stockRunView{Path: runPath(r.ShopID, r.ID), At: r.StartedAt, Totals: r.Totals, Error: r.Error, By: r.StartedBy}
	switch r.Status {
	case oms.RunRunning:
		v.Status, v.Class = "実行中", "warn"
	case oms.RunCompleted:
		v.Status, v.Class = "完了", "ok"
	default:
		v.Status, v.Class = "失敗", "bad"
	}
	if v.By == "" {
		v.By = map[oms.Trigger]string{oms.TriggerScheduled: "自動 (スケジュール)"}[r.Trigger]
	}
	return v
}

// stockSKUData is what a SKU's page shows.
type stockSKUData struct {
	SKU       string
	Units     []stockRow // the unit mapped to the SKU (none when not in the catalogue)
	HasLevel  bool
	OnHand    int64
	Movements []stock.Movement
	Reason    string // the form's reason, kept after a refusal
	PushRun   string // where to watch the 在庫連携 that follows the edit (自動処理ログ)
	NoWorker  string // the edit's follow-up waits for a worker (stockEditNoWorker); "": the usual help
}

// stockSKU is a SKU's page: its stock, the form that edits its on-hand
// quantity, and its movement history (who, when, why).
func (s *Server) stockSKU(rq *request) error {
	return s.renderSKU(rq, http.StatusOK, strings.TrimSpace(rq.r.URL.Query().Get("sku")), "", "")
}

func (s *Server) renderSKU(rq *request, status int, sku, reason, errMsg string) error {
	if sku == "" {
		return s.redirect(rq, stockPath(rq.shop.ID), "型番を選んでください: 在庫一覧の型番を押すと、その型番の在庫と履歴を表示します。")
	}
	st := stock.New(s.d.Store)
	ss, err := readShopStock(rq.ctx(), st, rq.shop.ID)
	if err != nil {
		return err
	}
	rows, err := s.stockRows(rq.ctx(), st, rq.shop.ID, ss)
	if err != nil {
		return err
	}
	data := stockSKUData{SKU: sku, Reason: reason, PushRun: pushRunLink(rq), NoWorker: s.stockEditNoWorker(rq)}
	for _, r := range rows {
		if r.SKU == sku {
			data.Units = append(data.Units, r)
		}
	}
	l, ok := ss.levels[sku]
	data.HasLevel, data.OnHand = ok, l.OnHand
	if data.Movements, err = st.Movements(rq.ctx(), rq.shop.ID, sku, stockMovements); err != nil {
		return err
	}
	if len(data.Units) == 0 && !data.HasLevel && len(data.Movements) == 0 {
		return notFound("型番「" + sku + "」はこの店舗の商品にも在庫にもありません。在庫一覧で型番を確かめてください。")
	}
	return s.renderStatus(rq, status, "stock_sku", "在庫の修正と履歴", data, errMsg)
}

// stockEdit sets a SKU's on-hand quantity by hand, with a reason, recording a
// movement, then lets ColorMe follow (followPush).
func (s *Server) stockEdit(rq *request) error {
	sku := strings.TrimSpace(rq.r.PostFormValue("sku"))
	reason := strings.TrimSpace(rq.r.PostFormValue("reason"))
	raw := strings.TrimSpace(strings.ReplaceAll(rq.r.PostFormValue("on_hand"), ",", ""))
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case sku == "":
		return badRequest("型番がありません。在庫一覧で型番を押し、その画面で在庫数を修正してください。")
	case err != nil || n < 0:
		return s.renderSKU(rq, http.StatusBadRequest, sku, reason, fmt.Sprintf("在庫数「%s」は0以上の整数ではありません。数字だけで入力して、もう一度「在庫数を修正」を押してください。", raw))
	case reason == "":
		return s.renderSKU(rq, http.StatusBadRequest, sku, reason, "修正の理由を入力してください (例: 棚卸しの差異、破損)。理由は履歴に残ります。")
	case len([]rune(reason)) > 200:
		return s.renderSKU(rq, http.StatusBadRequest, sku, reason, "理由は200文字以内にしてください。短くして、もう一度押してください。")
	}
	changed, err := stock.New(s.d.Store).SetOnHand(rq.ctx(), rq.shop.ID, map[string]int64{sku: n}, rq.user.Login, stock.ReasonEdit+": "+reason)
	if err != nil {
		return err
	}
	s.d.Logger.Info("console: stock edited", "shop", rq.shop.ID, "by", rq.user.Login, "sku", sku, "on_hand", n, "changed", changed)
	if changed == 0 {
		return s.redirect(rq, stockSKUPath(rq.shop.ID, sku), fmt.Sprintf("型番「%s」の在庫数はすでに%dです。変更していません。", sku, n))
	}
	note, follow := s.followPush(rq, fmt.Sprintf("on-hand edit: %s = %d", sku, n))
	return s.redirect(rq, withFollow(stockSKUPath(rq.shop.ID, sku), follow), fmt.Sprintf("型番「%s」の在庫数を%dにしました。", sku, n)+note)
}

// followPush lets ColorMe follow a stored change of on-hand and says what
// happens next. When the shop listens (自動在庫連携 on, connected), it tells
// the on-change stock trigger (app.NotifyStockChange): the trigger starts a
// push within seconds and, while another push of the shop runs, retries until
// a push that started after the change has run, so no change is missed. When
// 自動在庫連携 is off nothing is sent (the setting is the staff's choice, and
// the token may lack the product scopes): it says so and that 「在庫を今すぐ
// 送る」 sends now. When no worker polls the task queue (workerIdle), it says
// that the push waits for a worker instead of "in a few seconds". follow
// reports whether the trigger was told: the redirect then links to 自動処理ログ's
// 在庫連携 runs (?follow=1), where the push shows once it runs.
func (s *Server) followPush(rq *request, reason string) (msg string, follow bool) {
	switch {
	case !rq.shop.HasAccessToken || rq.shop.ReconnectNeeded:
		return "カラーミーショップに接続していないため、まだ送っていません。" + connectionOf(rq.shop).Hint, false
	case !app.StockListener.Listens(rq.shop):
		return stockOffNote, false
	}
	if err := app.NotifyStockChange(rq.ctx(), s.d.Temporal, s.d.Config, s.d.Store, rq.shop.ID, reason); err != nil {
		s.d.Logger.Warn("console: the on-change stock push was not told of a change; the scheduled reconcile carries it",
			"shop", rq.shop.ID, "reason", reason, "error", err.Error())
		return fmt.Sprintf("自動在庫連携に変更を知らせられませんでした (Temporal に接続できません)。変更は保存済みで、次の定期照合 (%d分ごと) でカラーミーショップに送ります。"+
			"すぐに送るには、少し待ってから在庫一覧の「在庫を今すぐ送る」を押してください。", rq.shop.Settings.StockIntervalMinutes), false
	}
	s.d.Logger.Info("console: the on-change stock push was told", "shop", rq.shop.ID, "by", rq.user.Login, "reason", reason)
	if s.workerIdle(rq, reason) {
		return noWorkerNote("自動在庫連携", "在庫連携"), true
	}
	return stockFollowNote, true
}

// What staff are told after an on-hand change: ColorMe follows by itself
// (自動在庫連携 on), or 自動在庫連携 is off and 「在庫を今すぐ送る」 sends.
const (
	stockFollowNote = "自動在庫連携がオンのため、数秒後に在庫連携が始まり、カラーミーショップの在庫がこの変更に追従します " +
		"(ほかの在庫連携が実行中なら、その終了後に改めて送ります。押す必要はありません)。結果は自動処理ログの「在庫連携」で確認できます。"
	stockOffNote = "自動在庫連携がオフのため、カラーミーショップにはまだ送っていません。在庫一覧の「在庫を今すぐ送る」を押すと、いま送ります " +
		"(変更のたびに自動で送るには、APIアクセス設定で「自動在庫連携」をオンにしてください)。"
)

// stockApplyNote says, before 「取込」, what happens on ColorMe after it: with
// 自動在庫連携 on, ColorMe follows within seconds, or waits for a worker when
// none polls the task queue (workerStoppedNow).
func (s *Server) stockApplyNote(rq *request) string {
	switch {
	case !rq.shop.HasAccessToken || rq.shop.ReconnectNeeded:
		return "カラーミーショップに接続していないため、取込の後もカラーミーショップには送りません。"
	case !app.StockListener.Listens(rq.shop):
		return "自動在庫連携がオフのため、取込の後、在庫一覧の「在庫を今すぐ送る」を押すとカラーミーショップに送ります。"
	case s.workerStoppedNow(rq.ctx()):
		return noWorkerBefore("取込の後、自動在庫連携がカラーミーショップの在庫を合わせます")
	}
	return "取込の後、自動在庫連携がカラーミーショップの在庫を数秒で合わせます。"
}

// stockEditNoWorker is what the SKU page's edit form says of ColorMe
// following an edit when 自動在庫連携 would push it but no worker polls the
// task queue (workerStoppedNow); "" otherwise, and the form keeps its usual
// help (「数秒後に追従します」).
func (s *Server) stockEditNoWorker(rq *request) string {
	if !rq.shop.HasAccessToken || !app.StockListener.Listens(rq.shop) || !s.workerStoppedNow(rq.ctx()) {
		return ""
	}
	return noWorkerBefore("自動在庫連携がオンのため、カラーミーショップの在庫も修正に追従します")
}

// withFollow adds ?follow=1 to a page's address when the on-change stock
// trigger was told: the page then links to 自動処理ログ's 在庫連携 runs.
func withFollow(path string, follow bool) string {
	if !follow {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "follow=1"
}

// stockRunsPath is 自動処理ログ with the shop's 在庫連携 runs only.
func stockRunsPath(shopID string) string {
	return "/shops/" + url.PathEscape(shopID) + "/runs?kind=stock"
}

// stockRunPath is the console's address of a 在庫連携 run by its Temporal run
// id: it opens the run's entry in 自動処理ログ.
func stockRunPath(shopID, temporalRunID string) string {
	return stockPath(shopID) + "/runs/" + url.PathEscape(temporalRunID)
}

// stockRunningMessage says that a 在庫連携 runs, who or what started it, and
// where to watch it.
func (s *Server) stockRunningMessage(ctx context.Context, e *app.RunningError) string {
	who := "自動処理"
	if r, ok := s.stockRunByKey(ctx, e.ShopID, e.RunID); ok {
		if r.StartedBy != "" {
			who = r.StartedBy + " さん"
		} else if r.Trigger == oms.TriggerScheduled {
			who = "スケジュール (自動在庫連携)"
		}
		return fmt.Sprintf("在庫連携はすでに実行中です (%s が %s に開始、自動処理ログ #%d)。1店舗で同時に動く在庫連携は1つだけです。終わるまでお待ちください。",
			who, r.StartedAt.In(rules.Tokyo).Format("15:04:05"), r.ID)
	}
	return fmt.Sprintf("在庫連携はすでに実行中です (%s が開始、ラン %s)。1店舗で同時に動く在庫連携は1つだけです。終わるまでお待ちください。", who, e.RunID)
}

// stockRunByKey finds the run-log entry of a 在庫連携 by its Temporal run id.
func (s *Server) stockRunByKey(ctx context.Context, shopID, runKey string) (oms.Run, bool) {
	runs, _, err := s.d.Store.ListRuns(ctx, oms.RunFilter{ShopID: shopID, Kind: string(oms.KindStock), Limit: 20})
	if err != nil {
		return oms.Run{}, false
	}
	for _, r := range runs {
		if r.RunKey == runKey {
			return r, true
		}
	}
	return oms.Run{}, false
}

// stockPush is 「在庫を今すぐ送る」: a 在庫連携 run of the shop now, one at a time.
func (s *Server) stockPush(rq *request) error {
	if !rq.shop.HasAccessToken || rq.shop.ReconnectNeeded {
		return s.stockRefused(rq, http.StatusBadRequest, "カラーミーショップに接続していないため送れません。"+connectionOf(rq.shop).Hint)
	}
	if msg := s.workerMissing(rq); msg != "" {
		return s.stockRefused(rq, http.StatusServiceUnavailable, msg)
	}
	run, err := app.StartStockPush(rq.ctx(), s.d.Temporal, s.d.Config, workflows.StockPushInput{ShopID: rq.shop.ID, Trigger: oms.TriggerManual, StartedBy: rq.user.Login})
	var running *app.RunningError
	if errors.As(err, &running) {
		s.d.Logger.Info("console: stock push refused: one is running", "shop", rq.shop.ID, "by", rq.user.Login, "running_run_id", running.RunID)
		return s.stockRefused(rq, http.StatusConflict, s.stockRunningMessage(rq.ctx(), running))
	}
	if err != nil {
		return err
	}
	s.d.Logger.Info("console: stock push started", "shop", rq.shop.ID, "by", rq.user.Login, "run_id", run.GetRunID())
	return s.redirect(rq, stockRunPath(rq.shop.ID, run.GetRunID()), "在庫連携を開始しました。カラーミーショップの在庫数を、販売可能数に合わせます。")
}

// stockRun opens the run-log entry of a 在庫連携 started from the console. The
// workflow writes the entry when it starts: until then it says so.
func (s *Server) stockRun(rq *request) error {
	key := rq.r.PathValue("run")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if r, ok := s.stockRunByKey(rq.ctx(), rq.shop.ID, key); ok {
			return s.redirect(rq, runPath(rq.shop.ID, r.ID), "")
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-rq.ctx().Done():
			return rq.ctx().Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return s.redirect(rq, stockRunsPath(rq.shop.ID),
		"在庫連携 (ラン "+key+") はまだ自動処理ログに記録されていません: ワーカーが開始するまで少しかかります。しばらくしてからこの画面を再読み込みしてください。")
}

// stockCatalogue is 「商品情報を取得」: it imports the shop's ColorMe products and
// options (as `starter stock catalogue`), waits a bounded time, and shows
// 在庫一覧 with what it found.
func (s *Server) stockCatalogue(rq *request) error {
	if !rq.shop.HasAccessToken || rq.shop.ReconnectNeeded {
		return s.stockRefused(rq, http.StatusBadRequest, "カラーミーショップに接続していないため、商品情報を取得できません。"+connectionOf(rq.shop).Hint)
	}
	if msg := s.workerMissing(rq); msg != "" {
		return s.stockRefused(rq, http.StatusServiceUnavailable, msg)
	}
	run, err := app.StartStockCatalogue(rq.ctx(), s.d.Temporal, s.d.Config, workflows.StockCatalogueInput{ShopID: rq.shop.ID, Trigger: oms.TriggerManual})
	var running *app.RunningError
	if errors.As(err, &running) {
		return s.stockRefused(rq, http.StatusConflict, "商品情報の取得はすでに実行中です (ラン "+running.RunID+")。1分ほど待ってから在庫一覧を開き直してください。")
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(rq.ctx(), catalogueWait)
	defer cancel()
	var res activities.StockCatalogueResult
	err = run.Get(ctx, &res)
	switch {
	case err == nil:
		r := res.Report
		s.d.Logger.Info("console: catalogue imported", "shop", rq.shop.ID, "by", rq.user.Login, "units", r.Units, "mapped", r.Mapped)
		return s.redirect(rq, stockPath(rq.shop.ID), fmt.Sprintf("商品情報を取得しました: 商品%d件、販売単位%d件 (型番で連携できるもの%d件、連携できないもの%d件)。",
			r.Products, r.Units, r.Mapped, len(r.Unmapped)))
	case ctx.Err() != nil && rq.ctx().Err() == nil:
		return s.redirect(rq, stockPath(rq.shop.ID), "商品情報を取得しています (商品が多いと数分かかります)。しばらくしてからこの画面を再読み込みしてください。")
	}
	return s.stockRefused(rq, http.StatusBadGateway, catalogueFailure(err))
}

// catalogueFailure says why a catalogue import failed and what to do.
func catalogueFailure(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && (ae.Type() == activities.ErrReconnectNeeded || ae.Type() == activities.ErrStockScopes) {
		return "カラーミーショップが商品情報の読み取りを許可しませんでした。在庫連携には商品の権限 (read_products・write_products) が必要です。" +
			"APIアクセス設定で「自動在庫連携」をオンにして保存し (「取得する」が商品の権限も求めるようになります)、「取得する」を押して接続し直してから、もう一度「商品情報を取得」を押してください。"
	}
	return "商品情報を取得できませんでした (" + err.Error() + ")。少し待ってからもう一度「商品情報を取得」を押してください。続く場合は自動処理ログとシステム担当者に確認してください。"
}
