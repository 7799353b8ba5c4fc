package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// maxCSVBytes bounds the shipping-results file read into memory.
const maxCSVBytes = app.MaxCSVBytes

func ordersCSV(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("orders csv")
	file := fs.String("file", "", "shipping-results CSV (UTF-8 or Shift_JIS), or the issued data of B2 Cloud, e-Hiden or Yu-Pack Print R (recognised by its columns); - reads stdin (required)")
	dryRun := fs.Bool("dry-run", false, "check the file and show what would change, change nothing")
	st, data, err := fs.parseShopCSV(ctx, args, shop, file, "the CSV of sale id, [sale_delivery id,] tracking number, ship date")
	if err != nil {
		return err
	}
	rep, err := app.ApplyShipmentCSV(ctx, st, *shop, data, *dryRun, time.Now())
	if errors.Is(err, app.ErrNotCSV) {
		return fmt.Errorf("%s: %w", *file, err)
	}
	header := "no header row"
	if rep.Header {
		header = "header row"
	}
	format := "generic shipping-results CSV"
	if rep.FormatNameEn != "" {
		format = rep.FormatNameEn + " issued data"
	}
	fmt.Fprintf(e.out, "%s: read as %s; %s, %s, %s\n", *file, format, rep.Encoding, header, opsCount(rep.Rows, "valid row"))
	if err != nil {
		return err
	}
	opsPrintLines(e.out, *shop, "notes", rep.Notes)
	if len(rep.Rejected) > 0 {
		opsPrintLines(e.out, *shop, "rejected", rep.Rejected)
		return fmt.Errorf("%s in %s: nothing was applied; fix them and run it again", opsCount(len(rep.Rejected), "problem"), *file)
	}
	t := newTable(column{title: "line", right: true}, column{title: "sale", right: true}, column{title: "delivery", right: true},
		column{title: "tracking number", max: 30}, column{title: "ship date"}, column{title: "before", max: 45})
	for _, c := range rep.Changes {
		before := "-"
		if c.OldSlip != "" || c.OldShipDate != "" {
			before = opsDash(c.OldSlip) + " " + opsDash(c.OldShipDate)
		}
		t.add(c.Line, c.SaleID, c.DeliveryID, c.NewSlip, opsDash(c.NewShipDate), before)
	}
	_ = t.write(e.out)
	summary := fmt.Sprintf("%s of %s change, %s already in the OMS, %s", opsCount(len(rep.Changes), "delivery"), opsCount(rep.Orders, "order"),
		opsCount(rep.Unchanged, "row"), opsCount(rep.Duplicates, "duplicate row"))
	if rep.Applied {
		fmt.Fprintf(e.out, "applied: %s; the changed orders are in the next export's window\n", summary)
		if rep.Orders > 0 {
			e.notifyChange(ctx, *shop, fmt.Sprintf("shipping-results CSV: %d orders", rep.Orders))
			e.notifyStockChange(ctx, *shop, fmt.Sprintf("shipping-results CSV: %d orders", rep.Orders))
		}
	} else {
		fmt.Fprintf(e.out, "dry run, nothing applied: %s\n", summary)
	}
	return nil
}

// parseShopCSV parses the command line, loads the shop *id names and reads
// the CSV of the required flag -file (*file; - reads stdin); what says what the
// file holds when -file is missing.
func (f flags) parseShopCSV(ctx context.Context, args []string, id, file *string, what string) (*stores.Stores, []byte, error) {
	st, _, err := f.parseShop(ctx, args, id)
	if err != nil {
		return nil, nil, err
	}
	if *file == "" {
		return nil, nil, errors.New("-file is required: " + what)
	}
	data, err := readCSVFile(*file)
	return st, data, err
}

// readCSVFile reads the CSV file name, or stdin for "-", at most maxCSVBytes.
func readCSVFile(name string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("reading the CSV: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCSVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the CSV: %w", err)
	}
	if len(data) > maxCSVBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB: split it", name, maxCSVBytes>>20)
	}
	return data, nil
}

func opsPrintLines(w io.Writer, shop, title string, lines []staffmsg.LineMessage) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, l := range lines {
		if l.Line == 0 {
			fmt.Fprintf(w, "  file: %s\n", lineWithRemedy(shop, l))
		} else {
			fmt.Fprintf(w, "  line %d: %s\n", l.Line, lineWithRemedy(shop, l))
		}
	}
}

