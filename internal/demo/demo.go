// Package demo generates a realistic shop — OMS orders and the matching ColorMe
// sales — for the demo, benchmarks and tests.
package demo

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

var prefs = []string{"東京都", "大阪府", "北海道", "福岡県", "愛知県", "神奈川県", "京都府", "沖縄県"}

// Generate returns n orders in every OMS status, with bundles, split deliveries,
// orders outside the window and older than a year, and the ColorMe sales that
// match them (some already in sync, some cancelled on ColorMe). Sale ids start at
// firstSaleID; the same seed gives the same shop.
func Generate(n int, seed int64, firstSaleID int64, now time.Time) ([]rules.Order, []colorme.Sale) {
	rnd := rand.New(rand.NewSource(seed))
	// The order details come from their own source, so that the orders, their
	// statuses and deliveries stay what this seed always gave.
	drnd := rand.New(rand.NewSource(seed ^ 0x5eed))
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
		details(drnd, &sale)
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
func SeedStore(ctx context.Context, st *stores.Stores, shopID string, orders []rules.Order, sales []colorme.Sale) error {
	if err := st.UpsertOrders(ctx, shopID, orders); err != nil {
		return err
	}
	seeded := make([]oms.ImportedSale, len(sales))
	for i, s := range sales {
		seeded[i] = activities.ImportedSale(s)
	}
	return st.SeedFromColorMe(ctx, shopID, seeded)
}

// FirstProductID is the ColorMe id of the demo's first product; the others
// follow in the order of Catalogue.
const FirstProductID = 1000

// Catalogue returns the demo shop's ColorMe products, the ones its orders
// sell (ids from FirstProductID), with their 型番 and stock — per option where
// they have options — plus two that 在庫連携 cannot map, as real shops have: a
// product without 型番 and one whose stock is not managed. Stocks are the
// values ColorMe shows before any 在庫連携.
func Catalogue() []colorme.Product {
	skus := [][]string{{"TS-WHITE-M", "TS-BLACK-L", "TS-KINARI-S"}, {"MUG-AI", "MUG-HAKUJI"}, {"HINOKI-BOARD"}, {"TENUGUI-BENI", "TENUGUI-AI"}, {"SENCHA-20"}}
	var out []colorme.Product
	for i, p := range products {
		pr := colorme.Product{ID: FirstProductID + int64(i), Name: p.name, StockManaged: true, Stocks: int64(20 + 7*i)}
		if len(p.options) == 0 {
			pr.ModelNumber = skus[i][0]
			out = append(out, pr)
			continue
		}
		pr.Options = []colorme.ProductOption{{ID: int64(i + 1), Name: "種類", Values: p.options}}
		for j, o := range p.options {
			pr.Variants = append(pr.Variants, colorme.ProductVariant{ProductID: pr.ID, Option1Value: o, ModelNumber: skus[i][j], Stocks: int64(10 + 5*j + i)})
		}
		out = append(out, pr)
	}
	return append(out,
		colorme.Product{ID: FirstProductID + int64(len(products)), Name: "ギフトラッピング", StockManaged: true, Stocks: 50},
		colorme.Product{ID: FirstProductID + int64(len(products)) + 1, Name: "季節の詰め合わせ (受注生産)", ModelNumber: "GIFT-SEASON", StockManaged: false})
}

// WarehouseStock is the demo warehouse's on-hand count of each mapped 型番 of
// Catalogue, as a stock file (在庫取込) would set it.
func WarehouseStock() map[string]int64 {
	return map[string]int64{"TS-WHITE-M": 120, "TS-BLACK-L": 95, "TS-KINARI-S": 60, "MUG-AI": 140, "MUG-HAKUJI": 80,
		"HINOKI-BOARD": 150, "TENUGUI-BENI": 110, "TENUGUI-AI": 3, "SENCHA-20": 200}
}

var (
	products = []struct {
		name    string
		price   int64
		options []string
	}{
		{"オーガニックコットンTシャツ", 3300, []string{"白 / M", "黒 / L", "生成り / S"}},
		{"有田焼 マグカップ", 2200, []string{"藍", "白磁"}},
		{"国産ひのき まな板", 4800, nil},
		{"手ぬぐい 梅柄", 1100, []string{"紅", "藍"}},
		{"煎茶ティーバッグ 20包", 980, nil},
	}
	givenNames  = []string{"太郎", "花子", "健", "美咲", "翔", "陽菜"}
	familyNames = []struct{ kanji, kana string }{{"佐藤", "サトウ"}, {"鈴木", "スズキ"}, {"高橋", "タカハシ"}, {"田中", "タナカ"}, {"伊藤", "イトウ"}}
	periods     = []string{"", "午前中", "14時～16時", "16時～18時", "18時～20時", "19時～21時"}
	payments    = []int64{751, 752, 753} // クレジットカード, 代金引換, 銀行振込 in the demo shop
)

// details fills what staff ship from: customer, line items, totals, payment,
// memo, and each delivery's postal code, furigana, address2, tel and
// preferred date and time (ColorMe's field names, see colorme.Sale).
func details(rnd *rand.Rand, sale *colorme.Sale) {
	fam := familyNames[rnd.Intn(len(familyNames))]
	given := givenNames[rnd.Intn(len(givenNames))]
	sale.Customer = &colorme.Customer{ID: 900000 + sale.ID%100000, Name: fam.kanji + " " + given, Furigana: fam.kana,
		Mail: fmt.Sprintf("customer%d@example.jp", sale.ID), Tel: fmt.Sprintf("03-%04d-%04d", rnd.Intn(10000), rnd.Intn(10000))}
	sale.PaymentID = payments[rnd.Intn(len(payments))]
	if rnd.Intn(4) == 0 {
		sale.Memo = []string{"不在の場合は宅配ボックスへお願いします。", "ギフト包装をお願いします。", "領収書を同封してください。"}[rnd.Intn(3)]
	}
	var total int64
	for i := range sale.SaleDeliveries {
		d := &sale.SaleDeliveries[i]
		d.Furigana = fam.kana
		d.Postal = fmt.Sprintf("%03d%04d", 100+rnd.Intn(800), rnd.Intn(10000))
		if rnd.Intn(3) == 0 {
			d.Address2 = fmt.Sprintf("コーポ%d %d号室", 1+rnd.Intn(9), 101+rnd.Intn(400))
		}
		d.Tel = sale.Customer.Tel
		if rnd.Intn(2) == 0 {
			d.PreferredDate = time.Unix(sale.MakeDate, 0).In(rules.Tokyo).AddDate(0, 0, 3+rnd.Intn(5)).Format(time.DateOnly)
		}
		d.PreferredPeriod = periods[rnd.Intn(len(periods))]
		for k := 0; k < 1+rnd.Intn(2); k++ {
			pi := rnd.Intn(len(products))
			p := products[pi]
			it := colorme.SaleDetail{ID: d.ID*10 + int64(k) + 1, SaleDeliveryID: d.ID, ProductID: FirstProductID + int64(pi),
				ProductName: p.name, Price: p.price, ProductNum: int64(1 + rnd.Intn(3))}
			if len(p.options) > 0 {
				it.Option1Value = p.options[rnd.Intn(len(p.options))]
				it.PristineProductFullName = p.name + "（" + it.Option1Value + "）"
			}
			it.PriceWithTax = it.Price * 110 / 100
			it.SubtotalPrice = it.PriceWithTax * it.ProductNum
			total += it.SubtotalPrice
			sale.Details = append(sale.Details, it)
		}
	}
	sale.ProductTotalPrice = total
	sale.DeliveryTotalCharge = 600 * int64(len(sale.SaleDeliveries))
	sale.Tax = total - total*100/110
	if sale.PaymentID == 752 {
		sale.Fee = 330
	}
	sale.TotalPrice = sale.ProductTotalPrice + sale.DeliveryTotalCharge + sale.Fee
}
