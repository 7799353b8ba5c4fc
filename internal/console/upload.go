package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// データ取込: a shipping-results CSV is uploaded, previewed (a dry run of
// app.ApplyShipmentCSV, the function `starter orders csv` runs) and, on 「取込」,
// applied all or nothing. Between the two steps the file waits on the server,
// bound to the operator's session and the shop; 「取込」 names it by a random
// token and its SHA-256, and the apply checks every row again against the OMS.

// The screens that keep previewed files (accounts.Upload.Screen): each
// applies, and shows the 取込結果 of, only the files previewed on it, and a
// preview replaces only the same screen's waiting file, so that staff may
// preview on several screens (tabs) at once.
const (
	screenShipping = "shipping" // データ取込
	screenStock    = "stock"    // 在庫取込
	screenPayments = "payments" // 入金取込
)

// uploadTTL is how long a previewed file waits for 「取込」, and how long the
// summary of an applied file stays reachable.
const uploadTTL = 30 * time.Minute

// uploadStashBytes bounds the previewed files kept in the database, all
// sessions and console processes together; the oldest are dropped first.
const uploadStashBytes = 4 * app.MaxCSVBytes

// maxUploadRows is how many lines one uploaded file may have: a preview
// checks every row against the OMS and holds a message per problem, so the
// rows, not only the bytes, bound the memory a preview takes.
const maxUploadRows = 100_000

// pageLines is how many changes, problems or notes a page lists; it says how
// many there are in all.
const pageLines = 100

// previewQueueWait is how long a preview or a label check waits for a free
// slot (Deps.PreviewConcurrency) before it is refused as busy.
const previewQueueWait = 2 * time.Second

// previewsBusy is the refusal when every preview slot stays busy.
func previewsBusy() error {
	return &httpError{status: http.StatusServiceUnavailable,
		msg: "ほかのプレビュー・確認の処理が混み合っています。少し待ってから、もう一度押してください。"}
}

// uploadBodySlack is what a multipart body may carry beside the file (boundaries,
// part headers).
const uploadBodySlack = 1 << 20

// sampleCSV is the sample file offered for download: UTF-8 with BOM (Excel opens
// it as Japanese text) and CRLF, the format docs/orders.md "Shipping-results CSV" describes.
const sampleCSV = "\uFEFF受注番号,お届け先ID,伝票番号,出荷日\r\n123456789,,4912-3456-7890,2026/05/01\r\n123456790,98765432,4912-3456-7891,2026-05-01\r\n"

// uploadData is what the データ取込 page shows: the form, and a preview or the
// summary of an applied file.
type uploadData struct {
	Preview *csvView // after 「プレビュー」 (or a refused 「取込」)
	Done    *csvView // after 「取込」
}

// csvView is one file as staff see it.
type csvView struct {
	// AutoExport: the applied changes go to ColorMe by themselves within seconds
	// (変更時の発送情報の更新 is on and the shop is connected).
	AutoExport bool
	// NoWorker: with AutoExport, what staff are told when the on-change export
	// was told but no worker polls the task queue (noWorkerNote); "" otherwise.
	NoWorker  string
	ShopID    string // for the links to the orders
	Token     string
	FileName  string
	Size      int
	SHA256    string
	Encoding  string // in staff's words
	Format    string // the format read, e.g. B2クラウド形式として読み込みました
	Header    string // ヘッダー行あり / なし
	Rows      int
	Changes   []changeLine // the first pageLines
	Orders    int
	Unchanged int
	Dupes     int
	Problems  []lineText // the first pageLines
	Notes     []lineText // the first pageLines
	// ChangeCount, ProblemCount and NoteCount are the totals; the page lists
	// the first pageLines of each.
	ChangeCount, ProblemCount, NoteCount int
	CanApply                             bool // no problem and something to change
	Applied                              bool
	AppliedBy                            string
	AppliedAt                            time.Time
}

