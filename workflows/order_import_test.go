package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// ---------------------------------------------------------------------------
// An in-memory ColorMe sales list paged by offset, and the import run log.
// Its methods have the signatures of the import activities and back their mocks.
// ---------------------------------------------------------------------------

const importRunID = int64(77)

type importWorld struct {
	mu    sync.Mutex
	sales []int64 // the list ColorMe pages, in its order

	// fault injection: nil error = succeed
	pageErr func(offset int, attempt int32) error

	starts     []activities.StartImportInput
	pages      []activities.ImportPageInput // every call, failed ones included
	pageTries  map[int]int32                // last attempt per offset
	finishes   []activities.FinishImportInput
	reconnects []activities.MarkReconnectNeededInput
	totals     oms.ImportTotals // of the pages that succeeded
}

func newImportWorld(n int) *importWorld {
	w := &importWorld{pageTries: map[int]int32{}}
	for i := range n {
		w.sales = append(w.sales, int64(5001+i))
	}
	return w
}

func (w *importWorld) StartImport(_ context.Context, in activities.StartImportInput) (activities.StartImportResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.starts = append(w.starts, in)
	return activities.StartImportResult{RunID: importRunID, Days: 7, Queries: activities.ImportQueries(in.AsOf, 7, nil)}, nil
}

func (w *importWorld) ImportPage(ctx context.Context, in activities.ImportPageInput) (activities.ImportPageResult, error) {
	attempt := activity.GetInfo(ctx).Attempt
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pages = append(w.pages, in)
	w.pageTries[in.Offset] = attempt
	if w.pageErr != nil {
		if err := w.pageErr(in.Offset, attempt); err != nil {
			return activities.ImportPageResult{}, err
		}
	}
	end := min(in.Offset+in.Limit, len(w.sales))
	ids := append([]int64(nil), w.sales[min(in.Offset, end):end]...)
	c := oms.ImportTotals{Fetched: len(ids), Created: len(ids)}
	w.totals.Fetched += c.Fetched
	w.totals.Created += c.Created
	return activities.ImportPageResult{Returned: len(ids), Total: len(w.sales), Counts: c, SaleIDs: ids}, nil
}

func (w *importWorld) FinishImport(_ context.Context, in activities.FinishImportInput) (activities.FinishImportResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finishes = append(w.finishes, in)
	t := w.totals
	t.Unchanged = in.Unchanged
	return activities.FinishImportResult{Totals: t}, nil
}

func (w *importWorld) MarkReconnectNeeded(_ context.Context, in activities.MarkReconnectNeededInput) (activities.MarkReconnectNeededResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reconnects = append(w.reconnects, in)
	return activities.MarkReconnectNeededResult{}, nil
}

func newImportEnv(w *importWorld) *testsuite.TestWorkflowEnvironment {
	env := testenv.WorkflowEnv()
	env.SetStartTime(testAsOf)
	env.RegisterWorkflow(workflows.OrderImport)
	env.RegisterActivity(w) // its methods stand in for the activities of the same names
	return env
}

func runImport(t *testing.T, env *testsuite.TestWorkflowEnvironment, in workflows.OrderImportInput) (workflows.OrderImportResult, error) {
	t.Helper()
	env.ExecuteWorkflow(workflows.OrderImport, in)
	require.True(t, env.IsWorkflowCompleted())
	if err := env.GetWorkflowError(); err != nil {
		return workflows.OrderImportResult{}, err
	}
	var res workflows.OrderImportResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res, nil
}