func ordersStatus(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("orders status")
	sale := fs.Int64("sale", 0, "sale id (required)")
	status := fs.String("status", "", "new status: "+opsStatusHelp()+" (required)")
	st, _, err := fs.parseShop(ctx, args, shop)
	if err != nil {
		return err
	}
	if *sale <= 0 {
		return errors.New("-sale is required: the ColorMe sale id")
	}
	value := opsStatusValue(*status)
	ch, err := st.SetStatus(ctx, *shop, *sale, value, time.Now())
	if err != nil {
		return withRemedies(*shop, err)
	}
	if !ch.Changed {
		fmt.Fprintf(e.out, "sale %d is already %s: nothing changed\n", *sale, opsStatusLabel(value))
		return nil
	}
	fmt.Fprintf(e.out, "sale %d: %s → %s\n", *sale, opsStatusLabel(ch.Previous), opsStatusLabel(value))
	e.notifyChange(ctx, *shop, fmt.Sprintf("status of sale %d", *sale))
	e.notifyStockChange(ctx, *shop, fmt.Sprintf("status of sale %d", *sale))
	if ch.ClearedFlag != "" {
		fmt.Fprintf(e.out, "flag cleared: %s\n", ch.ClearedFlag)
	}
	return nil
}

// opsStatusValue accepts a status value or its Japanese label.
func opsStatusValue(s string) string {
	s = strings.TrimSpace(s)
	for v, l := range rules.StatusLabels {
		if s == l {
			return v
		}
	}
	return s
}

func opsStatusLabel(v string) string {
	if l, ok := rules.StatusLabels[v]; ok {
		return l + " (" + v + ")"
	}
	return v
}

// statusShort is a status's Japanese label alone (the value for an unknown one),
// as GoQ's screens show it; `orders status` takes either.
func statusShort(v string) string {
	if l, ok := rules.StatusLabels[v]; ok {
		return l
	}
	return v
}

func opsStatusHelp() string {
	parts := make([]string, len(rules.Statuses))
	for i, s := range rules.Statuses {
		parts[i] = s + " " + rules.StatusLabels[s]
	}
	return strings.Join(parts, ", ")
}

func ordersBundle(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("orders bundle")
	parent := fs.Int64("parent", 0, "sale id of the parent order: the one exported (required)")
	children := fs.String("children", "", "comma-separated sale ids shipped with the parent (required)")
	st, _, err := fs.parseShop(ctx, args, shop)
	if err != nil {
		return err
	}
	if *parent <= 0 {
		return errors.New("-parent is required: the sale id of the order the others ship with")
	}
	ids, err := parseSaleIDs("-children", *children)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errors.New("-children is required: the sale ids shipped with the parent, like 1001,1002")
	}
	changed, err := st.Bundle(ctx, *shop, *parent, ids, time.Now())
	if err != nil {
		return withRemedies(*shop, err)
	}
	if len(changed) == 0 {
		fmt.Fprintf(e.out, "sales %v are already bundled into sale %d: nothing changed\n", ids, *parent)
		return nil
	}
	fmt.Fprintf(e.out, "bundled (同梱) %v into sale %d; changed orders: %v — only sale %d is exported\n", ids, *parent, changed, *parent)
	e.notifyChange(ctx, *shop, fmt.Sprintf("bundle into sale %d", *parent))
	return nil
}

func ordersUnbundle(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("orders unbundle")
	sale := fs.Int64("sale", 0, "sale id to take out of its bundle; the parent dissolves the whole bundle (required)")
	st, _, err := fs.parseShop(ctx, args, shop)
	if err != nil {
		return err
	}
	if *sale <= 0 {
		return errors.New("-sale is required")
	}
	changed, err := st.Unbundle(ctx, *shop, *sale, time.Now())
	if err != nil {
		return withRemedies(*shop, err)
	}
	fmt.Fprintf(e.out, "unbundled; changed orders: %v — each is exported on its own again\n", changed)
	if len(changed) > 0 {
		e.notifyChange(ctx, *shop, fmt.Sprintf("unbundle of sale %d", *sale))
	}
	return nil
}

