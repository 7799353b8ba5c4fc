package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// 送り状データ出力: label data for the carriers' label programs, as `starter
// orders carrier-export` writes it (app.ExportLabels). 「確認」 shows how many
// labels the file holds and every warning; 「ダウンロード」 writes the same file
// again from the same form (nothing is kept between the two).

// maxLabelSales is how many sale ids one 「確認」 or 「ダウンロード」 takes.
const maxLabelSales = 2000

// labelForm is what staff fill in.
type labelForm struct {
	Format                        string
	Status                        string
	Targets                       bool
	Sales                         string
	ShipDate                      string
	ShipperName, ShipperTel       string
	ShipperPostal, ShipperAddress string
	BillingCode, FreightNo        string
	Service, Cool                 string // per-export choice: "" = each order's (carrier.ParseChoice)
	Formats                       []orderOption
	Statuses                      []orderOption
	Services, Cools               []orderOption
}

// labelData is what the page shows: the form and, after 「確認」, the result.
type labelData struct {
	Form   labelForm
	Result *labelResult
}

// labelResult is a checked file.
type labelResult struct {
	FormatName string
	FileName   string
	Orders     int
	Rows       int
	Excluded   []labelWarning // rows left out or deliveries skipped (the first pageLines)
	Warnings   []labelWarning // rows written with a change (a value cut, no time slot; the first pageLines)
	// Infos are deliveries left out as they should be (伝票番号登録済み, a
	// bundled child, a cancelled order; the first pageLines): nothing to do.
	Infos []labelWarning
	// ExcludedCount, WarningCount and InfoCount are the totals.
	ExcludedCount, WarningCount, InfoCount int
	Sender                                 []labelWarning // about the whole file
	Files                                  []labelFile    // 配送方法から自動: the files in the zip, one per program
	Lines                                  []labelLine    // the rows written (the first pageLines)
}

// labelLine is one row the file holds: a parcel.
type labelLine struct {
	carrier.Label
	Program string // 配送方法から自動: the program's file it is in
}

// addLines lists the labels written (those the layout left out, named in
// ws as excluded, are not), at most pageLines in all.
func (res *labelResult) addLines(program string, labels []carrier.Label, ws []carrier.Warning) {
	out := map[[2]int64]bool{}
	for _, w := range ws {
		if w.Excluded {
			out[[2]int64{w.SaleID, w.DeliveryID}] = true
		}
	}
	for _, lb := range labels {
		if len(res.Lines) == pageLines {
			return
		}
		if !out[[2]int64{lb.SaleID, lb.DeliveryID}] {
			res.Lines = append(res.Lines, labelLine{Label: lb, Program: program})
		}
	}
}

// labelWarning is one warning in staff's words.
type labelWarning struct {
	SaleID  int64
	Message string
}

func (s *Server) labelForm(rq *request) error {
	f := labelForm{Format: "b2", Status: rules.StatusAwaitingShipment, ShipDate: s.d.Now().In(rules.Tokyo).Format(time.DateOnly),
		ShipperName: rq.shop.Name, FreightNo: "01"}
	f.options()
	return s.render(rq, "labels", "送り状データ出力", labelData{Form: f})
}

// options fills the choices of the form.
func (f *labelForm) options() {
	f.Formats, f.Statuses = nil, []orderOption{{Value: "", Label: "すべて", Selected: f.Status == ""}}
	f.Formats = append(f.Formats, orderOption{Value: app.FormatAuto, Label: autoFormatName, Selected: f.Format == app.FormatAuto})
	for _, l := range carrier.Layouts {
		f.Formats = append(f.Formats, orderOption{Value: string(l.Format), Label: l.Name, Selected: string(l.Format) == f.Format})
	}
	for _, st := range rules.Statuses {
		f.Statuses = append(f.Statuses, orderOption{Value: st, Label: rules.StatusLabels[st], Selected: st == f.Status})
	}
	f.Services, f.Cools = nil, nil
	for _, o := range [][2]string{{"", "受注ごと (配送方法による)"}, {"standard", "通常"}, {"compact", "宅急便コンパクト (B2クラウド)"}, {"nekopos", "ネコポス (B2クラウド)"}} {
		f.Services = append(f.Services, orderOption{Value: o[0], Label: o[1], Selected: o[0] == f.Service})
	}
	for _, o := range [][2]string{{"", "受注ごと"}, {"none", "普通"}, {"chilled", "冷蔵"}, {"frozen", "冷凍"}} {
		f.Cools = append(f.Cools, orderOption{Value: o[0], Label: o[1], Selected: o[0] == f.Cool})
	}
}

