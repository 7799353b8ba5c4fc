package importflow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestImportPagingAndReimport imports 250 sales (3 pages of 100), checks every
// order against ColorMe, then imports again: nothing changes, not even updated_at.
func TestImportPagingAndReimport(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "paging")
	now := time.Now()
	sales := genSales(250, 100001, now, 1)
	sales[10].Segment = &colorme.Segment{ParentSaleID: sales[9].ID} // a split order (分割受注)
	sales[20].Canceled = true
	old := genSales(3, 200001, now.AddDate(0, 0, -30), 2) // older than the 7 days
	stack.Sandbox.Seed(append(sales, old...)...)

	res := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 250, res.Fetched)
	assert.Equal(t, 250, res.Created)
	assert.Equal(t, 3, res.Pages, "250 sales are 3 pages of 100")
	assert.Equal(t, 7, res.Days)
	assert.Nil(t, res.Since, "the first import has no watermark")
	assert.Equal(t, 3, stack.Sandbox.Counters().Reads)

	views := orders(t, stack.Store, shop)
	require.Len(t, views, 250)
	for i, v := range views {
		s := sales[i]
		require.Equal(t, s.ID, v.SaleID)
		assert.True(t, v.OrderedAt.Equal(time.Unix(s.MakeDate, 0)), "sale %d: ordered_at is make_date (Unix seconds)", s.ID)
		require.Len(t, v.Destinations, len(s.SaleDeliveries))
		for j, d := range s.SaleDeliveries {
			assert.Equal(t, oms.Destination{ID: d.ID, MethodID: d.DeliveryID, Name: d.Name, PrefName: d.PrefName, Address1: d.Address1}, v.Destinations[j])
		}
		switch {
		case s.Canceled:
			assert.Equal(t, rules.StatusCancelled, v.Status)
		default:
			assert.Equal(t, rules.StatusNew, v.Status)
		}
	}
	assert.Equal(t, sales[9].ID, views[10].ColormeParentSaleID)

	run, err := stack.Store.ImportRun(context.Background(), res.RunID)
	require.NoError(t, err)
	assert.Equal(t, oms.RunCompleted, run.Status)
	assert.Equal(t, oms.ImportTotals{Fetched: 250, Created: 250}, run.Import)
	require.NotNil(t, run.Watermark)
	assert.True(t, run.Watermark.Equal(res.AsOf.Add(-oms.ImportWatermarkMargin).Truncate(time.Second)))
	assert.True(t, res.Watermark.Equal(*run.Watermark))

	before := orders(t, stack.Store, shop)
	stack.Sandbox.ResetCounters()
	again := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 250, again.Fetched)
	assert.Equal(t, 250, again.Unchanged)
	assert.Zero(t, again.Created+again.Updated+again.Cancelled+again.Flagged)
	require.NotNil(t, again.Since)
	assert.True(t, again.Since.Equal(res.Watermark))
	assert.Equal(t, 4, again.Pages, "3 pages of recent sales and 1 (empty) of older updated ones")
	assert.Equal(t, before, orders(t, stack.Store, shop), "a re-import changes no OMS row")
	assert.Zero(t, stack.Sandbox.Counters().Writes, "an import never writes to ColorMe")
}

// TestImportContinueAsNew imports 250 sales in pages of 40 with a tiny history
// budget: the workflow continues as new after every page and still counts right.
func TestImportContinueAsNew(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "chain")
	stack.Sandbox.Seed(genSales(250, 300001, time.Now(), 3)...)
	res := importNow(t, stack, workflows.OrderImportInput{ShopID: shop, PageSize: 40, MaxHistory: 1})
	assert.Equal(t, 250, res.Created)
	assert.Equal(t, 7, res.Pages)
	assert.Equal(t, 7, res.Chain)
	assert.Len(t, orders(t, stack.Store, shop), 250)
}

// TestImportWithColorMeFaults imports while ColorMe fails a third of the reads
// with 5xx or truncated bodies: pages are retried and the result is exact.
func TestImportWithColorMeFaults(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "faults")
	stack.Sandbox.Seed(genSales(250, 400001, time.Now(), 4)...)
	stack.Sandbox.SetFaults(sandbox.Faults{ErrorRate: 0.25, MalformedRate: 0.1, Seed: 7})
	res := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, oms.ImportTotals{Fetched: 250, Created: 250}, oms.ImportTotals{Fetched: res.Fetched, Created: res.Created,
		Updated: res.Updated, Unchanged: res.Unchanged, Cancelled: res.Cancelled, Flagged: res.Flagged})
	assert.Positive(t, stack.Sandbox.Counters().Faults)
	assert.Len(t, orders(t, stack.Store, shop), 250)
}

