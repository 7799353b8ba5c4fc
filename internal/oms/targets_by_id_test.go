package oms_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// TestFetchTargetsByID pages through given sales by sale id: each asked-for sale
// comes back once, as a target with its deliveries or with the reason it is not
// one, in agreement with FetchTargets (the SQL of rules 1–4).
func TestFetchTargetsByID(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		createShop(t, s, "other")
		order := func(id int64, status string, updated time.Duration, parent int64) rules.Order {
			return rules.Order{SaleID: id, Status: status, OrderedAt: asOf.AddDate(0, 0, -10), UpdatedAt: asOf.Add(-updated),
				BundleParentSaleID: parent, Deliveries: []rules.Delivery{{ID: id*10 + 2, SlipNumber: fmt.Sprint("S-", id)}, {ID: id*10 + 1}}}
		}
		orders := []rules.Order{
			order(101, rules.StatusShipped, time.Hour, 0),
			order(102, rules.StatusNew, time.Hour, 0),          // rule 1
			order(103, rules.StatusShipped, 5*24*time.Hour, 0), // rule 3 with a 3-day window
			order(104, rules.StatusShipped, time.Hour, 101),    // rule 4
			order(105, rules.StatusShipped, 2*time.Hour, 105),  // its own bundle parent: a target
			order(106, rules.StatusShipped, time.Hour, 0),      // a target not asked for
		}
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))
		require.NoError(t, s.UpsertOrders(ctx, "other", []rules.Order{order(999, rules.StatusShipped, time.Hour, 0)}))

		asked := []int64{105, 999, 103, 101, 102, 104, 101}
		q := oms.TargetIDQuery{ShopID: "myshop", AsOf: asOf, WindowDays: 3, SaleIDs: asked, Limit: 2}
		var got []rules.Order
		excluded := map[int64]string{}
		var pages int
		for {
			pages++
			require.Less(t, pages, 10)
			page, err := s.FetchTargetsByID(ctx, q)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page.Orders)+len(page.Excluded), 2)
			got = append(got, page.Orders...)
			for _, x := range page.Excluded {
				_, dup := excluded[x.SaleID]
				require.False(t, dup, "sale %d excluded twice", x.SaleID)
				excluded[x.SaleID] = x.Reason
			}
			if page.Done {
				break
			}
			require.Greater(t, page.Next.SaleID, q.After.SaleID)
			q.After = page.Next
		}
		assert.Equal(t, 3, pages, "6 distinct sales, 2 per page")
		assert.Equal(t, []int64{101, 105}, saleIDs(got))
		assert.Equal(t, stored(orders[0]), got[0], "a target comes with its deliveries, by delivery id")
		require.Len(t, excluded, 4)
		assert.Contains(t, excluded[102], "rule 1")
		assert.Contains(t, excluded[103], "rule 3")
		assert.Contains(t, excluded[104], "rule 4")
		assert.Equal(t, oms.NotInOMS, excluded[999], "another shop's order is not this shop's")

		// The same judgement as the target query.
		all := fetchAll(t, s, "myshop", asOf, 3, 100)
		var want []int64
		for _, id := range saleIDs(all) {
			if slices.Contains(asked, id) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		assert.Equal(t, want, saleIDs(got))

		// Past the last id: an empty, final page.
		page, err := s.FetchTargetsByID(ctx, oms.TargetIDQuery{ShopID: "myshop", AsOf: asOf, WindowDays: 3, SaleIDs: asked, After: oms.Cursor{SaleID: 999}})
		require.NoError(t, err)
		assert.True(t, page.Done)
		assert.Empty(t, page.Orders)
		assert.Empty(t, page.Excluded)

		for name, bad := range map[string]oms.TargetIDQuery{
			"no ids":   {ShopID: "myshop", AsOf: asOf, WindowDays: 3},
			"too many": {ShopID: "myshop", AsOf: asOf, WindowDays: 3, SaleIDs: make([]int64, oms.MaxTargetSaleIDs+1)},
			"window":   {ShopID: "myshop", AsOf: asOf, SaleIDs: asked},
			"shop":     {AsOf: asOf, WindowDays: 3, SaleIDs: asked},
		} {
			_, err := s.FetchTargetsByID(ctx, bad)
			assert.Error(t, err, name)
		}
	})
}

