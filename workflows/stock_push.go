package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// StockPushID is the fixed workflow ID of a shop's stock push: one writer of
// ColorMe's stock per shop.
func StockPushID(shopID string) string { return "stock-push-" + shopID }

// Defaults of a stock push.
const (
	// DefaultStaleWindow is how long after a stock write a read of ColorMe may
	// still show the value before it (observed: fresh after 5 s).
	DefaultStaleWindow = 6 * time.Second
	// DefaultStockRounds bounds the rounds of a push (a round re-reads and
	// writes what an unclear answer or a moving stock left open).
	DefaultStockRounds = 5
	// stockImportPolls bounds the waits for an import already running.
	stockImportPolls = 120
)

// StockPushInput starts a stock push (在庫連携) of one shop.
type StockPushInput struct {
	ShopID      string        `json:"shop_id"`
	Trigger     oms.Trigger   `json:"trigger,omitempty"`
	StartedBy   string        `json:"started_by,omitempty"`
	StaleWindow time.Duration `json:"stale_window,omitempty"` // 0 = DefaultStaleWindow
	MaxRounds   int           `json:"max_rounds,omitempty"`   // 0 = DefaultStockRounds
}

// StockPushResult is what a push did, summed over its rounds.
type StockPushResult struct {
	RunID  int64                       `json:"run_id"`
	Rounds int                         `json:"rounds"`
	Totals activities.StockWriteResult `json:"totals"` // Mapped/Unmapped from the last round
	Open   int                         `json:"open"`   // SKUs still unclear or moving at the end
}

// StockPush makes ColorMe's stock follow the OMS's available quantity. Each
// round waits until a read can no longer be stale (the shop's last write is
// StaleWindow old), reads ColorMe's stock, runs the order import (or waits for
// one started after that read), then StockWrite reads again and writes, as
// increments, only the SKUs that differ and did not move between the reads.
// StockWrite is never retried by Temporal: a write whose answer was lost is
// settled by the next round's fresh read. See docs/stock.md.
func StockPush(ctx workflow.Context, in StockPushInput) (StockPushResult, error) {
	var res StockPushResult
	if err := requireShop(in.ShopID); err != nil {
		return res, err
	}
	if in.StaleWindow <= 0 {
		in.StaleWindow = DefaultStaleWindow
	}
	if in.MaxRounds <= 0 {
		in.MaxRounds = DefaultStockRounds
	}
	if err := markFindable(ctx, in.ShopID, in.Trigger.OrManual()); err != nil {
		return res, err
	}
	db := dbCtx(ctx)
	var started activities.StockStartRunResult
	if err := workflow.ExecuteActivity(db, (*activities.Activities).StockStartRun,
		runStart(ctx, in.ShopID, in.Trigger.OrManual(), in.StartedBy, workflow.Now(ctx))).Get(ctx, &started); err != nil {
		return res, err
	}
	res.RunID = started.RunID
	err := stockRounds(ctx, in, &res)
	status, msg := oms.RunCompleted, ""
	if err != nil {
		status, msg = oms.RunFailed, errMessage(err)
	} else if res.Open > 0 {
		status, msg = oms.RunFailed, fmt.Sprintf("%d SKUs were still moving or unclear after %d rounds: the next push settles them", res.Open, res.Rounds)
	}
	t := res.Totals
	totals := oms.RunTotals{Targets: t.Mapped, Updated: t.Written, Unchanged: t.Unchanged, Skipped: t.Skipped + t.Unmapped, Failed: t.Refused + res.Open}
	fin := activities.StockFinishRunInput{RunID: res.RunID, Totals: totals, Status: status, Error: msg}
	if ferr := workflow.ExecuteActivity(db, (*activities.Activities).StockFinishRun, fin).Get(ctx, nil); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

func stockRounds(ctx workflow.Context, in StockPushInput, res *StockPushResult) error {
	db, api := dbCtx(ctx), colorMeCtx(ctx)
	write := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,                          // every product read twice under the API budget, then the writes
		HeartbeatTimeout:    colorMeHeartbeat,                          // a killed worker's round fails in ~20 s; the next round re-reads
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1}, // an increment is never re-sent blindly
	})
	for round := 1; round <= in.MaxRounds; round++ {
		res.Rounds = round
		var last activities.StockLastWriteResult
		if err := workflow.ExecuteActivity(db, (*activities.Activities).StockLastWrite, activities.ShopInput{ShopID: in.ShopID}).Get(ctx, &last); err != nil {
			return err
		}
		if wait := last.At.Add(in.StaleWindow).Sub(workflow.Now(ctx)); !last.At.IsZero() && wait > 0 {
			if err := workflow.Sleep(ctx, wait); err != nil {
				return err
			}
		}
		var first activities.StockReadResult
		if err := workflow.ExecuteActivity(api, (*activities.Activities).StockRead, activities.ShopInput{ShopID: in.ShopID}).Get(ctx, &first); err != nil {
			return err
		}
		if err := importAfter(ctx, in, first.ReadAt); err != nil {
			return err
		}
		var w activities.StockWriteResult
		err := workflow.ExecuteActivity(write, (*activities.Activities).StockWrite,
			activities.StockWriteInput{ShopID: in.ShopID, RunID: res.RunID, Round: round, First: first.Values}).Get(ctx, &w)
		var appErr *temporal.ApplicationError
		if err != nil && errors.As(err, &appErr) && appErr.NonRetryable() {
			return err
		}
		t := &res.Totals
		t.Mapped, t.Unmapped = w.Mapped, w.Unmapped
		t.Written += w.Written
		t.Refused += w.Refused
		t.Shipped += w.Shipped
		if round == 1 {
			t.Unchanged, t.Skipped = w.Unchanged, w.Skipped
		}
		res.Open = w.Unclear + w.Moving
		if err != nil { // a worker died or ColorMe failed mid-round: what happened is read next round
			res.Open = max(res.Open, 1)
			workflow.GetLogger(ctx).Warn("stock round failed; the next round re-reads ColorMe", "round", round, "error", err)
			continue
		}
		t.Unclear += w.Unclear
		t.Moving += w.Moving
		if res.Open == 0 {
			return nil
		}
	}
	return nil
}

