// Package demo generates a realistic shop — OMS orders and the matching ColorMe
// sales — for the demo, benchmarks and tests.
package demo

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

var prefs = []string{"東京都", "大阪府", "北海道", "福岡県", "愛知県", "神奈川県", "京都府", "沖縄県"}

// Generate returns n orders in every OMS status, with bundles, split deliveries,
// orders outside the window and older than a year, and the ColorMe sales that
// match them (some already in sync, some cancelled on ColorMe). Sale ids start at
// firstSaleID; the same seed gives the same shop.
func Generate(n int, seed int64, firstSaleID int64, now time.Time) ([]rules.Order, []colorme.Sale) {
	rnd := rand.New(rand.NewSource(seed))
	orders := make([]rules.Order, 0, n)
	sales := make([]colorme.Sale, 0, n)
	for i := 0; i < n; i++ {
		id := firstSaleID + int64(i)
		status := rules.Statuses[rnd.Intn(len(rules.Statuses))]
		if rnd.Intn(3) == 0 { // most orders are shipped or about to be
			status = []string{rules.StatusShipped, rules.StatusAwaitingShipment, rules.StatusCompleted}[rnd.Intn(3)]
		}
		ordered := now.Add(-time.Duration(rnd.Intn(8*24*60)) * time.Minute)
		if rnd.Intn(25) == 0 {
			ordered = now.AddDate(-1, 0, -rnd.Intn(30)-1) // older than a year
		}
		updated := ordered.Add(time.Duration(rnd.Intn(72*60)) * time.Minute)
		if updated.After(now) {
			updated = now.Add(-time.Duration(rnd.Intn(60)) * time.Minute)
		}
		o := rules.Order{SaleID: id, Status: status, OrderedAt: ordered.Truncate(time.Second), UpdatedAt: updated.Truncate(time.Second)}
		sale := colorme.Sale{ID: id, MakeDate: ordered.Unix(), UpdateDate: ordered.Unix(), DeliveredMailState: colorme.MailNotYet}
		nDeliveries := 1
		if rnd.Intn(10) == 0 {
			nDeliveries = 2 // a gift sent to a second address
		}
		for d := 0; d < nDeliveries; d++ {
			did := id*10 + int64(d) + 1
			od := rules.Delivery{ID: did}
			shipped := status == rules.StatusShipped || status == rules.StatusCompleted || (status == rules.StatusAwaitingShipment && rnd.Intn(2) == 0)
			if shipped {
				od.SlipNumber = fmt.Sprintf("4912-%04d-%04d", id%10000, rnd.Intn(10000))
				if status != rules.StatusAwaitingShipment || rnd.Intn(2) == 0 {
					od.ShippedOn = updated.In(rules.Tokyo).Format("2006-01-02")
				}
			}
			o.Deliveries = append(o.Deliveries, od)
			cd := colorme.SaleDelivery{ID: did, SaleID: id, DeliveryID: int64(1 + rnd.Intn(3)),
				Name: fmt.Sprintf("購入者 %d", id), PrefName: prefs[rnd.Intn(len(prefs))],
				Address1: fmt.Sprintf("中央%d-%d-%d", 1+rnd.Intn(9), 1+rnd.Intn(20), 1+rnd.Intn(30))}
			if shipped && rnd.Intn(5) == 0 { // already pushed by an earlier run
				slip := od.SlipNumber
				cd.SlipNumber, cd.Delivered = &slip, true
			}
			sale.SaleDeliveries = append(sale.SaleDeliveries, cd)
		}
		sale.Canceled = status == rules.StatusCancelled || rnd.Intn(50) == 0
		if i > 0 && rnd.Intn(15) == 0 { // bundled (同梱) into the previous order
			prev := &orders[len(orders)-1]
			if prev.BundleParentSaleID == 0 {
				prev.BundleParentSaleID = prev.SaleID // a parent points to itself
			}
			o.BundleParentSaleID = prev.BundleParentSaleID
		}
		orders = append(orders, o)
		sales = append(sales, sale)
	}
	return orders, sales
}

// SeedStore saves generated orders in the OMS as a shop whose orders came from
// ColorMe: the OMS's side (status, tracking numbers, ship dates, bundles) from
// orders, and ColorMe's side from sales, as an earlier import would have stored
// it — destinations, delivery methods, and the cancellation of orders the OMS
// already has as キャンセル. The shop's first import then reports only real news
// (sales cancelled on ColorMe since), not every order's destination.
func SeedStore(ctx context.Context, st *oms.Store, shopID string, orders []rules.Order, sales []colorme.Sale) error {
	if err := st.UpsertOrders(ctx, shopID, orders); err != nil {
		return err
	}
	seeded := make([]oms.ImportedSale, len(sales))
	for i, s := range sales {
		seeded[i] = oms.ImportedSale{SaleID: s.ID, OrderedAt: time.Unix(s.MakeDate, 0).UTC(), Canceled: s.Canceled}
		for _, d := range s.SaleDeliveries {
			seeded[i].Deliveries = append(seeded[i].Deliveries, oms.ImportedDelivery{ID: d.ID, MethodID: d.DeliveryID,
				Name: d.Name, PrefName: d.PrefName, Address1: d.Address1})
		}
	}
	return st.SeedFromColorMe(ctx, shopID, seeded)
}
