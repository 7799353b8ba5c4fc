package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// shopMethods lists the shop's delivery and payment methods (配送方法・決済方法)
// as the OMS last read them from ColorMe, with each delivery method's label
// program and クール区分; -refresh reads them from ColorMe first, -cool sets a
// delivery method's クール区分.
func shopMethods(ctx context.Context, e *env, args []string) error {
	fs, id := e.shopFlags("shop methods")
	refresh := fs.Bool("refresh", false, "read the methods from ColorMe now (2 API calls within the shop's budget)")
	cool := fs.String("cool", "", "set a delivery method's クール区分: METHOD_ID=none|chilled|frozen (冷蔵, 冷凍); kept across reads")
	cfg, err := fs.parseConfig(args)
	if err != nil {
		return err
	}
	st, _, err := e.shop(ctx, *id)
	if err != nil {
		return err
	}
	if *refresh {
		res, err := app.RefreshMethods(ctx, cfg, st, nil, *id, time.Now())
		if err != nil {
			return err
		}
		printMethodsRead(e.out, *id, res, nil)
	}
	if *cool != "" {
		mid, c, err := parseCool(*cool)
		if err != nil {
			return err
		}
		if err := st.Shops.SetDeliveryCool(ctx, *id, mid, c); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "delivery method %d of shop %s: クール区分 %s\n", mid, *id, shops.CoolLabel(c))
	}
	m, err := st.Shops.Methods(ctx, *id)
	if err != nil {
		return err
	}
	return writeMethods(e.out, *id, m)
}

// parseCool reads METHOD_ID=none|chilled|frozen.
func parseCool(s string) (int64, string, error) {
	k, v, ok := strings.Cut(s, "=")
	mid, err := strconv.ParseInt(strings.TrimSpace(k), 10, 64)
	if !ok || err != nil || mid <= 0 {
		return 0, "", fmt.Errorf("-cool %q: write METHOD_ID=none, =chilled or =frozen, e.g. -cool 12=frozen", s)
	}
	switch v = strings.TrimSpace(v); v {
	case "none", "":
		return mid, shops.CoolNone, nil
	case shops.CoolChilled, shops.CoolFrozen:
		return mid, v, nil
	}
	return 0, "", fmt.Errorf("-cool %q: the クール区分 is none, chilled (冷蔵) or frozen (冷凍)", s)
}

// writeMethods prints the shop's methods as two tables.
func writeMethods(w io.Writer, shopID string, m shops.ShopMethods) error {
	switch {
	case m.ReadAt.IsZero() && m.Error == "":
		fmt.Fprintf(w, "the methods of shop %s were never read from ColorMe: run `starter shop methods -shop %s -refresh`\n", shopID, shopID)
		return nil
	case m.ReadAt.IsZero():
		fmt.Fprintf(w, "the methods of shop %s could not be read from ColorMe (%s, %s): run `starter shop methods -shop %s -refresh` again later\n", shopID, opsTime(m.TriedAt), m.Error, shopID)
		return nil
	}
	fmt.Fprintf(w, "methods of shop %s, read from ColorMe %s\n", shopID, opsTime(m.ReadAt))
	if m.Error != "" {
		fmt.Fprintf(w, "the last read failed (%s, %s); these are the methods read before\n", opsTime(m.TriedAt), m.Error)
	}
	fmt.Fprintln(w, "\ndelivery methods (配送方法):")
	t := newTable(column{title: "id", right: true}, column{title: "name", max: 30}, column{title: "method_type"}, column{title: "label program"}, column{title: "cool"}, column{title: "shown"})
	t.indent = "  "
	for _, d := range m.Deliveries {
		prog := app.ProgramName(d)
		if prog == "" {
			prog = "none (left out of split label files)"
		}
		t.add(d.ID, d.Name, d.MethodType, prog, shops.CoolLabel(d.Cool), !d.Hidden)
	}
	if err := t.write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\npayment methods (決済方法):")
	t = newTable(column{title: "id", right: true}, column{title: "name", max: 30}, column{title: "代金引換"}, column{title: "fee", right: true}, column{title: "shown"})
	t.indent = "  "
	for _, p := range m.Payments {
		t.add(p.ID, p.Name, p.COD, p.Fee, !p.Hidden)
	}
	return t.write(w)
}

// printMethodsRead says what reading the shop's methods found, or why it failed.
func printMethodsRead(w io.Writer, shopID string, res shops.MethodsRefresh, err error) {
	if err != nil {
		fmt.Fprintf(w, "the delivery and payment methods could not be read (%s): the daily import reads them again, or run `starter shop methods -shop %s -refresh`\n", err, shopID)
		return
	}
	changed := "unchanged"
	if res.Changed {
		changed = "changed"
	}
	fmt.Fprintf(w, "read %d delivery and %d payment methods from ColorMe (%s)\n", res.Deliveries, res.Payments, changed)
}