// changeLine is one delivery the file changes.
type changeLine struct {
	Line        int
	SaleID      int64
	DeliveryID  int64
	Slip        string
	ShipDate    string
	OldSlip     string
	OldShipDate string
	Overwriting bool // replaces another tracking number
}

// lineText is a message about one line of the file.
type lineText struct {
	Where   string // 3行目 / ファイル全体
	Message string
}

func (s *Server) uploadForm(rq *request) error {
	return s.render(rq, "upload", "データ取込", uploadData{})
}

// uploadSample downloads a sample shipping-results file.
func (s *Server) uploadSample(rq *request) error {
	return download(rq, "text/csv; charset=utf-8", "shipping-results-sample.csv", []byte(sampleCSV))
}

// uploadPreview is 「プレビュー」: it reads the uploaded file, checks every row
// against the OMS without changing anything and, when the file can be applied,
// keeps it for 「取込」.
func (s *Server) uploadPreview(rq *request) error {
	name, data, err := readUpload(rq)
	if err != nil {
		return s.uploadRefused(rq, err)
	}
	if !acquire(rq.ctx(), s.previewSlots, previewQueueWait) {
		return s.uploadRefused(rq, previewsBusy())
	}
	defer func() { <-s.previewSlots }()
	sum := sha256.Sum256(data)
	v := &csvView{ShopID: rq.shop.ID, FileName: name, Size: len(data), SHA256: hex.EncodeToString(sum[:])}
	rep, err := app.ApplyShipmentCSV(rq.ctx(), s.d.Store, rq.shop.ID, data, true, s.d.Now())
	if errors.Is(err, app.ErrNotCSV) {
		return s.uploadRefused(rq, &httpError{status: http.StatusUnsupportedMediaType, msg: "「" + name + "」は読み込みませんでした: " + staffmsg.StaffMessage(err)})
	}
	if err != nil {
		return err
	}
	v.fill(rep)
	s.d.Logger.Info("console: shipping CSV previewed", "shop", rq.shop.ID, "by", rq.user.Login, "file", name, "sha256", v.SHA256,
		"encoding", rep.Encoding, "rows", rep.Rows, "changes", len(rep.Changes), "problems", len(rep.Rejected))
	page := uploadData{Preview: v}
	return s.previewPage(rq, "upload", "データ取込", page, v.ProblemCount, v.CanApply,
		accounts.Upload{Screen: screenShipping, Name: name, Data: data, SHA256: v.SHA256}, &v.Token)
}

// previewPage shows a previewed file on page (template tmpl, title): its
// problems (422), or what it would change; a file that can be applied (up:
// its screen, name, data and sum) is kept for 「取込」 under a token, set in *token.
func (s *Server) previewPage(rq *request, tmpl, title string, page any, problems int, canApply bool, up accounts.Upload, token *string) error {
	switch {
	case problems > 0:
		return s.renderStatus(rq, http.StatusUnprocessableEntity, tmpl, title, page,
			fmt.Sprintf("このファイルには問題が%d件あります。1件でも問題があると何も取り込みません。下の一覧の行を直して、もう一度アップロードしてください。", problems))
	case !canApply:
		return s.render(rq, tmpl, title, page)
	}
	up.Session, up.ShopID, up.ExpiresAt = sessionKey(rq), rq.shop.ID, s.d.Now().Add(uploadTTL)
	var err error
	if *token, err = s.acc.PutUpload(rq.ctx(), up, s.d.Now(), uploadStashBytes); err != nil {
		return err
	}
	return s.render(rq, tmpl, title, page)
}

// shippingScreen is データ取込 as its 「取込」 and its refusals need it.
var shippingScreen = uploadScreen{name: screenShipping, what: "shipping CSV", tmpl: "upload", title: "データ取込", form: uploadData{},
	donePath: uploadDonePath, again: "このファイルはすでに取り込み済みです。",
	changed: "プレビューの後に受注が変わったため、取り込めませんでした。何も変更していません。下の問題を直して、もう一度アップロードしてください。"}