// TestImportCancellationAndOMSOwnedData: after the OMS worked the orders,
// ColorMe cancels some and changes deliveries. Cancellations apply unless the
// OMS shipped (then flagged), destinations follow ColorMe, and the OMS's
// status, tracking numbers, ship dates and bundles stay.
func TestImportCancellationAndOMSOwnedData(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "cancel")
	sales := genSales(10, 500001, time.Now(), 5)
	stack.Sandbox.Seed(sales...)
	importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	id := func(i int) int64 { return sales[i].ID }

	setStatus(t, stack.Store, shop, id(0), rules.StatusProcessing)       // → cancelled
	setStatus(t, stack.Store, shop, id(1), rules.StatusShipped)          // → flagged (status)
	setStatus(t, stack.Store, shop, id(2), rules.StatusAwaitingShipment) // → flagged (tracking number)
	setStatus(t, stack.Store, shop, id(3), rules.StatusAwaitingShipment) // address changes
	setStatus(t, stack.Store, shop, id(4), rules.StatusAwaitingShipment) // delivery added
	setStatus(t, stack.Store, shop, id(5), rules.StatusCompleted)        // ColorMe slip differs
	setStatus(t, stack.Store, shop, id(6), rules.StatusAwaitingShipment) // bundle parent
	setStatus(t, stack.Store, shop, id(7), rules.StatusAwaitingShipment) // bundle child
	rep, problems := applyCSV(t, stack.Store, shop, []byte("sale_id,tracking_number,ship_date\r\n"+
		itoa(id(2))+",T-2,\r\n"+itoa(id(3))+",T-3,\r\n"+itoa(id(5))+",T-5,"+today()+"\r\n"), false)
	require.Empty(t, problems)
	require.True(t, rep.Applied)
	_, err := stack.Store.Bundle(context.Background(), shop, id(6), []int64{id(7)}, time.Now())
	require.NoError(t, err)
	before := map[int64]oms.OrderView{}
	for _, v := range orders(t, stack.Store, shop) {
		before[v.SaleID] = v
	}

	changeSale(t, stack, id(0), func(s *colorme.Sale) { s.Canceled = true })
	changeSale(t, stack, id(1), func(s *colorme.Sale) { s.Canceled = true })
	changeSale(t, stack, id(2), func(s *colorme.Sale) { s.Canceled = true })
	changeSale(t, stack, id(3), func(s *colorme.Sale) {
		s.SaleDeliveries[0].PrefName, s.SaleDeliveries[0].Address1, s.SaleDeliveries[0].DeliveryID = "鹿児島県", "9-9-9", 9
	})
	changeSale(t, stack, id(4), func(s *colorme.Sale) {
		s.SaleDeliveries = append(s.SaleDeliveries, colorme.SaleDelivery{ID: id(4)*10 + 5, DeliveryID: 2, Name: "ギフト先", PrefName: "沖縄県"})
	})
	changeSale(t, stack, id(5), func(s *colorme.Sale) { slip := "COLORME-SLIP"; s.SaleDeliveries[0].SlipNumber = &slip })
	changeSale(t, stack, id(6), func(s *colorme.Sale) { s.SaleDeliveries[0].Name = "新しい名前" })

	res := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 10, res.Fetched)
	assert.Equal(t, 1, res.Cancelled)
	assert.Equal(t, 3, res.Flagged, "incl. the address change of a shipped order")
	assert.Equal(t, 2, res.Updated, "added delivery, name")
	assert.Equal(t, 4, res.Unchanged, "incl. the ColorMe-only slip change")

	o := order(t, stack.Store, shop, id(0))
	assert.Equal(t, rules.StatusCancelled, o.Status)
	assert.True(t, o.UpdatedAt.After(before[id(0)].UpdatedAt))
	o = order(t, stack.Store, shop, id(1))
	assert.Equal(t, rules.StatusShipped, o.Status)
	assert.Contains(t, o.FlagReason, "status 出荷済み (shipped)")
	assert.Equal(t, before[id(1)].UpdatedAt, o.UpdatedAt, "a flag does not move updated_at")
	o = order(t, stack.Store, shop, id(2))
	assert.Equal(t, rules.StatusAwaitingShipment, o.Status)
	assert.Contains(t, o.FlagReason, "tracking number T-2")
	o = order(t, stack.Store, shop, id(3))
	assert.Equal(t, oms.Destination{ID: id(3)*10 + 1, MethodID: 9, Name: sales[3].SaleDeliveries[0].Name, PrefName: "鹿児島県", Address1: "9-9-9"}, o.Destinations[0])
	assert.Equal(t, "T-3", o.Deliveries[0].SlipNumber, "the tracking number is the OMS's")
	assert.Equal(t, rules.StatusAwaitingShipment, o.Status)
	assert.True(t, o.UpdatedAt.After(before[id(3)].UpdatedAt), "an address change moves updated_at")
	assert.Contains(t, o.FlagReason, "address changed after shipping", "applied, but never silently, once the OMS has a tracking number")
	o = order(t, stack.Store, shop, id(4))
	assert.Len(t, o.Deliveries, 2)
	assert.Equal(t, "ギフト先", o.Destinations[1].Name)
	o = order(t, stack.Store, shop, id(5))
	assert.Equal(t, before[id(5)], o, "ColorMe's slip number never overwrites the OMS's")
	o = order(t, stack.Store, shop, id(6))
	assert.Equal(t, "新しい名前", o.Destinations[0].Name)
	assert.Equal(t, id(6), o.BundleParentSaleID)
	assert.Equal(t, before[id(7)], order(t, stack.Store, shop, id(7)), "the bundle child is untouched")

	outs, err := stack.Store.Outcomes(context.Background(), res.RunID)
	require.NoError(t, err)
	assert.Len(t, outs, 6, "one run-log row per changed order")

	// Importing the same state again changes nothing, and the flags stay raised once.
	snapshot := orders(t, stack.Store, shop)
	again := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 10, again.Unchanged)
	assert.Equal(t, snapshot, orders(t, stack.Store, shop))
}

