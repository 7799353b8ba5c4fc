package chaos_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// The 在庫連携 rows of the fault table (issue 24). Each builds a catalogue of
// simple products and products with two option variants on the sandbox, sets
// the OMS on-hand of every SKU, and pushes under a fault. Two figures are
// checked:
//   - oversold units: Σ over SKUs of units ColorMe sold beyond the OMS on-hand
//     (ColorMe only sells what its stock shows, so a push that gave away stock
//     — an absolute set after a stale read — lets shoppers buy more than exists);
//   - double-applied increments: Σ over SKUs of ColorMe's stock above the OMS's
//     available quantity once the push completed (an increment applied twice
//     leaves ColorMe too high, and nothing after the push corrects it).

// stockWorld is one row's shop: its SKUs, their on-hand, what shoppers bought.
type stockWorld struct {
	e      *env
	c      client.Client
	shop   string
	units  []sandbox.OrderItem // one per SKU (Quantity unused)
	skus   []string
	onHand map[string]int64

	mu     sync.Mutex
	sold   map[string]int64 // units ColorMe accepted, by SKU
	orders int
	short  int // orders refused for want of stock
	nextID int64
}

// newStockWorld seeds simple products and products with two variants (n SKUs
// in all), every ColorMe stock at start, imports the catalogue and sets each
// SKU's on-hand to onHand.
func newStockWorld(t *testing.T, e *env, c client.Client, shop string, n int, start, onHand int64) *stockWorld {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, e.store.Shops.CreateShop(ctx, shops.Shop{ID: shop, APIBaseURL: e.sbURL, Settings: shops.DefaultSettings()}))
	require.NoError(t, e.store.Shops.SetAccessToken(ctx, shop, token))
	w := &stockWorld{e: e, c: c, shop: shop, onHand: map[string]int64{}, sold: map[string]int64{}, nextID: 800000}
	var products []colorme.Product
	for id := int64(1); len(w.skus) < n; id++ {
		if id%4 == 0 { // a product with stock per option
			p := colorme.Product{ID: id, Name: fmt.Sprintf("P%d", id), StockManaged: true,
				Options: []colorme.ProductOption{{Name: "カラー", Values: []string{"赤", "青"}}}}
			for _, v := range []string{"赤", "青"} {
				sku := fmt.Sprintf("SKU-%d-%s", id, v)
				p.Variants = append(p.Variants, colorme.ProductVariant{Option1Value: v, ModelNumber: sku, Stocks: start})
				w.units, w.skus = append(w.units, sandbox.OrderItem{ProductID: id, Option1Value: v}), append(w.skus, sku)
			}
			products = append(products, p)
			continue
		}
		sku := fmt.Sprintf("SKU-%d", id)
		products = append(products, colorme.Product{ID: id, Name: fmt.Sprintf("P%d", id), ModelNumber: sku, StockManaged: true, Stocks: start})
		w.units, w.skus = append(w.units, sandbox.OrderItem{ProductID: id}), append(w.skus, sku)
	}
	e.sandbox.SeedProducts(products...)
	run, err := app.StartStockCatalogue(ctx, c, e.cfg, workflows.StockCatalogueInput{ShopID: shop})
	require.NoError(t, err)
	var cat activities.StockCatalogueResult
	require.NoError(t, run.Get(ctx, &cat))
	require.Equal(t, len(w.skus), cat.Report.Mapped)
	for _, sku := range w.skus {
		w.onHand[sku] = onHand
	}
	_, err = stock.New(e.store).SetOnHand(ctx, shop, w.onHand, "chaos", stock.ReasonFile)
	require.NoError(t, err)
	return w
}

// startPush starts a push of the shop.
func (w *stockWorld) startPush(t *testing.T) client.WorkflowRun {
	t.Helper()
	run, err := app.StartStockPush(context.Background(), w.c, w.e.cfg, workflows.StockPushInput{ShopID: w.shop})
	require.NoError(t, err)
	return run
}

// pushResult waits for a push, retrying while Temporal is unreachable.
func (w *stockWorld) pushResult(t *testing.T, run client.WorkflowRun) workflows.StockPushResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var res workflows.StockPushResult
	require.NoError(t, w.c.GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &res))
	return res
}

// shop places one order of one unit of a random SKU on ColorMe.
func (w *stockWorld) buy(r *rand.Rand) {
	i := r.IntN(len(w.units))
	w.mu.Lock()
	w.nextID++
	id := w.nextID
	w.mu.Unlock()
	item := w.units[i]
	item.Quantity = 1
	err := w.e.sandbox.PlaceOrder(id, []sandbox.OrderItem{item})
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.short++
		return
	}
	w.orders++
	w.sold[w.skus[i]]++
}

