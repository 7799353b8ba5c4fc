package importflow_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"
	"gorm.io/driver/postgres"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestStarterCommands runs the operator's commands as users do — the starter
// binary with configuration from the environment — against the test stack.
func TestStarterCommands(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "cli")
	sales := genSales(12, 950001, time.Now(), 11)
	stack.Sandbox.Seed(sales...)
	starter := buildStarter(t)
	dialector, ok := stack.Store.DB().Dialector.(*postgres.Dialector)
	require.True(t, ok, "the test stack runs on PostgreSQL")
	env := append(os.Environ(), "DATABASE_URL="+dialector.DSN, "TEMPORAL_ADDRESS="+stack.Config.TemporalAddress,
		"TEMPORAL_NAMESPACE="+stack.Config.TemporalNamespace, "TEMPORAL_TASK_QUEUE="+stack.Config.TaskQueue)
	run := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, starter, args...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		t.Logf("$ starter %s\n%s", strings.Join(args, " "), out.String())
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return out.String(), exit.ExitCode()
		}
		require.NoError(t, err)
		return out.String(), 0
	}
	id := func(i int) string { return itoa(sales[i].ID) }

	out, code := run("import", "-shop", shop)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "workflow ID: "+workflows.OrderImportID(shop))
	assert.Regexp(t, `fetched\s+created.*\n\s+12\s+12\s`, out)

	out, code = run("orders", "status", "-shop", shop, "-sale", id(0), "-status", "出荷済み")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "新規受付 (new) → 出荷済み (shipped)")
	for _, i := range []int{1, 2} {
		_, code = run("orders", "status", "-shop", shop, "-sale", id(i), "-status", "shipped")
		require.Equal(t, 0, code)
	}
	out, code = run("orders", "status", "-shop", shop, "-sale", id(0), "-status", "sent")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `status "sent" is not an OMS status`)

	out, code = run("orders", "bundle", "-shop", shop, "-parent", id(0), "-children", id(1))
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "only sale "+id(0)+" is exported")

	dir := t.TempDir()
	file := filepath.Join(dir, "ship.csv")
	sjis, err := japanese.ShiftJIS.NewEncoder().String("受注番号,伝票番号,出荷日\r\n" + id(0) + ",A-0," + today() + "\r\n" + id(2) + ",A-2,\r\n")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, []byte(sjis), 0o600))
	out, code = run("orders", "csv", "-shop", shop, "-file", file, "-dry-run")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "Shift_JIS, header row, 2 valid rows")
	assert.Contains(t, out, "dry run, nothing applied")
	out, code = run("orders", "csv", "-shop", shop, "-file", file)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "applied: 2 deliveries of 2 orders change")
	assert.Equal(t, "A-0", order(t, stack.Store, shop, sales[0].ID).Deliveries[0].SlipNumber)

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("sale_id,tracking_number,ship_date\n"+id(3)+",B-3,\n"+id(4)+",B-4,2026-02-30\n"), 0o600))
	out, code = run("orders", "csv", "-shop", shop, "-file", bad)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "line 3: ship date \"2026-02-30\" is not a date")
	assert.Contains(t, out, "nothing was applied")
	assert.Empty(t, order(t, stack.Store, shop, sales[3].ID).Deliveries[0].SlipNumber)

	out, code = run("orders", "list", "-shop", shop)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "  rule 1: status is 新規受付 (new)")
	assert.Contains(t, out, "  rule 4: bundled (同梱) into sale "+id(0))
	assert.Contains(t, out, "12 orders: 2 targets, 10 excluded (rule 1: 9, rule 4: 1), 0 flagged")
	out, code = run("orders", "list", "-shop", shop, "-only", "targets")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, id(0)+"  出荷済み")
	assert.NotContains(t, out, id(3)+"  ")

	out, code = run("orders", "unbundle", "-shop", shop, "-sale", id(1))
	require.Equal(t, 0, code, out)
	assert.Equal(t, int64(0), order(t, stack.Store, shop, sales[1].ID).BundleParentSaleID)
	assert.Equal(t, rules.StatusShipped, order(t, stack.Store, shop, sales[1].ID).Status)

	// One import at a time: the command names the running run.
	stack.Sandbox.SetLatency(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	running, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shop})
	require.NoError(t, err)
	out, code = run("import", "-shop", shop)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "already running (workflow "+workflows.OrderImportID(shop)+", run "+running.GetRunID()+")")
	require.NoError(t, running.Get(ctx, nil))
}

func buildStarter(t *testing.T) string {
	t.Helper()
	root, err := teststack.RepoRoot()
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "starter")
	cmd := exec.Command("go", "build", "-o", bin, "./starter")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "building the starter: %s", out)
	return bin
}
