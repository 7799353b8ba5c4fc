package workflows_test

import (
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestWorkflowTypeNames: the worker registers the workflow functions by their
// names, which must stay the type names schedules and running workflows use.
func TestWorkflowTypeNames(t *testing.T) {
	for name, fn := range map[string]any{
		workflows.ShippingSyncType:    workflows.ShippingSync,
		workflows.OrderImportType:     workflows.OrderImport,
		workflows.ScheduledExportType: workflows.ScheduledExport,
		workflows.ScheduledImportType: workflows.ScheduledImport,
		workflows.ExportOnChangeType:  workflows.ExportOnChange,
	} {
		full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
		assert.True(t, strings.HasSuffix(full, "/workflows."+name), "%s is registered as %s", full, name)
	}
}

// TestShippingSyncResultCountsAtTopLevel: the result embeds oms.RunTotals, and
// its counts stay top-level keys of the JSON that histories and the starter read.
func TestShippingSyncResultCountsAtTopLevel(t *testing.T) {
	b, err := json.Marshal(workflows.ShippingSyncResult{RunTotals: oms.RunTotals{Targets: 1, Updated: 2, Unchanged: 3, Skipped: 4, Failed: 5, Mails: 6}})
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v))
	for key, want := range map[string]float64{"targets": 1, "updated": 2, "unchanged": 3, "skipped": 4, "failed": 5, "mails": 6} {
		assert.Equal(t, want, v[key], key)
	}
	var back workflows.ShippingSyncResult
	require.NoError(t, json.Unmarshal([]byte(`{"targets":7,"mails":8}`), &back))
	assert.Equal(t, oms.RunTotals{Targets: 7, Mails: 8}, back.RunTotals)
}

// TestWorkflowIDsParseBack: each workflow ID's parser returns the shop its
// builder was given, dashes and all, and refuses the other kinds of ID.
func TestWorkflowIDsParseBack(t *testing.T) {
	at := time.Date(2026, 12, 6, 4, 5, 6, 789_000_000, time.UTC)
	for _, shop := range []string{"myshop", "my-shop", "dry-run-x"} {
		got, ok := workflows.ParseShippingSyncID(workflows.ShippingSyncID(shop))
		assert.True(t, ok && got == shop, "export of %s: %q", shop, got)
		got, gotAt, ok := workflows.ParseDryRunID(workflows.DryRunID(shop, at.In(time.Local)))
		assert.True(t, ok && got == shop && gotAt.Equal(at), "dry run of %s: %q %s", shop, got, gotAt)
		got, ok = workflows.ParseOrderImportID(workflows.OrderImportID(shop))
		assert.True(t, ok && got == shop, "import of %s: %q", shop, got)
		got, ok = workflows.ParseExportOnChangeID(workflows.ExportOnChangeID(shop))
		assert.True(t, ok && got == shop, "on-change trigger of %s: %q", shop, got)

		_, ok = workflows.ParseShippingSyncID(workflows.DryRunID(shop, at))
		assert.False(t, ok, "a dry run is not the export")
		_, _, ok = workflows.ParseDryRunID(workflows.ShippingSyncID(shop))
		assert.False(t, ok, "the export is not a dry run")
		_, ok = workflows.ParseOrderImportID(workflows.ShippingSyncID(shop))
		assert.False(t, ok, "an export is not an import")
	}
	for _, id := range []string{"", "shipping-sync-", "order-import-", "export-on-change-", "shipping-sync-dry-run-shop-2026", "shipping-sync-dry-run--20261206T040506.789"} {
		_, ok1 := workflows.ParseOrderImportID(id)
		_, ok2 := workflows.ParseExportOnChangeID(id)
		_, _, ok3 := workflows.ParseDryRunID(id)
		assert.False(t, ok1 || ok2 || ok3, "%q", id)
	}
}

// TestStartOptionsCarryTheShop: every start of a shop's workflow has the
// shop's memo and search attribute.
func TestStartOptionsCarryTheShop(t *testing.T) {
	o := workflows.StartOptions("id-1", "queue", "myshop", oms.TriggerManual, "summary")
	assert.Equal(t, "id-1", o.ID)
	assert.Equal(t, "queue", o.TaskQueue)
	assert.Equal(t, map[string]any{workflows.MemoShop: "myshop", workflows.MemoTrigger: oms.TriggerManual}, o.Memo)
	v, ok := o.TypedSearchAttributes.GetKeyword(workflows.ShopSearchAttribute)
	assert.True(t, ok && v == "myshop")
}
