package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// runDemoSeed creates a demo shop pointing at a ColorMe sandbox and seeds both
// sides with a realistic shop. It refuses a shop whose api_base_url is not that
// sandbox, and a -sandbox URL that does not answer as one, since it overwrites
// the shop's access token.
func runDemoSeed(ctx context.Context, e *env, args []string) error {
	fs := e.flags("demo-seed")
	sandbox := fs.String("sandbox", "http://127.0.0.1:8081", "ColorMe sandbox base URL")
	shopID := fs.String("shop", "demo", "shop ID to create or reuse")
	n := fs.Int("orders", 300, "number of orders")
	token := fs.String("token", "demo-token", "sandbox access token to register and store for the shop")
	st, err := fs.parseDB(ctx, args)
	if err != nil {
		return err
	}
	base := strings.TrimRight(strings.TrimSpace(*sandbox), "/")
	// demo-seed stores a made-up token and adds made-up orders: never to a shop
	// that talks to anything but this sandbox.
	existing, err := st.Shops.Shop(ctx, *shopID)
	create := errors.Is(err, oms.ErrNotFound)
	switch {
	case create:
	case err != nil:
		return err
	case strings.TrimRight(existing.APIBaseURL, "/") != base:
		return fmt.Errorf("refusing to seed shop %s: its api_base_url is %s, not the sandbox %s, and demo-seed would overwrite its access token and add demo orders; seed another shop with -shop (e.g. -shop demo-sandbox)",
			*shopID, existing.APIBaseURL, base)
	}
	if err := checkSandbox(ctx, base); err != nil {
		return err
	}
	if create {
		if err := st.Shops.CreateShop(ctx, shops.Shop{ID: *shopID, Name: "デモショップ", APIBaseURL: base, Settings: shops.DefaultSettings()}); err != nil {
			return err
		}
	}
	if err := st.Shops.SetAccessToken(ctx, *shopID, *token); err != nil {
		return err
	}
	orders, sales := demo.Generate(*n, time.Now().UnixNano(), 100001, time.Now())
	if err := postJSON(ctx, base+"/_sandbox/tokens", map[string]string{"token": *token}); err != nil {
		return err
	}
	if err := postJSON(ctx, base+"/_sandbox/sales", sales); err != nil {
		return err
	}
	// The OMS's orders came from ColorMe: they get ColorMe's destinations too,
	// as an earlier import would have stored them.
	if err := demo.SeedStore(ctx, st, *shopID, orders, sales); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "seeded shop %s: %d orders in the OMS, %d sales in the sandbox at %s\n", *shopID, len(orders), len(sales), base)
	// The sandbox shop's delivery and payment methods, as connecting reads them.
	res, err := st.Shops.RefreshMethods(ctx, *shopID, colorme.New(colorme.Config{BaseURL: base, AccessToken: *token}), time.Now())
	printMethodsRead(e.out, *shopID, res, err)
	return seedStock(ctx, e, st, *shopID, base, *token)
}

// seedStock gives the demo shop a catalogue with options on the sandbox,
// imports it as 「商品情報を取得」 does, and sets the warehouse's on-hand
// counts as a stock file (在庫取込) would, so 在庫一覧 shows real numbers.
func seedStock(ctx context.Context, e *env, st *stores.Stores, shopID, base, token string) error {
	if err := postJSON(ctx, base+"/_sandbox/products", demo.Catalogue()); err != nil {
		return err
	}
	c := colorme.New(colorme.Config{BaseURL: base, AccessToken: token})
	readAt := time.Now()
	products, err := c.AllProducts(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the demo catalogue back from the sandbox: %w", err)
	}
	for i, p := range products {
		if len(p.Options) > 0 && len(p.Variants) == 0 {
			if products[i].Variants, err = c.ProductVariants(ctx, p.ID); err != nil {
				return fmt.Errorf("reading the options of demo product %d: %w", p.ID, err)
			}
		}
	}
	s := stock.New(st)
	if err := s.SaveCatalogue(ctx, shopID, stock.UnitsOf(products, readAt)); err != nil {
		return err
	}
	if _, err := s.SetOnHand(ctx, shopID, demo.WarehouseStock(), "demo-seed", stock.ReasonFile); err != nil {
		return err
	}
	rep, err := s.Report(ctx, shopID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "seeded the catalogue of shop %s: %d products, %d sellable units (%d mapped by 型番, %d not), on-hand set for %d SKUs\n",
		shopID, rep.Products, rep.Units, rep.Mapped, len(rep.Unmapped), len(demo.WarehouseStock()))
	return nil
}
