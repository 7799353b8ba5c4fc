package oms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// TestExportWatermark: only a completed real export's watermark counts, the
// latest wins; dry runs, failed and running exports and imports never do.
func TestExportWatermark(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		_, ok, err := s.ExportWatermark(ctx, "myshop")
		require.NoError(t, err)
		assert.False(t, ok, "no export yet")

		t0 := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
		start := func(key string, kind oms.Kind, dry bool, wm time.Time, status oms.RunStatus) {
			id, err := s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: kind, WorkflowID: "w", RunKey: key,
				Trigger: oms.TriggerChange, WindowDays: 3, DryRun: dry, AsOf: t0})
			require.NoError(t, err)
			if kind == oms.KindExport {
				require.NoError(t, s.SetExportWatermark(ctx, id, wm))
			}
			if status != oms.RunRunning {
				require.NoError(t, s.FinishRun(ctx, id, oms.RunTotals{}, status, ""))
			}
		}
		start("done-1", oms.KindExport, false, t0, oms.RunCompleted)
		start("done-2", oms.KindExport, false, t0.Add(time.Minute), oms.RunCompleted)
		start("failed", oms.KindExport, false, t0.Add(2*time.Minute), oms.RunFailed)
		start("running", oms.KindExport, false, t0.Add(3*time.Minute), oms.RunRunning)
		start("dry", oms.KindExport, true, t0.Add(4*time.Minute), oms.RunCompleted)
		start("import", oms.KindImport, false, time.Time{}, oms.RunCompleted)
		start("other-shop", oms.KindExport, false, t0.Add(5*time.Minute), oms.RunRunning)

		wm, ok, err := s.ExportWatermark(ctx, "myshop")
		require.NoError(t, err)
		require.True(t, ok)
		assert.True(t, wm.Equal(t0.Add(time.Minute)), "the latest completed real export's watermark, got %s", wm)

		id, err := s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: oms.KindImport, WorkflowID: "w", RunKey: "imp-2", Trigger: oms.TriggerManual, AsOf: t0})
		require.NoError(t, err)
		assert.ErrorIs(t, s.SetExportWatermark(ctx, id, t0), oms.ErrNotFound, "an import's watermark is the import's own")
	})
}

// TestPendingFailed: a sale is pending while its last real export outcome is
// failed; a later outcome of a real export clears it, a dry run's does not, and
// a failure recorded before the window no longer counts.
func TestPendingFailed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		now := time.Now()
		n := 0
		run := func(dry bool, started time.Time, outs map[int64]rules.Outcome) {
			n++
			id, err := s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: oms.KindExport, WorkflowID: "w", RunKey: "run-" + string(rune('a'+n)),
				Trigger: oms.TriggerScheduled, WindowDays: 3, DryRun: dry, AsOf: started, StartedAt: started})
			require.NoError(t, err)
			var list []oms.Outcome
			for sale, o := range outs {
				list = append(list, oms.Outcome{SaleID: sale, Outcome: o})
			}
			require.NoError(t, s.RecordOutcomes(ctx, id, list))
			require.NoError(t, s.FinishRun(ctx, id, oms.RunTotals{}, oms.RunCompleted, ""))
		}
		run(false, now.Add(-5*24*time.Hour), map[int64]rules.Outcome{1: rules.OutcomeFailed}) // before the window
		run(false, now.Add(-time.Hour), map[int64]rules.Outcome{2: rules.OutcomeFailed, 3: rules.OutcomeFailed, 4: rules.OutcomeFailed, 5: rules.OutcomeUpdated})
		run(false, now.Add(-30*time.Minute), map[int64]rules.Outcome{3: rules.OutcomeUpdated, 4: rules.OutcomeFailed})
		run(true, now.Add(-10*time.Minute), map[int64]rules.Outcome{2: rules.OutcomePlanned, 5: rules.OutcomeFailed})
		run(false, now.Add(-5*time.Minute), map[int64]rules.Outcome{6: rules.OutcomeFailed})

		got, err := s.PendingFailed(ctx, oms.PendingFailedQuery{ShopID: "myshop", AsOf: now, WindowDays: 3})
		require.NoError(t, err)
		assert.Equal(t, []int64{2, 4, 6}, got)

		got, err = s.PendingFailed(ctx, oms.PendingFailedQuery{ShopID: "other", AsOf: now, WindowDays: 3})
		require.NoError(t, err)
		assert.Empty(t, got)

		_, err = s.PendingFailed(ctx, oms.PendingFailedQuery{ShopID: "myshop", AsOf: now, WindowDays: 0})
		require.ErrorContains(t, err, "window_days")
	})
}

// TestExportOnChangeSetting: on by default, off is stored (not the column's
// default true), and `shop set export_on_change` parses it.
func TestExportOnChangeSetting(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "on")
		sh, err := s.Shops.Shop(ctx, "on")
		require.NoError(t, err)
		assert.True(t, sh.Settings.ExportOnChange, "on by default")

		off := shops.DefaultSettings()
		off.ExportOnChange = false
		require.NoError(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "off", Settings: off}))
		sh, err = s.Shops.Shop(ctx, "off")
		require.NoError(t, err)
		assert.False(t, sh.Settings.ExportOnChange, "created off")

		require.NoError(t, sh.Set("export_on_change", "true"))
		require.NoError(t, s.Shops.UpdateShop(ctx, sh))
		sh, err = s.Shops.Shop(ctx, "off")
		require.NoError(t, err)
		assert.True(t, sh.Settings.ExportOnChange, "set on")
		require.ErrorContains(t, sh.Set("export_on_change", "maybe"), "export_on_change")
	})
}
