package workflows_test

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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