func ordersList(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("orders list")
	asOfFlag := fs.String("as-of", "", "evaluate the export rules at this instant (RFC 3339, e.g. 2026-11-20T12:00:00+09:00); default now")
	window := fs.Int("window-days", 0, "作成期間 in days (0 = the shop's setting)")
	only := fs.String("only", "all", "all, targets, excluded or flagged")
	wide := fs.Bool("wide", false, "print long values (exclusion reasons, flags) whole instead of cutting them")
	st, _, err := fs.parseShop(ctx, args, shop)
	if err != nil {
		return err
	}
	at, err := parseAsOf(*asOfFlag)
	if err != nil {
		return err
	}
	asOf := time.Now()
	if at != nil {
		asOf = *at
	}
	if *window == 0 {
		sh, err := st.Shops.Shop(ctx, *shop)
		if err != nil {
			return err
		}
		*window = sh.Settings.WindowDays
	}
	if !rules.ValidDays(*window) {
		return fmt.Errorf("-window-days must be between %d and %d, got %d", rules.MinDays, rules.MaxDays, *window)
	}
	if !slices.Contains([]string{"all", "targets", "excluded", "flagged"}, *only) {
		return fmt.Errorf("-only must be all, targets, excluded or flagged, got %q", *only)
	}
	orders, err := st.Orders(ctx, *shop)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "orders of shop %s at %s, window %d days (long values are cut with …; -wide prints them whole)\n", *shop, opsTime(asOf), *window)
	t := newTable(column{title: "sale", right: true}, column{title: "status"}, column{title: "ordered"}, column{title: "updated"},
		column{title: "bundle", max: 16}, column{title: "deliveries (id tracking ship-date)", max: 32},
		column{title: "export: target, or the rule that excludes it", max: 56}, column{title: "flag", max: 24})
	t.wide = *wide
	targets, flagged := 0, 0
	byRule := map[int]int{}
	for _, o := range orders {
		x := rules.Exclude(o.Order, asOf, *window)
		why := x.Reason
		if x.Rule == 0 {
			targets++
		} else {
			byRule[x.Rule]++
		}
		if o.FlagReason != "" {
			flagged++
		}
		switch {
		case *only == "targets" && why != "", *only == "excluded" && why == "", *only == "flagged" && o.FlagReason == "":
			continue
		}
		export := "target"
		if why != "" {
			export = why
		}
		flag := o.FlagReason
		if o.ColormeCanceled && o.Status != rules.StatusCancelled && flag == "" {
			flag = "cancelled on ColorMe"
		}
		t.add(o.SaleID, statusShort(o.Status), opsTime(o.OrderedAt), opsTime(o.UpdatedAt),
			bundleText(o), deliveriesText(o), export, opsDash(flag))
	}
	_ = t.write(e.out)
	rulesSeen := make([]int, 0, len(byRule))
	for r := range byRule {
		rulesSeen = append(rulesSeen, r)
	}
	slices.Sort(rulesSeen)
	parts := make([]string, len(rulesSeen))
	for i, r := range rulesSeen {
		parts[i] = fmt.Sprintf("rule %d: %d", r, byRule[r])
	}
	fmt.Fprintf(e.out, "%d orders: %d targets, %d excluded (%s), %d flagged\n", len(orders), targets, len(orders)-targets, strings.Join(parts, ", "), flagged)
	return nil
}

func bundleText(o oms.OrderView) string {
	var parts []string
	switch p := o.BundleParentSaleID; p {
	case 0:
	case o.SaleID:
		parts = append(parts, "parent")
	default:
		parts = append(parts, fmt.Sprintf("in %d", p))
	}
	if o.ColormeParentSaleID != 0 {
		parts = append(parts, fmt.Sprintf("split from %d", o.ColormeParentSaleID))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func deliveriesText(o oms.OrderView) string {
	if len(o.Deliveries) == 0 {
		return "-"
	}
	parts := make([]string, len(o.Deliveries))
	for i, d := range o.Deliveries {
		parts[i] = fmt.Sprintf("%d %s %s", d.ID, opsDash(d.SlipNumber), opsDash(d.ShippedOn))
	}
	return strings.Join(parts, "; ")
}

// opsCount writes n and the noun, plural when n is not 1 ("delivery" → "deliveries").
func opsCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func opsDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

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