// importAfter makes sure an order import that started after readAt has
// completed: it runs one as a child, or, when one is already running, waits
// for one to complete.
func importAfter(ctx workflow.Context, in StockPushInput, readAt time.Time) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            OrderImportID(in.ShopID),
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
	})
	db := dbCtx(ctx)
	for i := 0; i < stockImportPolls; i++ {
		var ir OrderImportResult
		err := workflow.ExecuteChildWorkflow(cctx, OrderImport, OrderImportInput{ShopID: in.ShopID, Trigger: in.Trigger.OrManual(), StartedBy: in.StartedBy}).Get(ctx, &ir)
		if err == nil {
			return nil
		}
		if !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return err
		}
		// Another import is running: it counts if it started after the read.
		if err := workflow.Sleep(ctx, 5*time.Second); err != nil {
			return err
		}
		var done activities.StockImportDoneResult
		if err := workflow.ExecuteActivity(db, (*activities.Activities).StockImportDone,
			activities.StockImportDoneInput{ShopID: in.ShopID, Since: readAt}).Get(ctx, &done); err != nil {
			return err
		}
		if done.Done {
			return nil
		}
	}
	return temporal.NewApplicationError("no order import completed after the stock read: run `starter import -shop S`, then push again", "ImportNotDone")
}

// StockCatalogueID is the fixed workflow ID of a shop's catalogue import.
func StockCatalogueID(shopID string) string { return "stock-catalogue-" + shopID }

// StockCatalogueInput starts a catalogue import (商品情報を取得) of one shop.
type StockCatalogueInput struct {
	ShopID  string      `json:"shop_id"`
	Trigger oms.Trigger `json:"trigger,omitempty"`
}

// StockCatalogue imports the shop's ColorMe products and option variants
// into the catalogue and reports what cannot be mapped to a SKU.
func StockCatalogue(ctx workflow.Context, in StockCatalogueInput) (activities.StockCatalogueResult, error) {
	var res activities.StockCatalogueResult
	if err := requireShop(in.ShopID); err != nil {
		return res, err
	}
	if err := markFindable(ctx, in.ShopID, in.Trigger.OrManual()); err != nil {
		return res, err
	}
	err := workflow.ExecuteActivity(colorMeCtx(ctx), (*activities.Activities).StockImportCatalogue, activities.ShopInput{ShopID: in.ShopID}).Get(ctx, &res)
	return res, err
}
