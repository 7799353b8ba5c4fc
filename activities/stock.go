package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/stock"
)

// The activities of 在庫連携 (StockPush). They are methods of Activities, so
// they use its store and its ColorMe clients, which take every call from the
// shop's shared API budget (budget.NewLimiter, as the export does).

// ErrStockScopes is the error type of a stock activity whose shop's token lacks
// the product scopes: retrying cannot help, the shop must be reconnected.
const ErrStockScopes = "StockScopesMissing"

// StockScopes are the scopes 在庫連携 needs besides the sales scopes.
var StockScopes = []string{"read_products", "write_products"}

// StockScopesMessage says what to do about a shop connected without
// StockScopes: staff read it in 自動処理ログ, the operator in the CLI.
func StockScopesMessage(shopID string) string {
	return fmt.Sprintf("在庫連携には商品の権限 (%s) が必要ですが、ショップ %s はその権限なしで接続されています。"+
		"APIアクセス設定で「自動在庫連携」をオンにして保存し、「取得する」でもう一度接続してください "+
		"(CLI: `starter shop set -shop %s stock_enabled=true`, then `starter shop connect -shop %s`).",
		strings.Join(StockScopes, " "), shopID, shopID, shopID)
}

// stockError classifies a ColorMe error of a stock activity. A refused token
// that still reads the shop (GET /v1/shop.json) lacks only the product
// scopes: that is ErrStockScopes, and the shop is not marked for reconnection
// (its sales sync goes on).
func stockError(ctx context.Context, c *colorme.Client, shopID string, err error) error {
	if ae, ok := colorme.AsAPIError(err); ok && ae.Unauthorized() {
		if _, serr := c.Shop(ctx); serr == nil {
			return temporal.NewNonRetryableApplicationError(StockScopesMessage(shopID), ErrStockScopes, nil)
		}
	}
	return classify(ctx, err)
}

// ShopInput names a shop.
type ShopInput struct {
	ShopID string `json:"shop_id"`
}

// StockStartRunResult is the run's id in the run log.
type StockStartRunResult struct {
	RunID int64 `json:"run_id"`
}

// StockStartRun opens a 在庫連携 run in the run log (idempotent by run key).
func (a *Activities) StockStartRun(ctx context.Context, in RunStart) (StockStartRunResult, error) {
	id, err := a.Store.StartRun(ctx, in.run(oms.KindStock))
	if err != nil {
		return StockStartRunResult{}, shopError(in.ShopID, err)
	}
	return StockStartRunResult{RunID: id}, nil
}

// StockFinishRunInput closes a 在庫連携 run.
type StockFinishRunInput struct {
	RunID  int64         `json:"run_id"`
	Totals oms.RunTotals `json:"totals"`
	Status oms.RunStatus `json:"status"`
	Error  string        `json:"error,omitempty"`
}

// StockFinishRun records a 在庫連携 run's end.
func (a *Activities) StockFinishRun(ctx context.Context, in StockFinishRunInput) error {
	return a.Store.FinishRun(ctx, in.RunID, in.Totals, in.Status, in.Error)
}

// StockCatalogueResult is what the catalogue import found.
type StockCatalogueResult struct {
	Report stock.CatalogueReport `json:"report"`
}

// StockImportCatalogue reads ColorMe's products and their option variants
// and replaces the shop's catalogue with them.
func (a *Activities) StockImportCatalogue(ctx context.Context, in ShopInput) (StockCatalogueResult, error) {
	defer keepAlive(ctx)()
	c, products, readAt, err := a.readProducts(ctx, in.ShopID)
	if err != nil {
		return StockCatalogueResult{}, err
	}
	for i, p := range products {
		if len(p.Options) > 0 && len(p.Variants) == 0 { // options without inline variants: ask for them
			if products[i].Variants, err = c.ProductVariants(ctx, p.ID); err != nil {
				return StockCatalogueResult{}, stockError(ctx, c, in.ShopID, err)
			}
		}
	}
	st := stock.New(a.Store)
	if err := st.SaveCatalogue(ctx, in.ShopID, stock.UnitsOf(products, readAt)); err != nil {
		return StockCatalogueResult{}, err
	}
	rep, err := st.Report(ctx, in.ShopID)
	return StockCatalogueResult{Report: rep}, err
}