// TestImportWatermark: sales older than the import days are read only when they
// were updated since the last completed import; a failed import keeps the
// watermark where it was.
func TestImportWatermark(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "watermark")
	now := time.Now()
	recent := genSales(5, 600001, now, 6)
	old := genSales(3, 600101, now.AddDate(0, 0, -40), 7)
	// Updated two hours ago: before the first import's watermark.
	old[2].UpdateDate = now.Add(-2 * time.Hour).Unix()
	stack.Sandbox.Seed(append(recent, old...)...)

	first := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 5, first.Created, "only the last 7 days on the first import")

	changeSale(t, stack, old[0].ID, func(s *colorme.Sale) { s.Canceled = true })
	changeSale(t, stack, old[1].ID, func(s *colorme.Sale) { s.SaleDeliveries[0].PrefName = "青森県" })
	second := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	require.NotNil(t, second.Since)
	assert.True(t, second.Since.Equal(first.Watermark))
	assert.Equal(t, 7, second.Fetched, "5 recent + 2 older ones updated since the watermark")
	assert.Equal(t, 2, second.Created)
	assert.Equal(t, rules.StatusCancelled, order(t, stack.Store, shop, old[0].ID).Status)
	assert.Equal(t, "青森県", order(t, stack.Store, shop, old[1].ID).Destinations[0].PrefName)
	vs, err := stack.Store.Orders(context.Background(), shop, old[2].ID)
	require.NoError(t, err)
	assert.Empty(t, vs, "updated before the watermark: not read")

	// A failed import (the merchant revoked the token) leaves the watermark.
	stack.Sandbox.RevokeToken(teststack.Token)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shop})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the watermark was not advanced")
	sh, err := stack.Store.Shops.Shop(ctx, shop)
	require.NoError(t, err)
	assert.True(t, sh.ReconnectNeeded)
	wm, ok, err := stack.Store.ImportWatermark(ctx, shop)
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, wm.Equal(second.Watermark))
	runs, err := stack.Store.Runs(ctx, shop, 1)
	require.NoError(t, err)
	assert.Equal(t, oms.RunFailed, runs[0].Status)
	assert.Contains(t, runs[0].Error, "reconnect")
}

