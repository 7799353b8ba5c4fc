package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/settings"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// oauthCookie binds a 「取得する」 attempt to the browser (and so the session) that
// started it: it holds the shop and the state, and the callback must carry the
// same state. HttpOnly, SameSite=Lax (the redirect back from ColorMe is a
// top-level navigation), and short-lived.
const oauthCookie = "colorme_console_oauth"

// home opens the first shop's 自動処理ログ, or the shop list.
func (s *Server) home(rq *request) error {
	shops, err := s.shopsFor(rq.ctx(), rq.user)
	if err != nil {
		return err
	}
	if len(shops) == 1 {
		return s.redirect(rq, "/shops/"+shops[0].ID+"/runs", "")
	}
	return s.redirect(rq, "/shops", "")
}

// shopRow is one line of 店舗一覧.
type shopLine struct {
	Shop       shops.Shop
	Connection connection
}

// connection is a shop's state toward ColorMe, in GoQ's words.
type connection struct {
	Label string // 未接続 / 接続済み / 再接続が必要
	Class string // badge colour
	Hint  string // what to do
}

func connectionOf(sh shops.Shop) connection {
	switch {
	case sh.ReconnectNeeded:
		return connection{Label: "再接続が必要", Class: "bad",
			Hint: "カラーミーショップがアクセスキーを受け付けませんでした (" + sh.ReconnectReason + ")。APIアクセス設定で「取得する」を押して接続し直してください。"}
	case sh.HasAccessToken:
		return connection{Label: "接続済み", Class: "ok"}
	}
	return connection{Label: "未接続", Class: "warn", Hint: "APIアクセス設定でクライアントIDとクライアントシークレットを保存し、「取得する」を押してください。"}
}

func (s *Server) shopList(rq *request) error {
	shops, err := s.shopsFor(rq.ctx(), rq.user)
	if err != nil {
		return err
	}
	lines := make([]shopLine, len(shops))
	for i, sh := range shops {
		lines[i] = shopLine{Shop: sh, Connection: connectionOf(sh)}
	}
	return s.render(rq, "shops", "店舗一覧", map[string]any{"Lines": lines, "DefaultBaseURL": s.d.Config.ColorMeBaseURL})
}

// settingsData is what the APIアクセス設定 page shows.
type settingsData struct {
	Connection  connection
	CallbackURL string
	Schedules   []scheduleLine
	ScheduleErr string
	Form        shops.Shop // the values in the form (the shop's, or those just posted)
}

// scheduleLine is one schedule (自動取得 or 自動書き出し) as staff see it.
type scheduleLine struct {
	Kind    string // import | export
	Label   string // 自動取得 | 自動書き出し
	State   string // 実行中 (every N) / 一時停止中
	Paused  bool
	Manual  bool   // paused by a person: 「再開」 resumes it
	Reason  string // why it is paused, and what resumes it
	NextRun time.Time
	Exists  bool
}

func (s *Server) settingsForm(rq *request) error {
	return s.renderSettings(rq, http.StatusOK, rq.shop, "")
}

func (s *Server) renderSettings(rq *request, status int, form shops.Shop, errMsg string) error {
	data := settingsData{Connection: connectionOf(rq.shop), CallbackURL: s.callback, Form: form}
	data.Schedules, data.ScheduleErr = s.scheduleLines(rq, rq.shop)
	return s.renderStatus(rq, status, "settings", "APIアクセス設定", data, errMsg)
}

