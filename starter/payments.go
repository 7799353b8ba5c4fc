package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/payment"
)

// ordersPaid is `starter orders paid`: mark sales 入金済み in the OMS, by sale
// id or from a bank-statement CSV (入金CSV), all or none. The export then
// writes paid:true to ColorMe (and the 入金確認メール with send_paid_mail).
func ordersPaid(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("orders paid")
	sales := fs.String("sales", "", "sale ids to mark paid, comma-separated (or -file)")
	file := fs.String("file", "", "bank-statement CSV: sale id (売上ID/受注番号), payment date (入金日), amount (金額); UTF-8 or Shift_JIS; - reads stdin")
	by := fs.String("by", defaultBy(), "who confirmed the payments (recorded with them)")
	dryRun := fs.Bool("dry-run", false, "check and show what would change, change nothing")
	st, _, err := fs.parseShop(ctx, args, shop)
	if err != nil {
		return err
	}
	if (*sales == "") == (*file == "") {
		return errors.New("give either -sales 1,2,3 or -file statement.csv")
	}
	var rep payment.Report
	if *file != "" {
		data, err := readCSVFile(*file)
		if err != nil {
			return err
		}
		r, err := app.ApplyPaymentCSV(ctx, st, *shop, data, *by, *dryRun, time.Now())
		if errors.Is(err, app.ErrNotCSV) {
			return fmt.Errorf("%s: %w", *file, err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "%s: %s, %s\n", *file, r.Encoding, opsCount(r.Rows, "valid row"))
		rep = r.Report
	} else {
		payments, err := parseSaleList(*sales)
		if err != nil {
			return err
		}
		if rep, err = st.Payments.MarkPaid(ctx, *shop, payments, *by, *dryRun, time.Now()); err != nil {
			return err
		}
	}
	return printPayments(ctx, e, *shop, rep)
}

func printPayments(ctx context.Context, e *env, shop string, rep payment.Report) error {
	if len(rep.Rejected) > 0 {
		opsPrintLines(e.out, shop, "rejected", rep.Rejected)
		return fmt.Errorf("%s: nothing was marked paid; fix them and run it again", opsCount(len(rep.Rejected), "problem"))
	}
	t := newTable(column{title: "line", right: true}, column{title: "sale", right: true}, column{title: "paid on"}, column{title: "status"})
	for _, c := range rep.Changes {
		status := opsStatusLabel(c.FromStatus)
		if c.ToStatus != c.FromStatus {
			status += " → " + opsStatusLabel(c.ToStatus)
		}
		t.add(opsDash(lineText(c.Line)), c.SaleID, opsDash(c.PaidOn), status)
	}
	_ = t.write(e.out)
	for _, id := range rep.Already {
		fmt.Fprintf(e.out, "sale %d was already paid in the OMS: unchanged\n", id)
	}
	if !rep.Applied {
		fmt.Fprintf(e.out, "dry run or nothing to do: %s would be marked paid\n", opsCount(len(rep.Changes), "sale"))
		return nil
	}
	fmt.Fprintf(e.out, "marked paid: %s; the export writes paid:true to ColorMe\n", opsCount(len(rep.Changes), "sale"))
	e.notifyChange(ctx, shop, fmt.Sprintf("payments: %d sales marked paid", len(rep.Changes)))
	return nil
}

func lineText(line int) string {
	if line == 0 {
		return ""
	}
	return strconv.Itoa(line)
}

// parseSaleList reads "1,2 3" into payments without date or amount.
func parseSaleList(s string) ([]payment.Payment, error) {
	var out []payment.Payment
	seen := map[int64]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("-sales: %q is not a sale id", f)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, payment.Payment{SaleID: id})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-sales: no sale id given")
	}
	return out, nil
}
