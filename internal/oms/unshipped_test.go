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
// is in the log, never over a name already there; a run not in the log (yet,
// or of another shop) is not found, and a later call, once StartRun stored it,
// names it.
func TestSetRunStartedBy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "u")
		createShop(t, s, "v")
		start := func(key, by string) int64 {
			t.Helper()
			id, err := s.StartRun(ctx, oms.Run{ShopID: "u", Kind: oms.KindExport, RunKey: key, Trigger: oms.TriggerScheduled,
				StartedBy: by, WindowDays: 3, AsOf: time.Now()})
			require.NoError(t, err)
			return id
		}
		startedBy := func(id int64) string {
			t.Helper()
			r, err := s.Run(ctx, id)
			require.NoError(t, err)
			return r.StartedBy
		}

		// Called before the run is stored: not found, and nothing is stored.
		found, err := s.SetRunStartedBy(ctx, "u", "k1", "tanaka")
		require.NoError(t, err)
		assert.False(t, found, "not in the log yet")
		id := start("k1", "")
		assert.Empty(t, startedBy(id), "the early call left nothing behind")

		// Called again once it is stored: named.
		found, err = s.SetRunStartedBy(ctx, "u", "k1", "tanaka")
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, "tanaka", startedBy(id))

		// A second name does not replace the first, and the run is still found.
		found, err = s.SetRunStartedBy(ctx, "u", "k1", "suzuki")
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, "tanaka", startedBy(id))
		r, err := s.Run(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, oms.TriggerScheduled, r.Trigger)

		// A run stored with its starter's name keeps it, and is found.
		id2 := start("k2", "sato")
		found, err = s.SetRunStartedBy(ctx, "u", "k2", "tanaka")
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, "sato", startedBy(id2))

		// Another shop's call does not find or name the run.
		id3 := start("k3", "")
		found, err = s.SetRunStartedBy(ctx, "v", "k3", "tanaka")
		require.NoError(t, err)
		assert.False(t, found, "run k3 is shop u's")
		assert.Empty(t, startedBy(id3))

		// A key that never comes: not found.
		found, err = s.SetRunStartedBy(ctx, "u", "nope", "tanaka")
		require.NoError(t, err)
		assert.False(t, found)
	})
}
