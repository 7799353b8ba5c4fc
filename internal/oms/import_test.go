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

func importedSale(id int64, ordered time.Time, dels ...oms.ImportedDelivery) oms.ImportedSale {
	return oms.ImportedSale{SaleID: id, OrderedAt: ordered, Deliveries: dels}
}

func dest(id int64, pref string) oms.ImportedDelivery {
	return oms.ImportedDelivery{ID: id, MethodID: 1, Name: "山田 花子", PrefName: pref, Address1: "1-2-3"}
}

func startImport(t *testing.T, s *stores.Stores, shopID, key string) int64 {
	t.Helper()
	id, err := s.StartImport(context.Background(), oms.Run{ShopID: shopID, RunKey: key, Trigger: "manual", WindowDays: 7, AsOf: time.Now()})
	require.NoError(t, err)
	return id
}

func orderView(t *testing.T, s *stores.Stores, shopID string, saleID int64) oms.OrderView {
	t.Helper()
	vs, err := s.Orders(context.Background(), shopID, saleID)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	return vs[0]
}

func TestApplyImportRules(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		ordered := time.Date(2026, 5, 1, 10, 0, 0, 0, rules.Tokyo)
		t0 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		sales := []oms.ImportedSale{
			importedSale(1, ordered, dest(11, "東京都")),
			importedSale(2, ordered, dest(21, "大阪府"), dest(22, "京都府")),
			importedSale(3, ordered, dest(31, "北海道")),
			importedSale(4, ordered, dest(41, "沖縄県")),
			{SaleID: 5, OrderedAt: ordered, ParentSaleID: 1, Deliveries: []oms.ImportedDelivery{dest(51, "東京都")}},
			{SaleID: 6, OrderedAt: ordered, Canceled: true, Deliveries: []oms.ImportedDelivery{dest(61, "東京都")}},
		}
		run1 := startImport(t, s, "myshop", "run-1")
		got, err := s.ApplyImport(ctx, "myshop", run1, sales, t0)
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{Fetched: 6, Created: 6}, got)
		// The same page again (a retried activity) is not counted twice and changes nothing.
		got, err = s.ApplyImport(ctx, "myshop", run1, sales, t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{}, got)

		o1 := orderView(t, s, "myshop", 1)
		assert.Equal(t, rules.StatusNew, o1.Status)
		assert.True(t, o1.OrderedAt.Equal(ordered))
		assert.True(t, o1.UpdatedAt.Equal(t0))
		assert.Equal(t, []oms.Destination{{ID: 11, MethodID: 1, Name: "山田 花子", PrefName: "東京都", Address1: "1-2-3"}}, o1.Destinations)
		assert.Equal(t, int64(1), orderView(t, s, "myshop", 5).ColormeParentSaleID)
		o6 := orderView(t, s, "myshop", 6)
		assert.Equal(t, rules.StatusCancelled, o6.Status)
		assert.True(t, o6.ColormeCanceled)

		// The OMS works the orders.
		t1 := t0.Add(time.Hour)
		_, err = s.SetStatus(ctx, "myshop", 1, rules.StatusProcessing, t1)
		require.NoError(t, err)
		_, err = s.SetStatus(ctx, "myshop", 2, rules.StatusShipped, t1)
		require.NoError(t, err)
		_, err = s.SetStatus(ctx, "myshop", 3, rules.StatusAwaitingShipment, t1)
		require.NoError(t, err)
		rep, err := s.ApplyShipments(ctx, "myshop", []shipplan.Shipment{
			{Line: 1, SaleID: 3, TrackingNumber: "T-3", ShipDate: "2026-05-02"},
			{Line: 2, SaleID: 4, TrackingNumber: "T-4"},
		}, false, t1)
		require.NoError(t, err)
		require.Empty(t, rep.Rejected)
		_, err = s.Bundle(ctx, "myshop", 1, []int64{5}, t1)
		require.NoError(t, err)
		before, err := s.Orders(ctx, "myshop")
		require.NoError(t, err)

		// Nothing new on ColorMe: a new run changes nothing, not even updated_at.
		run2 := startImport(t, s, "myshop", "run-2")
		got, err = s.ApplyImport(ctx, "myshop", run2, sales, t1.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{Fetched: 6, Unchanged: 6}, got)
		after, err := s.Orders(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, before, after)

		// ColorMe: 1 and 2 cancelled, 3 cancelled (has a tracking number), 4's
		// address changed and a delivery added, 2 loses delivery 22.
		t2 := t1.Add(2 * time.Hour)
		changed := []oms.ImportedSale{
			{SaleID: 1, OrderedAt: ordered, Canceled: true, Deliveries: []oms.ImportedDelivery{dest(11, "東京都")}},
			{SaleID: 2, OrderedAt: ordered, Canceled: true, Deliveries: []oms.ImportedDelivery{dest(21, "大阪府")}},
			{SaleID: 3, OrderedAt: ordered, Canceled: true, Deliveries: []oms.ImportedDelivery{dest(31, "北海道")}},
			importedSale(4, ordered, dest(41, "福岡県"), dest(42, "愛知県")),
		}
		run3 := startImport(t, s, "myshop", "run-3")
		got, err = s.ApplyImport(ctx, "myshop", run3, changed, t2)
		require.NoError(t, err)
		// 4 has a tracking number: its address change is applied and flagged
		// ("address changed after shipping"), not applied silently.
		assert.Equal(t, oms.ImportTotals{Fetched: 4, Cancelled: 1, Flagged: 3}, got)

		o1 = orderView(t, s, "myshop", 1)
		assert.Equal(t, rules.StatusCancelled, o1.Status)
		assert.Equal(t, int64(1), o1.BundleParentSaleID, "the bundle is the OMS's")
		assert.True(t, o1.UpdatedAt.Equal(t2))
		o2 := orderView(t, s, "myshop", 2)
		assert.Equal(t, rules.StatusShipped, o2.Status, "a shipped order is kept")
		assert.Contains(t, o2.FlagReason, "cancelled on ColorMe after the OMS shipped it")
		assert.Len(t, o2.Deliveries, 1, "delivery 22 had no OMS data: removed")
		o3 := orderView(t, s, "myshop", 3)
		assert.Equal(t, rules.StatusAwaitingShipment, o3.Status)
		assert.Contains(t, o3.FlagReason, "tracking number T-3")
		assert.True(t, o3.UpdatedAt.Equal(t1), "flagging does not move updated_at")
		o4 := orderView(t, s, "myshop", 4)
		assert.True(t, o4.UpdatedAt.Equal(t2))
		assert.Equal(t, []rules.Delivery{{ID: 41, SlipNumber: "T-4"}, {ID: 42}}, o4.Deliveries, "the tracking number is the OMS's")
		assert.Equal(t, "福岡県", o4.Destinations[0].PrefName)

		outs, err := s.Outcomes(ctx, run3)
		require.NoError(t, err)
		require.Len(t, outs, 4)
		assert.Equal(t, oms.ImportCancelled, outs[0].Outcome)
		assert.Contains(t, outs[0].Reason, "処理中 (processing) → キャンセル")
		assert.Equal(t, oms.ImportFlagged, outs[1].Outcome)

		// The same state again: flags are not raised twice, nothing moves.
		before, err = s.Orders(ctx, "myshop")
		require.NoError(t, err)
		run4 := startImport(t, s, "myshop", "run-4")
		got, err = s.ApplyImport(ctx, "myshop", run4, changed, t2.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{Fetched: 4, Unchanged: 4}, got)
		after, err = s.Orders(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, before, after)

		// The operator resolves the flag; the next import leaves the decision alone.
		ch, err := s.SetStatus(ctx, "myshop", 2, rules.StatusCompleted, t2)
		require.NoError(t, err)
		assert.NotEmpty(t, ch.ClearedFlag)
		got, err = s.ApplyImport(ctx, "myshop", startImport(t, s, "myshop", "run-5"), changed, t2.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 4, got.Unchanged)
		assert.Equal(t, rules.StatusCompleted, orderView(t, s, "myshop", 2).Status)

		// A cancellation withdrawn on ColorMe flags an order the OMS cancelled.
		got, err = s.ApplyImport(ctx, "myshop", startImport(t, s, "myshop", "run-6"), sales[:1], t2.Add(2*time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 1, got.Flagged)
		assert.Contains(t, orderView(t, s, "myshop", 1).FlagReason, "withdrawn")
	})
}