// scheduleLines describes the shop's two schedules with the reason each is paused.
func (s *Server) scheduleLines(rq *request, sh shops.Shop) ([]scheduleLine, string) {
	want := map[oms.Kind]schedules.Desired{}
	for _, d := range schedules.Want(sh) {
		want[d.Kind] = d
	}
	got, err := s.d.Schedules.Describe(rq.ctx(), sh.ID)
	if err != nil {
		s.d.Logger.Warn("console: describing schedules failed", "shop", sh.ID, "err", err)
		return nil, "Temporal に接続できないため、自動処理の状態を表示できません。Temporal サーバーが動いているか確かめてください。"
	}
	var out []scheduleLine
	for _, st := range got {
		l := scheduleLine{Kind: string(st.Kind), Label: schedules.Label(st.Kind), Exists: st.Exists, Paused: st.Paused, NextRun: st.NextRun}
		switch {
		case !st.Exists:
			l.State, l.Reason = "未作成", "「設定を保存」を押すと作成されます。"
		case st.Paused:
			l.State, l.Reason, l.Manual = "一時停止中", pauseReason(want[st.Kind], st.Note), want[st.Kind].Why == ""
		default:
			l.State = "有効 (" + minutesLabel(st.Every) + "ごと)"
		}
		out = append(out, l)
	}
	return out, ""
}

func minutesLabel(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "時間"
	}
	return strconv.Itoa(int(d/time.Minute)) + "分"
}

// pauseReason says, in staff's words, why a schedule is paused and what resumes it.
func pauseReason(d schedules.Desired, note string) string {
	switch d.Why {
	case schedules.PausedReconnect:
		return "カラーミーショップの接続が切れています。「取得する」で接続し直すと再開します。"
	case schedules.PausedNotConnected:
		return "まだカラーミーショップに接続していません。「取得する」で接続すると開始します。"
	case schedules.PausedOff:
		return schedules.Label(d.Kind) + "がオフです。チェックを入れて「設定を保存」を押すと再開します。"
	}
	if note != "" {
		return "手動で一時停止されています (" + note + ")。「再開」を押すと再開します。"
	}
	return "手動で一時停止されています。「再開」を押すと再開します。"
}

// saveSettings is 「設定を保存」: it stores the form and applies the schedules, as
// `starter shop set` does. The client secret is write-only: an empty field keeps
// the stored one.
func (s *Server) saveSettings(rq *request) error {
	f := rq.r
	form := rq.shop
	form.RedirectURL = s.callback
	pairs := [][2]string{
		{"name", f.FormValue("name")},
		{"api_base_url", f.FormValue("api_base_url")},
		{"client_id", f.FormValue("client_id")},
	}
	pairs = append(pairs, settingPairs(f)...)
	var problems []string
	for _, p := range pairs {
		if err := form.Set(p[0], p[1]); err != nil {
			problems = append(problems, label(p[0])+"には数字を入力してください")
		}
	}
	for _, p := range settings.Problems(form.Settings) {
		problems = append(problems, p.Staff())
	}
	if len(problems) > 0 {
		return s.renderSettings(rq, http.StatusBadRequest, form, "保存できませんでした: "+strings.Join(problems, "、")+"。直してもう一度「設定を保存」を押してください。")
	}
	if err := s.d.Store.Shops.UpdateShop(rq.ctx(), form); err != nil {
		return s.renderSettings(rq, http.StatusBadRequest, form, "保存できませんでした ("+err.Error()+")。入力を確かめてもう一度お試しください。")
	}
	if secret := strings.TrimSpace(f.FormValue("client_secret")); secret != "" {
		if err := s.d.Store.Shops.SetClientSecret(rq.ctx(), form.ID, secret); err != nil {
			return err
		}
	}
	saved, err := s.d.Store.Shops.Shop(rq.ctx(), form.ID)
	if err != nil {
		return err
	}
	s.d.Logger.Info("console: settings saved", "shop", form.ID, "by", rq.user.Login)
	moved := ""
	if saved.APIBaseURL != rq.shop.APIBaseURL && (rq.shop.HasAccessToken || rq.shop.HasClientSecret) {
		s.d.Logger.Warn("console: API base URL changed, token and client secret dropped", "shop", form.ID, "by", rq.user.Login)
		moved = "APIのURLを変えたため、アクセスキーと (入力し直さなかった) クライアントシークレットを消しました。クライアントシークレットを入力して「設定を保存」を押し、「取得する」で接続し直してください。"
	}
	if _, err := s.d.Schedules.Apply(rq.ctx(), saved); err != nil {
		s.d.Logger.Warn("console: applying schedules failed", "shop", form.ID, "err", err)
		return s.redirect(rq, "/shops/"+form.ID+"/settings", "設定を保存しました。ただし Temporal に接続できず自動処理に反映できていません。Temporal サーバーを確かめ、もう一度「設定を保存」を押してください。"+moved)
	}
	return s.redirect(rq, "/shops/"+form.ID+"/settings", "設定を保存しました。自動取得・自動書き出し・自動在庫連携に反映しました。"+moved+stockReconnect(rq.shop, saved))
}

