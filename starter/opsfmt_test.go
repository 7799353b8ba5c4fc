package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// TestOpsTime: every time the starter prints is Japan time with the zone
// written out, whatever the machine's zone, so "started" and "as of" of one run
// never fall on different dates.
func TestOpsTime(t *testing.T) {
	local := time.Local
	t.Cleanup(func() { time.Local = local })
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	utc := time.Date(2026, 11, 29, 19, 13, 48, 0, time.UTC) // the "2026-11-29 19:13:48", which was UTC
	for _, zone := range []*time.Location{time.UTC, ny} {
		time.Local = zone
		assert.Equal(t, "2026-11-30 04:13:48 JST", opsTime(utc), "machine zone %s", zone)
		assert.Equal(t, "2026-11-30 04:13:48 JST", opsTime(utc.In(ny)), "the instant counts, not its zone")
		assert.Equal(t, "2026-11-30 04:13:48 JST", opsTime(utc.Local()))
	}
	assert.Equal(t, "2026-01-01 00:00:00 JST", opsTime(time.Date(2025, 12, 31, 15, 0, 0, 0, time.UTC)), "the JST date boundary")
	assert.Equal(t, "-", opsTime(time.Time{}))
}

// TestTableJapanese: columns line up in display cells with Japanese text
// (2 cells per character), numbers are right-aligned, long values are cut with
// "…" to their column's limit, and line breaks in a value do not break the table.
func TestTableJapanese(t *testing.T) {
	tb := newTable(column{title: "sale", right: true}, column{title: "status"}, column{title: "export", max: 20}, column{title: "flag"})
	tb.add(100001, "発送待ち (awaiting_shipment)", "target", "-")
	tb.add(100002, "新規受付 (new)", "excluded — 1: status is 新規受付 (new)", "-")
	tb.add(7, "キャンセル (cancelled)", "excluded — 2", "cancelled on\nColorMe")
	var out bytes.Buffer
	require.NoError(t, tb.write(&out))
	t.Log("\n" + out.String())
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	require.Len(t, lines, 4)
	// Every column starts at the same display cell on every line.
	starts := func(line string, col string) int {
		i := strings.Index(line, col)
		require.GreaterOrEqual(t, i, 0, "%q in %q", col, line)
		return runewidth.StringWidth(line[:i])
	}
	exportCol := starts(lines[0], "export")
	assert.Equal(t, exportCol, starts(lines[1], "target"))
	assert.Equal(t, exportCol, starts(lines[2], "excluded"))
	assert.Equal(t, exportCol, starts(lines[3], "excluded"))
	flagCol := starts(lines[0], "flag")
	assert.Equal(t, flagCol, starts(lines[3], "cancelled on ColorMe"), "the line break became a space")
	assert.Equal(t, "100001", strings.TrimSpace(lines[1][:6]))
	assert.True(t, strings.HasPrefix(lines[3], "     7"), "numbers are right-aligned: %q", lines[3])
	// The long reason is cut to 20 cells, ending with "…".
	assert.Contains(t, lines[2], "excluded — 1: statu…")
	for _, l := range lines {
		assert.Equal(t, l, strings.TrimRight(l, " "), "no trailing spaces")
	}

	wide := newTable(column{title: "reason", max: 5})
	wide.wide = true
	wide.add("出荷日がありません")
	out.Reset()
	require.NoError(t, wide.write(&out))
	assert.Contains(t, out.String(), "出荷日がありません", "-wide cuts nothing")

	assert.Equal(t, "出荷…", cellText("出荷日がありません", 5), "a wide character never straddles the limit")
	assert.Equal(t, 5, runewidth.StringWidth(cellText("出荷日がありません", 5)))
}

// starterEnv points the starter at a fresh SQLite database in a temporary
// folder and returns its path.
func starterEnv(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "oms.db")
	t.Setenv("DATABASE_URL", "sqlite:"+db)
	t.Setenv("COLORME_SYNC_SECRET_KEY", secrets.GenerateKey())
	t.Setenv("COLORME_SYNC_OLD_SECRET_KEYS", "")
	return db
}