// TestOrderImport_TwoPages: seven sales, five a page: the "ordered" search is
// paged twice by offset, the run is opened once and closed completed with the
// watermark at the import's start less the margin.
func TestOrderImport_TwoPages(t *testing.T) {
	w := newImportWorld(7)
	env := newImportEnv(w)
	res, err := runImport(t, env, workflows.OrderImportInput{ShopID: testShop, PageSize: 5, StartedBy: "alice"})
	require.NoError(t, err)

	require.Len(t, w.starts, 1)
	require.Equal(t, testShop, w.starts[0].ShopID)
	require.Equal(t, oms.TriggerManual, w.starts[0].Trigger)
	require.Equal(t, "alice", w.starts[0].StartedBy)
	require.NotEmpty(t, w.starts[0].WorkflowID) // (RunKey is OriginalRunID, empty in the test environment)
	require.True(t, w.starts[0].AsOf.Equal(testAsOf), "AsOf is the workflow's start: %v", w.starts[0].AsOf)

	require.Len(t, w.pages, 2)
	require.Equal(t, []int{0, 5}, []int{w.pages[0].Offset, w.pages[1].Offset})
	for _, p := range w.pages {
		require.Equal(t, 5, p.Limit)
		require.Equal(t, importRunID, p.RunID)
		require.Equal(t, activities.QueryOrdered, p.Query.Name)
	}

	require.Len(t, w.finishes, 1)
	fin := w.finishes[0]
	require.Equal(t, oms.RunCompleted, fin.Status)
	require.Equal(t, importRunID, fin.RunID)
	wantWM := testAsOf.Add(-oms.ImportWatermarkMargin).Truncate(time.Second)
	require.NotNil(t, fin.Watermark)
	require.True(t, fin.Watermark.Equal(wantWM), "watermark %v, want %v", fin.Watermark, wantWM)

	require.Equal(t, importRunID, res.RunID)
	require.Equal(t, testShop, res.ShopID)
	require.Equal(t, 2, res.Pages)
	require.Equal(t, 7, res.Fetched)
	require.Equal(t, 7, res.Created)
	require.Equal(t, 1, res.Chain)
	require.Equal(t, 0, res.Narrowed)
	require.Nil(t, res.Since)
	require.True(t, res.Watermark.Equal(wantWM))
	require.Empty(t, w.reconnects)
}

// TestOrderImport_RetriesUnavailable: ColorMe failing twice on the second page
// is retried with backoff; the import completes, each page counted once.
func TestOrderImport_RetriesUnavailable(t *testing.T) {
	w := newImportWorld(7)
	w.pageErr = func(offset int, attempt int32) error {
		if offset == 5 && attempt <= 2 {
			return temporal.NewApplicationError("colorme GET /v1/sales.json: HTTP 503: maintenance", activities.ErrColorMeUnavailable)
		}
		return nil
	}
	env := newImportEnv(w)
	res, err := runImport(t, env, workflows.OrderImportInput{ShopID: testShop, PageSize: 5})
	require.NoError(t, err)

	require.Len(t, w.pages, 4, "page 1 once, page 2 three times")
	require.Equal(t, int32(3), w.pageTries[5])
	require.Equal(t, int32(1), w.pageTries[0])
	require.Equal(t, 2, res.Pages, "failed attempts are not pages")
	require.Equal(t, 7, res.Fetched)
	require.Len(t, w.finishes, 1)
	require.Equal(t, oms.RunCompleted, w.finishes[0].Status)
}

// TestOrderImport_RejectedFailsRun: a non-retryable error on the second page is
// not retried; the run is closed failed without a watermark and the workflow
// fails with a non-retryable ImportFailed naming the shop and the pages read.
func TestOrderImport_RejectedFailsRun(t *testing.T) {
	w := newImportWorld(7)
	const msg = "colorme GET /v1/sales.json: HTTP 400: bad request"
	w.pageErr = func(offset int, _ int32) error {
		if offset == 5 {
			return temporal.NewNonRetryableApplicationError(msg, activities.ErrColorMeRejected, nil)
		}
		return nil
	}
	env := newImportEnv(w)
	_, err := runImport(t, env, workflows.OrderImportInput{ShopID: testShop, PageSize: 5})
	require.Error(t, err)

	require.Len(t, w.pages, 2, "the rejected page is not retried")
	require.Len(t, w.finishes, 1)
	fin := w.finishes[0]
	require.Equal(t, oms.RunFailed, fin.Status)
	require.Equal(t, importRunID, fin.RunID)
	require.Equal(t, msg, fin.Error)
	require.Nil(t, fin.Watermark, "a failed import never advances the watermark")
	require.Empty(t, w.reconnects)

	ae := appError(t, err)
	require.Equal(t, "ImportFailed", ae.Type())
	require.True(t, ae.NonRetryable())
	require.Contains(t, ae.Error(), "import of shop "+testShop+" failed after 1 pages")
	require.Contains(t, ae.Error(), msg)
}

