// Command bench measures colorme-sync on the real stack — the Temporal CLI dev
// server, PostgreSQL, the worker as its own process and the ColorMe sandbox —
// and prints one markdown table (also written to bench/results.local.md, or to the
// tracked bench/results.md with UPDATE_DOCS=1, or its old name UPDATE_README=1):
//
//  1. API calls per changed order
//  2. throughput against the API budget (120/min and 6,000/min)
//  3. Temporal overhead against a plain Go loop
//  4. a no-change rerun
//  5. the target query at scale (plan and time per page)
//  6. a long run across continue-as-new (history per run)
//  7. the import
//  8. the worker's peak memory during row 6
//  9. many workers, many shops on a production-like cluster (bench/cluster.go)
//  10. many shops' schedules applied on the cluster, and triggered
//  11. the dev server against the cluster: export and import
//  12. on-change latency: OMS change → ColorMe, p50/p95 (bench/incremental.go)
//  13. ColorMe calls per hour of an idle shop with on-change armed
//  14. on-change: calls per changed order
//  19. Temporal cost per changed order: history events, billable actions,
//     server CPU (bench/cost.go)
//
// Usage: go run ./bench [-size small|full] (make bench; CI: make bench BENCH_SIZE=small).
// With TEMPORAL_STACK=cluster, rows 1–8 and 12–14 run on the production-like
// cluster (teststack.StartCluster) instead of the dev server.
// Figures only: no row is timed against a limit. The bench exits non-zero when
// the stack cannot start, a row fails, or a deterministic target (rows 1, 4, 5,
// 6) is missed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sizes are the row sizes of one bench size.
type sizes struct {
	Name           string
	Row1           int // changed orders
	Row2Slow       int // changed orders at 120/min (a short run)
	Row2Fast       int // changed orders at 6,000/min
	Row3           int // changed orders, export and plain loop
	Row4           int // unchanged target orders
	Row5           int // orders in the table
	Row6           int // changed orders of the long run
	Row6MaxHistory int // 0 = the workflow's default
	Row7           int // sales imported
	RowTimeout     time.Duration
}

var sizeTable = map[string]sizes{
	"full": {Name: "full", Row1: 1000, Row2Slow: 150, Row2Fast: 3000, Row3: 2000, Row4: 10000,
		Row5: 1_000_000, Row6: 20000, Row7: 10000, RowTimeout: 60 * time.Minute},
	"small": {Name: "small", Row1: 200, Row2Slow: 40, Row2Fast: 400, Row3: 300, Row4: 1000,
		Row5: 100_000, Row6: 2000, Row6MaxHistory: 1000, Row7: 1000, RowTimeout: 10 * time.Minute},
}

func main() {
	size := flag.String("size", "full", "bench size: small (CI, a few minutes) or full (~25 min)")
	out := flag.String("out", "", "results file (default bench/results.local.md, untracked; bench/results.md with UPDATE_DOCS=1)")
	only := flag.String("rows", "", "run only these rows, e.g. 1,4 (results.md is then written only with -out)")
	temporalMem := flag.Bool("temporal-in-memory", false, "run the Temporal dev server without its SQLite file (for comparison)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: go run ./bench [flags]   (TEMPORAL_STACK=cluster: rows 1–8 and 12–14 on a production-like cluster instead of the dev server)")
		flag.PrintDefaults()
	}
	flag.Parse()
	sz, ok := sizeTable[*size]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: -size must be small or full, got %q\n", *size)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	selected := map[int]bool{}
	for _, f := range strings.Split(*only, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 19 {
			fmt.Fprintf(os.Stderr, "bench: -rows takes row numbers 1 to 19, got %q\n", f)
			os.Exit(2)
		}
		selected[n] = true
	}
	code := run(ctx, sz, *out, *temporalMem, selected)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, sz sizes, out string, temporalMem bool, selected map[int]bool) int {
	began := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
	}
	logf("colorme-sync bench, size %s", sz.Name)
	machine := machineInfo()

	s, err := startStack(ctx, logf, temporalMem)
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nbench: FAILED: the stack did not start: %v\n", err)
		return 1
	}
	defer s.close()
	machine += "; " + versions(ctx, s)

	b := &bench{s: s, sz: sz, asOf: time.Now().Truncate(time.Second), logf: logf}
	rows := map[int]*Row{}
	step := func(n int, name string, f func(context.Context) *Row) {
		if len(selected) > 0 && !selected[n] {
			rows[n] = &Row{N: n, What: name, Figures: "skipped (-rows)", Met: "—"}
			return
		}
		if ctx.Err() != nil {
			rows[n] = (&Row{N: n, What: name}).fail(errors.New("interrupted"))
			return
		}
		logf("row %d: %s", n, name)
		rctx, cancel := context.WithTimeout(ctx, sz.RowTimeout)
		defer cancel()
		t := time.Now()
		r := f(rctx)
		if r.What == "" {
			r.What = name
		}
		if s.cluster != nil && n != 9 && n != 10 && n != 11 {
			r.What += " — on the " + s.deployment() // TEMPORAL_STACK=cluster
		}
		rows[n] = r
		logf("row %d done in %.1f s: %s — %s", n, time.Since(t).Seconds(), r.Met, r.Figures)
	}

	// Row 5 needs no worker; rows 1, 3 and 4 share one without a budget; row 2
	// restarts it per budget; row 6 gets a fresh one (its peak RSS is row 8) that
	// row 7 reuses. Row 3 runs before row 2: it tells whether a budget is the bottleneck.
	step(5, "target query at scale", b.row5)
	if err := s.startWorker(ctx, 0); err != nil {
		fmt.Fprintf(os.Stderr, "\nbench: FAILED: the worker did not start: %v\n", err)
		return 1
	}
	step(1, "API calls per changed order", b.row1)
	step(3, "Temporal overhead", b.row3)
	step(4, "no-change rerun", b.row4)
	step(19, "Temporal cost per changed order", b.row19)
	step(2, "throughput against the budget", b.row2)
	step(6, "long run", b.row6)
	step(7, "import", b.row7)
	if len(selected) == 0 || selected[8] || selected[6] {
		rows[8] = b.row8()
	} else {
		rows[8] = &Row{N: 8, What: "worker memory", Figures: "skipped (-rows)", Met: "—"}
	}
	// Rows 12–14: the on-change incremental export (bench/incremental.go).
	b.incrementalRows(ctx, step)
	// Rows 15–18: 在庫連携 (bench/stock.go).
	b.stockRows(ctx, step)
	// Rows 9–11 start a production-like cluster of their own (bench/cluster.go).
	b.clusterRows(ctx, selected, step, rows)

	var ordered []*Row
	for n := 1; n <= 19; n++ {
		ordered = append(ordered, rows[n])
	}
	total := time.Since(began)
	table := render(sz, machine, ordered, total)
	fmt.Println()
	fmt.Print(table)

	if out == "" && len(selected) > 0 {
		return exitCode(ordered) // a partial run does not overwrite bench/results.md
	}
	if out == "" {
		// The tracked bench/results.md changes only when asked: a local run
		// leaves the working tree clean.
		out = filepath.Join(s.root, "bench", "results.local.md")
		if os.Getenv("UPDATE_DOCS") == "1" || os.Getenv("UPDATE_README") == "1" {
			out = filepath.Join(s.root, "bench", "results.md")
		}
	}
	var details []string
	for _, r := range ordered {
		if r.Details != "" {
			details = append(details, r.Details)
		}
		if r.Err != nil {
			details = append(details, fmt.Sprintf("Row %d failed:\n\n```\n%v\n```\n", r.N, r.Err))
		}
	}
	doc := "<!-- written by `make bench` (go run ./bench); overwritten on every run -->\n" + table
	if len(details) > 0 {
		doc += "\n<details><summary>Details</summary>\n\n" + strings.Join(details, "\n") + "\n</details>\n"
	}
	if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "bench: writing %s: %v\n", out, err)
		return 1
	}
	logf("results written to %s", out)
	return exitCode(ordered)
}

