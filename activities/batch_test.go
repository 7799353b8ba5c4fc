package activities_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// batch is a batch of sales 1 and 2 of the retry rig (sale 2 seeded here).
func (r *retryRig) batch() activities.UpdateSalesInput {
	r.sb.Seed(colorme.Sale{ID: 2, SaleDeliveries: []colorme.SaleDelivery{{ID: 21}}})
	one := r.input(false)
	slip, delivered := "TRK000002", true
	two := rules.Plan{SaleID: 2, Outcome: rules.OutcomeUpdated,
		Deliveries: []colorme.DeliveryUpdate{{ID: 21, SlipNumber: &slip, Delivered: &delivered}}}
	return activities.UpdateSalesInput{ShopID: "s1", RunID: r.runID, Plans: []rules.Plan{one.Plan, two}, InFlight: 2}
}

func runBatch(t *testing.T, r *retryRig, in activities.UpdateSalesInput, progress *activities.UpdateSalesProgress) activities.UpdateSalesResult {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(r.a)
	if progress != nil {
		env.SetHeartbeatDetails(*progress)
	}
	v, err := env.ExecuteActivity(r.a.UpdateSales, in)
	require.NoError(t, err)
	var res activities.UpdateSalesResult
	require.NoError(t, v.Get(&res))
	return res
}

func bySale(res activities.UpdateSalesResult) map[int64]activities.SaleResult {
	m := map[int64]activities.SaleResult{}
	for _, s := range res.Sales {
		m[s.SaleID] = s
	}
	return m
}

// TestUpdateSales_FailingSaleHandedBack: sale 1's PUT lands but its answer is
// lost. The batch does not hold sale 2 back: sale 2 is written, sale 1 comes
// back Retry. Its own UpdateSale (Tries 1) re-reads it, finds the write and
// sends no second PUT.
func TestUpdateSales_FailingSaleHandedBack(t *testing.T) {
	r := setupRetry(t, "")
	r.proxy.fail(http.MethodPut, "/v1/sales/1.json", true, nil)
	in := r.batch()
	res := bySale(runBatch(t, r, in, nil))

	require.True(t, res[1].Retry, "a retryable failure goes back to the workflow")
	require.NotEmpty(t, res[1].Error)
	require.True(t, res[2].Written)
	require.Equal(t, 2, r.sb.Counters().Writes)

	single := r.input(false)
	single.Tries = 1
	one, attempts := r.run(t, single)
	require.Equal(t, 1, attempts)
	require.True(t, one.Written)
	require.Equal(t, "written by an earlier attempt whose answer was lost", one.Note)
	require.Equal(t, 2, r.sb.Counters().Writes, "the lost write is not repeated")
	r.requireWritten(t)
}

// TestUpdateSales_ResumesFromHeartbeat: a retried batch takes the sales its
// last heartbeat recorded as done and writes only the others.
func TestUpdateSales_ResumesFromHeartbeat(t *testing.T) {
	r := setupRetry(t, "")
	in := r.batch()
	done := activities.SaleResult{SaleID: 1, UpdateSaleResult: activities.UpdateSaleResult{Written: true}}
	res := bySale(runBatch(t, r, in, &activities.UpdateSalesProgress{Done: []activities.SaleResult{done}}))

	require.Equal(t, done, res[1], "sale 1 is taken from the heartbeat")
	require.True(t, res[2].Written)
	c := r.sb.Counters()
	require.Equal(t, 1, c.Writes, "only sale 2 is written")
	s, _ := r.sb.Sale(1)
	require.Empty(t, s.SaleDeliveries[0].Slip(), "sale 1 is not written again")
}

// TestUpdateSales_ReconnectStopsBatch: a refused token fails its sale for
// good and stops the batch; the sales not started come back NotTried.
func TestUpdateSales_ReconnectStopsBatch(t *testing.T) {
	r := setupRetry(t, "")
	in := r.batch()
	in.InFlight = 1
	r.sb.RevokeToken("tok-123456")
	res := bySale(runBatch(t, r, in, nil))
	require.Equal(t, activities.ErrReconnectNeeded, res[1].ErrorType)
	require.True(t, res[2].NotTried)
	require.Zero(t, r.sb.Counters().WritesApplied, "nothing is written with a refused token")
}
