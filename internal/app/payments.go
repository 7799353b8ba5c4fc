package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/paycsv"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// PaymentCSVReport is what ApplyPaymentCSV found in a bank-statement file
// (入金CSV) and did.
type PaymentCSVReport struct {
	Encoding string `json:"encoding"`
	Header   bool   `json:"header"`
	Rows     int    `json:"rows"` // rows the parser accepted
	payment.Report
}

// ApplyPaymentCSV parses a bank-statement file and marks its sales 入金済み,
// all or nothing (payment.Store.MarkPaid), as `starter orders paid -file` and the
// console's 入金取込 do: rows the parser rejects block the file too, and the
// others are still checked against the OMS so that every problem is reported
// at once, by line. by is who imports it.
func ApplyPaymentCSV(ctx context.Context, st *stores.Stores, shopID string, data []byte, by string, dryRun bool, now time.Time) (PaymentCSVReport, error) {
	if en, ja, ok := shipcsv.NotCSV(data); ok {
		return PaymentCSVReport{}, &staffmsg.StaffError{Err: ErrNotCSV,
			En: fmt.Sprintf("the file is %s, not a CSV file: nothing was read; choose the bank-statement CSV (save a workbook as CSV first)", en),
			Ja: fmt.Sprintf("選んだファイルは%sで、CSVファイルではありません。何も読み込んでいません。入金CSVを選んでください (Excelのブックは「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」にしてから)。", ja)}
	}
	parsed := paycsv.Parse(data)
	out := PaymentCSVReport{Encoding: parsed.Encoding, Header: parsed.Header, Rows: len(parsed.Rows)}
	payments := make([]payment.Payment, len(parsed.Rows))
	for i, r := range parsed.Rows {
		amount := r.Amount
		payments[i] = payment.Payment{Line: r.Line, SaleID: r.SaleID, PaidOn: r.PaidOn, Amount: &amount}
	}
	var rep payment.Report
	if len(payments) > 0 {
		var err error
		if rep, err = st.Payments.MarkPaid(ctx, shopID, payments, by, dryRun || len(parsed.Errors) > 0, now); err != nil {
			return out, err
		}
	}
	out.Report = rep
	for _, le := range parsed.Errors {
		out.Rejected = append(out.Rejected, staffmsg.LineMessage{Line: le.Line, Message: le.Message, Ja: le.Ja})
	}
	slices.SortStableFunc(out.Rejected, func(a, b staffmsg.LineMessage) int { return cmp.Compare(a.Line, b.Line) })
	if len(out.Rejected) > 0 {
		out.Changes, out.Applied = nil, false
	}
	return out, nil
}