// exitCode is 1 when a row failed or missed a deterministic target.
func exitCode(ordered []*Row) int {
	code := 0
	for _, r := range ordered {
		switch {
		case r.Err != nil:
			fmt.Fprintf(os.Stderr, "bench: row %d FAILED: %v\n", r.N, r.Err)
			code = 1
		case r.Hard && r.Met == "NO":
			fmt.Fprintf(os.Stderr, "bench: row %d missed its target (%s): %s\n", r.N, r.Target, r.Figures)
			code = 1
		}
	}
	return code
}

// render returns the results as markdown: a heading line, the machine and the table.
func render(sz sizes, machine string, rows []*Row, total time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Benchmark `make bench BENCH_SIZE=%s`, %s, %.0f s in all.\n", sz.Name, time.Now().Format("2006-01-02 15:04 MST"), total.Seconds())
	fmt.Fprintf(&b, "Machine: %s.\n\n", machine)
	b.WriteString("| row | what | figure(s) | target | met? |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", r.N, cell(r.What), cell(r.Figures), cell(r.Target), cell(r.Met))
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", "\\|") }

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// machineInfo describes the machine: CPUs, CPU model, RAM, OS, Go, load.
func machineInfo() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	ram := "RAM unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:")), " kB"), 10, 64)
				ram = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = fmt.Sprintf(", load average at start %s %s %s", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("nproc %d, %s, %s, %s/%s, %s%s", runtime.NumCPU(), model, ram, runtime.GOOS, runtime.GOARCH, runtime.Version(), load)
}

// versions names PostgreSQL's and the Temporal CLI's versions.
func versions(ctx context.Context, s *stack) string {
	pg := "PostgreSQL ?"
	var v string
	if err := s.store.DB().WithContext(ctx).Raw("SHOW server_version").Scan(&v).Error; err == nil {
		pg = "PostgreSQL " + strings.Fields(v)[0]
	}
	cli := "?"
	if b, err := os.ReadFile(filepath.Join(s.root, "tools", "go.mod")); err == nil {
		if m := regexp.MustCompile(`github\.com/temporalio/cli (v[0-9.]+)`).FindSubmatch(b); m != nil {
			cli = string(m[1])
		}
	}
	server := "?"
	if out, err := exec.CommandContext(ctx, s.temporalBin, "--version").Output(); err == nil {
		if m := regexp.MustCompile(`Server ([0-9.]+)`).FindSubmatch(out); m != nil {
			server = string(m[1])
		}
	}
	if s.cluster != nil {
		return fmt.Sprintf("%s; rows 1–8 and 12–14 on the Temporal cluster (TEMPORAL_STACK=cluster: server %s, 4 service processes, PostgreSQL persistence and SQL visibility in %s and %s_visibility), as rows 9–10; row 11 also starts the CLI %s dev server (SQLite file)",
			pg, server, s.cluster.DB, s.cluster.DB, cli)
	}
	state := "state in a SQLite file"
	if s.temporalMem {
		state = "state IN MEMORY (-temporal-in-memory)"
	}
	return fmt.Sprintf("%s; rows 1–8 and 12–14 on the Temporal CLI %s dev server (server %s, %s), rows 9–10 on a cluster (server %s, 4 service processes, PostgreSQL), row 11 on both", pg, cli, server, state, server)
}

// commas formats n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