// labelPost is 「確認」 (action=check) and 「ダウンロード」 (action=download).
func (s *Server) labelPost(rq *request) error {
	r := rq.r
	f := labelForm{Format: r.PostFormValue("format"), Status: r.PostFormValue("status"), Targets: r.PostFormValue("targets") != "",
		Sales: strings.TrimSpace(r.PostFormValue("sales")), ShipDate: strings.TrimSpace(r.PostFormValue("ship_date")),
		ShipperName: r.PostFormValue("shipper_name"), ShipperTel: r.PostFormValue("shipper_tel"), ShipperPostal: r.PostFormValue("shipper_postal"),
		ShipperAddress: r.PostFormValue("shipper_address"), BillingCode: r.PostFormValue("b2_billing_code"), FreightNo: r.PostFormValue("b2_freight_no"),
		Service: r.PostFormValue("service"), Cool: r.PostFormValue("cool")}
	f.options()
	sel, err := f.selection()
	if err != nil {
		return s.renderStatus(rq, http.StatusBadRequest, "labels", "送り状データ出力", labelData{Form: f}, err.Error())
	}
	if !acquire(rq.ctx(), s.previewSlots, previewQueueWait) {
		return s.renderStatus(rq, http.StatusServiceUnavailable, "labels", "送り状データ出力", labelData{Form: f}, previewsBusy().(*httpError).msg)
	}
	defer func() { <-s.previewSlots }()
	sh := carrier.Shipper{Name: f.ShipperName, Tel: f.ShipperTel, Postal: f.ShipperPostal, Address: f.ShipperAddress, BillingCode: f.BillingCode, FreightNo: f.FreightNo}
	if f.Format == app.FormatAuto {
		return s.labelsByCarrier(rq, f, sel, sh)
	}
	ex, err := app.ExportLabels(rq.ctx(), s.d.Store, rq.shop.ID, f.Format, sel, sh, f.ShipDate, s.d.Now())
	if msg := staffmsg.StaffMessage(err); msg != "" {
		return s.renderStatus(rq, http.StatusBadRequest, "labels", "送り状データ出力", labelData{Form: f}, msg)
	}
	if err != nil {
		return err
	}
	res := &labelResult{FormatName: ex.FormatName, FileName: ex.FileName, Orders: ex.Orders, Rows: ex.Rows}
	res.addWarnings(ex.Warnings)
	res.addLines("", ex.Labels, ex.Warnings)
	data := labelData{Form: f, Result: res}
	if ex.Rows == 0 {
		return s.renderStatus(rq, http.StatusUnprocessableEntity, "labels", "送り状データ出力", data,
			fmt.Sprintf("出力する送り状がありません (選んだ受注%d件)。条件を変えるか、下の一覧の内容を確かめてください。", ex.Orders))
	}
	if r.PostFormValue("action") != "download" {
		return s.render(rq, "labels", "送り状データ出力", data)
	}
	s.d.Logger.Info("console: label data downloaded", "shop", rq.shop.ID, "by", rq.user.Login, "format", ex.Format,
		"orders", ex.Orders, "rows", ex.Rows, "warnings", len(ex.Warnings))
	return download(rq, "text/csv; charset=Shift_JIS", ex.FileName, ex.Data)
}

// download answers with a file to save: its content type, name and bytes.
func download(rq *request, contentType, fileName string, data []byte) error {
	h := rq.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+fileName+`"`)
	_, err := rq.w.Write(data)
	return err
}

// addWarnings sorts the export's warnings for staff: about the whole file, a
// row left out, a row written with a change; of the last two only the first
// pageLines are kept, with their totals.
func (res *labelResult) addWarnings(ws []carrier.Warning) {
	for _, w := range ws {
		lw := labelWarning{SaleID: w.SaleID, Message: w.Ja}
		switch {
		case w.SaleID == 0:
			res.Sender = append(res.Sender, lw)
		case w.Info:
			if res.InfoCount++; res.InfoCount <= pageLines {
				res.Infos = append(res.Infos, lw)
			}
		case w.Excluded:
			if res.ExcludedCount++; res.ExcludedCount <= pageLines {
				res.Excluded = append(res.Excluded, lw)
			}
		default:
			if res.WarningCount++; res.WarningCount <= pageLines {
				res.Warnings = append(res.Warnings, lw)
			}
		}
	}
}

// selection reads the form's choice of orders.
func (f labelForm) selection() (app.LabelSelection, error) {
	sel := app.LabelSelection{Targets: f.Targets}
	choice, err := carrier.ParseChoice(f.Service, f.Cool)
	if err != nil {
		return sel, badRequest("荷物の種類とクール区分を一覧から選んでください。")
	}
	sel.Choice = choice
	if f.Status != "" {
		if !rules.ValidStatus(f.Status) {
			return sel, badRequest("ステータスを一覧から選んでください。")
		}
		sel.Statuses = []string{f.Status}
	}
	for _, p := range strings.FieldsFunc(f.Sales, func(r rune) bool { return r == ',' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id <= 0 {
			return sel, badRequest(fmt.Sprintf("受注番号「%s」が数字ではありません。受注番号をカンマか改行で区切って入れてください。", p))
		}
		if len(sel.SaleIDs) == maxLabelSales {
			return sel, badRequest(fmt.Sprintf("受注番号は一度に%d件まで入れられます。分けて出力するか、ステータス・書出対象で選んでください。", maxLabelSales))
		}
		sel.SaleIDs = append(sel.SaleIDs, id)
	}
	return sel, nil
}
