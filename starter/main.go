// Command starter is the operator's command line for colorme-sync: it starts
// manual exports, manages shops and prints what runs did. Configuration comes from
// the environment (README "Configuration"); `starter help` lists the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"sync", "run a shipping export (発送情報の更新) for a shop now", runSync},
		{"import", "import a shop's ColorMe orders (受注取得) now and print the result", runImport},
		{"orders", "the OMS screens: orders csv|status|paid|bundle|unbundle|list", group(verbs{
			"csv": ordersCSV, "carrier-export": ordersCarrierExport, "status": ordersStatus, "bundle": ordersBundle, "unbundle": ordersUnbundle, "list": ordersList,
			"paid": ordersPaid,
		}, `usage: starter orders csv|carrier-export|status|paid|bundle|unbundle|list [flags]
  csv             apply a shipping-results CSV or a label program's issued data (tracking numbers, ship dates): all rows or none
  carrier-export  write label data for B2 Cloud, e-Hiden or Yu-Pack Print R
  status          set an order's status
  paid            mark sales 入金済み (入金連携): -sales a,b, or a bank-statement CSV with -file
  bundle          bundle orders that ship together (同梱): -parent N -children a,b
  unbundle        take an order out of its bundle
  list            list orders with their export eligibility and why excluded ones are`)},
		{"stock", "在庫連携: stock catalogue|csv|push|list", group(verbs{
			"catalogue": stockCatalogue, "csv": stockCSV, "push": stockPush, "list": stockList,
		}, stockUsage)},
		{"runs", "list a shop's recent runs (自動処理ログ), or one run's per-order outcomes", runRuns},
		{"shop", "add, list, show, change and connect shops, and their delivery/payment methods: shop add|list|show|set|set-secret|connect|set-token|methods", group(verbs{
			"add": shopAdd, "list": shopList, "show": shopShow, "set": shopSet, "set-token": shopSetToken,
			"set-secret": shopSetSecret, "connect": shopConnect, "methods": shopMethods,
		}, "usage: starter shop add|list|show|set|set-secret|connect|set-token|methods [flags]")},
		{"schedule", "automatic import/export schedules: schedule list|apply|pause|unpause|trigger", group(verbs{
			"list": scheduleList, "apply": scheduleApply, "pause": schedulePause, "unpause": scheduleUnpause, "trigger": scheduleTrigger,
		}, "usage: starter schedule list|apply|pause|unpause|trigger [flags]")},
		{"user", "console operator accounts: user add|list|passwd|shops|delete", group(verbs{
			"add": userAdd, "list": userList, "passwd": userPasswd, "shops": userShops, "delete": userDelete,
		}, "usage: starter user add|list|passwd|shops|delete [flags]")},
		{"db", "the database schema: db status|migrate (versioned migrations)", group(verbs{"status": dbStatus, "migrate": dbMigrate},
			"usage: starter db status|migrate\n  status   the database's schema version and this binary's migrations\n  migrate  apply the pending migrations (back the database up first)")},
		{"secrets", "re-seal stored secrets with the current key: secrets rotate", group(verbs{"rotate": secretsRotate, "keys": secretsKeys},
			"usage: starter secrets rotate|keys\n  rotate  re-seal every stored secret with COLORME_SYNC_SECRET_KEY\n  keys    print the id of each key in this environment and which keys sealed the stored secrets")},
		{"demo-seed", "seed the OMS and a ColorMe sandbox with a realistic demo shop", runDemoSeed},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		e := &env{out: stdout, errOut: stderr}
		defer e.close()
		err := c.run(ctx, e, args[1:])
		if err == nil || errors.Is(err, flag.ErrHelp) {
			return 0
		}
		// One line per failure: drivers like to spread errors over several.
		fmt.Fprintln(stderr, "starter "+c.name+": "+strings.Join(strings.Fields(err.Error()), " "))
		return 1
	}
	fmt.Fprintf(stderr, "starter: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: starter <command> [flags]   (flags: starter <command> -h)")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// optBool is a boolean flag that remembers whether it was given.
type optBool struct{ v *bool }

func (o *optBool) String() string {
	if o == nil || o.v == nil {
		return "shop setting"
	}
	return strconv.FormatBool(*o.v)
}

func (o *optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", s)
	}
	o.v = &b
	return nil
}

func (o *optBool) IsBoolFlag() bool { return true }

func newFlags(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("starter "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}