// shoppers buy until stop is closed, every gap.
func (w *stockWorld) shoppers(stop <-chan struct{}, gap time.Duration, seed uint64) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(seed, 7))
		for {
			select {
			case <-stop:
				return
			case <-time.After(gap):
				w.buy(r)
			}
		}
	}()
	return &wg
}

// figures are a settled shop's checks.
type stockFigures struct {
	oversold, doubled, short, missing int64
	colorMe, available                int64
}

// check computes the figures from ColorMe's true stock and the OMS levels
// (after a push that imported every order).
func (w *stockWorld) check(t *testing.T) stockFigures {
	t.Helper()
	levels, err := stock.New(w.e.store).Levels(context.Background(), w.shop)
	require.NoError(t, err)
	cm := map[string]int64{}
	for _, u := range stock.UnitsOf(w.e.sandbox.Products(), time.Time{}) {
		cm[u.ModelNumber] = u.ColorMeStocks
	}
	var f stockFigures
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, sku := range w.skus {
		f.oversold += max(0, w.sold[sku]-w.onHand[sku])
		avail := levels[sku].Available
		f.doubled += max(0, cm[sku]-avail)
		f.missing += max(0, avail-cm[sku])
		f.colorMe += cm[sku]
		f.available += avail
	}
	f.short = int64(w.short)
	return f
}

func (f stockFigures) require(t *testing.T) {
	t.Helper()
	require.Zero(t, f.oversold, "oversold units")
	require.Zero(t, f.doubled, "units of increments applied twice (ColorMe above the available quantity)")
	require.Zero(t, f.missing, "units ColorMe shows below the available quantity after the push")
}

func (f stockFigures) String() string {
	return fmt.Sprintf("oversold %d, double-applied %d, below available %d; ColorMe %d = available %d", f.oversold, f.doubled, f.missing, f.colorMe, f.available)
}

// TestStockOrdersDuringPush: shoppers buy on ColorMe all through pushes that
// raise every SKU's stock; then a last push (shoppers stopped) imports the
// rest. Nothing sold is overwritten: no unit is sold beyond the on-hand.
func TestStockOrdersDuringPush(t *testing.T) {
	e := newEnv(t, "")
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, e.store)
	n := size(200, 60)
	w := newStockWorld(t, e, c, "stockorders", n, 0, 3)
	e.sandbox.SetLatency(5 * time.Millisecond)
	stop := make(chan struct{})
	wg := w.shoppers(stop, 15*time.Millisecond, 11)
	start := time.Now()
	first := w.pushResult(t, w.startPush(t))
	second := w.pushResult(t, w.startPush(t)) // shoppers still buying: pushes on top of their sales
	close(stop)
	wg.Wait()
	last := w.pushResult(t, w.startPush(t))
	f := w.check(t)
	f.require(t)
	pc := e.sandbox.ProductCounters()
	report(t, fmt.Sprintf("shoppers buy 1 unit every 15 ms on ColorMe during two pushes of %d SKUs (on-hand 3 each, ColorMe 0 at start)", n),
		"0 oversold units; 0 double-applied increments; ColorMe = available after a last push",
		fmt.Sprintf("%d orders accepted, %d refused (ColorMe short); pushes: %d+%d+%d rounds, %d moving SKUs waited a round; %d PUTs (%d increments); %s; %s",
			w.orders, w.short, first.Rounds, second.Rounds, last.Rounds, first.Totals.Moving+second.Totals.Moving+last.Totals.Moving,
			pc.Writes, pc.Increments, f, time.Since(start).Round(time.Second)))
}

// TestStockLostAnswers: a third of the stock PUTs are applied and answered
// 500. No unclear write is re-sent: the next round re-reads ColorMe and writes
// what is still missing, so no increment is applied twice.
func TestStockLostAnswers(t *testing.T) {
	e := newEnv(t, "")
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, e.store)
	n := size(200, 60)
	w := newStockWorld(t, e, c, "stocklost", n, 2, 9)
	lost := n / 3
	e.sandbox.SetProductFaults(sandbox.ProductFaults{LoseAnswers: lost})
	start := time.Now()
	res := w.pushResult(t, w.startPush(t))
	f := w.check(t)
	f.require(t)
	require.Zero(t, res.Open)
	pc := e.sandbox.ProductCounters()
	require.Equal(t, lost, pc.LostAnswers)
	report(t, fmt.Sprintf("the answers of %d stock PUTs are lost after ColorMe applied them (HTTP 500), %d SKUs", lost, n),
		"0 double-applied increments; 0 oversold units; every lost answer settled by a fresh read, never re-sent",
		fmt.Sprintf("%d rounds; %d PUTs (%d lost answers), %d written, %d unclear settled; %s; %s",
			res.Rounds, pc.Writes, pc.LostAnswers, res.Totals.Written, res.Totals.Unclear, f, time.Since(start).Round(time.Second)))
}