// TestListRuns filters and pages the run log, keeps who started a run, and
// reads a run's outcomes by page, by kind and its failed sales.
func TestListRuns(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		start := func(key string, kind oms.Kind, trigger oms.Trigger, by string, dry bool) int64 {
			id, err := s.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: kind, WorkflowID: "wf", RunKey: key, Trigger: trigger,
				StartedBy: by, DryRun: dry, AsOf: asOf})
			require.NoError(t, err)
			return id
		}
		imp := start("k1", oms.KindImport, oms.TriggerScheduled, "", false)
		exp := start("k2", oms.KindExport, oms.TriggerManual, "alice", false)
		dry := start("k3", oms.KindExport, oms.TriggerManual, "bob", true)
		bad := start("k4", oms.KindExport, oms.TriggerScheduled, "", false)
		broken := start("k5", oms.KindImport, oms.TriggerManual, "carol", false)
		_, err := s.StartRun(ctx, oms.Run{ShopID: "other", Kind: oms.KindExport, RunKey: "k6", Trigger: oms.TriggerManual, AsOf: asOf})
		require.NoError(t, err)
		require.NoError(t, s.FinishRun(ctx, exp, oms.RunTotals{Targets: 1, Updated: 1}, oms.RunCompleted, ""))
		require.NoError(t, s.FinishRun(ctx, bad, oms.RunTotals{Targets: 3, Failed: 2, Updated: 1}, oms.RunCompleted, ""))
		require.NoError(t, s.FinishRun(ctx, broken, oms.RunTotals{}, oms.RunFailed, "ColorMe refused the token"))

		ids := func(f oms.RunFilter) []int64 {
			t.Helper()
			f.ShopID = "myshop"
			runs, more, err := s.ListRuns(ctx, f)
			require.NoError(t, err)
			assert.False(t, more)
			out := make([]int64, len(runs))
			for i, r := range runs {
				out[i] = r.ID
			}
			return out
		}
		assert.Equal(t, []int64{broken, bad, dry, exp, imp}, ids(oms.RunFilter{}), "newest first, this shop only")
		assert.Equal(t, []int64{broken, imp}, ids(oms.RunFilter{Kind: string(oms.KindImport)}))
		assert.Equal(t, []int64{bad, exp}, ids(oms.RunFilter{Kind: string(oms.KindExport)}), "exports without the dry runs")
		assert.Equal(t, []int64{dry}, ids(oms.RunFilter{Kind: oms.FilterDryRun}))
		assert.Equal(t, []int64{bad, imp}, ids(oms.RunFilter{Trigger: string(oms.TriggerScheduled)}))
		assert.Equal(t, []int64{broken, bad}, ids(oms.RunFilter{Failed: true}), "failed runs and runs with failed orders")
		assert.Equal(t, []int64{bad}, ids(oms.RunFilter{Failed: true, Kind: string(oms.KindExport), Trigger: string(oms.TriggerScheduled)}))
		_, _, err = s.ListRuns(ctx, oms.RunFilter{ShopID: "myshop", Kind: "bogus"})
		assert.Error(t, err)

		r, err := s.Run(ctx, exp)
		require.NoError(t, err)
		assert.Equal(t, "alice", r.StartedBy)

		runs, more, err := s.ListRuns(ctx, oms.RunFilter{ShopID: "myshop", Limit: 2})
		require.NoError(t, err)
		assert.True(t, more)
		assert.Equal(t, []int64{broken, bad}, []int64{runs[0].ID, runs[1].ID})
		runs, more, err = s.ListRuns(ctx, oms.RunFilter{ShopID: "myshop", Limit: 2, Offset: 4})
		require.NoError(t, err)
		assert.False(t, more)
		require.Len(t, runs, 1)
		assert.Equal(t, imp, runs[0].ID)

		// Outcomes: by page, only failed, only changes; counts; failed sales.
		var outs []oms.Outcome
		for i := int64(1); i <= 7; i++ {
			o := oms.Outcome{SaleID: 100 - i, Outcome: rules.OutcomeUnchanged}
			switch i % 3 {
			case 0:
				o.Outcome, o.Reason = rules.OutcomeFailed, "sale is not on ColorMe"
			case 1:
				o.Outcome = rules.OutcomeUpdated
			}
			outs = append(outs, o)
		}
		require.NoError(t, s.RecordOutcomes(ctx, bad, outs))
		page, more, err := s.RunOutcomes(ctx, oms.OutcomeQuery{RunID: bad, Limit: 3})
		require.NoError(t, err)
		assert.True(t, more)
		assert.Equal(t, []int64{93, 94, 95}, []int64{page[0].SaleID, page[1].SaleID, page[2].SaleID})
		page, more, err = s.RunOutcomes(ctx, oms.OutcomeQuery{RunID: bad, Limit: 3, Offset: 6})
		require.NoError(t, err)
		assert.False(t, more)
		assert.Len(t, page, 1)
		page, _, err = s.RunOutcomes(ctx, oms.OutcomeQuery{RunID: bad, Only: oms.OnlyFailed})
		require.NoError(t, err)
		assert.Equal(t, []int64{94, 97}, []int64{page[0].SaleID, page[1].SaleID})
		assert.Equal(t, "sale is not on ColorMe", page[0].Reason)
		page, _, err = s.RunOutcomes(ctx, oms.OutcomeQuery{RunID: bad, Only: oms.OnlyChanges})
		require.NoError(t, err)
		assert.Len(t, page, 5, "every outcome but unchanged")
		_, _, err = s.RunOutcomes(ctx, oms.OutcomeQuery{RunID: bad, Only: "bogus"})
		assert.Error(t, err)

		counts, err := s.OutcomeCounts(ctx, bad)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{string(rules.OutcomeUpdated): 3, string(rules.OutcomeUnchanged): 2, string(rules.OutcomeFailed): 2}, counts)

		failed, more, err := s.FailedSaleIDs(ctx, bad, 0)
		require.NoError(t, err)
		assert.False(t, more)
		assert.Equal(t, []int64{94, 97}, failed)
		failed, more, err = s.FailedSaleIDs(ctx, bad, 1)
		require.NoError(t, err)
		assert.True(t, more)
		assert.Equal(t, []int64{94}, failed)
	})
}
