package sandbox

import (
	"fmt"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// trackingURLs are the sandbox shop's tracking-page templates per delivery
// method (DeliveryMethods; ColorMe's slip_number_url of GET /v1/deliveries):
// %s is the slip number.
var trackingURLs = map[int64]string{
	1: "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=%s",
	2: "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1=%s",
	3: "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=%s",
}

// TrackingURL is the tracking_url ColorMe gives a delivery of the delivery
// method deliveryID with the given slip number: writing slip_number changes it
// (observed). nil without a slip or for a method without a template.
func TrackingURL(deliveryID int64, slip string) *string {
	tmpl, ok := trackingURLs[deliveryID]
	if slip == "" || !ok {
		return nil
	}
	u := fmt.Sprintf(tmpl, slip)
	return &u
}

// wireSale is a sale as the current ColorMe serves it: no sale.memo (the
// 2026-09 spec dropped it; the 備考 is served on the first delivery, as
// sale_deliveries[].memo), and slip_number a string ("" when none, as the
// response schema says) rather than null.
func wireSale(s colorme.Sale) colorme.Sale {
	s = cloneSale(s)
	if s.PaidMailState == "" { // a non-nullable enum on ColorMe, as delivered_mail_state
		s.PaidMailState = colorme.MailNotYet
	}
	if s.Memo != "" && len(s.SaleDeliveries) > 0 && s.SaleDeliveries[0].Memo == "" {
		s.SaleDeliveries[0].Memo = s.Memo
	}
	s.Memo = ""
	for i := range s.SaleDeliveries {
		if s.SaleDeliveries[i].SlipNumber == nil {
			empty := ""
			s.SaleDeliveries[i].SlipNumber = &empty
		}
	}
	return s
}