// TestOrderImport_ReconnectNeeded: ColorMe refusing the token marks the shop as
// needing reconnection before the run is closed failed, and the workflow fails
// with that error type.
func TestOrderImport_ReconnectNeeded(t *testing.T) {
	w := newImportWorld(3)
	w.pageErr = func(int, int32) error {
		return temporal.NewNonRetryableApplicationError("colorme GET /v1/sales.json: HTTP 401", activities.ErrReconnectNeeded, nil)
	}
	env := newImportEnv(w)
	_, err := runImport(t, env, workflows.OrderImportInput{ShopID: testShop, PageSize: 5})
	require.Error(t, err)
	require.Len(t, w.pages, 1)
	require.Len(t, w.reconnects, 1)
	require.Equal(t, testShop, w.reconnects[0].ShopID)
	require.Len(t, w.finishes, 1)
	require.Equal(t, oms.RunFailed, w.finishes[0].Status)
	ae := appError(t, err)
	require.Equal(t, activities.ErrReconnectNeeded, ae.Type())
	require.True(t, ae.NonRetryable())
}

// TestOrderImport_RequiresShop: no shop, no run: fails at once, nothing opened.
func TestOrderImport_RequiresShop(t *testing.T) {
	w := newImportWorld(3)
	env := newImportEnv(w)
	_, err := runImport(t, env, workflows.OrderImportInput{})
	ae := appError(t, err)
	require.Equal(t, activities.ErrInvalidInput, ae.Type())
	require.True(t, ae.NonRetryable())
	require.Empty(t, w.starts)
	require.Empty(t, w.pages)
}

// TestOrderImport_ContinueAsNew: when the server suggests continuing as new, the
// run stops after its first page and carries its state (run, as-of, offset,
// pages, counts, sales seen, chain); the next run does not open a new run log
// entry, reads on from the offset and completes with the totals of the chain.
func TestOrderImport_ContinueAsNew(t *testing.T) {
	w := newImportWorld(7)
	env := newImportEnv(w)
	env.SetContinueAsNewSuggested(true)
	in := workflows.OrderImportInput{ShopID: testShop, PageSize: 5}
	_, err := runImport(t, env, in)

	next := continuedAs[workflows.OrderImportInput](t, err, "OrderImport")
	require.Equal(t, testShop, next.ShopID)
	c := next.Continuation
	require.NotNil(t, c)
	require.Equal(t, importRunID, c.RunID)
	require.True(t, c.AsOf.Equal(testAsOf))
	require.Equal(t, 7, c.Days)
	require.Len(t, c.Queries, 1)
	require.Equal(t, 0, c.Query)
	require.Equal(t, 5, c.Offset)
	require.Equal(t, 1, c.Pages)
	require.Equal(t, 1, c.Chain)
	require.Equal(t, 5, c.Counts.Fetched)
	require.Equal(t, []int64{5001, 5002, 5003, 5004, 5005}, c.Seen)
	require.Len(t, c.Windows, 1)
	require.Len(t, w.pages, 1)
	require.Empty(t, w.finishes, "the run is not closed before the chain ends")

	env2 := newImportEnv(w)
	env2.SetStartTime(testAsOf.Add(time.Hour)) // the continued run's clock moved on; AsOf must not
	res, err := runImport(t, env2, next)
	require.NoError(t, err)
	require.Len(t, w.starts, 1, "a continued run does not open a new run")
	require.Len(t, w.pages, 2)
	require.Equal(t, 5, w.pages[1].Offset)
	require.Equal(t, 2, res.Pages)
	require.Equal(t, 2, res.Chain)
	require.Equal(t, 7, res.Fetched)
	require.True(t, res.AsOf.Equal(testAsOf))
	require.Len(t, w.finishes, 1)
	require.Equal(t, oms.RunCompleted, w.finishes[0].Status)
	wantWM := testAsOf.Add(-oms.ImportWatermarkMargin).Truncate(time.Second)
	require.True(t, w.finishes[0].Watermark.Equal(wantWM), "the watermark comes from the first run's start")
}
