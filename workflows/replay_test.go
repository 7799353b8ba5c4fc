package workflows_test

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/workflows"
)

// historiesDir holds the recorded histories, one directory per recording
// (workflows/internal/record; docs/DEVELOPING.md says how to record).
const historiesDir = "testdata/histories"

// TestReplayRecordedHistories replays every recorded history against today's
// workflows, as a worker meeting runs of an earlier release would: a change
// that alters the commands of a recorded run without workflow.GetVersion fails
// here.
func TestReplayRecordedHistories(t *testing.T) {
	files := historyFiles(t)
	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	for _, f := range files {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(f, historiesDir+"/"), ".json"), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			workflows.RegisterNotify(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, f))
		})
	}
}

// TestRecordedHistoriesCoverEveryWorkflow checks that the recordings hold every
// workflow type, continue-as-new and failed runs, and both branches of every
// GetVersion patch: a run recorded before the patch (no marker, the old
// branch) and one after it.
func TestRecordedHistoriesCoverEveryWorkflow(t *testing.T) {
	types := map[string]bool{}
	var continued, failed bool
	// change ID → the workflow types that reach it → [old branch seen, new branch seen]
	patches := map[string]struct {
		types []string
		seen  [2]bool
	}{
		"findable-by-shop":                  {types: []string{workflows.ShippingSyncType, workflows.OrderImportType, workflows.ScheduledExportType, workflows.ScheduledImportType}},
		"import-windows":                    {types: []string{workflows.OrderImportType}},
		"import-notifies-export":            {types: []string{workflows.OrderImportType}},
		"scheduled-export-yields-to-change": {types: []string{workflows.ScheduledExportType}},
		workflows.BatchUpdatesChange:        {types: []string{workflows.ShippingSyncType}},
		workflows.LocalDBChange:             {types: []string{workflows.ShippingSyncType}},
	}
	for _, f := range historyFiles(t) {
		h := readHistory(t, f)
		typ := h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()
		types[typ] = true
		last := h.Events[len(h.Events)-1]
		continued = continued || last.GetWorkflowExecutionContinuedAsNewEventAttributes() != nil
		failed = failed || last.GetWorkflowExecutionFailedEventAttributes() != nil
		markers := versionMarkers(t, h)
		for id, p := range patches {
			if !slices.Contains(p.types, typ) || !reachesPatch(id, h) {
				continue
			}
			if markers[id] {
				p.seen[1] = true
			} else {
				p.seen[0] = true
			}
			patches[id] = p
		}
	}
	for _, typ := range []string{workflows.ShippingSyncType, workflows.OrderImportType, workflows.ScheduledExportType,
		workflows.ScheduledImportType, workflows.ExportOnChangeType, workflows.StockPushType, workflows.StockCatalogueType,
		workflows.NotifyMonitorType, workflows.DeliverNotificationType, workflows.ScheduledStockType, workflows.StockOnChangeType} {
		require.True(t, types[typ], "no recorded history of %s", typ)
	}
	require.True(t, continued, "no recorded run continued as new")
	require.True(t, failed, "no recorded run failed")
	for id, p := range patches {
		require.True(t, p.seen[0], "no history recorded before GetVersion %q (its old branch)", id)
		require.True(t, p.seen[1], "no history recorded with GetVersion %q", id)
	}
}

// reachesPatch says whether the run h reached the code of change id: the
// import's notice needs a completed import that created or updated orders;
// the others are met by every run of their types that got past its first task.
func reachesPatch(id string, h *historypb.History) bool {
	if id != "import-notifies-export" {
		return len(h.Events) > 4
	}
	for _, e := range h.Events {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == "FinishImport" {
			return importChangedOrders(h)
		}
	}
	return false
}

// importChangedOrders says whether the import's FinishImport reported created
// or updated orders.
func importChangedOrders(h *historypb.History) bool {
	var scheduled int64
	for _, e := range h.Events {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == "FinishImport" {
			scheduled = e.GetEventId()
		}
		if a := e.GetActivityTaskCompletedEventAttributes(); a != nil && a.GetScheduledEventId() == scheduled {
			var res struct {
				Totals struct{ Created, Updated int }
			}
			if converter.GetDefaultDataConverter().FromPayloads(a.GetResult(), &res) == nil {
				return res.Totals.Created+res.Totals.Updated > 0
			}
		}
	}
	return false
}

// versionMarkers returns the change IDs of the GetVersion markers in h.
func versionMarkers(t *testing.T, h *historypb.History) map[string]bool {
	ids := map[string]bool{}
	for _, e := range h.Events {
		m := e.GetMarkerRecordedEventAttributes()
		if m == nil || m.GetMarkerName() != "Version" {
			continue
		}
		var id string
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(m.GetDetails()["change-id"], &id))
		ids[id] = true
	}
	return ids
}

func historyFiles(t *testing.T) []string {
	var files []string
	require.NoError(t, filepath.WalkDir(historiesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			files = append(files, path)
		}
		return err
	}))
	require.NotEmpty(t, files, "no histories in %s", historiesDir)
	return files
}

func readHistory(t *testing.T, path string) *historypb.History {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, h.Events, path)
	return h
}