// StockLastWriteResult is when the shop's last stock write was sent.
type StockLastWriteResult struct {
	At time.Time `json:"at"` // zero: never
}

// StockLastWrite returns when the shop's last stock write to ColorMe was sent,
// so that the push reads ColorMe only once a read can no longer be stale.
func (a *Activities) StockLastWrite(ctx context.Context, in ShopInput) (StockLastWriteResult, error) {
	at, err := stock.New(a.Store).LastWrite(ctx, in.ShopID)
	return StockLastWriteResult{At: at}, err
}

// StockReadResult is ColorMe's stock of every unit, and when it was read.
type StockReadResult struct {
	ReadAt time.Time        `json:"read_at"`
	Values map[string]int64 `json:"values"` // by stock.UnitKey.String()
}

// StockRead reads ColorMe's stock of every product (the push's first read).
func (a *Activities) StockRead(ctx context.Context, in ShopInput) (StockReadResult, error) {
	defer keepAlive(ctx)()
	_, products, at, err := a.readProducts(ctx, in.ShopID)
	if err != nil {
		return StockReadResult{}, err
	}
	return StockReadResult{ReadAt: at, Values: stock.ReadValues(products)}, nil
}

// readProducts reads every ColorMe product of the shop, with the time the read
// began; c is the shop's client, for further calls.
func (a *Activities) readProducts(ctx context.Context, shopID string) (c *colorme.Client, products []colorme.Product, at time.Time, err error) {
	if c, err = a.ColorMe.For(ctx, shopID); err != nil {
		return nil, nil, time.Time{}, err
	}
	at = time.Now()
	if products, err = c.AllProducts(ctx, nil); err != nil {
		return nil, nil, time.Time{}, stockError(ctx, c, shopID, err)
	}
	return c, products, at, nil
}

// StockImportDoneInput asks whether an import started at or after Since completed.
type StockImportDoneInput struct {
	ShopID string    `json:"shop_id"`
	Since  time.Time `json:"since"`
}

// StockImportDoneResult answers StockImportDone.
type StockImportDoneResult struct {
	Done bool `json:"done"`
}

// StockImportDone reports whether an order import of the shop that started
// at or after Since has completed: then every ColorMe sale placed before
// Since is in the OMS.
func (a *Activities) StockImportDone(ctx context.Context, in StockImportDoneInput) (StockImportDoneResult, error) {
	runs, _, err := a.Store.ListRuns(ctx, oms.RunFilter{ShopID: in.ShopID, Kind: string(oms.KindImport), Limit: 10})
	if err != nil {
		return StockImportDoneResult{}, err
	}
	for _, r := range runs {
		if r.Status == oms.RunCompleted && !r.StartedAt.Before(in.Since) {
			return StockImportDoneResult{Done: true}, nil
		}
	}
	return StockImportDoneResult{}, nil
}

// StockWriteInput is one round of a push: the first read, taken before the
// import that has since completed.
type StockWriteInput struct {
	ShopID string           `json:"shop_id"`
	RunID  int64            `json:"run_id"`
	Round  int              `json:"round"`
	First  map[string]int64 `json:"first"`
}

// StockWriteResult counts a round's decisions by outcome.
type StockWriteResult struct {
	Mapped    int `json:"mapped"`
	Unmapped  int `json:"unmapped"`
	Written   int `json:"written"`   // SKUs whose increment ColorMe confirmed
	Unclear   int `json:"unclear"`   // SKUs whose write got no clear answer: re-read next round
	Refused   int `json:"refused"`   // SKUs ColorMe refused (4xx): not applied
	Unchanged int `json:"unchanged"` // SKUs ColorMe already showed right
	Moving    int `json:"moving"`    // SKUs that moved between the reads: next round
	Skipped   int `json:"skipped"`   // no OMS on-hand, or gone from ColorMe
	Shipped   int `json:"shipped"`   // shipped order lines taken off on-hand
}

