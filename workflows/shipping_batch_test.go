package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// Runs begun after BatchUpdatesChange write each page's changed sales in one
// UpdateSales activity; these tests run the export that way.

// A page's changed sales go out in one UpdateSales activity; every sale is
// written and recorded once, and no sale needs an activity of its own.
func TestShippingSyncBatched_OneActivityPerPage(t *testing.T) {
	w := newWorld(append(repeat(changed, 12), unchanged)...)
	h := newHarness(t, w, batched())
	res, err := h.run(t, input())
	require.NoError(t, err)

	require.Equal(t, 13, res.Targets)
	require.Equal(t, 12, res.Updated)
	require.Equal(t, 1, res.Unchanged)
	require.Len(t, w.batches, 3, "13 targets in pages of 5: three pages with writes")
	require.Len(t, w.batches[0].Plans, 5)
	require.Equal(t, 16, w.batches[0].InFlight, "the run's max_in_flight goes to the batch")
	require.Empty(t, h.updateStarts, "no sale needed an UpdateSale of its own")
	outs := w.outcomeBySale(t)
	require.Len(t, outs, 13)
	for id := int64(1001); id <= 1012; id++ {
		require.Equal(t, 1, w.updateCalls[id], "sale %d", id)
		require.Equal(t, rules.OutcomeUpdated, outs[id].Outcome, "sale %d", id)
	}
}

// A sale that fails in its batch with an error worth retrying gets its own
// UpdateSale activity, retried durably until it succeeds; the batch and the
// others do not wait for it and are not repeated.
func TestShippingSyncBatched_FailingSaleRetriedOnItsOwn(t *testing.T) {
	w := newWorld(repeat(changed, 8)...)
	w.updateErr = func(id int64, attempt int32) error {
		if id == 1002 && attempt <= 2 {
			return temporal.NewApplicationError("colorme PUT /v1/sales/1002.json: HTTP 503: maintenance", activities.ErrColorMeUnavailable)
		}
		return nil
	}
	h := newHarness(t, w, batched())
	res, err := h.run(t, input())
	require.NoError(t, err)

	require.Equal(t, 3, w.updateCalls[1002], "tried in the batch, then twice in its own activity")
	require.Equal(t, int32(3), w.lastAttempt[1002], "its own activity counts the batch's try")
	require.Len(t, h.updateStarts, 1, "one UpdateSale, for the failing sale only")
	require.Equal(t, 8, res.Updated)
	require.Zero(t, res.Failed)
	for id := int64(1001); id <= 1008; id++ {
		if id != 1002 {
			require.Equal(t, 1, w.updateCalls[id], "sale %d is written once", id)
		}
	}
	require.Equal(t, rules.OutcomeUpdated, w.outcomeBySale(t)[1002].Outcome)
}

// A sale ColorMe rejects fails alone, with ColorMe's message, and is not retried.
func TestShippingSyncBatched_RejectedSaleFailsAlone(t *testing.T) {
	w := newWorld(repeat(changed, 8)...)
	const msg = "colorme PUT /v1/sales/1003.json: HTTP 422 (code 422001): slip_number is too long"
	w.failUpdate(1003, temporal.NewNonRetryableApplicationError(msg, activities.ErrColorMeRejected, nil))
	h := newHarness(t, w, batched())
	res, err := h.run(t, input())
	require.NoError(t, err)

	require.Equal(t, 1, w.updateCalls[1003])
	require.Empty(t, h.updateStarts)
	require.Equal(t, 7, res.Updated)
	require.Equal(t, []int64{1003}, res.FailedSaleIDs)
	outs := w.outcomeBySale(t)
	require.Len(t, outs, 8)
	require.Equal(t, rules.OutcomeFailed, outs[1003].Outcome)
	require.Equal(t, msg, outs[1003].Reason)
	require.Equal(t, oms.RunCompleted, w.finishes[0].Status)
}

// A refused token in a batch stops the run: the sales after it in the batch
// are recorded failed (not tried), so the next incremental export retries
// them; no further page is fetched.
func TestShippingSyncBatched_ReconnectNeeded(t *testing.T) {
	w := newWorld(repeat(changed, 20)...)
	w.failUpdate(1003, reconnectErr())
	h := newHarness(t, w, batched())
	_, err := h.run(t, input())
	requireReconnectFailure(t, w, err)

	require.Equal(t, 1, w.updateCalls[1003], "a refused token is not retried")
	require.Zero(t, w.updateCalls[1004])
	outs := w.outcomeBySale(t)
	require.Equal(t, rules.OutcomeUpdated, outs[1002].Outcome)
	require.Equal(t, rules.OutcomeFailed, outs[1003].Outcome)
	require.Equal(t, rules.OutcomeFailed, outs[1005].Outcome)
	require.Contains(t, outs[1005].Reason, "not tried")
	for id := int64(1011); id <= 1020; id++ {
		_, ok := outs[id]
		require.False(t, ok, "sale %d of a page never dispatched is not recorded", id)
	}
}

// More sales fail in a batch than max_in_flight: their own UpdateSale
// activities run at most max_in_flight at a time, and every sale completes.
func TestShippingSyncBatched_SingleRetriesBounded(t *testing.T) {
	w := newWorld(repeat(changed, 10)...)
	w.updateErr = func(_ int64, attempt int32) error {
		if attempt == 1 {
			return temporal.NewApplicationError("HTTP 503: maintenance", activities.ErrColorMeUnavailable)
		}
		return nil
	}
	h := newHarness(t, w, batched(), updateTakes(time.Second))
	in := input()
	in.PageSize = 10
	in.MaxInFlight = 3
	res, err := h.run(t, in)
	require.NoError(t, err)
	require.Equal(t, 10, res.Updated)
	require.Len(t, h.updateStarts, 10, "every sale retried on its own")
	require.Equal(t, 3, h.maxInFlight, "at most max_in_flight single retries at once")
	for id := int64(1001); id <= 1010; id++ {
		require.Equal(t, 2, w.updateCalls[id], "sale %d: the batch's try and its own", id)
	}
}

// A batched run continues as new; every sale is written and recorded once
// across the chain.
func TestShippingSyncBatched_ContinueAsNew(t *testing.T) {
	const n = 40
	w := newWorld(repeat(changed, n)...)
	in := input()
	in.MaxHistory = 20
	runs := 0
	for {
		runs++
		require.LessOrEqual(t, runs, 30, "the chain does not end")
		h := newHarness(t, w, batched())
		res, err := h.run(t, in)
		if err == nil {
			require.Equal(t, n, res.Targets)
			require.Equal(t, n, res.Updated)
			require.Equal(t, runs, res.Chain)
			break
		}
		in = continuedAs[workflows.ShippingSyncInput](t, err, "ShippingSync")
	}
	require.Greater(t, runs, 1)
	require.Len(t, w.outcomeBySale(t), n)
	for id := int64(1001); id < 1001+n; id++ {
		require.Equal(t, 1, w.updateCalls[id], "sale %d", id)
	}
}
