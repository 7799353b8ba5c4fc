package main

import (
	"fmt"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// exportShop returns n target orders (status 出荷済み, ordered two days before
// asOf and updated within the last hours, one delivery with a tracking number
// and a ship date, sale ids firstID…) and their ColorMe sales. With changed, the
// sales show no tracking number and are not delivered, so every order needs
// exactly one write; otherwise ColorMe already shows what the rules want and
// the export must write nothing.
func exportShop(firstID int64, n int, asOf time.Time, changed bool) ([]rules.Order, []colorme.Sale) {
	orders := make([]rules.Order, 0, n)
	sales := make([]colorme.Sale, 0, n)
	for i := 0; i < n; i++ {
		id := firstID + int64(i)
		updated := asOf.Add(-time.Hour - time.Duration(i)*time.Second).Truncate(time.Second)
		ordered := updated.Add(-24 * time.Hour)
		slip := fmt.Sprintf("4912-%06d-%04d", id%1000000, i%10000)
		did := id*10 + 1
		orders = append(orders, rules.Order{
			SaleID: id, Status: rules.StatusShipped, OrderedAt: ordered, UpdatedAt: updated,
			Deliveries: []rules.Delivery{{ID: did, SlipNumber: slip, ShippedOn: updated.In(rules.Tokyo).Format(time.DateOnly)}},
		})
		d := colorme.SaleDelivery{ID: did, SaleID: id, DeliveryID: 1, Name: fmt.Sprintf("購入者 %d", id), PrefName: "東京都"}
		if !changed {
			s := slip
			d.SlipNumber, d.Delivered = &s, true
		}
		sales = append(sales, colorme.Sale{ID: id, MakeDate: ordered.Unix(), UpdateDate: ordered.Unix(),
			DeliveredMailState: colorme.MailNotYet, SaleDeliveries: []colorme.SaleDelivery{d}})
	}
	return orders, sales
}

// importSales returns n ColorMe sales ordered within the last `days-1` days
// before now (so an import of `days` days reads them all), ids firstID…, none
// of them in the OMS yet.
func importSales(firstID int64, n int, now time.Time, days int) []colorme.Sale {
	span := time.Duration(days-1) * 24 * time.Hour
	sales := make([]colorme.Sale, 0, n)
	for i := 0; i < n; i++ {
		id := firstID + int64(i)
		made := now.Add(-time.Minute - span*time.Duration(i)/time.Duration(n)).Unix()
		sales = append(sales, colorme.Sale{ID: id, MakeDate: made, UpdateDate: made, DeliveredMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: id*10 + 1, SaleID: id, DeliveryID: 1 + int64(i%3),
				Name: fmt.Sprintf("購入者 %d", id), PrefName: "大阪府", Address1: fmt.Sprintf("北区 %d-%d", i%50, i%7)}}})
	}
	return sales
}