// uploadApply is 「取込」: it applies the previewed file all or nothing, exactly
// as `starter orders csv` without -dry-run. Every row is checked again, so an
// order changed since the preview is caught and nothing is applied.
func (s *Server) uploadApply(rq *request) error {
	return s.applyPreviewed(rq, shippingScreen, s.applyShippingFile)
}

// applyShippingFile applies a claimed shipping-results file (uploadApply).
func (s *Server) applyShippingFile(rq *request, p accounts.Upload) (applied, error) {
	rep, err := app.ApplyShipmentCSV(rq.ctx(), s.d.Store, rq.shop.ID, p.Data, false, s.d.Now())
	if err != nil {
		return applied{}, err
	}
	v := &csvView{ShopID: rq.shop.ID, FileName: p.Name, Size: len(p.Data), SHA256: p.SHA256}
	v.fill(rep)
	if len(rep.Rejected) > 0 {
		return applied{Refused: len(rep.Rejected), Page: uploadData{Preview: v}}, nil
	}
	v.Applied, v.AppliedBy, v.AppliedAt = true, rq.user.Login, s.d.Now()
	v.AutoExport = rep.Applied && rep.Orders > 0 && rq.shop.Settings.ExportOnChange && !rq.shop.ReconnectNeeded && rq.shop.HasAccessToken
	if rep.Applied && rep.Orders > 0 { // told before the summary is stored: the summary says whether it waits for a worker
		reason := fmt.Sprintf("shipping-results CSV: %d orders", rep.Orders)
		s.notifyStockChange(rq, reason)
		wait := s.followExport(rq, reason)
		if v.AutoExport {
			v.NoWorker = wait
		}
	}
	a := applied{Summary: v, Flash: "取込が完了しました: 変更はありませんでした (すべて受注データと同じでした)。"}
	if rep.Applied {
		a.Flash = fmt.Sprintf("取込が完了しました: お届け先%d件 (受注%d件) の伝票番号・出荷日を更新しました。", len(rep.Changes), rep.Orders)
		switch {
		case v.NoWorker != "":
			a.Flash += v.NoWorker
		case v.AutoExport:
			a.Flash += "書出対象の受注は、数秒以内に自動でカラーミーショップに書き出されます (変更時の発送情報の更新)。"
		default:
			a.Flash += "次の発送情報の更新 (スケジュールまたは「発送情報の更新」ボタン) でカラーミーショップに反映されます。"
		}
	}
	a.After = func() {
		s.d.Logger.Info("console: shipping CSV applied", "shop", rq.shop.ID, "by", rq.user.Login, "file", p.Name, "sha256", p.SHA256,
			"changes", len(rep.Changes), "orders", rep.Orders, "applied", rep.Applied)
	}
	return a, nil
}

// uploadScreen is an upload screen (データ取込, 在庫取込, 入金取込) as its
// 「取込」 (Server.applyPreviewed) and its refusals (Server.refuseUpload) need it.
type uploadScreen struct {
	name        string                            // accounts.Upload.Screen
	what        string                            // its file in logs: shipping CSV
	tmpl, title string                            // its page
	form        any                               // the page's data with only the form
	donePath    func(shopID, token string) string // its 取込結果
	again       string                            // the flash when the file was applied already
	changed     string                            // the refusal (409) when lines are refused at apply
}

// applied is what a screen's apply made of a claimed file (Server.applyPreviewed).
type applied struct {
	// Refused counts the lines refused at apply (e.g. a sale cancelled since
	// the preview): nothing was changed, and Page, the screen's data with the
	// file's preview, shows them.
	Refused int
	Page    any
	// Summary is the file's view on the done page, stored with the upload;
	// Flash is the done page's message; Follow, whether the done page follows
	// the 在庫連携 that 「取込」 started (withFollow).
	Summary any
	Flash   string
	Follow  bool
	// After, if set, runs once the summary is stored (logs, notifications).
	After func()
}

