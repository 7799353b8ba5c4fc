package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// DefaultImportPageSize is the number of sales per ColorMe list request of an
// import: ColorMe's largest page.
const DefaultImportPageSize = 100

// OrderImportID returns the fixed workflow ID of a shop's import (受注取得): one
// import at a time per shop.
func OrderImportID(shopID string) string { return "order-import-" + shopID }

// OrderImportInput starts an import of one shop's ColorMe sales into the OMS.
// It never holds credentials.
type OrderImportInput struct {
	ShopID     string `json:"shop_id"`
	Days       int    `json:"days,omitempty"`       // 受注を取得する日数; 0 = the shop's import_days (default 7)
	Trigger    string `json:"trigger,omitempty"`    // manual | scheduled
	StartedBy  string `json:"started_by,omitempty"` // operator login of a manual run (an operator's name, never a secret)
	PageSize   int    `json:"page_size,omitempty"`  // sales per page; 0 = 100
	MaxHistory int    `json:"max_history_events,omitempty"`

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
}

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
	Pages     int        `json:"pages"` // ColorMe list requests
	Chain     int        `json:"chain"` // runs in the continue-as-new chain
}

// ImportProgress is what the progress query returns while an import runs.
type ImportProgress struct {
	RunID  int64            `json:"run_id"`
	Query  string           `json:"query"`
	Offset int              `json:"offset"`
	Total  int              `json:"total"` // ColorMe's meta.total of the search being paged
	Pages  int              `json:"pages"`
	Counts oms.ImportTotals `json:"counts"`
}

// OrderImport fetches the shop's ColorMe sales into the OMS (受注取得): those
// ordered in the last N days and, once an import has completed, older ones
// updated since its watermark (kept in the database). Each search is paged by
// offset until meta.total, one ImportPage activity per page, which upserts the
// page idempotently. The import's start minus a safety margin becomes the next
// watermark only when the import completes. It continues as new before its
// history grows large.
func OrderImport(ctx workflow.Context, in OrderImportInput) (OrderImportResult, error) {
	if err := markFindable(ctx, in.ShopID, in.Trigger); err != nil {
		return OrderImportResult{}, err
	}
	r := &importRun{in: in}
	if err := r.init(ctx); err != nil {
		return OrderImportResult{}, err
	}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (ImportProgress, error) { return r.progress, nil }); err != nil {
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
	workflow.SetCurrentDetails(ctx, workflow.GetCurrentDetails(ctx)+fmt.Sprintf(
		"\n\n**finished**: fetched %d, created %d, updated %d, unchanged %d, cancelled %d, flagged %d",
		t.Fetched, t.Created, t.Updated, t.Unchanged, t.Cancelled, t.Flagged))
	return OrderImportResult{RunID: r.c.RunID, ShopID: in.ShopID, AsOf: r.c.AsOf, Days: r.c.Days, Since: r.c.Since,
		Watermark: watermark, Fetched: t.Fetched, Created: t.Created, Updated: t.Updated, Unchanged: t.Unchanged,
		Cancelled: t.Cancelled, Flagged: t.Flagged, Pages: r.c.Pages, Chain: r.c.Chain + 1}, nil
}

type importRun struct {
	in       OrderImportInput
	c        ImportContinuation
	progress ImportProgress
}

func (r *importRun) init(ctx workflow.Context) error {
	if r.in.PageSize <= 0 || r.in.PageSize > DefaultImportPageSize {
		r.in.PageSize = DefaultImportPageSize
	}
	if r.in.MaxHistory <= 0 {
		r.in.MaxHistory = DefaultMaxHistoryEvents
	}
	if r.in.ShopID == "" {
		return temporal.NewNonRetryableApplicationError("shop_id is required", "InvalidInput", nil)
	}
	if r.in.Continuation != nil {
		r.c = *r.in.Continuation
	} else {
		trigger := r.in.Trigger
		if trigger == "" {
			trigger = "manual"
		}
		asOf := workflow.Now(ctx)
		info := workflow.GetInfo(ctx)
		var s activities.StartImportResult
		err := workflow.ExecuteActivity(dbCtx(ctx), a.StartImport, activities.StartImportInput{
			ShopID: r.in.ShopID, WorkflowID: info.WorkflowExecution.ID, RunKey: info.OriginalRunID,
			Trigger: trigger, StartedBy: r.in.StartedBy, AsOf: asOf, Days: r.in.Days,
		}).Get(ctx, &s)
		if err != nil {
			return err
		}
		r.c = ImportContinuation{RunID: s.RunID, AsOf: asOf, Days: s.Days, Since: s.Watermark, Queries: s.Queries}
	}
	r.progress = ImportProgress{RunID: r.c.RunID, Offset: r.c.Offset, Pages: r.c.Pages, Counts: r.c.Counts}
	who := r.in.Trigger
	if who == "" {
		who = "manual"
	}
	if r.in.StartedBy != "" {
		who += " by " + r.in.StartedBy
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**import of shop %s** (%s), run log #%d\n\nsales ordered in the last %d days%s",
		r.in.ShopID, who, r.c.RunID, r.c.Days, sinceText(r.c.Since)))
	return nil
}

// loop pages through the searches until done (false) or until it is time to
// continue as new (true).
func (r *importRun) loop(ctx workflow.Context) (bool, error) {
	pagesHere := 0
	for r.c.Query < len(r.c.Queries) {
		if pagesHere > 0 && r.historyFull(ctx) {
			return true, nil
		}
		q := r.c.Queries[r.c.Query]
		r.progress.Query = q.Name
		var res activities.ImportPageResult
		err := workflow.ExecuteActivity(colorMeCtx(ctx), a.ImportPage, activities.ImportPageInput{
			ShopID: r.in.ShopID, RunID: r.c.RunID, Query: q, Offset: r.c.Offset, Limit: r.in.PageSize,
		}).Get(ctx, &res)
		if err != nil {
			return false, err
		}
		pagesHere++
		r.c.Pages++
		r.c.Counts = addCounts(r.c.Counts, res.Counts)
		r.c.Offset += res.Returned
		if res.Returned == 0 || r.c.Offset >= res.Total {
			r.c.Query++
			r.c.Offset = 0
		}
		r.progress.Offset, r.progress.Total, r.progress.Pages, r.progress.Counts = r.c.Offset, res.Total, r.c.Pages, r.c.Counts
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
	return ", and older ones updated since " + since.In(rules.Tokyo).Format("2006-01-02 15:04:05 JST")
}
