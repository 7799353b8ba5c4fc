package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/jst"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// DefaultImportPageSize is the number of sales per ColorMe list request of an
// import: ColorMe's largest page.
const DefaultImportPageSize = activities.MaxPageSize

// OrderImportInput starts an import of one shop's ColorMe sales into the OMS.
// It never holds credentials.
type OrderImportInput struct {
	ShopID     string      `json:"shop_id"`
	Days       int         `json:"days,omitempty"`       // 受注を取得する日数; 0 = the shop's import_days (default 7)
	Trigger    oms.Trigger `json:"trigger,omitempty"`    // manual | scheduled
	StartedBy  string      `json:"started_by,omitempty"` // operator login of a manual run (an operator's name, never a secret)
	PageSize   int         `json:"page_size,omitempty"`  // sales per page; 0 = 100
	MaxHistory int         `json:"max_history_events,omitempty"`

	// Set by the workflow itself when it continues as new.
	Continuation *ImportContinuation `json:"continuation,omitempty"`
}

// ImportContinuation carries an import's state across continue-as-new.
type ImportContinuation struct {
	RunID   int64                    `json:"run_id"`
	AsOf    time.Time                `json:"as_of"`
	Days    int                      `json:"days"`
	Since   *time.Time               `json:"since,omitempty"` // the previous import's watermark
	Queries []activities.ImportQuery `json:"queries"`
	Query   int                      `json:"query"`  // index of the search being paged
	Offset  int                      `json:"offset"` // next offset in it
	Pages   int                      `json:"pages"`
	Counts  oms.ImportTotals         `json:"counts"` // as counted page by page
	Chain   int                      `json:"chain"`  // runs so far in the continue-as-new chain

	// Windows are the order-date windows of the current search still to read,
	// the first one being paged (nil: the search has not started).
	Windows []ImportWindow `json:"windows,omitempty"`
	// Seen are the distinct sales (sorted ids) the current window's pass has
	// returned so far; Counted those earlier passes over the current search
	// already counted (set when a window is re-read), so none counts twice.
	Seen     []int64 `json:"seen,omitempty"`
	Counted  []int64 `json:"counted,omitempty"`
	Narrowed int     `json:"narrowed,omitempty"` // windows split and re-read because a pass missed sales
}

// ImportWindow is an order-date (make_date) range of a search, bounds
// inclusive and in whole seconds; a zero Before is open-ended.
type ImportWindow struct {
	After  time.Time `json:"after"`
	Before time.Time `json:"before,omitzero"`
}

// ImportMaxWindowSales is the most sales one window is paged over: a larger
// window is split first, which bounds the ids the workflow keeps.
const ImportMaxWindowSales = 5000

// importWindowsChange is the GetVersion change ID of windowed paging: runs
// whose history began before it page by offset alone.
const importWindowsChange = "import-windows"