func TestFinishImportAndWatermark(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		_, ok, err := s.ImportWatermark(ctx, "myshop")
		require.NoError(t, err)
		assert.False(t, ok)

		ordered := time.Date(2026, 5, 1, 10, 0, 0, 0, rules.Tokyo)
		run := startImport(t, s, "myshop", "a")
		_, err = s.ApplyImport(ctx, "myshop", run, []oms.ImportedSale{importedSale(1, ordered, dest(11, "東京都"))}, time.Now())
		require.NoError(t, err)
		wm := time.Date(2026, 5, 2, 3, 4, 5, 0, time.UTC)
		got, err := s.FinishImport(ctx, run, 7, oms.RunCompleted, "", &wm)
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{Fetched: 8, Created: 1, Unchanged: 7}, got)
		again, err := s.FinishImport(ctx, run, 7, oms.RunCompleted, "", &wm)
		require.NoError(t, err)
		assert.Equal(t, got, again)

		failed := startImport(t, s, "myshop", "b")
		later := wm.Add(time.Hour)
		_, err = s.FinishImport(ctx, failed, 0, oms.RunFailed, "ColorMe is down", &later)
		require.NoError(t, err)

		w, ok, err := s.ImportWatermark(ctx, "myshop")
		require.NoError(t, err)
		require.True(t, ok)
		assert.True(t, w.Equal(wm), "a failed import never moves the watermark")

		ir, err := s.ImportRun(ctx, run)
		require.NoError(t, err)
		assert.Equal(t, got, ir.Import)
		assert.Equal(t, oms.KindImport, ir.Kind)
		assert.Equal(t, 8, ir.Totals.Targets)
		_, err = s.ImportRun(ctx, 999)
		assert.ErrorIs(t, err, oms.ErrNotFound)
	})
}

