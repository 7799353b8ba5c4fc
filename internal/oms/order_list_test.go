package oms_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// listAll pages through the order list, forward with After, and returns the
// sale ids in order and the pages' flags.
func listAll(t *testing.T, s *stores.Stores, q oms.OrderListQuery) ([]int64, []oms.OrderListPage) {
	t.Helper()
	var ids []int64
	var pages []oms.OrderListPage
	for range 1000 {
		page, err := s.ListOrders(context.Background(), q)
		require.NoError(t, err)
		pages = append(pages, page)
		for _, o := range page.Orders {
			ids = append(ids, o.SaleID)
		}
		if !page.Older {
			return ids, pages
		}
		require.NotEmpty(t, page.Orders)
		q.After = page.Orders[len(page.Orders)-1].SaleID
	}
	t.Fatal("the order list does not end")
	return nil, nil
}

func TestListOrdersFiltersAndPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		createShop(t, s, "other")
		orders := randomOrders(rand.New(rand.NewPCG(3, 4)), 300)
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))
		require.NoError(t, s.UpsertOrders(ctx, "other", orders[:50]))
		require.NoError(t, s.DB().Exec("UPDATE orders SET flag_reason = 'cancelled on ColorMe after shipping' WHERE shop_id = 'myshop' AND sale_id % 7 = 0").Error)

		window := 3
		want := func(keep func(o rules.Order) bool) []int64 {
			var ids []int64
			for _, o := range orders {
				if keep(stored(o)) {
					ids = append(ids, o.SaleID)
				}
			}
			slices.Reverse(ids) // newest sale first
			return ids
		}
		cases := []struct {
			name string
			q    oms.OrderListQuery
			keep func(o rules.Order) bool
		}{
			{"all", oms.OrderListQuery{}, func(rules.Order) bool { return true }},
			{"targets", oms.OrderListQuery{Only: oms.OnlyTargets}, func(o rules.Order) bool { return rules.Exclusion(o, asOf, window) == "" }},
			{"excluded", oms.OrderListQuery{Only: oms.OnlyExcluded}, func(o rules.Order) bool { return rules.Exclusion(o, asOf, window) != "" }},
			{"flagged", oms.OrderListQuery{Only: oms.OnlyFlagged}, func(o rules.Order) bool { return o.SaleID%7 == 0 }},
			{"status", oms.OrderListQuery{Status: rules.StatusShipped}, func(o rules.Order) bool { return o.Status == rules.StatusShipped }},
			{"status and excluded", oms.OrderListQuery{Status: rules.StatusShipped, Only: oms.OnlyExcluded}, func(o rules.Order) bool {
				return o.Status == rules.StatusShipped && rules.Exclusion(o, asOf, window) != ""
			}},
			{"sale", oms.OrderListQuery{SaleID: 123}, func(o rules.Order) bool { return o.SaleID == 123 }},
			{"sale not matching the filter", oms.OrderListQuery{SaleID: 123, Status: rules.StatusNew, Only: oms.OnlyTargets}, func(rules.Order) bool { return false }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expect := want(c.keep)
				if c.name == "targets" || c.name == "excluded" || c.name == "status" {
					require.NotEmpty(t, expect)
				}
				for _, limit := range []int{7, 50} {
					q := c.q
					q.ShopID, q.AsOf, q.WindowDays, q.Limit = "myshop", asOf, window, limit
					got, pages := listAll(t, s, q)
					if len(expect) == 0 {
						require.Empty(t, got)
					} else {
						require.Equal(t, expect, got, "limit %d", limit)
					}
					assert.False(t, pages[0].Newer, "the first page has nothing newer")
					for i, p := range pages {
						assert.Equal(t, len(expect), p.Total)
						assert.False(t, p.TotalCapped)
						if i > 0 {
							assert.True(t, p.Newer, "page %d has newer orders", i)
						}
					}
					// Back from the last page with Before gives the same pages.
					if len(pages) > 2 {
						last := pages[len(pages)-1]
						back := q
						back.After, back.Before = 0, last.Orders[0].SaleID
						prev, err := s.ListOrders(ctx, back)
						require.NoError(t, err)
						require.Equal(t, pages[len(pages)-2].Orders, prev.Orders)
						assert.True(t, prev.Newer)
						assert.True(t, prev.Older)
					}
				}
			})
		}

		// Each row carries its verdict inputs, deliveries and bundle.
		page, err := s.ListOrders(ctx, oms.OrderListQuery{ShopID: "myshop", Limit: 500})
		require.NoError(t, err)
		require.Len(t, page.Orders, len(orders))
		children := map[int64]int{}
		for _, o := range orders {
			if p := o.BundleParentSaleID; p != 0 && p != o.SaleID {
				children[p]++
			}
		}
		for _, row := range page.Orders {
			o := orders[row.SaleID-1]
			assert.Equal(t, stored(o), row.Order)
			assert.Equal(t, row.SaleID%7 == 0, row.FlagReason != "")
			if o.BundleParentSaleID == o.SaleID {
				assert.Equal(t, children[o.SaleID], row.BundleChildren, "sale %d", o.SaleID)
			} else {
				assert.Zero(t, row.BundleChildren)
			}
		}

		// A Before near the newest end shows the first page.
		first, err := s.ListOrders(ctx, oms.OrderListQuery{ShopID: "myshop", Limit: 10, Before: 295})
		require.NoError(t, err)
		assert.Equal(t, int64(300), first.Orders[0].SaleID)
		assert.False(t, first.Newer)
	})
}

