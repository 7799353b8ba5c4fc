package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/settings"
)

// ImportFields are the sale fields the import asks ColorMe for.
// Besides what the import needs to plan (dates, cancellation, split), the
// order details staff ship from: customer, line items (details), totals,
// payment method and memo — names as in ColorMe's GetSales200ResponseSalesInner.
var ImportFields = []string{"id", "make_date", "update_date", "canceled", "segment", "sale_deliveries", "paid",
	"customer", "details", "memo", "payment_id", "product_total_price", "delivery_total_charge", "fee", "tax", "total_price"}

// Names of the two searches of an import.
const (
	QueryOrdered = "ordered" // sales ordered in the last N days
	QueryUpdated = "updated" // older sales updated since the watermark
)

// ImportQuery is one ColorMe sales search of an import (GET /v1/sales.json).
// Zero times are not sent. No sale leaves a search while it is paged (its
// order date never changes, its update date only grows), but the list may be
// reordered under the offsets (ColorMe does not document its order): the
// workflow checks each pass against meta.total and re-reads narrower
// order-date windows when sales were skipped (see workflows.OrderImport).
type ImportQuery struct {
	Name       string    `json:"name"`
	After      time.Time `json:"after"`                // make_date >= After
	Before     time.Time `json:"before,omitzero"`      // make_date <= Before
	UpdatedMin time.Time `json:"updated_min,omitzero"` // update_date >= UpdatedMin
	OrderedTo  time.Time `json:"ordered_to,omitzero"`  // keep only sales with make_date < OrderedTo (the other search has the rest)
	Fields     []string  `json:"fields,omitempty"`     // nil = ImportFields
}

// ImportQueries returns the searches of an import starting at asOf:
//
//   - "ordered": sales ordered since 00:00 JST N days before asOf's JST date —
//     the shop's 受注を取得する日数, the same day boundary ColorMe's own 7-day
//     default uses, and never less than N×24 hours;
//   - "updated" (only once an import has completed, i.e. with a watermark):
//     sales ordered in the year before that boundary and updated on ColorMe since
//     the watermark, to catch cancellations and address changes of older orders.
//     Orders older than a year are never exported (rule 2), so they are not read.
//
// The two are disjoint: "updated" asks for make_date <= the boundary (ColorMe's
// bounds are inclusive and in whole seconds) and drops sales ordered at or after
// it, which "ordered" has.
func ImportQueries(asOf time.Time, days int, watermark *time.Time) []ImportQuery {
	y, m, d := asOf.In(rules.Tokyo).Date()
	from := time.Date(y, m, d-days, 0, 0, 0, 0, rules.Tokyo)
	qs := []ImportQuery{{Name: QueryOrdered, After: from}}
	if watermark == nil {
		return qs
	}
	yearAgo := asOf.In(rules.Tokyo).AddDate(-1, 0, 0).Truncate(time.Second)
	if !yearAgo.Before(from) {
		return qs // "ordered" already covers the year
	}
	return append(qs, ImportQuery{Name: QueryUpdated, After: yearAgo, Before: from, OrderedTo: from,
		UpdatedMin: watermark.Truncate(time.Second)})
}

// StartImportInput opens an import run in the run log.
type StartImportInput struct {
	RunStart
	Days int `json:"days,omitempty"` // 0 = the shop's import_days
}

// StartImportResult is the run's log ID, the days resolved from the shop's
// settings, the watermark of the previous import and the searches to page.
type StartImportResult struct {
	RunID     int64         `json:"run_id"`
	Days      int           `json:"days"`
	Watermark *time.Time    `json:"watermark,omitempty"` // nil: the first import of the shop
	Queries   []ImportQuery `json:"queries"`
}

// StartImport resolves the import's days and watermark and records the run.
func (a *Activities) StartImport(ctx context.Context, in StartImportInput) (StartImportResult, error) {
	shop, err := a.Store.Shops.Shop(ctx, in.ShopID)
	if err != nil {
		return StartImportResult{}, shopError(in.ShopID, err)
	}
	days := shop.Settings.ImportDays
	if in.Days != 0 {
		days = in.Days
	}
	if err := settings.ImportDays.CheckInt(days); err != nil {
		return StartImportResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidInput, nil)
	}
	var watermark *time.Time
	if wm, ok, err := a.Store.ImportWatermark(ctx, in.ShopID); err != nil {
		return StartImportResult{}, err
	} else if ok {
		watermark = &wm
	}
	run := in.run(oms.KindImport)
	run.WindowDays = days
	id, err := a.Store.StartImport(ctx, run)
	if err != nil {
		return StartImportResult{}, err
	}
	return StartImportResult{RunID: id, Days: days, Watermark: watermark, Queries: ImportQueries(in.AsOf, days, watermark)}, nil
}

