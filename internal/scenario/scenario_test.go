package scenario_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/scenario"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// scenarioFiles returns the scenarios the repository carries (testdata/public,
// a copy of the published cases, and testdata, our own edge cases) plus, as extra
// sources when they exist, ../shared/scenarios beside the repository and
// $SCENARIO_DIR. A file whose content was already seen runs once.
func scenarioFiles(t *testing.T) []string {
	root, err := teststack.RepoRoot()
	require.NoError(t, err)
	own := filepath.Join(root, "internal", "scenario", "testdata")
	required := []string{filepath.Join(own, "public"), own}
	extra := []string{filepath.Join(root, "..", "shared", "scenarios")}
	if d := os.Getenv("SCENARIO_DIR"); d != "" {
		if _, err := os.Stat(d); err != nil {
			t.Fatalf("SCENARIO_DIR=%s: %v", d, err)
		}
		extra = append(extra, d)
	}
	seen := map[[sha256.Size]byte]bool{}
	var files []string
	for i, d := range append(required, extra...) {
		if i >= len(required) {
			if _, err := os.Stat(d); err != nil {
				continue // an extra source that is not there
			}
		}
		fs, err := scenario.Files(d)
		require.NoError(t, err)
		if i < len(required) && len(fs) == 0 {
			t.Fatalf("no scenario files in %s", d)
		}
		for _, f := range fs {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			sum := sha256.Sum256(data)
			if seen[sum] {
				continue
			}
			seen[sum] = true
			files = append(files, f)
		}
	}
	return files
}

// TestScenarios runs every scenario on the real stack exactly as FORMAT.md says:
// one export with the scenario's options and as_of, ColorMe's end state, writes,
// mails and failed sales checked, then the same run again, which must write nothing.
func TestScenarios(t *testing.T) {
	stack := teststack.New(t)
	for i, file := range scenarioFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			problems := runScenario(t, stack, file, fmt.Sprintf("scenario-%d", i+1))
			if len(problems) == 0 {
				fmt.Printf("PASS  %s\n", file)
				return
			}
			fmt.Printf("FAIL  %s\n      %s\n", file, strings.Join(problems, "\n      "))
			t.Errorf("%s:\n  %s", file, strings.Join(problems, "\n  "))
		})
	}
}

func runScenario(t *testing.T, stack *teststack.Stack, file, shopID string) []string {
	sc, err := scenario.Load(file)
	if err != nil {
		return []string{err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stack.Sandbox.Reset()
	stack.AddShop(t, shopID)
	require.NoError(t, stack.Store.UpsertOrders(ctx, shopID, sc.OMSOrders()))
	before := sc.ColorMeSales()
	stack.Sandbox.Seed(before...)
	before = stack.Sandbox.Sales()

	var problems []string
	res, err := export(ctx, stack, shopID, sc)
	if err != nil {
		return []string{"first run: " + err.Error()}
	}
	problems = append(problems, sc.Diff(before, stack.Sandbox.Sales())...)
	c := stack.Sandbox.Counters()
	if c.Writes != sc.Expect.Writes {
		problems = append(problems, fmt.Sprintf("writes: expected %d, actual %d", sc.Expect.Writes, c.Writes))
	}
	if c.Mails != sc.Expect.Mails {
		problems = append(problems, fmt.Sprintf("mails: expected %d, actual %d", sc.Expect.Mails, c.Mails))
	}
	if got, want := sorted(res.FailedSaleIDs), sorted(sc.Expect.Failed); fmt.Sprint(got) != fmt.Sprint(want) {
		problems = append(problems, fmt.Sprintf("failed sales: expected %v, actual %v", want, got))
	}

	stack.Sandbox.ResetCounters()
	if _, err := export(ctx, stack, shopID, sc); err != nil {
		return append(problems, "second run: "+err.Error())
	}
	c = stack.Sandbox.Counters()
	if c.Writes != 0 || c.Mails != 0 {
		problems = append(problems, fmt.Sprintf("second run: expected 0 writes and 0 mails, actual %d writes and %d mails", c.Writes, c.Mails))
	}
	return problems
}

func export(ctx context.Context, stack *teststack.Stack, shopID string, sc scenario.Scenario) (workflows.ShippingSyncResult, error) {
	asOf := sc.AsOf
	requireShipDate, sendMail := sc.Options.RequireShipDate, sc.Options.SendMail
	run, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{
		ShopID: shopID, WindowDays: sc.Options.WindowDays, RequireShipDate: &requireShipDate, SendMail: &sendMail,
		DryRun: sc.Options.DryRun, AsOf: &asOf, Trigger: "manual",
	})
	if err != nil {
		return workflows.ShippingSyncResult{}, err
	}
	var res workflows.ShippingSyncResult
	return res, run.Get(ctx, &res)
}

func sorted(ids []int64) []int64 {
	out := append([]int64{}, ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
