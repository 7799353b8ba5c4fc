package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// The shape of every command: a flag set (errors and -h on stderr) whose parse
// methods also open what the command needs from the env; `run` prints the
// command's error.

// verbs are the subcommands of a command such as `starter shop`.
type verbs map[string]func(context.Context, *env, []string) error

// group is a command made of verbs: it runs the verb args[0] names, or returns
// usage when it names none.
func group(v verbs, usage string) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || v[args[0]] == nil {
			return errors.New(usage)
		}
		return v[args[0]](ctx, e, args[1:])
	}
}

// flags is a command's flag set.
type flags struct {
	*flag.FlagSet
	e *env
}

// flags returns the flag set of the command name ("shop add").
func (e *env) flags(name string) flags { return flags{newFlags(name, e.errOut), e} }

// shopFlags returns the flag set of the command name on one shop and its -shop
// flag, the shop ID.
func (e *env) shopFlags(name string) (flags, *string) {
	f := e.flags(name)
	return f, f.String("shop", "", "shop ID (required)")
}

// parseConfig parses the command line and loads the configuration.
func (f flags) parseConfig(args []string) (config.Config, error) {
	if err := f.Parse(args); err != nil {
		return config.Config{}, err
	}
	return f.e.config()
}

// parseDB parses the command line and opens the database.
func (f flags) parseDB(ctx context.Context, args []string) (*stores.Stores, error) {
	if err := f.Parse(args); err != nil {
		return nil, err
	}
	return f.e.db(ctx)
}

// withShops opens the database and returns what f returns on its shops, such
// as (*shops.Store).Shops.
func withShops[T any](ctx context.Context, e *env, f func(*shops.Store, context.Context) (T, error)) (T, error) {
	st, err := e.db(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return f(st.Shops, ctx)
}

// parseShop parses the command line and loads the shop *id names (-shop),
// explaining a missing one.
func (f flags) parseShop(ctx context.Context, args []string, id *string) (*stores.Stores, shops.Shop, error) {
	if err := f.Parse(args); err != nil {
		return nil, shops.Shop{}, err
	}
	return f.e.shop(ctx, *id)
}

// runFlags are the flags of a command that runs a shop now: -shop, and a
// number of days (0 = the shop's setting) named daysFlag.
type runFlags struct {
	flags
	shop     *string
	days     *int
	daysFlag string
	by       *string // who starts it, for the run log (実行者)
}

// runFlags returns the flag set of the command name that runs a shop now, with
// -shop and the days flag (daysFlag, described by daysUsage) declared.
func (e *env) runFlags(name, daysFlag, daysUsage string) runFlags {
	f, shop := e.shopFlags(name)
	return runFlags{f, shop, f.Int(daysFlag, 0, daysUsage), daysFlag, f.byFlag()}
}

// wideFlag declares -wide on a command that prints tables: long values are
// printed whole instead of cut with … (e.wide, which the command's tables take).
func (f flags) wideFlag() {
	f.BoolVar(&f.e.wide, "wide", false, "print long values (reasons, errors, notes) whole instead of cutting them with …")
}

// byFlag declares -by: who starts a run, recorded in the run log as its 実行者
// (as the console records its user); the OS user by default.
func (f flags) byFlag() *string {
	return f.String("by", osUser(), "who starts it, shown in the run log (実行者)")
}

// osUser is the name of the OS user running the starter, "" when unknown.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// defaultBy names the operator of a CLI marking: cli:$USER.
func defaultBy() string {
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// parseShopID parses the command line, which must name the shop (-shop, *id);
// the command loads the shop later (startRun does).
func (f flags) parseShopID(args []string, id *string) error {
	if err := f.Parse(args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("-shop is required")
	}
	return nil
}

// parse parses the command line, which must name the shop and may give days.
func (f runFlags) parse(args []string) error {
	if err := f.parseShopID(args, f.shop); err != nil {
		return err
	}
	if *f.days != 0 && !rules.ValidDays(*f.days) {
		return fmt.Errorf("-%s must be between %d and %d, or 0 for the shop's setting, got %d", f.daysFlag, rules.MinDays, rules.MaxDays, *f.days)
	}
	return nil
}

// clientWithConfig returns the Temporal client and the configuration.
func (e *env) clientWithConfig() (config.Config, client.Client, error) {
	cfg, err := e.config()
	if err != nil {
		return config.Config{}, nil, err
	}
	c, err := e.client()
	return cfg, c, err
}

// startRun is the shape of the commands that start a run of a shop now: it
// loads the shop, checks that a worker listens (nothing is started otherwise),
// starts the run with start (app.StartImport, …) and its input in, prints where
// to follow it and, with wait, waits for its result R (nil without wait). what
// names the run ("export", "import").
func startRun[R, In any](ctx context.Context, e *env, what, shopID string, wait bool,
	start func(context.Context, client.Client, config.Config, In) (client.WorkflowRun, error), in In) (*stores.Stores, *R, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	st, _, err := e.shop(ctx, shopID)
	if err != nil {
		return nil, nil, err
	}
	c, err := e.client()
	if err != nil {
		return nil, nil, err
	}
	if err := e.needWorker(ctx); err != nil {
		return nil, nil, err
	}
	run, err := start(ctx, c, cfg, in)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(e.out, "started %s of shop %s\n  workflow ID: %s\n  run ID:      %s\n  Temporal UI: %s\n",
		what, shopID, run.GetID(), run.GetRunID(), cfg.WorkflowURL(run.GetID(), run.GetRunID()))
	if !wait {
		return st, nil, nil
	}
	var res R
	if err := e.wait(ctx, run, run.GetID(), &res); err != nil {
		return nil, nil, runFailed(what, err)
	}
	return st, &res, nil
}
