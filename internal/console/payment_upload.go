package console

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// 入金取込: a bank-statement CSV (売上ID,入金日,金額) is uploaded and previewed
// (a dry run of app.ApplyPaymentCSV: the sales that become 入金済み, those
// already 入金済み, or every problem by line; nothing is written) and, on
// 「この内容で取り込む」, exactly that file is applied once, all or nothing, as
// `starter orders paid -file` applies it: every line is checked again against
// the OMS, so a sale cancelled since the preview refuses the whole file. The
// previewed file waits in データ取込's stash, bound to the session, the shop
// and this screen (screenPayments), so that only 入金取込 applies it.

// paymentWords are 入金取込's words for its file.
var paymentWords = uploadWords{File: "入金CSV (売上ID,入金日,金額 のCSV)", Lines: "1行に1件の入金 (売上ID,入金日,金額) を書いたCSVファイル"}

// paymentsData is what the 入金取込 page shows: the form, and a preview or
// the summary of an applied file.
type paymentsData struct {
	Preview *paymentFileView // after 「プレビュー」 (or a refused 「この内容で取り込む」)
	Done    *paymentFileView // after 「この内容で取り込む」
}

// paymentFileView is one bank-statement CSV as staff see it.
type paymentFileView struct {
	ShopID                            string // for the links to the orders
	Token, FileName, SHA256, Encoding string
	Header                            string // ヘッダー行あり / なし
	Size, Rows                        int
	Changes                           []payment.Change // the sales that become 入金済み, the first pageLines
	ChangeCount                       int
	Already                           []int64 // the sales already 入金済み, the first pageLines
	AlreadyCount                      int
	Problems                          []lineText // the first pageLines
	ProblemCount                      int
	CanApply, Applied                 bool
	AppliedBy                         string
	AppliedAt                         time.Time
	Follow                            string // what happens on ColorMe next
}

// newPaymentFileView puts a report on a file in staff's words.
func newPaymentFileView(shopID, name string, data []byte, rep app.PaymentCSVReport) *paymentFileView {
	v := &paymentFileView{ShopID: shopID, FileName: name, Size: len(data), Encoding: encodingLabel(rep.Encoding), Rows: rep.Rows,
		Header: "ヘッダー行なし (売上ID,入金日,金額 の順)"}
	if rep.Header {
		v.Header = "ヘッダー行あり (列名で読み取り)"
	}
	v.ChangeCount, v.Changes = len(rep.Changes), rep.Changes[:min(len(rep.Changes), pageLines)]
	v.AlreadyCount, v.Already = len(rep.Already), rep.Already[:min(len(rep.Already), pageLines)]
	v.ProblemCount, v.Problems = len(rep.Rejected), lineTexts(rep.Rejected[:min(len(rep.Rejected), pageLines)])
	v.CanApply = v.ProblemCount == 0 && v.ChangeCount > 0
	return v
}

// paymentsForm is 入金取込: the form for a bank-statement CSV.
func (s *Server) paymentsForm(rq *request) error {
	return s.render(rq, "payments", "入金取込", paymentsData{})
}

// paymentsPreview is 「プレビュー」: it reads the bank-statement CSV, checks
// every line against the OMS without writing anything and, when the file can
// be applied, keeps it for 「この内容で取り込む」.
func (s *Server) paymentsPreview(rq *request) error {
	name, data, err := readUploadOf(rq, paymentWords)
	if err != nil {
		return s.paymentsRefused(rq, err)
	}
	if !acquire(rq.ctx(), s.previewSlots, previewQueueWait) {
		return s.paymentsRefused(rq, previewsBusy())
	}
	defer func() { <-s.previewSlots }()
	rep, err := app.ApplyPaymentCSV(rq.ctx(), s.d.Store, rq.shop.ID, data, rq.user.Login, true, s.d.Now())
	if errors.Is(err, app.ErrNotCSV) {
		return s.paymentsRefused(rq, &httpError{status: http.StatusUnsupportedMediaType, msg: "「" + name + "」は読み込みませんでした: " + staffmsg.StaffMessage(err)})
	}
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	v := newPaymentFileView(rq.shop.ID, name, data, rep)
	v.SHA256 = hex.EncodeToString(sum[:])
	s.d.Logger.Info("console: payment CSV previewed", "shop", rq.shop.ID, "by", rq.user.Login, "file", name, "sha256", v.SHA256,
		"rows", rep.Rows, "changes", v.ChangeCount, "already", v.AlreadyCount, "problems", v.ProblemCount)
	return s.previewPage(rq, "payments", "入金取込", paymentsData{Preview: v}, v.ProblemCount, v.CanApply,
		accounts.Upload{Screen: screenPayments, Name: name, Data: data, SHA256: v.SHA256}, &v.Token)
}