// applyPreviewed is 「取込」 on screen sc: it claims the file previewed on it
// (claimPreviewed) and applies it with apply, the screen's own. A file applied
// already goes to its 取込結果. An error from apply puts the file back, so that
// staff may press 「取込」 again; lines refused at apply drop it (nothing was
// changed) and answer 409 with them; otherwise the summary is stored and
// 「取込」 goes to the 取込結果.
func (s *Server) applyPreviewed(rq *request, sc uploadScreen, apply func(*request, accounts.Upload) (applied, error)) error {
	token, p, err := s.claimPreviewed(rq, sc.name)
	if errors.Is(err, accounts.ErrUploadApplied) {
		return s.redirect(rq, sc.donePath(rq.shop.ID, token), sc.again)
	}
	if err != nil {
		return s.refuseUpload(rq, uploadClaimError(err), sc)
	}
	a, err := apply(rq, p)
	if err != nil {
		s.putBackUpload(rq, token)
		return err
	}
	if a.Refused > 0 {
		if err := s.acc.DropUpload(rq.ctx(), token); err != nil {
			return err
		}
		s.d.Logger.Warn("console: "+sc.what+" refused at apply", "shop", rq.shop.ID, "by", rq.user.Login, "file", p.Name, "sha256", p.SHA256,
			"problems", a.Refused)
		return s.renderStatus(rq, http.StatusConflict, sc.tmpl, sc.title, a.Page, sc.changed)
	}
	summary, err := json.Marshal(a.Summary)
	if err != nil {
		return err
	}
	if err := s.acc.FinishUpload(rq.ctx(), token, string(summary), s.d.Now().Add(uploadTTL)); err != nil {
		return err
	}
	if a.After != nil {
		a.After()
	}
	return s.redirect(rq, withFollow(sc.donePath(rq.shop.ID, token), a.Follow), a.Flash)
}

// putBackUpload returns a claimed file to the stash, waiting for 「取込」 again.
func (s *Server) putBackUpload(rq *request, token string) {
	if err := s.acc.ReleaseUpload(context.WithoutCancel(rq.ctx()), token); err != nil {
		s.d.Logger.Warn("console: putting back a previewed upload failed", "err", err)
	}
}

// claimPreviewed claims the file a 「取込」 form names (its token and
// SHA-256) for screen, bound to this session and shop
// (accounts.Store.ClaimUpload): a file previewed on another screen is refused
// as accounts.ErrUploadOtherScreen.
func (s *Server) claimPreviewed(rq *request, screen string) (string, accounts.Upload, error) {
	token, sum := rq.r.PostFormValue("token"), rq.r.PostFormValue("sha256")
	p, err := s.acc.ClaimUpload(rq.ctx(), token, sessionKey(rq), rq.shop.ID, screen, sum, s.d.Now(), sameSum)
	return token, p, err
}

// uploadDone shows the summary of an applied file.
func (s *Server) uploadDone(rq *request) error {
	summary, ok, err := s.acc.AppliedUpload(rq.ctx(), rq.r.PathValue("token"), sessionKey(rq), rq.shop.ID, screenShipping, s.d.Now())
	if err != nil {
		return err
	}
	if !ok {
		return s.redirect(rq, "/shops/"+rq.shop.ID+"/upload", "")
	}
	v := &csvView{}
	if err := json.Unmarshal([]byte(summary), v); err != nil {
		return err
	}
	return s.render(rq, "upload", "データ取込", uploadData{Done: v})
}

// uploadRefused shows the upload form again with what went wrong and what to do.
func (s *Server) uploadRefused(rq *request, err error) error {
	return s.refuseUpload(rq, err, shippingScreen)
}