// starterStore is starterEnv that also opens the database, with the same key,
// for the test to seed; it is closed when the test ends.
func starterStore(t *testing.T) *stores.Stores {
	t.Helper()
	db := starterEnv(t)
	sealer, err := secrets.NewSealer(os.Getenv("COLORME_SYNC_SECRET_KEY"))
	require.NoError(t, err)
	st, err := stores.Open(context.Background(), "sqlite:"+db, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// seedShop creates shop "s" and imports sales into it as `starter import` would.
func seedShop(t *testing.T, st *stores.Stores, now time.Time, sales []oms.ImportedSale) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s", Name: "雑貨店", APIBaseURL: "https://colorme.test", Settings: shops.DefaultSettings()}))
	run0, err := st.StartImport(ctx, oms.Run{ShopID: "s", RunKey: "seed", Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	_, err = st.ApplyImport(ctx, "s", run0, sales, now)
	require.NoError(t, err)
}

func runStarter(args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// TestUnknownShop: `runs` (and the other shop commands) say that the shop does
// not exist and exit non-zero, instead of printing an empty table.
func TestUnknownShop(t *testing.T) {
	starterEnv(t)
	for _, args := range [][]string{
		{"runs", "-shop", "nosuchshop"},
		{"orders", "list", "-shop", "nosuchshop"},
		{"sync", "-shop", "nosuchshop"},
		{"schedule", "list", "-shop", "nosuchshop"},
		{"shop", "show", "-shop", "nosuchshop"},
	} {
		out, errOut, code := runStarter(args...)
		assert.Equal(t, 1, code, "%v", args)
		assert.Empty(t, out, "%v", args)
		assert.Contains(t, errOut, `shop "nosuchshop" does not exist`, "%v", args)
		assert.Contains(t, errOut, "starter shop list", "%v", args)
	}
	out, errOut, code := runStarter("runs", "-run", "99")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "run #99 is not in the run log")
}

// TestNoDatabaseURL: without DATABASE_URL the starter refuses, naming the
// variable, and creates no colorme-sync.db in the current folder.
func TestNoDatabaseURL(t *testing.T) {
	starterEnv(t)
	t.Setenv("DATABASE_URL", "")
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{{"runs", "-shop", "demo"}, {"shop", "list"}, {"sync", "-shop", "demo"}} {
		out, errOut, code := runStarter(args...)
		assert.Equal(t, 1, code, "%v", args)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "DATABASE_URL is not set", "%v", args)
		assert.Contains(t, errOut, "sqlite:.data/colorme-sync.db")
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing was created in the current folder")
}

// TestNewSQLiteFileIsAnnounced: a SQLite DATABASE_URL naming a file that does
// not exist (a typo, another folder) is said out loud before it is created.
func TestNewSQLiteFileIsAnnounced(t *testing.T) {
	db := starterEnv(t)
	out, errOut, code := runStarter("shop", "list")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, db+" does not exist yet: creating a new, empty SQLite database there")
	assert.Contains(t, out, "no shops yet")
	_, errOut, code = runStarter("shop", "list")
	assert.Equal(t, 0, code)
	assert.NotContains(t, errOut, "does not exist yet", "said once, when it is created")
}

// TestRunsPrintsWholeReasons: `runs -run N` prints every reason whole, as the
// import's output promises; the runs list cuts long errors unless -wide.
func TestRunsPrintsWholeReasons(t *testing.T) {
	st := starterStore(t)
	ctx := context.Background()
	now := time.Now()
	seedShop(t, st, now, nil)
	long := "cancelled on ColorMe after it shipped: " + strings.Repeat("check the parcel with the carrier and the customer, ", 4) + "END"
	run, err := st.StartRun(ctx, oms.Run{ShopID: "s", Kind: oms.KindExport, RunKey: "long", Trigger: oms.TriggerManual, WindowDays: 3, AsOf: now})
	require.NoError(t, err)
	require.NoError(t, st.RecordOutcomes(ctx, run, []oms.Outcome{{SaleID: 7, ShopID: "s", Outcome: "failed", Reason: long, At: now}}))
	require.NoError(t, st.FinishRun(ctx, run, oms.RunTotals{Failed: 1}, oms.RunFailed, long))

	out, errOut, code := runStarter("runs", "-run", fmt.Sprint(run))
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "END", "the whole reason")
	out, _, _ = runStarter("runs", "-shop", "s")
	assert.NotContains(t, out, "END", "the list cuts the error")
	assert.Contains(t, out, "…")
	out, errOut, code = runStarter("runs", "-shop", "s", "-wide")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "END", "-wide prints it whole")
}

// TestOrdersCSVRefusesNotCSV: a PNG given to `orders csv` is refused as a
// whole, before anything is said to be read from it.
func TestOrdersCSVRefusesNotCSV(t *testing.T) {
	st := starterStore(t)
	seedShop(t, st, time.Now(), nil)
	png := filepath.Join(t.TempDir(), "label.png")
	require.NoError(t, os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n1,T,\n"), 0o600))
	out, errOut, code := runStarter("orders", "csv", "-shop", "s", "-file", png)
	assert.Equal(t, 1, code)
	assert.NotContains(t, out, "read as")
	assert.Contains(t, errOut, "label.png: the file is a PNG image, not a CSV file: nothing was read")
}