// ImportPageInput asks for one page of a search. The workflow narrows a search
// to an order-date window by setting Query.After and Query.Before.
type ImportPageInput struct {
	ShopID string      `json:"shop_id"`
	RunID  int64       `json:"run_id"`
	Query  ImportQuery `json:"query"`
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"` // ≤ MaxPageSize
}

// ImportPageResult counts one page: the sales ColorMe returned, and how the
// sales of this search were upserted (those already counted in the run are
// left out). Total is ColorMe's meta.total at the time of the page. SaleIDs
// are the ids of every sale ColorMe returned (also those another search
// has), UnchangedIDs those the upsert left as they were: the workflow counts
// distinct sales with them.
type ImportPageResult struct {
	Returned     int              `json:"returned"`
	Total        int              `json:"total"`
	Counts       oms.ImportTotals `json:"counts"`
	SaleIDs      []int64          `json:"sale_ids,omitempty"`
	UnchangedIDs []int64          `json:"unchanged_ids,omitempty"`
}

// ImportPage reads one page of sales from ColorMe and upserts it into the OMS
// in one transaction. Retrying it is safe: the upsert is idempotent and each
// sale is counted once per run.
func (a *Activities) ImportPage(ctx context.Context, in ImportPageInput) (ImportPageResult, error) {
	if in.Limit <= 0 || in.Limit > MaxPageSize {
		return ImportPageResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("import page size must be between 1 and %d, got %d", MaxPageSize, in.Limit), ErrInvalidInput, nil)
	}
	defer keepAlive(ctx)() // the API budget may make it wait; heartbeats tell it is alive
	client, err := a.ColorMe.For(ctx, in.ShopID)
	if err != nil {
		return ImportPageResult{}, err
	}
	q := in.Query
	fields := q.Fields
	if fields == nil {
		fields = ImportFields
	}
	page, err := client.ListSales(ctx, colorme.ListQuery{After: q.After, Before: q.Before, UpdatedMin: q.UpdatedMin,
		Limit: in.Limit, Offset: in.Offset, Fields: fields})
	if err != nil {
		return ImportPageResult{}, classify(ctx, err)
	}
	var names map[int64]string
	if len(page.Sales) > 0 || in.Offset == 0 { // the first page reads the methods when due, sales or not
		names = a.deliveryMethodNames(ctx, in.ShopID, client, page.Sales)
	}
	sales := make([]oms.ImportedSale, 0, len(page.Sales))
	ids := make([]int64, 0, len(page.Sales))
	for _, s := range page.Sales {
		ids = append(ids, s.ID)
		if !q.OrderedTo.IsZero() && s.MakeDate >= q.OrderedTo.Unix() {
			continue // the "ordered" search has it
		}
		is := ImportedSale(s)
		is.MethodNames = names
		sales = append(sales, is)
	}
	// A sale ColorMe sent broken data for is recorded as flagged; the rest is imported.
	counts, unchanged, err := a.Store.ApplyImportIDs(ctx, in.ShopID, in.RunID, sales, time.Now())
	if err != nil {
		return ImportPageResult{}, err
	}
	return ImportPageResult{Returned: len(page.Sales), Total: page.Meta.Total, Counts: counts,
		SaleIDs: ids, UnchangedIDs: unchanged}, nil
}

// FinishImportInput closes an import run.
type FinishImportInput struct {
	RunID     int64         `json:"run_id"`
	Unchanged int           `json:"unchanged"`
	Status    oms.RunStatus `json:"status"` // completed or failed
	Error     string        `json:"error,omitempty"`
	Watermark *time.Time    `json:"watermark,omitempty"` // completed runs: where the next import starts
}

// FinishImportResult holds the run's final counts.
type FinishImportResult struct {
	Totals oms.ImportTotals `json:"totals"`
}

// FinishImport records the end of an import, its counts and (completed runs
// only) the new watermark.
func (a *Activities) FinishImport(ctx context.Context, in FinishImportInput) (FinishImportResult, error) {
	t, err := a.Store.FinishImport(ctx, in.RunID, in.Unchanged, in.Status, in.Error, in.Watermark)
	if err != nil {
		return FinishImportResult{}, err
	}
	a.observeRun(ctx, in.RunID)
	return FinishImportResult{Totals: t}, nil
}
