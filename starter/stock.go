package main

import (
	"context"
	"fmt"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/workflows"
)

const stockUsage = `usage: starter stock catalogue|csv|push|list [flags]
  catalogue  import the shop's ColorMe products and options (商品情報を取得) and list what cannot be mapped
  csv        set the on-hand stock from a warehouse file (在庫取込): 型番,在庫数; all lines or none
  push       make ColorMe's stock follow the OMS's available quantity now (在庫連携)
  list       the stock of each SKU: on-hand, open order units, available, ColorMe's last read`

// stockCatalogue imports the catalogue and prints the units that cannot be mapped.
func stockCatalogue(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("stock catalogue")
	if err := fs.parseShopID(args, shop); err != nil {
		return err
	}
	_, res, err := startRun[activities.StockCatalogueResult](ctx, e, "catalogue import", *shop, true, app.StartStockCatalogue,
		workflows.StockCatalogueInput{ShopID: *shop, Trigger: oms.TriggerManual})
	if err != nil || res == nil {
		return err
	}
	r := res.Report
	fmt.Fprintf(e.out, "\ncatalogue of shop %s: %d products, %d sellable units, %d mapped to a SKU by 型番, %d not mapped\n",
		*shop, r.Products, r.Units, r.Mapped, len(r.Unmapped))
	if len(r.Unmapped) > 0 {
		t := newTable(column{title: "product", right: true}, column{title: "option"}, column{title: "型番"}, column{title: "problem"}, column{title: "what to do", max: 90})
		t.indent = "  "
		for _, u := range r.Unmapped {
			t.add(u.Unit.ProductID, u.Unit.OptionText(), u.Unit.ModelNumber, u.Problem, u.Todo)
		}
		return t.write(e.out)
	}
	return nil
}

// stockCSV applies a warehouse stock file: every line or none.
func stockCSV(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("stock csv")
	file := fs.String("file", "", "warehouse stock file: 型番,在庫数 per line (UTF-8 or Shift_JIS); - reads stdin (required)")
	actor := fs.String("actor", "", "who applies the file, recorded in the movement history (default: the OS user)")
	st, data, err := fs.parseShopCSV(ctx, args, shop, file, "a CSV of 型番,在庫数")
	if err != nil {
		return err
	}
	res := stock.ParseFile(data)
	fmt.Fprintf(e.out, "%s: read as %s, %d SKUs\n", *file, res.Encoding, len(res.Counts))
	if !res.OK() {
		for _, p := range res.Problems {
			fmt.Fprintf(e.out, "  line %d: %s\n", p.Line, p.Message)
		}
		return fmt.Errorf("the stock file has %d problems: nothing was applied; fix the lines above and run again", len(res.Problems))
	}
	who := *actor
	if who == "" {
		who = osUser()
	}
	changed, err := stock.New(st).SetOnHand(ctx, *shop, res.Counts, "starter:"+who, stock.ReasonFile)
	if err != nil {
		return err
	}
	sh, err := st.Shops.Shop(ctx, *shop)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "applied: %d SKUs changed, %d unchanged", changed, len(res.Counts)-changed)
	switch {
	case changed == 0:
		fmt.Fprintln(e.out, "; nothing to send to ColorMe")
	case !sh.HasAccessToken || sh.ReconnectNeeded:
		fmt.Fprintf(e.out, "; not sent to ColorMe: shop %s is not connected; connect it (`starter shop connect -shop %s`), then `starter stock push -shop %s`\n", *shop, *shop, *shop)
	case !app.StockListener.Listens(sh):
		fmt.Fprintf(e.out, "; not sent to ColorMe: 自動在庫連携 is off; send now with `starter stock push -shop %s` (or turn it on: `starter shop set -shop %s stock_enabled=true`)\n", *shop, *shop)
	default:
		// The on-change trigger runs a push that starts after this change,
		// waiting for a push that runs now: the change cannot be missed.
		fmt.Fprintf(e.out, "; 自動在庫連携 sends them to ColorMe within seconds (after any push that runs now); see `starter runs -shop %s -kind stock`\n", *shop)
		e.notifyStockChange(ctx, *shop, fmt.Sprintf("stock file: %d SKUs", changed))
	}
	return nil
}

// stockPush runs a stock push now and prints its totals.
func stockPush(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("stock push")
	wait := fs.Bool("wait", true, "wait for the push to finish and print its result")
	if err := fs.parseShopID(args, shop); err != nil {
		return err
	}
	_, res, err := startRun[workflows.StockPushResult](ctx, e, "stock push", *shop, *wait, app.StartStockPush,
		workflows.StockPushInput{ShopID: *shop, Trigger: oms.TriggerManual})
	if err != nil || res == nil {
		return err
	}
	t := res.Totals
	fmt.Fprintf(e.out, "\nstock push finished: shop %s, run log #%d, %d rounds\n", *shop, res.RunID, res.Rounds)
	tb := newTable(column{title: "mapped", right: true}, column{title: "written", right: true}, column{title: "unchanged", right: true},
		column{title: "skipped", right: true}, column{title: "unmapped", right: true}, column{title: "refused", right: true}, column{title: "open", right: true})
	tb.indent = "  "
	tb.add(t.Mapped, t.Written, t.Unchanged, t.Skipped, t.Unmapped, t.Refused, res.Open)
	return tb.write(e.out)
}

// stockList prints each SKU's stock.
func stockList(ctx context.Context, e *env, args []string) error {
	fs, shop := e.shopFlags("stock list")
	st, _, err := fs.parseShop(ctx, args, shop)
	if err != nil {
		return err
	}
	s := stock.New(st)
	units, err := s.Catalogue(ctx, *shop)
	if err != nil {
		return err
	}
	levels, err := s.Levels(ctx, *shop)
	if err != nil {
		return err
	}
	mapped, _ := stock.Classify(units)
	t := newTable(column{title: "型番"}, column{title: "title", max: 40}, column{title: "on hand", right: true}, column{title: "open", right: true},
		column{title: "available", right: true}, column{title: "ColorMe (last read)", right: true})
	for _, u := range units {
		if _, ok := mapped[u.ModelNumber]; !ok {
			continue
		}
		l, ok := levels[u.ModelNumber]
		if !ok {
			t.add(u.ModelNumber, u.Title, "-", "-", "-", u.ColorMeStocks)
			continue
		}
		t.add(u.ModelNumber, u.Title, l.OnHand, l.Open, l.Available, u.ColorMeStocks)
	}
	return t.write(e.out)
}