// refuseUpload shows the form of upload screen sc again with what went wrong
// and what to do, when err is an *httpError (logged as a refused file of
// the screen); it returns any other error.
func (s *Server) refuseUpload(rq *request, err error, sc uploadScreen) error {
	var he *httpError
	if !errors.As(err, &he) {
		return err
	}
	s.d.Logger.Info("console: "+sc.what+" refused", "shop", rq.shop.ID, "by", rq.user.Login, "status", he.status, "reason", he.msg)
	return s.renderStatus(rq, he.status, sc.tmpl, sc.title, sc.form, he.msg)
}

func uploadDonePath(shopID, token string) string { return "/shops/" + shopID + "/upload/done/" + token }

// uploadWords names, in a refusal of readUploadOf, the file a form takes: File
// (出荷実績のCSVファイル), and Lines, the file with what one line holds.
type uploadWords struct{ File, Lines string }

// shippingWords are データ取込's words for its file.
var shippingWords = uploadWords{File: "出荷実績のCSVファイル", Lines: "1行に1つのお届け先 (受注番号,お届け先ID,伝票番号,出荷日) を書いたCSVファイル"}

// readUpload reads the file of the データ取込 form, at most app.MaxCSVBytes.
func readUpload(rq *request) (string, []byte, error) { return readUploadOf(rq, shippingWords) }

// readUploadOf reads the file of an upload form, at most app.MaxCSVBytes and
// maxUploadRows lines; a refusal names the file in the form's words.
func readUploadOf(rq *request, words uploadWords) (string, []byte, error) {
	const limit = app.MaxCSVBytes
	tooLarge := &httpError{status: http.StatusRequestEntityTooLarge,
		msg: fmt.Sprintf("ファイルが大きすぎます (上限 %dMB)。行を分けて、%dMB 以下のファイルにしてからアップロードしてください。", limit>>20, limit>>20)}
	noFile := badRequest("ファイルが選ばれていません。「ファイルを選択」で" + words.File + "を選んでから「プレビュー」を押してください。")
	if rq.r.ContentLength > limit+uploadBodySlack {
		return "", nil, tooLarge
	}
	body := http.MaxBytesReader(rq.w, rq.r.Body, limit+uploadBodySlack)
	rq.r.Body = body
	mr, err := rq.r.MultipartReader()
	if err != nil {
		return "", nil, noFile
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, noFile
		}
		if err != nil {
			if maxBytesErr(err) {
				return "", nil, tooLarge
			}
			return "", nil, badRequest("ファイルを受け取れませんでした (" + err.Error() + ")。もう一度アップロードしてください。")
		}
		if part.FormName() != "file" {
			continue
		}
		name := part.FileName()
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			if maxBytesErr(err) {
				return "", nil, tooLarge
			}
			return "", nil, badRequest("ファイルを受け取れませんでした (" + err.Error() + ")。もう一度アップロードしてください。")
		}
		if len(data) > limit {
			// Read the rest (within the body limit) so the browser gets the answer.
			_, _ = io.Copy(io.Discard, body)
			return "", nil, tooLarge
		}
		if name == "" && len(data) == 0 {
			return "", nil, noFile
		}
		if len(data) == 0 {
			return "", nil, badRequest("ファイル「" + name + "」は空です (0バイト)。" + words.Lines + "を選んでください。")
		}
		if lines := bytes.Count(data, []byte{'\n'}); lines > maxUploadRows {
			return "", nil, &httpError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("行が多すぎます (%d行、上限 %d行)。ファイルを%d行以下に分けてから、1つずつ取り込んでください。", lines, maxUploadRows, maxUploadRows)}
		}
		return name, data, nil
	}
}

