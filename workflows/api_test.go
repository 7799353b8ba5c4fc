package workflows_test

import (
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"testing"

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