func TestListOrdersRefusesBadQueries(t *testing.T) {
	s := openStore(t, "sqlite:"+t.TempDir()+"/oms.db", newSealer(t))
	ctx := context.Background()
	for _, q := range []oms.OrderListQuery{
		{},
		{ShopID: "x", Status: "shipping"},
		{ShopID: "x", Only: "everything"},
		{ShopID: "x", Only: oms.OnlyExcluded, WindowDays: 3},
		{ShopID: "x", Only: oms.OnlyTargets, AsOf: asOf},
		{ShopID: "x", After: -1},
		{ShopID: "x", Limit: -1},
	} {
		_, err := s.ListOrders(ctx, q)
		assert.Error(t, err, "%+v", q)
	}
}

func TestListOrdersCountCap(t *testing.T) {
	s := openStore(t, "sqlite:"+t.TempDir()+"/oms.db", newSealer(t))
	ctx := context.Background()
	createShop(t, s, "big")
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, rules.Tokyo)
	var orders []rules.Order
	for i := range oms.OrderCountCap + 5 {
		orders = append(orders, rules.Order{SaleID: int64(i + 1), Status: rules.StatusShipped, OrderedAt: at, UpdatedAt: at})
	}
	require.NoError(t, s.UpsertOrders(ctx, "big", orders))
	page, err := s.ListOrders(ctx, oms.OrderListQuery{ShopID: "big"})
	require.NoError(t, err)
	assert.Equal(t, oms.OrderCountCap, page.Total)
	assert.True(t, page.TotalCapped)
	assert.Len(t, page.Orders, oms.OrderListPageSize)
	assert.True(t, page.Older)
}

func TestBundleMembersAndLastExportOutcome(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		at := time.Date(2026, 11, 20, 12, 0, 0, 0, rules.Tokyo)
		var orders []rules.Order
		for id := int64(1); id <= 4; id++ {
			orders = append(orders, rules.Order{SaleID: id, Status: rules.StatusShipped, OrderedAt: at, UpdatedAt: at})
		}
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))
		_, err := s.Bundle(ctx, "myshop", 2, []int64{3, 4}, at)
		require.NoError(t, err)
		members, err := s.BundleMembers(ctx, "myshop", 2)
		require.NoError(t, err)
		assert.Equal(t, []int64{2, 3, 4}, members)
		members, err = s.BundleMembers(ctx, "myshop", 1)
		require.NoError(t, err)
		assert.Empty(t, members)

		_, ok, err := s.LastExportOutcome(ctx, "myshop", 1)
		require.NoError(t, err)
		assert.False(t, ok, "no run touched sale 1")

		run := func(key string, kind oms.Kind, dry bool, outcome rules.Outcome) int64 {
			id, err := s.StartRun(ctx, oms.Run{RunKey: key, ShopID: "myshop", Kind: kind, DryRun: dry, AsOf: at, WindowDays: 3})
			require.NoError(t, err)
			require.NoError(t, s.RecordOutcomes(ctx, id, []oms.Outcome{{SaleID: 1, Outcome: outcome, Reason: key}}))
			return id
		}
		preview := run("preview-1", oms.KindExport, true, rules.OutcomePlanned)
		got, ok, err := s.LastExportOutcome(ctx, "myshop", 1)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, preview, got.RunID)
		assert.True(t, got.DryRun, "only a preview touched it")

		real1 := run("export-1", oms.KindExport, false, rules.OutcomeFailed)
		real2 := run("export-2", oms.KindExport, false, rules.OutcomeUpdated)
		run("preview-2", oms.KindExport, true, rules.OutcomePlanned)
		run("import-1", oms.KindImport, false, "updated")
		got, ok, err = s.LastExportOutcome(ctx, "myshop", 1)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Greater(t, real2, real1)
		assert.Equal(t, real2, got.RunID, "the latest real export wins over later previews and imports")
		assert.Equal(t, rules.OutcomeUpdated, got.Outcome)
		assert.Equal(t, "export-2", got.Reason)
		assert.False(t, got.DryRun)
		assert.True(t, got.AsOf.Equal(at))
	})
}