// TestStockWorkerKilled: the worker process is SIGKILLed in the middle of a
// push and restarted. The push's round fails with the worker; the next round
// waits out the stale window, reads afresh and finishes the job.
func TestStockWorkerKilled(t *testing.T) {
	e := newEnv(t, "")
	c := teststack.DevServer.Client()
	logFile := filepath.Join(t.TempDir(), "worker.log")
	wp := e.startWorkerProcess(t, logFile)
	n := size(300, 90)
	w := newStockWorld(t, e, c, "stockkill", n, 1, 6)
	e.sandbox.SetLatency(20 * time.Millisecond)
	start := time.Now()
	run := w.startPush(t)
	deadline := time.Now().Add(2 * time.Minute)
	for e.sandbox.ProductCounters().Writes < n/6 {
		require.True(t, time.Now().Before(deadline), "the push never wrote")
		time.Sleep(10 * time.Millisecond)
	}
	killedAt := e.sandbox.ProductCounters().Writes
	require.NoError(t, wp.Process.Signal(syscall.SIGKILL))
	_ = wp.Wait()
	e.startWorkerProcess(t, logFile)
	res := w.pushResult(t, run)
	f := w.check(t)
	f.require(t)
	require.Zero(t, res.Open)
	pc := e.sandbox.ProductCounters()
	report(t, fmt.Sprintf("worker SIGKILLed after %d stock PUTs of a push of %d SKUs, restarted", killedAt, n),
		"0 double-applied increments; 0 oversold units; the push completes",
		fmt.Sprintf("%d rounds; %d PUTs, %d increments applied; %s; %s", res.Rounds, pc.Writes, pc.Increments, f, time.Since(start).Round(time.Second)))
}

// TestStockStaleReads: ColorMe's product reads lag its writes by 4 s and the
// answers of some writes are lost; pushes run back to back. No read a push
// acts on falls inside the lag of its own last write (the stale window, 6 s),
// so no increment is computed from a value before it and applied twice.
func TestStockStaleReads(t *testing.T) {
	e := newEnv(t, "")
	c := teststack.DevServer.Client()
	e.inProcessWorker(t, c, e.store)
	n := size(150, 60)
	w := newStockWorld(t, e, c, "stockstale", n, 0, 5)
	e.sandbox.SetProductFaults(sandbox.ProductFaults{StaleReads: 4 * time.Second, LoseAnswers: n / 10})
	start := time.Now()
	first := w.pushResult(t, w.startPush(t))
	_, err := stock.New(e.store).SetOnHand(context.Background(), w.shop, map[string]int64{w.skus[0]: 8, w.skus[1]: 1}, "chaos", stock.ReasonFile)
	require.NoError(t, err)
	w.onHand[w.skus[0]], w.onHand[w.skus[1]] = 8, 1
	second := w.pushResult(t, w.startPush(t)) // at once: inside the lag of the first push's writes
	f := w.check(t)
	f.require(t)
	pc := e.sandbox.ProductCounters()

	// The control: the same fault with the stale window off (1 ms) reads a
	// value from before the lost answer's write and applies its increment
	// again: the fault is real, and the window is what defeats it.
	e.sandbox.SetProductFaults(sandbox.ProductFaults{StaleReads: 4 * time.Second, LoseAnswers: 1})
	_, err = stock.New(e.store).SetOnHand(context.Background(), w.shop, map[string]int64{w.skus[2]: 9}, "chaos", stock.ReasonFile)
	require.NoError(t, err)
	w.onHand[w.skus[2]] = 9
	run, err := app.StartStockPush(context.Background(), c, e.cfg, workflows.StockPushInput{ShopID: w.shop, StaleWindow: time.Millisecond})
	require.NoError(t, err)
	w.pushResult(t, run)
	control := w.check(t)
	require.Positive(t, control.doubled, "without the stale window a stale read doubles the lost answer's increment")
	report(t, fmt.Sprintf("product reads lag writes by 4 s (stale window 6 s), %d answers lost, two pushes of %d SKUs back to back", n/10, n),
		"0 double-applied increments; 0 oversold units (control without the window: doubled)",
		fmt.Sprintf("pushes: %d+%d rounds; %d PUTs (%d lost answers), %d stale reads served; %s; control (window 1 ms): %d stale reads, %d units doubled; %s",
			first.Rounds, second.Rounds, pc.Writes, pc.LostAnswers, pc.StaleServed, f,
			e.sandbox.ProductCounters().StaleServed-pc.StaleServed, control.doubled, time.Since(start).Round(time.Second)))
}
