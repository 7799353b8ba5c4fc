package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stock"
)

// 在庫取込: a warehouse stock file (型番,在庫数) is uploaded, previewed (before →
// after per SKU, or every problem by line) and, on 「取込」, applied all or
// nothing as `starter stock csv` does. The previewed file waits in the same
// stash as データ取込's, bound to the session, the shop and this screen
// (screenStock), so that only 在庫取込 applies it.

// stockUploadData is what the 在庫取込 page shows.
type stockUploadData struct {
	Preview *stockFileView
	Done    *stockFileView
	PushRun string // where to watch the 在庫連携 that follows 「取込」 (自動処理ログ)
}

// stockFileView is one stock file as staff see it.
type stockFileView struct {
	Token, FileName, SHA256, Encoding string
	Size, SKUs                        int
	Changes                           []stockChange // the first pageLines
	ChangeCount, Unchanged            int
	Problems                          []lineText // the first pageLines
	ProblemCount                      int
	Notes                             []lineText // the first pageLines
	NoteCount                         int
	CanApply, Applied                 bool
	AppliedBy                         string
	AppliedAt                         time.Time
	Follow                            string // what happens on ColorMe next (after 「取込」)
	ApplyNote                         string // what 「取込」 will do on ColorMe (the preview)
}

// stockChange is one SKU the file changes.
type stockChange struct {
	Line      int
	SKU       string
	Title     string // the unit's name, "" when not in the catalogue
	Before    string // the on-hand quantity now, or 未登録
	After     int64
	Delta     string // +3 / -2, "" when new
	NotMapped bool   // not a mapped unit of the catalogue: recorded, not pushed
}

func (s *Server) stockUploadForm(rq *request) error {
	return s.render(rq, "stock_upload", "在庫取込", stockUploadData{})
}

// stockUploadPreview is 「プレビュー」: it reads the file, shows what would change
// (or every problem by line) without changing anything and, when the file
// can be applied, keeps it for 「取込」.
func (s *Server) stockUploadPreview(rq *request) error {
	name, data, err := readStockUpload(rq)
	if err != nil {
		return s.stockUploadRefused(rq, err)
	}
	if en, ja, ok := shipcsv.NotCSV(data); ok {
		s.d.Logger.Info("console: stock file refused: not CSV", "shop", rq.shop.ID, "by", rq.user.Login, "file", name, "kind", en)
		return s.stockUploadRefused(rq, &httpError{status: http.StatusUnsupportedMediaType, msg: "「" + name + "」は読み込みませんでした: 選んだファイルは" + ja +
			"で、CSVファイルではありません。型番と在庫数のCSVファイルを選んでください (Excelのブックは「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」にしてから)。"})
	}
	sum := sha256.Sum256(data)
	v, err := s.stockFileView(rq.ctx(), rq.shop.ID, name, data)
	if err != nil {
		return err
	}
	v.SHA256 = hex.EncodeToString(sum[:])
	v.ApplyNote = s.stockApplyNote(rq)
	s.d.Logger.Info("console: stock file previewed", "shop", rq.shop.ID, "by", rq.user.Login, "file", name, "sha256", v.SHA256,
		"skus", v.SKUs, "changes", v.ChangeCount, "problems", v.ProblemCount)
	page := stockUploadData{Preview: v}
	return s.previewPage(rq, "stock_upload", "在庫取込", page, v.ProblemCount, v.CanApply,
		accounts.Upload{Screen: screenStock, Name: name, Data: data, SHA256: v.SHA256}, &v.Token)
}

// stockFileView parses a stock file and compares it with the shop's on-hand
// quantities and catalogue.
func (s *Server) stockFileView(ctx context.Context, shopID, name string, data []byte) (*stockFileView, error) {
	res := stock.ParseFile(data)
	v := &stockFileView{FileName: name, Size: len(data), Encoding: encodingLabel(res.Encoding), SKUs: len(res.Counts)}
	if !res.OK() {
		var problems []staffmsg.LineMessage
		for _, p := range res.Problems {
			problems = append(problems, staffmsg.LineMessage{Line: p.Line, Ja: p.Message})
		}
		v.ProblemCount, v.Problems = len(problems), lineTexts(problems[:min(len(problems), pageLines)])
		return v, nil
	}
	ss, err := readShopStock(ctx, stock.New(s.d.Store), shopID)
	if err != nil {
		return nil, err
	}
	var changes []stockChange
	var notes []staffmsg.LineMessage
	for sku, n := range res.Counts {
		line := res.Lines[sku]
		u, isMapped := ss.mapped[sku]
		if !isMapped {
			notes = append(notes, staffmsg.LineMessage{Line: line, Ja: "型番「" + sku + "」はカラーミーショップの連携できる商品にありません (在庫一覧の「連携できない商品」も確かめてください)。在庫数は記録しますが、カラーミーショップには送りません。"})
		}
		l, has := ss.levels[sku]
		if has && l.OnHand == n {
			v.Unchanged++
			continue
		}
		c := stockChange{Line: line, SKU: sku, Title: strings.TrimSpace(u.ProductName + " " + u.OptionText()), Before: "未登録", After: n, NotMapped: !isMapped}
		if has {
			c.Before, c.Delta = strconv.FormatInt(l.OnHand, 10), fmt.Sprintf("%+d", n-l.OnHand)
		}
		changes = append(changes, c)
	}
	slices.SortFunc(changes, func(a, b stockChange) int { return a.Line - b.Line })
	slices.SortFunc(notes, func(a, b staffmsg.LineMessage) int { return a.Line - b.Line })
	v.ChangeCount, v.Changes = len(changes), changes[:min(len(changes), pageLines)]
	v.NoteCount, v.Notes = len(notes), lineTexts(notes[:min(len(notes), pageLines)])
	v.CanApply = v.ChangeCount > 0
	return v, nil
}

