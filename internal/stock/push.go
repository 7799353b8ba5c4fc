package stock

import (
	"slices"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// Outcomes of a push decision for one SKU.
const (
	OutcomeWrite     = "write"     // ColorMe differs: add Delta
	OutcomeUnchanged = "unchanged" // ColorMe already shows the available quantity
	OutcomeMoving    = "moving"    // ColorMe's stock moved between the two reads: next round
	OutcomeNoLevel   = "no_level"  // the OMS has no on-hand quantity for the SKU: left alone
	OutcomeMissing   = "missing"   // the unit is no longer on ColorMe: import the catalogue again
)

// Decision is what a push does for one SKU.
type Decision struct {
	SKU     string  `json:"sku"`
	Unit    UnitKey `json:"unit"`
	Read    int64   `json:"read"`   // ColorMe's stock at the second read
	Target  int64   `json:"target"` // the OMS's available quantity
	Delta   int64   `json:"delta"`
	Outcome string  `json:"outcome"`
}

// Decide computes the push of each mapped SKU from two reads of ColorMe's
// stock that bracket an order import (first before it started, second after
// it completed; both keyed by UnitKey.String()) and the OMS levels computed
// after the import. A SKU is written only when ColorMe differs, and only as an
// increment from the second read, so a ColorMe sale placed after that read is
// never overwritten (the increment lands on top of its decrement). A SKU whose
// stock moved between the reads is left to the next round: its sales may be
// in the import or not. See docs/stock.md.
func Decide(mapped map[string]Unit, levels map[string]Level, first, second map[string]int64) []Decision {
	out := make([]Decision, 0, len(mapped))
	for sku, u := range mapped {
		d := Decision{SKU: sku, Unit: u.UnitKey}
		c1, ok1 := first[u.String()]
		c2, ok2 := second[u.String()]
		lvl, hasLevel := levels[sku]
		d.Read, d.Target = c2, lvl.Available
		switch {
		case !hasLevel:
			d.Outcome = OutcomeNoLevel
		case !ok1 || !ok2:
			d.Outcome = OutcomeMissing
		case c1 != c2:
			d.Outcome = OutcomeMoving
		case c2 == lvl.Available:
			d.Outcome = OutcomeUnchanged
		default:
			d.Outcome, d.Delta = OutcomeWrite, lvl.Available-c2
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Decision) int { return strings.Compare(a.SKU, b.SKU) })
	return out
}

// ReadValues keys the stock of each unit of products by UnitKey.String().
func ReadValues(products []colorme.Product) map[string]int64 {
	out := map[string]int64{}
	for _, u := range UnitsOf(products, time.Time{}) {
		out[u.String()] = u.ColorMeStocks
	}
	return out
}

// ProductWrite is one PUT /v1/products/{id}: the increments of its units.
type ProductWrite struct {
	ProductID int64      `json:"product_id"`
	Units     []Decision `json:"units"`
}

// Body is the PUT's product body: product.stocks for a product without
// variants, else product.variants[] by option values.
func (w ProductWrite) Body() colorme.UpdateProductBody {
	var b colorme.UpdateProductBody
	for _, d := range w.Units {
		inc := d.Delta
		v := &colorme.StockValue{Increment: &inc}
		if d.Unit.Option1Value == "" && d.Unit.Option2Value == "" {
			b.Stocks = v
			continue
		}
		b.Variants = append(b.Variants, colorme.VariantStockUpdate{Option1Value: d.Unit.Option1Value, Option2Value: d.Unit.Option2Value, Stocks: v})
	}
	return b
}

// Writes groups the write decisions by product, in product order.
func Writes(decisions []Decision) []ProductWrite {
	by := map[int64]*ProductWrite{}
	var ids []int64
	for _, d := range decisions {
		if d.Outcome != OutcomeWrite {
			continue
		}
		w, ok := by[d.Unit.ProductID]
		if !ok {
			w = &ProductWrite{ProductID: d.Unit.ProductID}
			by[d.Unit.ProductID] = w
			ids = append(ids, d.Unit.ProductID)
		}
		w.Units = append(w.Units, d)
	}
	slices.Sort(ids)
	out := make([]ProductWrite, len(ids))
	for i, id := range ids {
		out[i] = *by[id]
	}
	return out
}
