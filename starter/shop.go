package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/settings"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

func shopAdd(ctx context.Context, e *env, args []string) error {
	fs := e.flags("shop add")
	id := fs.String("id", "", "shop ID: lowercase letters, digits, hyphens (required)")
	name := fs.String("name", "", "display name")
	baseURL := fs.String("api-base-url", "", "ColorMe API base URL (default COLORME_API_BASE_URL, https://api.shop-pro.jp)")
	clientID := fs.String("client-id", "", "ColorMe app client ID (クライアントID)")
	redirect := fs.String("redirect-url", "", "redirect URL registered with the ColorMe app (リダイレクトURL)")
	cfg, err := fs.parseConfig(args)
	if err != nil {
		return err
	}
	st, err := e.db(ctx)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = cfg.ColorMeBaseURL
	}
	shop := shops.Shop{ID: *id, Name: *name, APIBaseURL: *baseURL, ClientID: *clientID, RedirectURL: *redirect, Settings: shops.DefaultSettings()}
	if err := st.Shops.CreateShop(ctx, shop); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "shop %s added; store its client secret with `starter shop set-secret -shop %s`, then connect it with `starter shop connect -shop %s`\n", *id, *id, *id)
	return nil
}

func shopList(ctx context.Context, e *env, args []string) error {
	fs := e.flags("shop list")
	fs.wideFlag()
	st, err := fs.parseDB(ctx, args)
	if err != nil {
		return err
	}
	shops, err := st.Shops.Shops(ctx)
	if err != nil {
		return err
	}
	if len(shops) == 0 {
		fmt.Fprintln(e.out, "no shops yet: add one with `starter shop add -id myshop …` (the demo's is in DATABASE_URL=sqlite:.data/colorme-sync.db)")
		return nil
	}
	t := newTable(column{title: "id"}, column{title: "name", max: 30}, column{title: "api", max: 40}, column{title: "token"},
		column{title: "import"}, column{title: "export"}, column{title: "window", right: true}, column{title: "ship date"}, column{title: "mail"})
	t.wide = e.wide
	for _, s := range shops {
		t.add(s.ID, s.Name, s.APIBaseURL, tokenState(s),
			every(s.Settings.ImportEnabled, s.Settings.ImportIntervalMinutes), every(s.Settings.ExportEnabled, s.Settings.ExportIntervalMinutes),
			fmt.Sprintf("%dd", s.Settings.WindowDays), s.Settings.RequireShipDate, s.Settings.SendMail)
	}
	return t.write(e.out)
}

func tokenState(s shops.Shop) string {
	switch {
	case s.ReconnectNeeded:
		return "RECONNECT NEEDED"
	case s.HasAccessToken:
		return "connected (****)"
	}
	return "not connected"
}

func every(on bool, minutes int) string {
	if !on {
		return "off"
	}
	return fmt.Sprintf("every %dm", minutes)
}

func shopShow(ctx context.Context, e *env, args []string) error {
	fs, id := e.shopFlags("shop show")
	_, s, err := fs.parseShop(ctx, args, id)
	if err != nil {
		return err
	}
	secret := "not set"
	if s.HasClientSecret {
		secret = "set (****)"
	}
	fmt.Fprintf(e.out, "shop %s (%s)\n  api base URL:  %s\n  client ID:     %s\n  client secret: %s\n  redirect URL:  %s\n  access token:  %s\n",
		s.ID, s.Name, s.APIBaseURL, s.ClientID, secret, s.RedirectURL, tokenState(s))
	if s.ReconnectNeeded {
		fmt.Fprintf(e.out, "  reconnect:     %s\n", s.ReconnectReason)
	}
	fmt.Fprintln(e.out, "  settings:")
	for _, kv := range settingPairs(s.Settings) {
		fmt.Fprintf(e.out, "    %s=%s\n", kv[0], kv[1])
	}
	return nil
}

func shopSet(ctx context.Context, e *env, args []string) error {
	fs, id := e.shopFlags("shop set")
	fs.Usage = func() {
		fmt.Fprintln(e.errOut, "usage: starter shop set -shop ID key=value ...\nkeys: name, api_base_url, client_id, redirect_url, and the settings:")
		for _, d := range settings.Table {
			fmt.Fprintf(e.errOut, "  %s: %s (%s)\n", d.Key, d.LabelEN, settingUsage(d))
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("nothing to set")
	}
	st, s, err := e.shop(ctx, *id)
	if err != nil {
		return err
	}
	before := s
	if err := applySettings(&s, fs.Args()); err != nil {
		return err
	}
	if err := st.Shops.UpdateShop(ctx, s); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "shop %s updated\n", s.ID)
	if after, err := st.Shops.Shop(ctx, s.ID); err == nil && after.APIBaseURL != before.APIBaseURL && (before.HasAccessToken || before.HasClientSecret) {
		fmt.Fprintf(e.out, "the API base URL changed, so the access token and the client secret were dropped (they must not go to a new host): store the secret again with `starter shop set-secret -shop %s`, then reconnect with `starter shop connect -shop %s`\n", s.ID, s.ID)
	}
	return applySchedules(ctx, e, s.ID)
}

// shopSetToken stores an access token pasted by the operator (the seed's 「取得する」
// flow where the displayed string is copied). It is read from stdin so that it
// never lands in shell history or the process list.
func shopSetToken(ctx context.Context, e *env, args []string) error {
	id, err := setShopSecret(ctx, e, "shop set-token", args, "access token", (*shops.Store).SetAccessToken)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "access token of shop %s stored (encrypted)\n", id)
	if cfg, err := e.config(); err == nil {
		st, err := e.db(ctx)
		if err != nil {
			return err
		}
		res, err := app.RefreshMethods(ctx, cfg, st, nil, id, time.Now())
		printMethodsRead(e.out, id, res, err)
	}
	return applySchedules(ctx, e, id)
}

// settingPairs are the shop's settings as `shop show` prints them: a
// credential (the webhook URL) only as set or not.
func settingPairs(s shops.ShopSettings) [][2]string {
	pairs := shops.SettingPairs(s)
	for i, kv := range pairs {
		if d, _ := settings.Lookup(kv[0]); d.Secret && kv[1] != "" {
			pairs[i][1] = "(set; not shown)"
		}
	}
	return pairs
}

// settingUsage is a setting's values and default, as `shop set -h` lists them.
func settingUsage(d *settings.Def) string {
	switch {
	case d.IsBool():
		return fmt.Sprintf("true or false, default %v", d.Default)
	case d.Max > 0:
		return fmt.Sprintf("%s, default %v", d.Bounds(), d.Default)
	case d.Default == "":
		return "text, default empty"
	}
	return fmt.Sprintf("text, default %v", d.Default)
}

// applySettings applies key=value pairs to a shop; unknown keys and bad values
// are errors naming the key.
func applySettings(s *shops.Shop, pairs []string) error {
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("%q is not key=value", p)
		}
		if err := s.Set(k, v); err != nil {
			if strings.HasPrefix(err.Error(), "unknown setting") {
				return fmt.Errorf("%w (see `starter shop set -h`)", err)
			}
			return err
		}
	}
	return s.Settings.Validate()
}

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