// stockScreen is 在庫取込 as its 「取込」 and its refusals need it. Its apply
// refuses no lines: the file is checked against the catalogue, not the orders.
var stockScreen = uploadScreen{name: screenStock, what: "stock file", tmpl: "stock_upload", title: "在庫取込", form: stockUploadData{},
	donePath: stockUploadDonePath, again: "このファイルはすでに取り込み済みです。"}

// stockUploadApply is 「取込」: it applies the previewed file all or nothing (as
// `starter stock csv`), then lets ColorMe follow.
func (s *Server) stockUploadApply(rq *request) error {
	return s.applyPreviewed(rq, stockScreen, s.applyStockFile)
}

// applyStockFile checks a claimed stock file again against the OMS (the view
// is what it changes now), sets every SKU's on-hand in one transaction and
// tells the 在庫連携 (stockUploadApply).
func (s *Server) applyStockFile(rq *request, p accounts.Upload) (applied, error) {
	v, err := s.stockFileView(rq.ctx(), rq.shop.ID, p.Name, p.Data)
	if err != nil {
		return applied{}, err
	}
	if v.ProblemCount > 0 { // the parser is deterministic: only a changed parser gets here
		return applied{}, badRequest("このファイルは取り込めなくなりました。もう一度ファイルを選んで「プレビュー」を押してください。")
	}
	res := stock.ParseFile(p.Data)
	if _, err := stock.New(s.d.Store).SetOnHand(rq.ctx(), rq.shop.ID, res.Counts, rq.user.Login, stock.ReasonFile+": "+p.Name); err != nil {
		return applied{}, err
	}
	v.Applied, v.AppliedBy, v.AppliedAt = true, rq.user.Login, s.d.Now()
	s.d.Logger.Info("console: stock file applied", "shop", rq.shop.ID, "by", rq.user.Login, "file", p.Name, "changes", v.ChangeCount)
	v.SHA256 = p.SHA256
	a := applied{Summary: v, Flash: "取込が完了しました: 変更はありませんでした (すべて今の在庫数と同じでした)。"}
	if v.ChangeCount > 0 {
		v.Follow, a.Follow = s.followPush(rq, fmt.Sprintf("stock file %s: %d SKUs", p.Name, v.ChangeCount))
		a.Flash = fmt.Sprintf("取込が完了しました: %d件の型番の在庫数を更新しました。", v.ChangeCount)
	}
	return a, nil
}

// stockUploadDone shows the summary of an applied stock file.
func (s *Server) stockUploadDone(rq *request) error {
	summary, ok, err := s.acc.AppliedUpload(rq.ctx(), rq.r.PathValue("token"), sessionKey(rq), rq.shop.ID, screenStock, s.d.Now())
	if err != nil {
		return err
	}
	if !ok {
		return s.redirect(rq, stockPath(rq.shop.ID)+"/upload", "")
	}
	v := &stockFileView{}
	if err := json.Unmarshal([]byte(summary), v); err != nil || !v.Applied {
		return s.redirect(rq, stockPath(rq.shop.ID)+"/upload", "")
	}
	return s.render(rq, "stock_upload", "在庫取込", stockUploadData{Done: v, PushRun: pushRunLink(rq)})
}

func stockUploadDonePath(shopID, token string) string {
	return stockPath(shopID) + "/upload/done/" + token
}

// stockUploadRefused shows the 在庫取込 form again with what went wrong and what to do.
func (s *Server) stockUploadRefused(rq *request, err error) error {
	return s.refuseUpload(rq, err, stockScreen)
}

// readStockUpload reads the file of the 在庫取込 form as データ取込 reads its
// own, with the refusals in 在庫取込's words.
func readStockUpload(rq *request) (string, []byte, error) {
	return readUploadOf(rq, uploadWords{File: "在庫ファイル (型番,在庫数 のCSV)", Lines: "1行に1つの型番と在庫数 (型番,在庫数) を書いたCSVファイル"})
}