// OrderImportResult summarises a finished import.
type OrderImportResult struct {
	RunID     int64      `json:"run_id"`
	ShopID    string     `json:"shop_id"`
	AsOf      time.Time  `json:"as_of"`           // the import's start
	Days      int        `json:"days"`            // sales ordered in the last Days days were read
	Since     *time.Time `json:"since,omitempty"` // and older ones updated since this watermark (nil: first import)
	Watermark time.Time  `json:"watermark"`       // where the next import starts: AsOf − oms.ImportWatermarkMargin, in whole seconds
	Fetched   int        `json:"fetched"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Cancelled int        `json:"cancelled"`
	Flagged   int        `json:"flagged"`
	Pages     int        `json:"pages"`              // ColorMe list requests
	Chain     int        `json:"chain"`              // runs in the continue-as-new chain
	Narrowed  int        `json:"narrowed,omitempty"` // windows re-read because a pass missed sales (the list changed while paged)
}

// ImportProgress is what the progress query returns while an import runs.
type ImportProgress struct {
	RunID  int64  `json:"run_id"`
	Query  string `json:"query"`
	Offset int    `json:"offset"`
	Total  int    `json:"total"` // ColorMe's meta.total of the window being paged
	Pages  int    `json:"pages"`
	// Windows is the number of order-date windows of the search still to read.
	Windows int              `json:"windows"`
	Counts  oms.ImportTotals `json:"counts"`
}

// OrderImport fetches the shop's ColorMe sales into the OMS (受注取得): those
// ordered in the last N days and, once an import has completed, older ones
// updated since its watermark (kept in the database). Each search is paged by
// offset until meta.total, one ImportPage activity per page, which upserts the
// page idempotently. The import's start minus a safety margin becomes the next
// watermark only when the import completes. It continues as new before its
// history grows large.
func OrderImport(ctx workflow.Context, in OrderImportInput) (OrderImportResult, error) {
	r := &importRun{in: in}
	if err := begin(ctx, in.ShopID, in.Trigger, r.init, &r.progress); err != nil {
		return OrderImportResult{}, err
	}
	more, err := r.loop(ctx)
	if err != nil {
		return OrderImportResult{}, r.fail(ctx, err)
	}
	if more {
		next := in
		c := r.c
		c.Chain++
		next.Continuation = &c
		return OrderImportResult{}, workflow.NewContinueAsNewError(ctx, OrderImport, next)
	}
	// Whole seconds: ColorMe's update_date_min has that resolution, and the
	// database keeps the value exactly.
	watermark := r.c.AsOf.Add(-oms.ImportWatermarkMargin).Truncate(time.Second)
	var fin activities.FinishImportResult
	err = workflow.ExecuteActivity(dbCtx(ctx), a.FinishImport, activities.FinishImportInput{
		RunID: r.c.RunID, Unchanged: r.c.Counts.Unchanged, Status: oms.RunCompleted, Watermark: &watermark,
	}).Get(ctx, &fin)
	if err != nil {
		return OrderImportResult{}, err
	}
	t := fin.Totals
	notifyExport(ctx, in.ShopID, t)
	workflow.SetCurrentDetails(ctx, workflow.GetCurrentDetails(ctx)+fmt.Sprintf(
		"\n\n**finished**: fetched %d, created %d, updated %d, unchanged %d, cancelled %d, flagged %d",
		t.Fetched, t.Created, t.Updated, t.Unchanged, t.Cancelled, t.Flagged))
	return OrderImportResult{RunID: r.c.RunID, ShopID: in.ShopID, AsOf: r.c.AsOf, Days: r.c.Days, Since: r.c.Since,
		Watermark: watermark, Fetched: t.Fetched, Created: t.Created, Updated: t.Updated, Unchanged: t.Unchanged,
		Cancelled: t.Cancelled, Flagged: t.Flagged, Pages: r.c.Pages, Chain: r.c.Chain + 1, Narrowed: r.c.Narrowed}, nil
}

type importRun struct {
	in       OrderImportInput
	c        ImportContinuation
	progress ImportProgress
}

func (r *importRun) init(ctx workflow.Context) error {
	pageDefaults(&r.in.PageSize, DefaultImportPageSize, &r.in.MaxHistory)
	if err := requireShop(r.in.ShopID); err != nil {
		return err
	}
	if r.in.Continuation != nil {
		r.c = *r.in.Continuation
	} else {
		trigger := r.in.Trigger.OrManual()
		asOf := workflow.Now(ctx)
		var s activities.StartImportResult
		err := workflow.ExecuteActivity(dbCtx(ctx), a.StartImport, activities.StartImportInput{
			RunStart: runStart(ctx, r.in.ShopID, trigger, r.in.StartedBy, asOf), Days: r.in.Days,
		}).Get(ctx, &s)
		if err != nil {
			return err
		}
		r.c = ImportContinuation{RunID: s.RunID, AsOf: asOf, Days: s.Days, Since: s.Watermark, Queries: s.Queries}
	}
	r.progress = ImportProgress{RunID: r.c.RunID, Offset: r.c.Offset, Pages: r.c.Pages, Counts: r.c.Counts}
	who := string(r.in.Trigger.OrManual())
	if r.in.StartedBy != "" {
		who += " by " + r.in.StartedBy
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**import of shop %s** (%s), run log #%d\n\nsales ordered in the last %d days%s",
		r.in.ShopID, who, r.c.RunID, r.c.Days, sinceText(r.c.Since)))
	return nil
}

// loop pages through the searches until done (false) or until it is time to
// continue as new (true).
//
// It does not depend on ColorMe's list order. Each search is read as
// order-date windows (at first one: the whole search), each paged by offset.
// A sale's make_date never changes and no sale leaves a window while it is
// read, so when the distinct sales a pass returned reach meta.total of its
// last page, the pass saw every sale of the window. Fewer means the list moved
// under the offsets (a sale updated mid-import when ColorMe sorts by
// update_date): the window is split in two halves and both are read again.
// A one-second window, or one wholly after the import's start (the next
// import reads those), is accepted as read. Windows over ImportMaxWindowSales
// are split before they are paged through.
func (r *importRun) loop(ctx workflow.Context) (bool, error) {
	if workflow.GetVersion(ctx, importWindowsChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return r.loopOffsets(ctx)
	}
	pagesHere := 0
	for r.c.Query < len(r.c.Queries) {
		if pagesHere > 0 && r.historyFull(ctx) {
			return true, nil
		}
		q := r.c.Queries[r.c.Query]
		if r.c.Windows == nil {
			r.c.Windows = []ImportWindow{{After: q.After, Before: q.Before}}
			r.c.Offset, r.c.Seen, r.c.Counted = 0, nil, nil
		}
		w := r.c.Windows[0]
		pq := q
		pq.After, pq.Before = w.After, w.Before
		res, err := r.page(ctx, pq)
		if err != nil {
			return false, err
		}
		pagesHere++
		counts := res.Counts
		counts.Fetched -= counts.Unchanged
		counts.Unchanged = 0
		for _, id := range res.UnchangedIDs {
			if !contains(r.c.Seen, id) && !contains(r.c.Counted, id) {
				counts.Unchanged++
			}
		}
		counts.Fetched += counts.Unchanged
		r.c.Counts = addCounts(r.c.Counts, counts)
		r.c.Seen = union(r.c.Seen, res.SaleIDs)
		r.c.Offset += res.Returned
		switch {
		case res.Returned == 0 || r.c.Offset >= res.Total:
			// The pass is over: complete, or re-read in halves.
			if len(r.c.Seen) < res.Total && r.splittable(w) {
				r.c.Counted = union(r.c.Counted, r.c.Seen)
				r.c.Windows = append(r.split(w, 2), r.c.Windows[1:]...)
				r.c.Narrowed++
			} else {
				r.c.Windows = r.c.Windows[1:]
			}
			r.c.Offset, r.c.Seen = 0, nil
		case r.c.Offset == res.Returned && res.Total > ImportMaxWindowSales && r.splittable(w):
			// Too many sales to keep their ids: page smaller windows.
			r.c.Counted = union(r.c.Counted, r.c.Seen)
			n := (res.Total + ImportMaxWindowSales/2 - 1) / (ImportMaxWindowSales / 2)
			r.c.Windows = append(r.split(w, n), r.c.Windows[1:]...)
			r.c.Offset, r.c.Seen = 0, nil
		}
		if len(r.c.Windows) == 0 {
			r.c.Query++
			r.c.Windows, r.c.Counted = nil, nil
		}
		r.report(res.Total)
		r.progress.Windows = len(r.c.Windows)
	}
	return false, nil
}

// page reads one page of the search q at the run's offset (ImportPage), which
// upserts it, and counts the page.
func (r *importRun) page(ctx workflow.Context, q activities.ImportQuery) (activities.ImportPageResult, error) {
	r.progress.Query = q.Name
	var res activities.ImportPageResult
	err := workflow.ExecuteActivity(colorMeCtx(ctx), a.ImportPage, activities.ImportPageInput{
		ShopID: r.in.ShopID, RunID: r.c.RunID, Query: q, Offset: r.c.Offset, Limit: r.in.PageSize,
	}).Get(ctx, &res)
	if err != nil {
		return res, err
	}
	r.c.Pages++
	return res, nil
}

// report shows the run's state in the progress query; total is ColorMe's
// meta.total of the last page.
func (r *importRun) report(total int) {
	r.progress.Offset, r.progress.Total, r.progress.Pages, r.progress.Counts = r.c.Offset, total, r.c.Pages, r.c.Counts
}

// splittable says whether a window can be narrowed: it spans more than one
// second and does not lie wholly after the import's start.
func (r *importRun) splittable(w ImportWindow) bool {
	if w.Before.IsZero() {
		return !w.After.After(r.c.AsOf)
	}
	return w.Before.Unix() > w.After.Unix()
}

// split cuts a window into n consecutive windows of (nearly) equal length in
// whole seconds; the last keeps w's upper bound, open or not. An open window
// is cut over [After, the import's start].
func (r *importRun) split(w ImportWindow, n int) []ImportWindow {
	lo := w.After.Unix()
	hi := w.Before.Unix()
	if w.Before.IsZero() {
		hi = max(r.c.AsOf.Unix(), lo)
	}
	span := hi - lo + 1
	n = int(min(int64(max(n, 2)), span))
	out := make([]ImportWindow, 0, n)
	start := lo
	for i := 1; i <= n; i++ {
		end := lo + span*int64(i)/int64(n) - 1
		nw := ImportWindow{After: time.Unix(start, 0).In(w.After.Location()), Before: time.Unix(end, 0).In(w.After.Location())}
		if i == n {
			nw.Before = w.Before
		}
		out = append(out, nw)
		start = end + 1
	}
	return out
}

// contains reports whether the sorted ids hold id.
func contains(sorted []int64, id int64) bool {
	_, ok := slices.BinarySearch(sorted, id)
	return ok
}

// union returns the sorted, distinct ids of a (sorted) and b.
func union(a, b []int64) []int64 {
	if len(b) == 0 {
		return a
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// loopOffsets is the paging of runs begun before windowed paging (see
// importWindowsChange): each search by offset until meta.total.
func (r *importRun) loopOffsets(ctx workflow.Context) (bool, error) {
	pagesHere := 0
	for r.c.Query < len(r.c.Queries) {
		if pagesHere > 0 && r.historyFull(ctx) {
			return true, nil
		}
		res, err := r.page(ctx, r.c.Queries[r.c.Query])
		if err != nil {
			return false, err
		}
		pagesHere++
		r.c.Counts = addCounts(r.c.Counts, res.Counts)
		r.c.Offset += res.Returned
		if res.Returned == 0 || r.c.Offset >= res.Total {
			r.c.Query++
			r.c.Offset = 0
		}
		r.report(res.Total)
	}
	return false, nil
}

// fail records the run as failed (and the shop as needing reconnection when
// ColorMe refused its token) and returns the error the workflow ends with.
func (r *importRun) fail(ctx workflow.Context, cause error) error {
	msg := errMessage(cause)
	if isType(cause, activities.ErrReconnectNeeded) {
		if err := workflow.ExecuteActivity(dbCtx(ctx), a.MarkReconnectNeeded, activities.MarkReconnectNeededInput{
			ShopID: r.in.ShopID, Reason: msg}).Get(ctx, nil); err != nil {
			return err
		}
	}
	_ = workflow.ExecuteActivity(dbCtx(ctx), a.FinishImport, activities.FinishImportInput{
		RunID: r.c.RunID, Unchanged: r.c.Counts.Unchanged, Status: oms.RunFailed, Error: msg,
	}).Get(ctx, nil)
	typ := "ImportFailed"
	if isType(cause, activities.ErrReconnectNeeded) {
		typ = activities.ErrReconnectNeeded
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("import of shop %s failed after %d pages: %s (the watermark was not advanced: the next import reads the same sales again)",
			r.in.ShopID, r.c.Pages, msg), typ, cause)
}

func (r *importRun) historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= r.in.MaxHistory
}

func addCounts(t, u oms.ImportTotals) oms.ImportTotals {
	t.Fetched += u.Fetched
	t.Created += u.Created
	t.Updated += u.Updated
	t.Unchanged += u.Unchanged
	t.Cancelled += u.Cancelled
	t.Flagged += u.Flagged
	return t
}

func sinceText(since *time.Time) string {
	if since == nil {
		return " (the shop's first import)"
	}
	return ", and older ones updated since " + jst.Format(*since)
}

// notifyChange is the GetVersion change ID of notifyExport: imports that began
// before it replay without the notice.
const notifyChange = "import-notifies-export"

// notifyExport tells the shop's on-change export trigger that the import
// created or updated orders (an updated order's updated_at moved: something the
// export depends on changed). Best effort: should it fail, the scheduled full
// reconcile still exports the orders.
func notifyExport(ctx workflow.Context, shopID string, t oms.ImportTotals) {
	if t.Created+t.Updated == 0 || workflow.GetVersion(ctx, notifyChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	err := workflow.ExecuteActivity(actx, a.NotifyExportChange, activities.NotifyExportChangeInput{
		ShopID: shopID, Reason: fmt.Sprintf("order import: %d created, %d updated", t.Created, t.Updated)}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not notify the on-change export", "shop", shopID, "error", errMessage(err))
	}
}
