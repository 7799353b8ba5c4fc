package activities

import (
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// ImportedSale converts a ColorMe sale to what the import stores: Unix seconds
// to instants, and the fields the import owns — destinations and methods,
// customer, line items, totals, payment method and memo (field names as in
// ColorMe's GetSales200ResponseSalesInner, see colorme.Sale). The memo is
// sale.memo where ColorMe still sends it, else the deliveries' 備考
// (colorme.Sale.OrderMemo): the 2026-09 spec dropped sale.memo.
func ImportedSale(s colorme.Sale) oms.ImportedSale {
	out := oms.ImportedSale{SaleID: s.ID, OrderedAt: time.Unix(s.MakeDate, 0).UTC(), Canceled: s.Canceled,
		PaymentID: s.PaymentID, Paid: s.Paid, Memo: s.OrderMemo(),
		Totals: oms.SaleTotals{ProductTotal: s.ProductTotalPrice, DeliveryCharge: s.DeliveryTotalCharge, Fee: s.Fee, Tax: s.Tax, Total: s.TotalPrice}}
	if s.Segment != nil {
		out.ParentSaleID = s.Segment.ParentSaleID
	}
	if c := s.Customer; c != nil {
		tel := c.Tel
		if tel == "" {
			tel = c.TelMobile
		}
		out.Customer = oms.ImportedCustomer{Name: c.Name, Furigana: c.Furigana, Mail: c.Mail, Tel: tel}
	}
	for _, d := range s.SaleDeliveries {
		out.Deliveries = append(out.Deliveries, oms.ImportedDelivery{ID: d.ID, MethodID: d.DeliveryID, Name: d.Name,
			PrefName: d.PrefName, Address1: d.Address1, Furigana: d.Furigana, Postal: d.Postal, Address2: d.Address2,
			Tel: d.Tel, PreferredDate: d.PreferredDate, PreferredPeriod: d.PreferredPeriod})
	}
	for _, it := range s.Details {
		name := it.PristineProductFullName
		if name == "" {
			name = it.ProductName
		}
		var opts []string
		for _, o := range []string{it.Option1Value, it.Option2Value} {
			if o != "" {
				opts = append(opts, o)
			}
		}
		out.Items = append(out.Items, oms.ImportedItem{ID: it.ID, DeliveryID: it.SaleDeliveryID, ProductID: it.ProductID,
			Name: name, Option: strings.Join(opts, " / "), Quantity: it.ProductNum, Price: it.Price, Subtotal: it.SubtotalPrice})
	}
	return out
}
