package workflows_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// fetchByID is the world's FetchTargets for a run limited to given sales: the
// asked-for sales by sale id, targets and the others with oms.Store's reasons.
// Called with w.mu held.
func (w *world) fetchByID(in activities.FetchTargetsInput) activities.FetchTargetsResult {
	ids := slices.Clone(in.SaleIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var rest []int64
	for _, id := range ids {
		if id > in.After.SaleID {
			rest = append(rest, id)
		}
	}
	res := activities.FetchTargetsResult{Next: in.After, Done: len(rest) <= in.Limit}
	if len(rest) > in.Limit {
		rest = rest[:in.Limit]
	}
	for _, id := range rest {
		res.Next = oms.Cursor{SaleID: id}
		i := slices.IndexFunc(w.orders, func(o rules.Order) bool { return o.SaleID == id })
		if i < 0 {
			res.Excluded = append(res.Excluded, oms.Exclusion{SaleID: id, Reason: oms.NotInOMS})
			continue
		}
		if why := rules.Exclusion(w.orders[i], in.AsOf, in.WindowDays); why != "" {
			res.Excluded = append(res.Excluded, oms.Exclusion{SaleID: id, Reason: why})
			continue
		}
		res.Orders = append(res.Orders, w.orders[i])
	}
	return res
}

// 11. 失敗分を再実行: a run limited to given sales reads only those, writes only
// those that are still targets and need a write, and records every other one
// with the reason — a sale no longer a target as skipped, a sale ColorMe lacks as
// failed. Orders not asked for are not touched.
func TestShippingSync_SaleIDs(t *testing.T) {
	// 1001 changed, 1002 changed (not asked for), 1003 changed, 1004 missing on
	// ColorMe, 1005 unchanged; 9001 is new (rule 1), 9002 a bundled child (rule 4),
	// 5555 is not in the OMS.
	w := newWorld(changed, changed, changed, missing, unchanged)
	h := newHarness(t, w)
	in := input()
	in.PageSize = 2
	in.StartedBy = "operator-1"
	in.SaleIDs = []int64{9002, 1003, 1001, 5555, 1004, 9001, 1005, 1003}

	res, err := h.run(t, in)
	require.NoError(t, err)
	require.Equal(t, 4, res.Targets, "1001, 1003, 1004, 1005")
	require.Equal(t, 2, res.Updated)
	require.Equal(t, 1, res.Unchanged)
	require.Equal(t, 1, res.Failed)
	require.Equal(t, 3, res.Skipped, "9001, 9002 and 5555 are no targets")
	require.Equal(t, []int64{1004}, res.FailedSaleIDs)

	require.Equal(t, 1, w.updateCalls[1001])
	require.Equal(t, 1, w.updateCalls[1003])
	require.Zero(t, w.updateCalls[1002], "a sale not asked for is not written")
	require.Equal(t, 2, w.writes)

	outs := w.outcomeBySale(t)
	require.Len(t, outs, 7)
	require.NotContains(t, outs, int64(1002))
	require.Equal(t, rules.OutcomeUpdated, outs[1001].Outcome)
	require.Equal(t, rules.OutcomeFailed, outs[1004].Outcome)
	require.Equal(t, rules.OutcomeUnchanged, outs[1005].Outcome)
	for id, rule := range map[int64]string{9001: "rule 1", 9002: "rule 4", 5555: oms.NotInOMS} {
		require.Equal(t, rules.OutcomeSkipped, outs[id].Outcome, "sale %d", id)
		require.Contains(t, outs[id].Reason, workflows.NotTargetReason, "sale %d", id)
		require.Contains(t, outs[id].Reason, rule, "sale %d", id)
	}

	// Every page asked for the same sales; the pages follow sale ids (7 distinct
	// ids, 2 per page: 4 pages).
	require.Len(t, w.fetches, 4)
	for _, f := range w.fetches {
		require.Equal(t, in.SaleIDs, f.SaleIDs)
	}
	require.Equal(t, "operator-1", w.starts[0].StartedBy, "who started the run goes to the run log")
	require.Len(t, w.finishes, 1)
	require.Equal(t, oms.RunTotals{Targets: 4, Updated: 2, Unchanged: 1, Skipped: 3, Failed: 1}, w.finishes[0].Totals)
}

// 11b. The sale ids travel across continue-as-new with the cursor: the chain
// reads each asked-for sale once.
func TestShippingSync_SaleIDsContinueAsNew(t *testing.T) {
	w := newWorld(repeat(changed, 30)...)
	in := input()
	in.PageSize = 3
	in.MaxHistory = 40
	for id := int64(1001); id <= 1030; id += 2 {
		in.SaleIDs = append(in.SaleIDs, id)
	}
	res := runChain(t, w, in, 20, func(next workflows.ShippingSyncInput) {
		require.Equal(t, in.SaleIDs, next.SaleIDs)
	})
	require.Greater(t, res.Chain, 1)
	require.Equal(t, 15, res.Targets)
	require.Equal(t, 15, res.Updated)
	outs := w.outcomeBySale(t)
	require.Len(t, outs, 15)
	for id := range outs {
		require.Equal(t, int64(1), id%2, "only odd sales were asked for")
	}
}

// 11c. Too many sale ids, or a non-positive one, are refused before anything runs.
func TestShippingSync_SaleIDsValidated(t *testing.T) {
	for _, ids := range [][]int64{make([]int64, workflows.MaxSaleIDs+1), {1001, 0}} {
		for i := range ids {
			if ids[i] == 0 && len(ids) > 2 {
				ids[i] = int64(i + 1)
			}
		}
		w := newWorld(changed)
		in := input()
		in.SaleIDs = ids
		_, err := newHarness(t, w).run(t, in)
		ae := appError(t, err)
		require.True(t, ae.NonRetryable())
		require.Equal(t, "InvalidInput", ae.Type())
		require.Empty(t, w.starts)
		require.Empty(t, w.events)
	}
}