// settingPairs are the settings posted by the settings form (settings.Table).
// An unchecked box is false; a form without a field (an older page) keeps it;
// a credential is write-only, like the client secret: an empty field keeps it
// unless its 解除する box is checked.
func settingPairs(f *http.Request) [][2]string {
	var pairs [][2]string
	for _, d := range settings.Table {
		v := strings.TrimSpace(f.FormValue(d.Key))
		switch {
		case d.Secret:
			if v != "" || f.FormValue(d.Clear) == "on" {
				pairs = append(pairs, [2]string{d.Key, v})
			}
		case d.IsBool():
			pairs = append(pairs, [2]string{d.Key, strconv.FormatBool(v == "on")})
		case f.Form.Has(d.Key):
			pairs = append(pairs, [2]string{d.Key, v})
		}
	}
	return pairs
}

// label is the staff's name of the setting key.
func label(key string) string {
	if d, ok := settings.Lookup(key); ok {
		return d.Label
	}
	return key
}

// addShop is 「店舗を追加」 on 店舗一覧 (admin).
func (s *Server) addShop(rq *request) error {
	id := strings.TrimSpace(rq.r.FormValue("id"))
	sh := shops.Shop{ID: id, Name: strings.TrimSpace(rq.r.FormValue("name")), APIBaseURL: strings.TrimSpace(rq.r.FormValue("api_base_url")),
		RedirectURL: s.callback, Settings: shops.DefaultSettings()}
	if sh.APIBaseURL == "" {
		sh.APIBaseURL = s.d.Config.ColorMeBaseURL
	}
	if err := shops.ValidateShopID(id); err != nil {
		return badRequest("店舗IDは半角英小文字・数字・ハイフンで入力してください (例: myshop)。")
	}
	if err := s.d.Store.Shops.CreateShop(rq.ctx(), sh); err != nil {
		return badRequest("店舗を追加できませんでした (" + err.Error() + ")。")
	}
	s.d.Logger.Info("console: shop added", "shop", id, "by", rq.user.Login)
	return s.redirect(rq, "/shops/"+id+"/settings", "店舗「"+id+"」を追加しました。クライアントIDとクライアントシークレットを入力して「設定を保存」を押し、「取得する」で接続してください。")
}

// connectShop is the アクセスキー「取得する」 button: it starts the OAuth flow and
// sends the browser to ColorMe's authorize page.
func (s *Server) connectShop(rq *request) error {
	sh := rq.shop
	if sh.RedirectURL != s.callback {
		// The console receives the redirect: make the shop's redirect URL its own.
		sh.RedirectURL = s.callback
		if err := s.d.Store.Shops.UpdateShop(rq.ctx(), sh); err != nil {
			return err
		}
	}
	flow := s.flow()
	a, err := flow.Begin(rq.ctx(), sh.ID)
	if err != nil {
		return s.renderSettings(rq, http.StatusBadRequest, sh, connectMessage(err))
	}
	http.SetCookie(rq.w, &http.Cookie{Name: oauthCookie, Value: sh.ID + ":" + a.State, Path: CallbackPath, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(connect.AttemptTTL.Seconds())})
	s.d.Logger.Info("console: connect started", "shop", sh.ID, "by", rq.user.Login)
	http.Redirect(rq.w, rq.r, a.AuthURL, http.StatusSeeOther)
	return nil
}

