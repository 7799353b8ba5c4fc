package oms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// TestLastCompletedRunsAndChangeLatencies reads the last completed export and
// import of each shop (not failed runs, not dry runs) and the change → ColorMe
// latency of the sales an on-change export wrote.
func TestLastCompletedRunsAndChangeLatencies(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		n := 0
		run := func(kind oms.Kind, trigger oms.Trigger, status oms.RunStatus, dry bool) int64 {
			n++
			id, err := s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: kind, RunKey: "run-" + string(rune('a'+n)), Trigger: trigger, DryRun: dry, AsOf: asOf})
			require.NoError(t, err)
			require.NoError(t, s.FinishRun(ctx, id, oms.RunTotals{}, status, ""))
			return id
		}
		last, err := s.LastCompletedRuns(ctx)
		require.NoError(t, err)
		require.Empty(t, last)

		run(oms.KindExport, oms.TriggerScheduled, oms.RunCompleted, false)
		changeRun := run(oms.KindExport, oms.TriggerChange, oms.RunCompleted, false)
		run(oms.KindImport, oms.TriggerScheduled, oms.RunCompleted, false)
		run(oms.KindExport, oms.TriggerManual, oms.RunFailed, false)
		run(oms.KindExport, oms.TriggerManual, oms.RunCompleted, true)

		last, err = s.LastCompletedRuns(ctx)
		require.NoError(t, err)
		require.Len(t, last, 2)
		byKind := map[oms.Kind]oms.LastRun{}
		for _, l := range last {
			require.Equal(t, "myshop", l.ShopID)
			require.False(t, l.FinishedAt.IsZero())
			byKind[l.Kind] = l
		}
		got, err := s.Run(ctx, changeRun)
		require.NoError(t, err)
		require.True(t, byKind[oms.KindExport].FinishedAt.Equal(*got.FinishedAt), "the failed run and the dry run after it do not count")

		changed := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
		orders := []rules.Order{
			{SaleID: 1, Status: rules.StatusShipped, OrderedAt: changed, UpdatedAt: changed},
			{SaleID: 2, Status: rules.StatusShipped, OrderedAt: changed, UpdatedAt: changed.Add(time.Hour)}, // changed again since
		}
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))
		require.NoError(t, s.RecordOutcomes(ctx, changeRun, []oms.Outcome{
			{SaleID: 1, Outcome: rules.OutcomeUpdated, At: changed.Add(7 * time.Second)},
			{SaleID: 2, Outcome: rules.OutcomeUpdated, At: changed.Add(9 * time.Second)},
		}))
		for _, q := range []oms.ChangeLatencyQuery{{RunID: changeRun}, {ShopID: "myshop", Since: changed}} {
			lat, err := s.ChangeLatencies(ctx, q)
			require.NoError(t, err)
			require.Equal(t, []oms.ChangeLatency{{SaleID: 1, At: changed.Add(7 * time.Second), Latency: 7 * time.Second}}, lat)
		}
		lat, err := s.ChangeLatencies(ctx, oms.ChangeLatencyQuery{ShopID: "myshop", Since: changed.Add(time.Minute)})
		require.NoError(t, err)
		require.Empty(t, lat)
	})
}