// StockWrite is a push round: it takes shipped lines off on-hand, reads
// ColorMe's stock again (the second read), decides, and writes each product
// whose units differ as increments, recording each write in the ledger before
// and after. A write without a clear answer is never retried here: the next
// round re-reads ColorMe (once a read can no longer be stale) and decides
// again. Temporal never retries this activity (see StockPush).
func (a *Activities) StockWrite(ctx context.Context, in StockWriteInput) (StockWriteResult, error) {
	defer keepAlive(ctx)()
	st := stock.New(a.Store)
	var res StockWriteResult
	var err error
	if res.Shipped, err = st.TakeShipped(ctx, in.ShopID); err != nil {
		return res, err
	}
	units, err := st.Catalogue(ctx, in.ShopID)
	if err != nil {
		return res, err
	}
	if len(units) == 0 {
		return res, temporal.NewNonRetryableApplicationError(stock.ErrNoCatalogue.Error(), ErrInvalidInput, nil)
	}
	mapped, unmapped := stock.Classify(units)
	res.Mapped, res.Unmapped = len(mapped), len(unmapped)
	c, err := a.ColorMe.For(ctx, in.ShopID)
	if err != nil {
		return res, err
	}
	products, err := c.AllProducts(ctx, nil)
	if err != nil {
		return res, stockError(ctx, c, in.ShopID, err)
	}
	second := stock.ReadValues(products)
	levels, err := st.Levels(ctx, in.ShopID)
	if err != nil {
		return res, err
	}
	decisions := stock.Decide(mapped, levels, in.First, second)
	for _, d := range decisions {
		switch d.Outcome {
		case stock.OutcomeUnchanged:
			res.Unchanged++
		case stock.OutcomeMoving:
			res.Moving++
		case stock.OutcomeNoLevel, stock.OutcomeMissing:
			res.Skipped++
		}
	}
	for _, w := range stock.Writes(decisions) {
		state, err := writeProduct(ctx, st, c, in, w)
		if err != nil {
			return res, err
		}
		switch state {
		case stock.WriteApplied:
			res.Written += len(w.Units)
		case stock.WriteRefused:
			res.Refused += len(w.Units)
		default:
			res.Unclear += len(w.Units)
		}
	}
	return res, nil
}

// writeProduct sends one product's increments, recording each unit in the
// ledger as pending before the PUT and with its outcome after, and returns
// that outcome: applied, refused (4xx) or unclear (no clear answer).
func writeProduct(ctx context.Context, st *stock.Store, c *colorme.Client, in StockWriteInput, w stock.ProductWrite) (string, error) {
	keys := make([]string, len(w.Units))
	for i, d := range w.Units {
		keys[i] = fmt.Sprintf("run%d/r%d/%s", in.RunID, in.Round, d.Unit.String())
		if err := st.RecordWrite(ctx, in.ShopID, keys[i], d.Unit, d.SKU, d.Read, d.Delta, stock.WritePending); err != nil {
			return "", err
		}
	}
	_, werr := c.UpdateProductStock(ctx, w.ProductID, w.Body())
	state := stock.WriteApplied
	if werr != nil {
		state = stock.WriteUnclear
		if ae, ok := colorme.AsAPIError(werr); ok {
			switch {
			case ae.Unauthorized():
				return "", stockError(ctx, c, in.ShopID, werr)
			case !ae.Retryable():
				state = stock.WriteRefused
			}
		}
	}
	for i, d := range w.Units {
		if err := st.RecordWrite(ctx, in.ShopID, keys[i], d.Unit, d.SKU, d.Read, d.Delta, state); err != nil {
			return "", err
		}
	}
	return state, nil
}