// TestImportOneAtATime: a second import of the same shop is refused while one
// runs, naming the running run.
func TestImportOneAtATime(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "single")
	stack.Sandbox.Seed(genSales(150, 700001, time.Now(), 8)...)
	stack.Sandbox.SetLatency(1500 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	first, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shop})
	require.NoError(t, err)
	_, err = app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shop})
	require.Error(t, err)
	require.True(t, isImportRunning(err), "%v", err)
	assert.Contains(t, err.Error(), first.GetRunID())
	assert.Equal(t, workflows.OrderImportID(shop), first.GetID())
	var res workflows.OrderImportResult
	require.NoError(t, first.Get(ctx, &res))
	assert.Equal(t, 150, res.Created)
}

// TestImportBadSaleDoesNotBlock: ColorMe serves one sale repeating a delivery id
// and one with a delivery without id among good ones. The import completes: the
// two are recorded as flagged with the reason, the rest imported, and the
// watermark advances; once ColorMe's data is fixed the next import stores them.
func TestImportBadSaleDoesNotBlock(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "badsale")
	sales := genSales(30, 700001, time.Now(), 8)
	sales[5].SaleDeliveries = append(sales[5].SaleDeliveries, sales[5].SaleDeliveries[0]) // delivery id twice
	sales[17].SaleDeliveries[0].ID = 0                                                    // no delivery id
	stack.Sandbox.Seed(sales...)

	res := importNow(t, stack, workflows.OrderImportInput{ShopID: shop, PageSize: 10})
	assert.Equal(t, 30, res.Fetched)
	assert.Equal(t, 28, res.Created)
	assert.Equal(t, 2, res.Flagged)
	assert.Len(t, orders(t, stack.Store, shop), 28)
	run, err := stack.Store.ImportRun(context.Background(), res.RunID)
	require.NoError(t, err)
	assert.Equal(t, oms.RunCompleted, run.Status)
	require.NotNil(t, run.Watermark, "the import completed: the watermark advances")
	outs, err := stack.Store.Outcomes(context.Background(), res.RunID)
	require.NoError(t, err)
	flagged := map[int64]string{}
	for _, o := range outs {
		if o.Outcome == oms.ImportFlagged {
			flagged[o.SaleID] = o.Reason
		}
	}
	require.Len(t, flagged, 2)
	assert.Contains(t, flagged[sales[5].ID], fmt.Sprintf("sale_delivery id %d twice", sales[5].SaleDeliveries[0].ID))
	assert.Contains(t, flagged[sales[17].ID], "invalid sale_delivery id 0")

	changeSale(t, stack, sales[5].ID, func(s *colorme.Sale) { s.SaleDeliveries = s.SaleDeliveries[:1] })
	changeSale(t, stack, sales[17].ID, func(s *colorme.Sale) { s.SaleDeliveries[0].ID = sales[17].ID*10 + 1 })
	again := importNow(t, stack, workflows.OrderImportInput{ShopID: shop, PageSize: 10})
	assert.Equal(t, 2, again.Created)
	assert.Zero(t, again.Flagged)
	assert.Len(t, orders(t, stack.Store, shop), 30)
}

// TestImportUpdateDuringPaging: ColorMe lists sales by update_date (the
// sandbox's SortByUpdateDate) and the first-listed sale is changed right after
// the first page is served, so it moves to the end and every later sale
// shifts one offset down: plain offset paging skips one. The import notices
// (fewer distinct sales than meta.total), re-reads the range in halves and
// misses none; each sale is counted once.
func TestImportUpdateDuringPaging(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "moving")
	sales := genSales(250, 700001, time.Now(), 8)
	stack.Sandbox.Seed(sales...)
	stack.Sandbox.SetSortByUpdateDate(true)
	first := sales[0]
	for _, s := range sales {
		if s.UpdateDate < first.UpdateDate {
			first = s
		}
	}
	stack.Sandbox.AfterList(func(served int) {
		if served == 1 {
			changeSale(t, stack, first.ID, func(s *colorme.Sale) { s.SaleDeliveries[0].Address1 = "変更後 1-2-3" })
		}
	})
	res := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	stack.Sandbox.AfterList(nil)

	views := orders(t, stack.Store, shop)
	got := map[int64]bool{}
	for _, v := range views {
		got[v.SaleID] = true
	}
	for _, s := range sales {
		assert.True(t, got[s.ID], "sale %d was skipped by the import", s.ID)
	}
	assert.Equal(t, 250, len(views))
	assert.Equal(t, 250, res.Fetched, "each sale counted once")
	assert.Equal(t, 250, res.Created)
	assert.Zero(t, res.Unchanged)
	assert.Positive(t, res.Narrowed, "the import noticed the shifted offsets and re-read the range")
	assert.Equal(t, "変更後 1-2-3", order(t, stack.Store, shop, first.ID).Destinations[0].Address1)

	// A later import with no change reads each window once and counts exactly.
	again := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 250, again.Unchanged)
	assert.Equal(t, 250, again.Fetched)
	assert.Zero(t, again.Narrowed)
}