func maxBytesErr(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// fill puts a report in staff's words.
func (v *csvView) fill(rep app.CSVReport) {
	v.Encoding = encodingLabel(rep.Encoding)
	v.Format = "出荷実績CSV (受注番号・伝票番号の列) として読み込みました"
	if rep.FormatName != "" {
		v.Format = rep.FormatName + "形式として読み込みました"
	}
	v.Header = "ヘッダー行なし (受注番号,お届け先ID,伝票番号,出荷日 の順)"
	if rep.FormatName != "" {
		v.Header = "ヘッダー行なし (" + rep.FormatName + "の列の位置で読み取り)"
	}
	if rep.Header {
		v.Header = "ヘッダー行あり (列名で読み取り)"
	}
	v.Rows, v.Orders, v.Unchanged, v.Dupes = rep.Rows, rep.Orders, rep.Unchanged, rep.Duplicates
	v.Problems, v.Notes = lineTexts(rep.Rejected[:min(len(rep.Rejected), pageLines)]), lineTexts(rep.Notes[:min(len(rep.Notes), pageLines)])
	v.ChangeCount, v.ProblemCount, v.NoteCount = len(rep.Changes), len(rep.Rejected), len(rep.Notes)
	for _, c := range rep.Changes[:min(len(rep.Changes), pageLines)] {
		v.Changes = append(v.Changes, changeLine{Line: c.Line, SaleID: c.SaleID, DeliveryID: c.DeliveryID, Slip: c.NewSlip,
			ShipDate: c.NewShipDate, OldSlip: c.OldSlip, OldShipDate: c.OldShipDate, Overwriting: c.OverwritingSlip})
	}
	v.CanApply = v.ProblemCount == 0 && v.ChangeCount > 0
}

func lineTexts(ls []staffmsg.LineMessage) []lineText {
	out := make([]lineText, len(ls))
	for i, l := range ls {
		out[i] = lineText{Where: "ファイル全体", Message: staffLineText(l)}
		if l.Line > 0 {
			out[i].Where = strconv.Itoa(l.Line) + "行目"
		}
	}
	return out
}

// staffLineText is a line's message in staff's words: its Japanese, or, when it
// has none, the English inside a Japanese sentence.
func staffLineText(l staffmsg.LineMessage) string {
	if l.Ja != "" {
		return l.Ja
	}
	return "次の問題があります (" + l.Message + ")。内容を確かめて直してください。わからない場合はシステム担当者に連絡してください。"
}

func encodingLabel(enc string) string {
	switch enc {
	case "UTF-8 with BOM":
		return "UTF-8 (BOM付き)"
	case "Shift_JIS":
		return "Shift_JIS (CP932)"
	case "UTF-16":
		return "UTF-16 (未対応)"
	case "unknown", "":
		return "不明"
	}
	return enc
}

// sessionKey is a hash of the request's session token: a previewed file is
// bound to it.
func sessionKey(rq *request) string {
	c, _ := rq.r.Cookie(sessionCookie)
	if c == nil || c.Value == "" {
		return ""
	}
	h := sha256.Sum256([]byte(c.Value))
	return hex.EncodeToString(h[:])
}

// uploadClaimError turns a refused claim into what staff see.
func uploadClaimError(err error) error {
	switch {
	case errors.Is(err, accounts.ErrUploadGone):
		return &httpError{status: http.StatusGone, msg: "プレビューしたファイルが見つかりません: 有効期限 (30分) が切れたか、別のブラウザ・ログインで行ったプレビューです。もう一度ファイルを選んで「プレビュー」を押してください。"}
	case errors.Is(err, accounts.ErrUploadOtherScreen):
		return &httpError{status: http.StatusGone, msg: "このファイルは別の取込画面でプレビューしたもので、この画面では取り込めません。プレビューした画面に戻って取り込むか、この画面でもう一度ファイルを選んで「プレビュー」を押してください。"}
	case errors.Is(err, accounts.ErrUploadBusy):
		return &httpError{status: http.StatusConflict, msg: "このファイルは取込中です。完了するまでお待ちください。"}
	case errors.Is(err, accounts.ErrUploadMismatch):
		return badRequest("ファイルの確認値 (SHA-256) がプレビューと一致しません。もう一度ファイルを選んで「プレビュー」を押してください。")
	}
	return err
}

// sameSum compares two SHA-256 values in constant time.
func sameSum(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
