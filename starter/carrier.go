package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// ordersCarrierExport is `starter orders carrier-export`: label data for a
// label program (B2クラウド, e飛伝, ゆうパックプリントR), as the console's
// 送り状データ出力 writes it.
func ordersCarrierExport(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("orders carrier-export")
	format := fs.String("format", "", "label program: b2 (Yamato B2 Cloud), ehiden (Sagawa e-Hiden II 標準パターン), ehiden3 (Sagawa e-Hiden III 標準_飛脚宅配便_CSV_ヘッダ無), yupack (Japan Post Yu-Pack Print R) (required)")
	service := fs.String("service", "auto", "parcel kind of every label: auto (each order's delivery method), standard, compact (宅急便コンパクト, b2 only), nekopos (ネコポス / クロネコゆうパケット, b2 only)")
	cool := fs.String("cool", "auto", "クール区分 of every label: auto (each order's), none, chilled (冷蔵), frozen (冷凍)")
	status := fs.String("status", "", "comma-separated statuses (value or label, e.g. awaiting_shipment or 発送待ち): "+opsStatusHelp())
	targets := fs.Bool("targets", false, "only the orders the export rules target now (rules 1–4)")
	sales := fs.String("sales", "", "comma-separated sale ids; a delivery that has a tracking number is written again only when named here")
	out := fs.String("o", "", "output file (Shift_JIS, CRLF); - writes stdout (required)")
	shipDate := fs.String("ship-date", "", "planned ship date (出荷予定日) YYYY-MM-DD; default today (JST)")
	var sh carrier.Shipper
	fs.StringVar(&sh.Name, "shipper-name", "", "sender (ご依頼主) name; default the shop's name")
	fs.StringVar(&sh.Tel, "shipper-tel", "", "sender's telephone number")
	fs.StringVar(&sh.Postal, "shipper-postal", "", "sender's postal code")
	fs.StringVar(&sh.Address, "shipper-address", "", "sender's address")
	fs.StringVar(&sh.BillingCode, "b2-billing-code", "", "B2: 請求先顧客コード (your Yamato customer code)")
	fs.StringVar(&sh.FreightNo, "b2-freight-no", "01", "B2: 運賃管理番号")
	st, _, err := fs.parseShop(ctx, args, shop)
	if err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-o is required: the file to write (- for stdout)")
	}
	choice, err := carrier.ParseChoice(*service, *cool)
	if err != nil {
		return fmt.Errorf("-service/-cool: %w", err)
	}
	sel := app.LabelSelection{Targets: *targets, Choice: choice}
	for _, s := range splitList(*status) {
		sel.Statuses = append(sel.Statuses, opsStatusValue(s))
	}
	if sel.SaleIDs, err = parseSaleIDs("-sales", *sales); err != nil {
		return err
	}
	if *format == app.FormatAuto {
		return carrierExportByMethod(ctx, e, st, *shop, sel, sh, *shipDate, *out)
	}
	ex, err := app.ExportLabels(ctx, st, *shop, *format, sel, sh, *shipDate, time.Now())
	if err != nil {
		return err
	}
	if wrote, err := writeLabels(e, *out, ex.Data, ex.Rows, ex.Orders, ex.Warnings); !wrote {
		return err
	}
	l, _ := carrier.ByFormat(ex.Format)
	fmt.Fprintf(e.out, "%s: %d label rows for %d orders in the %s import layout (Shift_JIS, CRLF); %d warnings\n",
		*out, ex.Rows, ex.Orders, l.NameEn, len(ex.Warnings))
	fmt.Fprintf(e.out, "next: import it in %s, print, export the issued data, then `starter orders csv -shop %s -file <issued data>`\n", l.NameEn, *shop)
	return nil
}

// carrierExportByMethod is `starter orders carrier-export -format auto`: each
// delivery in its carrier's program by its delivery method, one file per
// program zipped into out (app.ExportLabelsByCarrier).
func carrierExportByMethod(ctx context.Context, e *env, st *stores.Stores, shopID string, sel app.LabelSelection, sh carrier.Shipper, shipDate, out string) error {
	ex, err := app.ExportLabelsByCarrier(ctx, st, shopID, sel, sh, shipDate, time.Now())
	if err != nil {
		return err
	}
	if wrote, err := writeLabels(e, out, ex.Data, ex.Rows, ex.Orders, ex.Warnings); !wrote {
		return err
	}
	fmt.Fprintf(e.out, "%s: %d label rows for %d orders, one file per label program by delivery method (zip); %d warnings\n", out, ex.Rows, ex.Orders, len(ex.Warnings))
	for _, f := range ex.Files {
		l, _ := carrier.ByFormat(f.Format)
		fmt.Fprintf(e.out, "  %s: %d rows for %d orders in the %s import layout\n", f.FileName, f.Rows, f.Orders, l.NameEn)
	}
	fmt.Fprintf(e.out, "next: import each file in its program, print, export the issued data, then `starter orders csv -shop %s -file <issued data>`\n", shopID)
	return nil
}

// writeLabels prints the warnings of a label export on stderr and writes its
// data to the file out, or stdout for "-"; it refuses an export of no label
// row. It reports whether it wrote the file, and so owes its summary.
func writeLabels(e *env, out string, data []byte, rows, orders int, warnings []carrier.Warning) (bool, error) {
	for _, w := range warnings {
		fmt.Fprintf(e.errOut, "warning: %s\n", w.Message)
	}
	if rows == 0 {
		return false, fmt.Errorf("no label to write: %d orders selected, every delivery skipped (see the warnings)", orders)
	}
	if out == "-" {
		_, err := e.out.Write(data)
		return false, err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return false, fmt.Errorf("writing the label data: %w", err)
	}
	return true, nil
}

// parseSaleIDs reads the comma-separated sale ids of the flag name ("-sales").
func parseSaleIDs(name, s string) ([]int64, error) {
	var ids []int64
	for _, p := range splitList(s) {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%s: %q is not a sale id (write them like 1001,1002)", name, p)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// splitList splits a comma-separated flag, dropping empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