// paymentsScreen is 入金取込 as its 「この内容で取り込む」 and its refusals need it.
var paymentsScreen = uploadScreen{name: screenPayments, what: "payment CSV", tmpl: "payments", title: "入金取込", form: paymentsData{},
	donePath: paymentsDonePath, again: "この入金CSVはすでに取り込み済みです。2回は取り込みません。下は取り込んだときの結果です。",
	changed: "プレビューの後に受注が変わったため、取り込めませんでした。何も変更していません。下の問題を確かめて、直したファイルをもう一度アップロードしてください。"}

// paymentsApply is 「この内容で取り込む」: it applies the previewed file once,
// all or nothing (app.ApplyPaymentCSV, as `starter orders paid -file`). Every
// line is checked again, so a sale changed since the preview is caught and
// nothing is written; a second click shows the first one's summary.
func (s *Server) paymentsApply(rq *request) error {
	return s.applyPreviewed(rq, paymentsScreen, s.applyPaymentFile)
}

// applyPaymentFile applies a claimed bank-statement CSV (paymentsApply).
func (s *Server) applyPaymentFile(rq *request, p accounts.Upload) (applied, error) {
	rep, err := app.ApplyPaymentCSV(rq.ctx(), s.d.Store, rq.shop.ID, p.Data, rq.user.Login, false, s.d.Now())
	if err != nil {
		return applied{}, err
	}
	v := newPaymentFileView(rq.shop.ID, p.Name, p.Data, rep)
	v.SHA256 = p.SHA256
	if len(rep.Rejected) > 0 {
		return applied{Refused: len(rep.Rejected), Page: paymentsData{Preview: v}}, nil
	}
	v.Applied, v.AppliedBy, v.AppliedAt = true, rq.user.Login, s.d.Now()
	auto := rep.Applied && rq.shop.HasAccessToken && app.ExportListener.Listens(rq.shop) // the on-change export writes it
	wait := ""
	if rep.Applied { // told before the summary is stored: the summary says whether it waits for a worker
		wait = s.followExport(rq, fmt.Sprintf("payment CSV: %d sales", len(rep.Changes)))
	}
	switch {
	case !rep.Applied:
		v.Follow = "変更はありませんでした: ファイルの受注は、取り込む前にすべて入金済みになっていました。"
	case auto && wait != "":
		v.Follow = wait
	case auto:
		v.Follow = "カラーミーショップへの入金連携は自動で行われます: 数秒以内に入金済みを書き込みます (変更時の発送情報の更新)。結果は自動処理ログで確認できます。"
	default:
		v.Follow = "カラーミーショップには、次の発送情報の更新 (スケジュールまたはデータ書出の「発送情報の更新」ボタン) で入金済みを書き込みます。"
	}
	a := applied{Summary: v, Flash: "取込が完了しました: 変更はありませんでした (すべてすでに入金済みでした)。"}
	if rep.Applied {
		a.Flash = fmt.Sprintf("取込が完了しました: %d件の受注を入金済みにしました。", len(rep.Changes))
	}
	a.After = func() {
		s.d.Logger.Info("console: payment CSV applied", "shop", rq.shop.ID, "by", rq.user.Login, "file", p.Name, "sha256", p.SHA256,
			"changes", len(rep.Changes), "already", len(rep.Already), "applied", rep.Applied)
	}
	return a, nil
}

// paymentsDone shows the summary of an applied bank-statement CSV.
func (s *Server) paymentsDone(rq *request) error {
	summary, ok, err := s.acc.AppliedUpload(rq.ctx(), rq.r.PathValue("token"), sessionKey(rq), rq.shop.ID, screenPayments, s.d.Now())
	if err != nil {
		return err
	}
	v := &paymentFileView{}
	if !ok || json.Unmarshal([]byte(summary), v) != nil || !v.Applied {
		return s.redirect(rq, paymentsPath(rq.shop.ID), "取込結果が見つかりません: 結果を表示できるのは、取り込んだブラウザ・ログインで取込から30分までです。"+
			"入金済みになったかは受注一覧の「入金」欄で確かめてください。")
	}
	return s.render(rq, "payments", "入金取込", paymentsData{Done: v})
}

// paymentsRefused shows the 入金取込 form again with what went wrong and what to do.
func (s *Server) paymentsRefused(rq *request, err error) error {
	return s.refuseUpload(rq, err, paymentsScreen)
}

func paymentsPath(shopID string) string { return "/shops/" + shopID + "/payments" }

func paymentsDonePath(shopID, token string) string { return paymentsPath(shopID) + "/done/" + token }
