package console

import (
	"fmt"
	"net/http"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// autoFormatName is the 送り状ソフト choice that splits one selection by carrier.
const autoFormatName = "配送方法から自動 (運送会社ごとのファイルをZIPで)"

// labelFile is one program's file in the zip.
type labelFile struct {
	FormatName string
	FileName   string
	Orders     int
	Rows       int
}

// labelsByCarrier is 「確認」 and 「ダウンロード」 of 配送方法から自動: each
// delivery in its carrier's program by its delivery method
// (app.ExportLabelsByCarrier), one file per program in one zip; a delivery
// whose method has no known carrier is listed among those left out.
func (s *Server) labelsByCarrier(rq *request, f labelForm, sel app.LabelSelection, sh carrier.Shipper) error {
	ex, err := app.ExportLabelsByCarrier(rq.ctx(), s.d.Store, rq.shop.ID, sel, sh, f.ShipDate, s.d.Now())
	if msg := staffmsg.StaffMessage(err); msg != "" {
		return s.renderStatus(rq, http.StatusBadRequest, "labels", "送り状データ出力", labelData{Form: f}, msg)
	}
	if err != nil {
		return err
	}
	res := &labelResult{FormatName: autoFormatName, FileName: ex.FileName, Orders: ex.Orders, Rows: ex.Rows}
	for _, file := range ex.Files {
		res.Files = append(res.Files, labelFile{FormatName: file.FormatName, FileName: file.FileName, Orders: file.Orders, Rows: file.Rows})
		res.addLines(file.FormatName, file.Labels, file.Warnings)
	}
	res.addWarnings(ex.Warnings) // at most pageLines of each kind on the page, like a single file's
	data := labelData{Form: f, Result: res}
	if ex.Rows == 0 {
		return s.renderStatus(rq, http.StatusUnprocessableEntity, "labels", "送り状データ出力", data,
			fmt.Sprintf("出力する送り状がありません (選んだ受注%d件)。条件を変えるか、下の一覧の内容を確かめてください。", ex.Orders))
	}
	if rq.r.PostFormValue("action") != "download" {
		return s.render(rq, "labels", "送り状データ出力", data)
	}
	s.d.Logger.Info("console: label data by carrier downloaded", "shop", rq.shop.ID, "by", rq.user.Login, "files", len(ex.Files),
		"orders", ex.Orders, "rows", ex.Rows, "warnings", len(ex.Warnings))
	return download(rq, "application/zip", ex.FileName, ex.Data)
}
