package oms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shipplan"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// seedImported creates orders 1..n (processing; order n+… none) with one
// delivery each, and sale 100 with two deliveries.
func seedImported(t *testing.T, s *stores.Stores, n int, at time.Time) {
	t.Helper()
	ctx := context.Background()
	ordered := time.Date(2026, 5, 1, 10, 0, 0, 0, rules.Tokyo)
	var sales []oms.ImportedSale
	for i := 1; i <= n; i++ {
		sales = append(sales, importedSale(int64(i), ordered, dest(int64(i*10+1), "東京都")))
	}
	sales = append(sales, importedSale(100, ordered, dest(1001, "東京都"), dest(1002, "大阪府")))
	_, err := s.ApplyImport(ctx, "myshop", startImport(t, s, "myshop", "seed"), sales, at)
	require.NoError(t, err)
	for i := 1; i <= n; i++ {
		_, err := s.SetStatus(ctx, "myshop", int64(i), rules.StatusAwaitingShipment, at)
		require.NoError(t, err)
	}
	_, err = s.SetStatus(ctx, "myshop", 100, rules.StatusAwaitingShipment, at)
	require.NoError(t, err)
}

func TestSetStatus(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		t0 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		seedImported(t, s, 1, t0)
		t1 := t0.Add(time.Hour)
		ch, err := s.SetStatus(ctx, "myshop", 1, rules.StatusShipped, t1)
		require.NoError(t, err)
		assert.Equal(t, oms.StatusChange{Previous: rules.StatusAwaitingShipment, Changed: true}, ch)
		assert.True(t, orderView(t, s, "myshop", 1).UpdatedAt.Equal(t1))

		ch, err = s.SetStatus(ctx, "myshop", 1, rules.StatusShipped, t1.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, ch.Changed)
		assert.True(t, orderView(t, s, "myshop", 1).UpdatedAt.Equal(t1), "no change, no new updated_at")

		_, err = s.SetStatus(ctx, "myshop", 1, "sent", t1)
		assert.ErrorContains(t, err, `status "sent" is not an OMS status`)
		_, err = s.SetStatus(ctx, "myshop", 999, rules.StatusShipped, t1)
		assert.ErrorIs(t, err, oms.ErrNotFound)
	})
}

func TestBundleAndUnbundle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		t0 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		seedImported(t, s, 6, t0)
		t1 := t0.Add(time.Hour)

		changed, err := s.Bundle(ctx, "myshop", 1, []int64{2, 3}, t1)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2, 3}, changed)
		assert.Equal(t, int64(1), orderView(t, s, "myshop", 1).BundleParentSaleID)
		assert.Equal(t, int64(1), orderView(t, s, "myshop", 3).BundleParentSaleID)
		assert.True(t, orderView(t, s, "myshop", 2).UpdatedAt.Equal(t1))
		assert.False(t, rules.IsTarget(orderView(t, s, "myshop", 2).Order, t1, 3), "a child is not exported")

		changed, err = s.Bundle(ctx, "myshop", 1, []int64{2, 4}, t1)
		require.NoError(t, err)
		assert.Equal(t, []int64{4}, changed, "adding to a bundle changes only the new child")

		_, err = s.Bundle(ctx, "myshop", 5, []int64{2}, t1)
		assert.ErrorContains(t, err, "sale 2 is already bundled into sale 1")
		_, err = s.Bundle(ctx, "myshop", 2, []int64{5}, t1)
		assert.ErrorContains(t, err, "sale 2 is itself bundled into sale 1")
		_, err = s.Bundle(ctx, "myshop", 5, []int64{1}, t1)
		assert.ErrorContains(t, err, "sale 1 is the parent of a bundle")
		_, err = s.Bundle(ctx, "myshop", 5, []int64{5}, t1)
		assert.ErrorContains(t, err, "named twice")
		_, err = s.Bundle(ctx, "myshop", 5, []int64{999}, t1)
		assert.ErrorIs(t, err, oms.ErrNotFound)
		_, err = s.SetStatus(ctx, "myshop", 6, rules.StatusCancelled, t1)
		require.NoError(t, err)
		_, err = s.Bundle(ctx, "myshop", 5, []int64{6}, t1)
		assert.ErrorContains(t, err, "cannot ship")

		t2 := t1.Add(time.Hour)
		changed, err = s.Unbundle(ctx, "myshop", 2, t2)
		require.NoError(t, err)
		assert.Equal(t, []int64{2}, changed)
		changed, err = s.Unbundle(ctx, "myshop", 1, t2)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 3, 4}, changed, "unbundling the parent dissolves the bundle")
		_, err = s.Unbundle(ctx, "myshop", 1, t2)
		assert.ErrorContains(t, err, "not bundled")

		_, err = s.Bundle(ctx, "myshop", 1, []int64{2}, t2)
		require.NoError(t, err)
		changed, err = s.Unbundle(ctx, "myshop", 2, t2)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2}, changed, "the last child leaves: the parent is unbundled too")
	})
}

func TestApplyShipmentsAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		t0 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		seedImported(t, s, 3, t0)
		_, err := s.SetStatus(ctx, "myshop", 3, rules.StatusCancelled, t0)
		require.NoError(t, err)
		before, err := s.Orders(ctx, "myshop")
		require.NoError(t, err)
		t1 := t0.Add(time.Hour)

		bad := []shipplan.Shipment{
			{Line: 2, SaleID: 1, TrackingNumber: "A-1", ShipDate: "2026-05-02"},
			{Line: 3, SaleID: 999, TrackingNumber: "X"},
			{Line: 4, SaleID: 100, TrackingNumber: "B"},
			{Line: 5, SaleID: 100, DeliveryID: 7, TrackingNumber: "B"},
			{Line: 6, SaleID: 2, TrackingNumber: "C-1"},
			{Line: 7, SaleID: 2, DeliveryID: 21, TrackingNumber: "C-2"},
			{Line: 8, SaleID: 3, TrackingNumber: "D"},
			{Line: 9, SaleID: 1, TrackingNumber: "A-1", ShipDate: "2026-04-01"},
		}
		rep, err := s.ApplyShipments(ctx, "myshop", bad, false, t1)
		require.NoError(t, err)
		assert.False(t, rep.Applied)
		var lines []int
		for _, r := range rep.Rejected {
			lines = append(lines, r.Line)
		}
		assert.Equal(t, []int{3, 4, 5, 6, 7, 8, 9}, lines, "%+v", rep.Rejected)
		assert.Contains(t, rep.Rejected[0].Message, "sale 999 is not an order")
		assert.Contains(t, rep.Rejected[1].Message, "has 2 deliveries (1001, 1002): put the sale_delivery id")
		assert.Contains(t, rep.Rejected[2].Message, "has no delivery 7")
		assert.Contains(t, rep.Rejected[4].Message, "gets tracking number C-2 here but C-1 on line 6")
		assert.Contains(t, rep.Rejected[5].Message, "キャンセル")
		assert.Contains(t, rep.Rejected[6].Message, "before sale 1 was ordered")
		after, err := s.Orders(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, before, after, "nothing is half-applied")

		good := []shipplan.Shipment{
			{Line: 2, SaleID: 1, TrackingNumber: "A-1", ShipDate: "2026-05-02"},
			{Line: 3, SaleID: 1, DeliveryID: 11, TrackingNumber: "A-1", ShipDate: "2026-05-02"},
			{Line: 4, SaleID: 100, DeliveryID: 1002, TrackingNumber: "B-2"},
		}
		rep, err = s.ApplyShipments(ctx, "myshop", good, true, t1)
		require.NoError(t, err)
		assert.False(t, rep.Applied, "dry run")
		assert.Len(t, rep.Changes, 2)
		after, err = s.Orders(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, before, after)

		rep, err = s.ApplyShipments(ctx, "myshop", good, false, t1)
		require.NoError(t, err)
		assert.True(t, rep.Applied)
		assert.Equal(t, 1, rep.Duplicates)
		assert.Equal(t, 2, rep.Orders)
		o1 := orderView(t, s, "myshop", 1)
		assert.Equal(t, []rules.Delivery{{ID: 11, SlipNumber: "A-1", ShippedOn: "2026-05-02"}}, o1.Deliveries)
		assert.True(t, o1.UpdatedAt.Equal(t1))
		assert.Equal(t, []rules.Delivery{{ID: 1001}, {ID: 1002, SlipNumber: "B-2"}}, orderView(t, s, "myshop", 100).Deliveries)
		assert.True(t, orderView(t, s, "myshop", 2).UpdatedAt.Equal(t0), "untouched orders keep updated_at")

		// The same file again changes nothing; a row without ship date keeps it.
		rep, err = s.ApplyShipments(ctx, "myshop", []shipplan.Shipment{{Line: 1, SaleID: 1, TrackingNumber: "A-1"}}, false, t1.Add(time.Hour))
		require.NoError(t, err)
		assert.Empty(t, rep.Changes)
		assert.Equal(t, 1, rep.Unchanged)
		assert.True(t, orderView(t, s, "myshop", 1).UpdatedAt.Equal(t1))
	})
}