// connectCallback receives ColorMe's redirect (the equivalent of GoQ's
// get_access_token_redirect.php). The state must match the attempt this browser
// started; the token is verified, sealed and stored, and the schedules resumed.
func (s *Server) connectCallback(rq *request) error {
	c, _ := rq.r.Cookie(oauthCookie)
	if c == nil {
		return badRequest("この接続は、この画面で始めたものではないか、期限 (10分) が切れています。APIアクセス設定でもう一度「取得する」を押してください。")
	}
	shopID, state, _ := strings.Cut(c.Value, ":")
	sh, err := s.d.Store.Shops.Shop(rq.ctx(), shopID)
	if err != nil {
		return err
	}
	rq.shop = sh
	if !rq.user.IsAdmin() {
		return forbidden("店舗の接続は管理者 (admin) だけができます。管理者に依頼してください。")
	}
	q := rq.r.URL.Query()
	cb := connect.Callback{Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error"), ErrorDescription: q.Get("error_description")}
	if cb.State == "" || cb.State != state {
		// Only a redirect that carries this browser's state may finish the attempt.
		s.d.Logger.Warn("console: OAuth callback with a foreign or missing state refused", "shop", shopID, "by", rq.user.Login)
		return badRequest("この戻り先はこの画面で始めた接続のものではありません (state が一致しません)。APIアクセス設定でもう一度「取得する」を押してください。")
	}
	// Only now is the attempt this browser's: a foreign callback leaves the
	// connect in progress alone.
	http.SetCookie(rq.w, &http.Cookie{Name: oauthCookie, Path: CallbackPath, MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	res, err := s.flow().Complete(rq.ctx(), connect.Attempt{ShopID: shopID, RedirectURL: sh.RedirectURL, State: state}, cb)
	if err != nil {
		s.d.Logger.Warn("console: connect failed", "shop", shopID, "kind", connect.KindOf(err), "err", err)
		if sh, err2 := s.d.Store.Shops.Shop(rq.ctx(), shopID); err2 == nil {
			rq.shop = sh
		}
		return s.renderSettings(rq, http.StatusBadRequest, rq.shop, connectMessage(err))
	}
	s.d.Logger.Info("console: shop connected", "shop", shopID, "colorme_shop", res.ColorMeShop.ID, "by", rq.user.Login)
	msg := fmt.Sprintf("接続済み: カラーミーショップ「%s」に接続しました。アクセスキーは暗号化して保存しました。", res.ColorMeShop.Name)
	if res.MethodsErr != nil {
		msg += "配送方法・決済方法は読めませんでした (翌日の受注取得で読み直します。すぐに読むには「配送・決済方法」の「再取得」を押してください)。"
	} else {
		msg += fmt.Sprintf("配送方法 %d 件・決済方法 %d 件を読み込みました。", res.Methods.Deliveries, res.Methods.Payments)
	}
	if res.AfterConnectErr != nil {
		msg += "ただし Temporal に接続できず自動処理を再開できていません。もう一度「設定を保存」を押してください。"
	}
	return s.redirect(rq, "/shops/"+shopID+"/settings", msg)
}

// flow is the connect flow the console uses: the token exchange and verification
// of internal/connect, then the schedules applied.
func (s *Server) flow() *connect.Flow {
	return &connect.Flow{Store: s.d.Store, HTTPClient: s.d.HTTPClient, Timeout: s.d.Config.ColorMeTimeout,
		AuthorizeBaseURL: s.d.Config.OAuthBrowserBaseURL,
		AfterConnect: func(ctx context.Context, sh shops.Shop) error {
			_, err := s.d.Schedules.Apply(ctx, sh)
			return err
		}}
}

// workerWait is how long a start waits for a worker's first poll.
const workerWait = 3 * time.Second

// workerMissing returns what to do when no worker polls the task queue (a run
// started now would wait in silence), or "" when one does.
func (s *Server) workerMissing(rq *request) string {
	err := app.CheckWorker(rq.ctx(), s.d.Temporal, s.d.Config, workerWait)
	var none *app.NoWorkerError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &none):
		s.d.Logger.Warn("console: no worker polls the task queue", "task_queue", none.TaskQueue, "by", rq.user.Login)
		return "処理を実行するワーカーが動いていないため、実行しませんでした。システム担当者にワーカー (bin/worker) の起動を依頼し、起動後にもう一度押してください。"
	}
	s.d.Logger.Warn("console: checking for a worker failed", "err", err)
	return "Temporal に接続できないため、実行しませんでした。Temporal サーバーが動いているか確かめ、もう一度押してください。"
}

// connectMessage turns a connect failure into one sentence for staff.
func connectMessage(err error) string {
	switch connect.KindOf(err) {
	case connect.KindNotConfigured:
		return "接続できません: クライアントID・クライアントシークレットのどれかが未入力です。入力して「設定を保存」を押してから「取得する」を押してください。"
	case connect.KindDenied:
		return "カラーミーショップの画面で「拒否」が選ばれました。もう一度「取得する」を押し、「承認する」を選んでください。"
	case connect.KindAuthorizeError:
		return "カラーミーショップが認可を断りました (" + err.Error() + ")。クライアントIDとアプリの権限 (read_sales, write_sales) を確かめて、もう一度「取得する」を押してください。"
	case connect.KindStateMismatch, connect.KindStateExpired:
		return "この接続は期限切れか、すでに使われています。もう一度「取得する」を押し、10分以内に承認してください。"
	case connect.KindCodeRejected:
		return "カラーミーショップが認可コードを受け付けませんでした (期限切れか使用済み)。もう一度「取得する」を押してください。"
	case connect.KindRedirectMismatch:
		return "リダイレクトURLがアプリの設定と一致しません。この画面のリダイレクトURLをカラーミーのアプリにそのまま登録してから、もう一度「取得する」を押してください。"
	case connect.KindInvalidClient:
		return "クライアントIDまたはクライアントシークレットが違います。カラーミーのデベロッパー画面からコピーし直して「設定を保存」を押し、もう一度「取得する」を押してください。"
	case connect.KindTokenRefused:
		return "取得したアクセスキーでカラーミーショップのAPIを呼べませんでした。アプリに read_sales と write_sales の権限があるか確かめ、もう一度「取得する」を押してください。"
	case connect.KindUnavailable:
		return "カラーミーショップに接続できませんでした。APIのURLとネットワークを確かめ、しばらくしてからもう一度「取得する」を押してください。"
	case connect.KindBadInput:
		return "カラーミーショップからの戻り先に認可コードがありません。もう一度「取得する」を押してください。"
	}
	var he *httpError
	if errors.As(err, &he) {
		return he.msg
	}
	return "接続できませんでした (" + err.Error() + ")。もう一度「取得する」を押してください。"
}

// scheduleAction is 一時停止 / 再開 / 今すぐ実行 of 自動取得 or 自動書き出し.
func (s *Server) scheduleAction(rq *request) error {
	kind, action := oms.Kind(rq.r.PathValue("kind")), rq.r.PathValue("action")
	if !slices.Contains(schedules.Kinds, kind) {
		return notFound("自動処理の種類が違います。APIアクセス設定の画面から操作してください。")
	}
	back := "/shops/" + rq.shop.ID + "/settings"
	label := schedules.Label(kind)
	m := s.d.Schedules
	switch action {
	case "pause":
		if err := m.Pause(rq.ctx(), rq.shop.ID, []oms.Kind{kind}, "paused by "+rq.user.Login+" in the console"); err != nil {
			return err
		}
		s.d.Logger.Info("console: schedule paused", "shop", rq.shop.ID, "kind", kind, "by", rq.user.Login)
		return s.redirect(rq, back, label+"を一時停止しました。「再開」で再開します。")
	case "resume":
		for _, d := range schedules.Want(rq.shop) {
			if d.Kind == kind && d.Paused {
				return s.redirect(rq, back, label+"は再開できません: "+pauseReason(d, ""))
			}
		}
		if err := m.Unpause(rq.ctx(), rq.shop.ID, []oms.Kind{kind}); err != nil {
			return err
		}
		s.d.Logger.Info("console: schedule resumed", "shop", rq.shop.ID, "kind", kind, "by", rq.user.Login)
		return s.redirect(rq, back, label+"を再開しました。")
	case "run":
		if msg := s.workerMissing(rq); msg != "" {
			return s.redirect(rq, back, label+"は実行しませんでした: "+msg)
		}
		res, err := app.RunNow(rq.ctx(), m, s.d.Store, rq.shop.ID, kind, rq.r.FormValue("force") == "1", rq.user.Login)
		var paused *schedules.PausedError
		if errors.As(err, &paused) {
			return s.confirmPausedRun(rq, kind, paused)
		}
		var u *schedules.TriggerUnconfirmedError
		if errors.As(err, &u) {
			s.d.Logger.Warn("console: schedule trigger not confirmed", "shop", rq.shop.ID, "kind", kind, "by", rq.user.Login, "stage", u.Stage, "err", err)
			return s.redirect(rq, back, triggerUnconfirmed(label, u))
		}
		if err != nil {
			return err
		}
		s.d.Logger.Info("console: schedule triggered", "shop", rq.shop.ID, "kind", kind, "by", rq.user.Login, "skipped", res.Skipped,
			"paused", res.Paused != nil, "attributed", res.Attributed)
		if res.Skipped {
			return s.redirect(rq, back, label+"は実行しませんでした: 前回の処理がまだ実行中です ("+res.Reason+")。終わってからもう一度押してください。")
		}
		if res.Waiting() {
			return s.redirect(rq, "/shops/"+rq.shop.ID+"/runs", label+"を受け付けました。変更時の書き出しが実行中のため、それが終わってから実行します。結果はこの自動処理ログに表示されます。")
		}
		msg := label + "を今すぐ実行しました。結果はこの自動処理ログに表示されます。"
		if res.Paused != nil {
			msg += "一時停止は解除していません。"
		}
		return s.redirect(rq, "/shops/"+rq.shop.ID+"/runs", msg)
	}
	return notFound("その操作はありません。APIアクセス設定の画面から操作してください。")
}

// confirmPausedRun asks before 今すぐ実行 runs a paused schedule once (as
// `starter schedule trigger -force`): nothing was run yet.
func (s *Server) confirmPausedRun(rq *request, kind oms.Kind, p *schedules.PausedError) error {
	reason := ""
	for _, d := range schedules.Want(rq.shop) {
		if d.Kind == kind {
			reason = pauseReason(d, strings.TrimPrefix(p.Note, "colorme-sync: paused: "))
		}
	}
	label := schedules.Label(kind)
	return s.render(rq, "schedule_confirm", label+"を今すぐ実行", struct {
		Kind          oms.Kind
		Label, Reason string
	}{kind, label, reason})
}

// triggerUnconfirmed tells staff that 今すぐ実行 could not confirm the run
// within the wait, and what to check.
func triggerUnconfirmed(label string, u *schedules.TriggerUnconfirmedError) string {
	secs := int(u.Wait.Round(time.Second) / time.Second)
	switch u.Stage {
	case schedules.StageNotSent:
		return fmt.Sprintf("%sは実行しませんでした: Temporal が %d秒以内に応答しませんでした。少し待ってから、もう一度「今すぐ実行」を押してください。", label, secs)
	case schedules.StageUndecided:
		return fmt.Sprintf("%sの実行を依頼しましたが、%d秒以内に処理が始まりませんでした。ワーカー (starter worker) が動いているか確認してください。ワーカーが動けば実行されます。もう一度押す前に、自動処理ログで確認してください。", label, secs)
	}
	return fmt.Sprintf("%sの実行を依頼しましたが、%d秒以内に開始を確認できませんでした (Temporal の応答が遅れています)。遅れて実行される場合があります。もう一度押す前に、自動処理ログで実行されたか確認してください。", label, secs)
}

// stockReconnect asks staff to connect again when 自動在庫連携 was just turned
// on: the shop's token was issued without the product scopes it needs.
func stockReconnect(before, after shops.Shop) string {
	if !after.Settings.StockEnabled || before.Settings.StockEnabled || !after.HasAccessToken {
		return ""
	}
	return "自動在庫連携には商品の権限 (read_products write_products) が必要です。まだなら「取得する」でもう一度接続してください。"
}
