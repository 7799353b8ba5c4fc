package oms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

func TestRuns(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		r := oms.Run{ShopID: "myshop", Kind: oms.KindExport, WorkflowID: "shipping-sync/myshop", RunKey: "run-1",
			Trigger: oms.TriggerManual, WindowDays: 3, RequireShipDate: true, SendMail: true, AsOf: asOf}
		id, err := s.StartRun(ctx, r)
		require.NoError(t, err)
		again, err := s.StartRun(ctx, r)
		require.NoError(t, err)
		assert.Equal(t, id, again, "StartRun is idempotent on RunKey")

		got, err := s.Run(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, oms.RunRunning, got.Status)
		assert.True(t, got.AsOf.Equal(asOf))
		assert.Nil(t, got.FinishedAt)
		assert.False(t, got.StartedAt.IsZero())
		assert.Equal(t, "run-1", got.RunKey)
		assert.True(t, got.RequireShipDate && got.SendMail && !got.DryRun)

		totals := oms.RunTotals{Targets: 5, Updated: 2, Unchanged: 1, Skipped: 1, Failed: 1, Mails: 2}
		require.NoError(t, s.FinishRun(ctx, id, totals, oms.RunFailed, "1 order failed"))
		got, err = s.Run(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, totals, got.Totals)
		assert.Equal(t, oms.RunFailed, got.Status)
		assert.Equal(t, "1 order failed", got.Error)
		require.NotNil(t, got.FinishedAt)

		r2 := r
		r2.RunKey, r2.Trigger = "run-2", oms.TriggerScheduled
		id2, err := s.StartRun(ctx, r2)
		require.NoError(t, err)
		assert.NotEqual(t, id, id2)
		r3 := r
		r3.RunKey, r3.ShopID = "run-3", "other"
		_, err = s.StartRun(ctx, r3)
		require.NoError(t, err)

		runs, err := s.Runs(ctx, "myshop", 10)
		require.NoError(t, err)
		require.Len(t, runs, 2)
		assert.Equal(t, []int64{id2, id}, []int64{runs[0].ID, runs[1].ID}, "newest first")
		runs, err = s.Runs(ctx, "", 0)
		require.NoError(t, err)
		assert.Len(t, runs, 3)
		runs, err = s.Runs(ctx, "myshop", 1)
		require.NoError(t, err)
		assert.Len(t, runs, 1)

		_, err = s.Run(ctx, 9999)
		assert.ErrorIs(t, err, oms.ErrNotFound)
		assert.ErrorIs(t, s.FinishRun(ctx, 9999, totals, oms.RunCompleted, ""), oms.ErrNotFound)
		assert.ErrorContains(t, s.FinishRun(ctx, id, totals, "done", ""), "status must be")
		_, err = s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: oms.KindExport})
		assert.ErrorContains(t, err, "run key is missing")
		_, err = s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: "sync", RunKey: "x"})
		assert.ErrorContains(t, err, "kind must be")
	})
}

func TestRecordOutcomes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		id, err := s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: oms.KindExport, RunKey: "run-1", AsOf: asOf})
		require.NoError(t, err)
		at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		outs := []oms.Outcome{
			{SaleID: 30, Outcome: "updated", Sent: `{"sale_deliveries":[{"id":1,"slip_number":"123","delivered":true}]}`, Mailed: true, At: at},
			{SaleID: 10, Outcome: "unchanged", At: at},
			{SaleID: 20, Outcome: "failed", Reason: "HTTP 404", At: at},
		}
		require.NoError(t, s.RecordOutcomes(ctx, id, outs))
		require.NoError(t, s.RecordOutcomes(ctx, id, outs))
		var n int64
		require.NoError(t, s.DB().Raw("SELECT COUNT(*) FROM run_outcomes").Scan(&n).Error)
		assert.Equal(t, int64(3), n, "recording twice leaves one row per sale")

		got, err := s.Outcomes(ctx, id)
		require.NoError(t, err)
		require.Len(t, got, 3)
		assert.Equal(t, []int64{10, 20, 30}, []int64{got[0].SaleID, got[1].SaleID, got[2].SaleID})
		assert.Equal(t, oms.Outcome{RunID: id, ShopID: "myshop", SaleID: 30, Outcome: "updated", Sent: outs[0].Sent, Mailed: true, At: at}, got[2])

		// A retry that ends differently replaces the outcome.
		require.NoError(t, s.RecordOutcomes(ctx, id, []oms.Outcome{{SaleID: 20, Outcome: "updated"}}))
		got, err = s.Outcomes(ctx, id)
		require.NoError(t, err)
		require.Len(t, got, 3)
		assert.Equal(t, rules.OutcomeUpdated, got[1].Outcome)
		assert.Empty(t, got[1].Reason)
		assert.False(t, got[1].At.IsZero())

		assert.ErrorIs(t, s.RecordOutcomes(ctx, 9999, outs), oms.ErrNotFound)
	})
}
