package app

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// FormatAuto is the label "program" of ExportLabelsByCarrier: each delivery's
// program from its delivery method (送り状ソフト「配送方法から自動」).
const FormatAuto = "auto"

// ProgramOf returns the label program of a ColorMe delivery method_type:
// Yamato (yamato, yamato_pickup) → B2クラウド, 佐川 (sagawa) → e飛伝, 日本郵便
// (jp, japanpost) → ゆうパックプリントR. Any other type has no known carrier.
func ProgramOf(methodType string) (carrier.Format, bool) {
	switch strings.ToLower(strings.TrimSpace(methodType)) {
	case "yamato", "yamato_pickup":
		return carrier.B2, true
	case "sagawa":
		return carrier.Ehiden, true
	case "jp", "japanpost", "japan_post":
		return carrier.Yupack, true
	}
	return "", false
}

// ProgramName is the label program a delivery method ships with, as staff
// call it, or "" when its carrier is not known.
func ProgramName(d shops.DeliveryMethod) string {
	f, ok := ProgramOf(d.MethodType)
	if !ok {
		return ""
	}
	l, _ := carrier.ByFormat(string(f))
	return l.Name
}

// CarrierExport is one selection's label data split by carrier: one file per
// label program, and all of them in one zip.
type CarrierExport struct {
	FileName string            `json:"file_name"` // labels-<shop>-<date>.zip
	Data     []byte            `json:"-"`         // the zip of Files
	Files    []LabelExport     `json:"files"`     // one per program that has labels, in carrier.Layouts order
	Orders   int               `json:"orders"`    // orders selected
	Rows     int               `json:"rows"`      // label rows written, all files
	Warnings []carrier.Warning `json:"warnings"`  // the selection's and every file's; a delivery without known carrier is Excluded
}

// ExportLabelsByCarrier writes the label data of the selected orders as
// ExportLabels does, but each delivery in the layout of its own carrier's
// program, chosen by its delivery method's method_type (ProgramOf): one CSV
// per program, zipped. A delivery whose method has no known carrier (店頭受取,
// an unknown method_type, or methods not read from ColorMe yet) is left out
// with a warning saying why.
func ExportLabelsByCarrier(ctx context.Context, st *stores.Stores, shopID string, sel LabelSelection, sh carrier.Shipper, shipDate string, now time.Time) (CarrierExport, error) {
	j, err := selectShopLabels(ctx, st, shopID, sel, &sh, shipDate, now)
	if err != nil {
		return CarrierExport{}, err
	}
	orders, methods, labels, warns, n, shipDate, today := j.orders, j.methods, j.labels, j.warnings, j.selected, j.shipDate, j.today
	method := map[[2]int64]int64{}
	for _, o := range orders {
		for _, d := range o.Destinations {
			method[[2]int64{o.SaleID, d.ID}] = d.MethodID
		}
	}
	byProgram := map[carrier.Format][]carrier.Label{}
	for _, lb := range labels {
		id := method[[2]int64{lb.SaleID, lb.DeliveryID}]
		f, en, ja := programOfDelivery(methods, id)
		if en != "" {
			warns = append(warns, carrier.Warning{SaleID: lb.SaleID, DeliveryID: lb.DeliveryID, Excluded: true,
				Message: fmt.Sprintf("sale %d delivery %d: %s", lb.SaleID, lb.DeliveryID, en),
				Ja:      fmt.Sprintf("受注番号 %d のお届け先ID %d: %s", lb.SaleID, lb.DeliveryID, ja)})
			continue
		}
		byProgram[f] = append(byProgram[f], lb)
	}
	date := strings.ReplaceAll(today, "-", "")
	out := CarrierExport{Orders: n, Warnings: warns, FileName: fmt.Sprintf("labels-%s-%s.zip", shopID, date)}
	for _, l := range carrier.Layouts {
		lbs := byProgram[l.Format]
		if len(lbs) == 0 {
			continue
		}
		ex := l.Export(lbs, sh, shipDate)
		out.Files = append(out.Files, LabelExport{Format: string(l.Format), FormatName: l.Name, Data: ex.Data, Orders: countSales(lbs), Rows: ex.Rows,
			FileName: fmt.Sprintf("%s-%s-%s.csv", l.Format, shopID, date), Warnings: ex.Warnings, Labels: lbs})
		out.Rows += ex.Rows
		out.Warnings = append(out.Warnings, ex.Warnings...)
	}
	out.Data, err = zipFiles(out.Files, now)
	return out, err
}

// programOfDelivery returns the label program of the delivery method id, or
// why there is none (English, Japanese).
func programOfDelivery(m shops.ShopMethods, id int64) (carrier.Format, string, string) {
	d, ok := m.Delivery(id)
	switch {
	case id == 0:
		return "", "the order has no delivery method: choose a label program and export it on its own",
			"配送方法が入っていないため、運送会社を決められません。送り状ソフトを選んで出力してください。"
	case !ok:
		return "", fmt.Sprintf("delivery method %d is not known (the methods were not read from ColorMe yet, or it was removed): read them again (`starter shop methods -refresh`)", id),
			fmt.Sprintf("配送方法ID %d がわからないため、運送会社を決められません。店舗の「配送・決済方法」で「再取得」を押してから、もう一度出力してください。", id)
	}
	f, ok := ProgramOf(d.MethodType)
	if !ok {
		return "", fmt.Sprintf("delivery method %s (%d) has no known carrier (method_type %q): no label program takes it", d.Name, id, d.MethodType),
			fmt.Sprintf("配送方法「%s」は対応する運送会社がないため (種類: %s)、送り状データに入れていません。送り状が要るときは、送り状ソフトを選んで出力してください。", d.Name, methodTypeJa(d.MethodType))
	}
	return f, "", ""
}

// methodTypeJa names a method_type for staff.
func methodTypeJa(t string) string {
	switch t {
	case "other":
		return "その他"
	case "":
		return "指定なし"
	}
	return t
}

// countSales is the number of sales the labels are for.
func countSales(lbs []carrier.Label) int {
	var ids []int64
	for _, lb := range lbs {
		if !slices.Contains(ids, lb.SaleID) {
			ids = append(ids, lb.SaleID)
		}
	}
	return len(ids)
}

// zipFiles zips the files, each under its own name, dated now.
func zipFiles(files []LabelExport, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.FileName, Method: zip.Deflate, Modified: now.In(rules.Tokyo)})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
