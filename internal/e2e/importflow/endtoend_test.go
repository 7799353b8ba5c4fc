package importflow_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestEndToEnd is the "done when": the sandbox seeded with 250 sales →
// import → statuses set, one bundle made, a CSV of tracking numbers and ship
// dates applied → export → the sandbox shows exactly what the rules say →
// import and export again change nothing on either side.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "e2e")
	ctx := context.Background()
	start := time.Now()

	// ColorMe: 250 sales of the last 6 days; 8 already cancelled, 3 split
	// orders, 6 whose tracking number a carrier integration already set.
	const n = 250
	sales := genSales(n, 900001, start, 42)
	preset := map[int64]string{}
	for i := range sales {
		s := &sales[i]
		switch {
		case i%31 == 30:
			s.Canceled = true
		case i%83 == 82:
			s.Segment = &colorme.Segment{ParentSaleID: sales[i-1].ID}
		case i%40 == 5: // the CSV brings the same number: only 配送済み is written
			slip := fmt.Sprintf("YMT-%d", s.SaleDeliveries[0].ID)
			s.SaleDeliveries[0].SlipNumber = &slip
			preset[s.ID] = slip
		}
	}
	stack.Sandbox.Seed(sales...)

	// 1. Import.
	t0 := time.Now()
	imp := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	importTime := time.Since(t0)
	require.Equal(t, n, imp.Created)
	require.Equal(t, 3, imp.Pages)

	// 2. Statuses, by index: every OMS status; a cancelled sale stays cancelled.
	t1 := time.Now()
	statusOf := func(i int) string { return rules.Statuses[i%len(rules.Statuses)] }
	for i, s := range sales {
		if s.Canceled || statusOf(i) == rules.StatusNew {
			continue
		}
		setStatus(t, stack.Store, shop, s.ID, statusOf(i))
	}

	// 3. One bundle (同梱): three shipped single-delivery orders ship together.
	var shipped []int64
	for i, s := range sales {
		if statusOf(i) == rules.StatusShipped && !s.Canceled && len(s.SaleDeliveries) == 1 && len(shipped) < 3 {
			shipped = append(shipped, s.ID)
		}
	}
	changed, err := stack.Store.Bundle(ctx, shop, shipped[0], shipped[1:], time.Now())
	require.NoError(t, err)
	require.Len(t, changed, 3)

	// 4. The carrier's CSV (Shift_JIS, CRLF, header, quoted fields): a tracking
	// number for every delivery of orders awaiting shipment, shipped or
	// completed, and for a few new ones; a ship date except for orders awaiting
	// shipment (not delivered while 出荷日 is required).
	var csv strings.Builder
	csv.WriteString("受注番号,お届け先ID,伝票番号,出荷日,品名\r\n")
	rows := 0
	day := strings.ReplaceAll(today(), "-", "/")
	for i, s := range sales {
		st := statusOf(i)
		if s.Canceled || (st != rules.StatusAwaitingShipment && st != rules.StatusShipped && st != rules.StatusCompleted && !(st == rules.StatusNew && i%3 == 0)) {
			continue
		}
		for _, d := range s.SaleDeliveries {
			slip := fmt.Sprintf("4912-%04d-%04d", s.ID%10000, d.ID%10000)
			if p, ok := preset[s.ID]; ok && d.ID == s.SaleDeliveries[0].ID {
				slip = p
			}
			date := day
			if st == rules.StatusAwaitingShipment {
				date = ""
			}
			delivery := ""
			if len(s.SaleDeliveries) > 1 || i%2 == 0 {
				delivery = itoa(d.ID)
			}
			fmt.Fprintf(&csv, "%d,%s,\"%s\",%s,\"商品 %d, 1点\"\r\n", s.ID, delivery, slip, date, i)
			rows++
		}
	}
	data, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(csv.String()))
	require.NoError(t, err)
	rep, problems := applyCSV(t, stack.Store, shop, data, false)
	require.Empty(t, problems)
	require.True(t, rep.Applied)
	require.Equal(t, rows, len(rep.Changes))
	opsTime := time.Since(t1)

	// 5. Export, and what ColorMe must show, computed independently.
	sh, err := stack.Store.Shops.Shop(ctx, shop)
	require.NoError(t, err)
	opt := rules.Options{WindowDays: sh.Settings.WindowDays, RequireShipDate: sh.Settings.RequireShipDate, SendMail: sh.Settings.SendMail}
	require.False(t, opt.SendMail)
	asOf := time.Now()
	views := orders(t, stack.Store, shop)
	before := stack.Sandbox.Sales()
	want, wantWrites := expectedExport(t, views, before, asOf, opt)
	stack.Sandbox.ResetCounters()
	t2 := time.Now()
	exp := exportNow(t, stack, shop, asOf)
	exportTime := time.Since(t2)
	c := stack.Sandbox.Counters()
	firstWrites := c.Writes
	assert.Equal(t, wantWrites, c.Writes, "writes")
	assert.Equal(t, wantWrites, c.WritesApplied, "every write changes something")
	assert.Zero(t, c.Mails)
	assert.Zero(t, c.FeeFieldWrites)
	assert.Empty(t, exp.FailedSaleIDs)
	for _, s := range stack.Sandbox.Sales() {
		w := want[s.ID]
		require.Len(t, s.SaleDeliveries, len(w.SaleDeliveries))
		for j, d := range s.SaleDeliveries {
			assert.Equal(t, w.SaleDeliveries[j].Slip(), d.Slip(), "sale %d delivery %d slip", s.ID, d.ID)
			assert.Equal(t, w.SaleDeliveries[j].Delivered, d.Delivered, "sale %d delivery %d delivered", s.ID, d.ID)
		}
		assert.Equal(t, w.Canceled, s.Canceled)
	}
	targets, excluded := 0, map[string]int{}
	for _, v := range views {
		if why := rules.Exclusion(v.Order, asOf, opt.WindowDays); why != "" {
			excluded[strings.SplitN(why, ":", 2)[0]]++
		} else {
			targets++
		}
	}
	assert.Equal(t, targets, exp.Targets)
	assert.Positive(t, excluded["rule 1"])
	assert.Equal(t, 2, excluded["rule 4"], "the two bundled children")

	// 6. Import and export again: nothing changes on either side.
	omsBefore := orders(t, stack.Store, shop)
	colorMeBefore := stack.Sandbox.Sales()
	stack.Sandbox.ResetCounters()
	t3 := time.Now()
	imp2 := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	exp2 := exportNow(t, stack, shop, time.Now())
	againTime := time.Since(t3)
	assert.Equal(t, n, imp2.Unchanged)
	assert.Zero(t, imp2.Created+imp2.Updated+imp2.Cancelled+imp2.Flagged)
	assert.Equal(t, omsBefore, orders(t, stack.Store, shop), "OMS rows unchanged")
	c = stack.Sandbox.Counters()
	assert.Zero(t, c.Writes, "second export writes nothing")
	assert.Zero(t, c.Mails)
	assert.Equal(t, colorMeBefore, stack.Sandbox.Sales(), "ColorMe unchanged")
	assert.Equal(t, exp.Targets, exp2.Targets)
	assert.Equal(t, exp2.Targets, exp2.Unchanged+exp2.Skipped)

	t.Logf("end-to-end: %d sales (%d deliveries); import %d pages in %s; %d statuses, 1 bundle of 3, CSV of %d rows (Shift_JIS) in %s; "+
		"export: %d targets, %d excluded %v, %d ColorMe writes (expected %d), %d skipped (cancelled on ColorMe), %s; "+
		"again: import %d unchanged + export %d writes in %s; total %s",
		n, countDeliveries(sales), imp.Pages, importTime.Round(time.Millisecond), n-countNew(sales, statusOf), rows, opsTime.Round(time.Millisecond),
		exp.Targets, len(views)-exp.Targets, excluded, firstWrites, wantWrites, exp.Skipped, exportTime.Round(time.Millisecond),
		imp2.Unchanged, c.Writes, againTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

func countDeliveries(sales []colorme.Sale) int {
	n := 0
	for _, s := range sales {
		n += len(s.SaleDeliveries)
	}
	return n
}

func countNew(sales []colorme.Sale, statusOf func(int) string) int {
	n := 0
	for i, s := range sales {
		if s.Canceled || statusOf(i) == rules.StatusNew {
			n++
		}
	}
	return n
}
