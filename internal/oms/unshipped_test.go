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

// TestUnshippedOrders: the orders 同梱候補 are looked for among — placed since
// the bound, neither キャンセル, 出荷済み nor 完了 — newest first, with their
// destinations.
func TestUnshippedOrders(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "u")
		now := time.Now().UTC().Truncate(time.Second)
		day := 24 * time.Hour
		order := func(id int64, status string, age time.Duration) rules.Order {
			return rules.Order{SaleID: id, Status: status, OrderedAt: now.Add(-age), UpdatedAt: now, Deliveries: []rules.Delivery{{ID: id * 10}}}
		}
		require.NoError(t, s.UpsertOrders(ctx, "u", []rules.Order{
			order(1, rules.StatusAwaitingShipment, 2*day), order(2, rules.StatusNew, day), order(3, rules.StatusCancelled, day),
			order(4, rules.StatusShipped, day), order(5, rules.StatusCompleted, day), order(6, rules.StatusOnHold, 8*day),
			order(7, rules.StatusProcessing, 3*time.Hour),
		}))
		got, err := s.UnshippedOrders(ctx, "u", now.Add(-7*day))
		require.NoError(t, err)
		var ids []int64
		for _, o := range got {
			ids = append(ids, o.SaleID)
			assert.Len(t, o.Destinations, 1)
		}
		assert.Equal(t, []int64{7, 2, 1}, ids)
	})
}

// TestSetRunStartedBy: who triggered a scheduled run is recorded once its run
// is in the log, never over a name already there.
func TestSetRunStartedBy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "u")
		found, err := s.SetRunStartedBy(ctx, "u", "k1", "tanaka")
		require.NoError(t, err)
		assert.False(t, found, "not in the log yet")
		id, err := s.StartRun(ctx, oms.Run{ShopID: "u", Kind: oms.KindExport, RunKey: "k1", Trigger: oms.TriggerScheduled, WindowDays: 3, AsOf: time.Now()})
		require.NoError(t, err)
		found, err = s.SetRunStartedBy(ctx, "u", "k1", "tanaka")
		require.NoError(t, err)
		assert.True(t, found)
		found, err = s.SetRunStartedBy(ctx, "u", "k1", "suzuki")
		require.NoError(t, err)
		assert.True(t, found)
		r, err := s.Run(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "tanaka", r.StartedBy)
		assert.Equal(t, oms.TriggerScheduled, r.Trigger)
	})
}