// TestApplyImportBadSale: a sale without make_date or with a repeated delivery
// id does not stop the page: it is recorded as flagged with the reason (and
// flags its order when the OMS has one), the rest is imported, and the import
// can complete and advance its watermark.
func TestApplyImportBadSale(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		ordered := time.Date(2026, 5, 1, 10, 0, 0, 0, rules.Tokyo)
		t0 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		run1 := startImport(t, s, "myshop", "run-1")
		_, err := s.ApplyImport(ctx, "myshop", run1, []oms.ImportedSale{
			importedSale(1, ordered, dest(11, "東京都")), importedSale(3, ordered, dest(31, "北海道"))}, t0)
		require.NoError(t, err)

		page := []oms.ImportedSale{
			importedSale(1, ordered, dest(11, "東京都")),
			{SaleID: 2, Deliveries: []oms.ImportedDelivery{dest(21, "大阪府")}},       // no make_date
			importedSale(3, ordered, dest(31, "青森県"), dest(31, "青森県")),             // delivery 31 twice
			importedSale(4, ordered, dest(41, "沖縄県")),                              // fine
			importedSale(5, ordered, dest(51, "沖縄県"), oms.ImportedDelivery{ID: 0}), // no delivery id
		}
		t1 := t0.Add(time.Hour)
		run2 := startImport(t, s, "myshop", "run-2")
		got, err := s.ApplyImport(ctx, "myshop", run2, page, t1)
		require.NoError(t, err, "one bad sale must not fail the page")
		assert.Equal(t, oms.ImportTotals{Fetched: 5, Created: 1, Unchanged: 1, Flagged: 3}, got)
		got, err = s.ApplyImport(ctx, "myshop", run2, page, t1.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{Fetched: 1, Unchanged: 1}, got, "a retried page counts no recorded sale twice (unchanged ones have no row)")

		assert.Equal(t, rules.StatusNew, orderView(t, s, "myshop", 4).Status, "the good sale was imported")
		vs, err := s.Orders(ctx, "myshop", 2, 5)
		require.NoError(t, err)
		assert.Empty(t, vs, "a sale that cannot be stored is not created")
		o3 := orderView(t, s, "myshop", 3)
		assert.Contains(t, o3.FlagReason, "sale_delivery id 31 twice")
		assert.Equal(t, "北海道", o3.Destinations[0].PrefName, "nothing of the bad data is applied")
		assert.True(t, o3.UpdatedAt.Equal(t0), "flagging does not move updated_at")

		outs, err := s.Outcomes(ctx, run2)
		require.NoError(t, err)
		by := map[int64]oms.Outcome{}
		for _, o := range outs {
			by[o.SaleID] = o
		}
		require.Len(t, by, 4, "created 4 and flagged 2, 3, 5")
		assert.Equal(t, oms.ImportCreated, by[4].Outcome)
		for id, want := range map[int64]string{2: "without an order date (make_date)", 3: "sale_delivery id 31 twice", 5: "invalid sale_delivery id 0"} {
			assert.Equal(t, oms.ImportFlagged, by[id].Outcome, "sale %d", id)
			assert.Contains(t, by[id].Reason, want, "sale %d", id)
			assert.Contains(t, by[id].Reason, "the rest of the import went on", "sale %d", id)
		}

		wm := t1.Add(-oms.ImportWatermarkMargin)
		totals, err := s.FinishImport(ctx, run2, 1, oms.RunCompleted, "", &wm)
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{Fetched: 5, Created: 1, Unchanged: 1, Flagged: 3}, totals)
		w, ok, err := s.ImportWatermark(ctx, "myshop")
		require.NoError(t, err)
		require.True(t, ok)
		assert.True(t, w.Equal(wm), "the watermark advances past the bad sale")

		// The next import meets the same bad data: flagged again in its run, the
		// order's flag not repeated; once ColorMe fixes it, it is imported.
		run3 := startImport(t, s, "myshop", "run-3")
		got, err = s.ApplyImport(ctx, "myshop", run3, page, t1.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 3, got.Flagged)
		assert.Equal(t, o3.FlagReason, orderView(t, s, "myshop", 3).FlagReason)
		got, err = s.ApplyImport(ctx, "myshop", startImport(t, s, "myshop", "run-4"),
			[]oms.ImportedSale{importedSale(2, ordered, dest(21, "大阪府"))}, t1.Add(2*time.Hour))
		require.NoError(t, err)
		assert.Equal(t, oms.ImportTotals{Fetched: 1, Created: 1}, got)
	})
}