// TestImportFullOrder: the import keeps what staff ship from — each
// delivery's whole destination (〒, address 1 and 2, name and furigana, tel,
// preferred date and time), the customer, line items, totals, payment method
// and memo — as ColorMe's sale model names them; a re-import changes nothing.
func TestImportFullOrder(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "full")
	made := time.Now().Add(-time.Hour).Unix()
	sale := colorme.Sale{ID: 810001, MakeDate: made, UpdateDate: made, Memo: "不在時は宅配ボックスへ", PaymentID: 751,
		ProductTotalPrice: 3630, DeliveryTotalCharge: 600, Fee: 0, Tax: 330, TotalPrice: 4230,
		Customer: &colorme.Customer{ID: 9, Name: "カラーミー 太郎", Furigana: "カラーミータロウ", Mail: "taro@example.jp", TelMobile: "080-1234-1234"},
		SaleDeliveries: []colorme.SaleDelivery{{ID: 8100011, DeliveryID: 1, Name: "ペパボ 花子", Furigana: "ペパボハナコ", Postal: "1508512",
			PrefName: "東京都", Address1: "渋谷区桜丘町26-1", Address2: "セルリアンタワー", Tel: "03-1234-5678",
			PreferredDate: "2026-12-05", PreferredPeriod: "午前中"}},
		Details: []colorme.SaleDetail{
			{ID: 2, SaleDeliveryID: 8100011, ProductID: 77, ProductName: "Tシャツ", PristineProductFullName: "Tシャツ（赤、S）",
				Option1Value: "赤", Option2Value: "S", Price: 1500, PriceWithTax: 1650, ProductNum: 2, SubtotalPrice: 3300},
			{ID: 1, SaleDeliveryID: 8100011, ProductID: 78, ProductName: "ステッカー", Price: 300, PriceWithTax: 330, ProductNum: 1, SubtotalPrice: 330},
		}}
	stack.Sandbox.Seed(sale)
	res := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	require.Equal(t, 1, res.Created)

	o := order(t, stack.Store, shop, sale.ID)
	assert.Equal(t, oms.Destination{ID: 8100011, MethodID: 1, Name: "ペパボ 花子", Furigana: "ペパボハナコ", Postal: "1508512", PrefName: "東京都",
		Address1: "渋谷区桜丘町26-1", Address2: "セルリアンタワー", Tel: "03-1234-5678", PreferredDate: "2026-12-05", PreferredPeriod: "午前中"}, o.Destinations[0])
	assert.Equal(t, oms.ImportedCustomer{Name: "カラーミー 太郎", Furigana: "カラーミータロウ", Mail: "taro@example.jp", Tel: "080-1234-1234"}, o.Customer)
	assert.Equal(t, int64(751), o.PaymentID)
	assert.Equal(t, "不在時は宅配ボックスへ", o.Memo)
	assert.Equal(t, oms.SaleTotals{ProductTotal: 3630, DeliveryCharge: 600, Tax: 330, Total: 4230}, o.Totals)
	assert.Equal(t, []oms.ImportedItem{
		{ID: 1, DeliveryID: 8100011, ProductID: 78, Name: "ステッカー", Quantity: 1, Price: 300, Subtotal: 330},
		{ID: 2, DeliveryID: 8100011, ProductID: 77, Name: "Tシャツ（赤、S）", Option: "赤 / S", Quantity: 2, Price: 1500, Subtotal: 3300},
	}, o.Items)

	// The customer's memo and a line item change: updated, updated_at stays
	// (the export does not use them).
	changeSale(t, stack, sale.ID, func(s *colorme.Sale) { s.Memo = "午後に変更"; s.Details[1].ProductNum = 2 })
	again := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 1, again.Updated)
	o2 := order(t, stack.Store, shop, sale.ID)
	assert.Equal(t, "午後に変更", o2.Memo)
	assert.Equal(t, int64(2), o2.Items[0].Quantity)
	assert.Equal(t, o.UpdatedAt, o2.UpdatedAt)
	third := importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	assert.Equal(t, 1, third.Unchanged)
}
