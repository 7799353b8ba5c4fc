package colorme_test

import (
	"testing"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

func FuzzDecodeSalesPage(f *testing.F) {
	f.Add([]byte(`{"sales":[{"id":1,"make_date":1763600000,"update_date":1763600001,"canceled":false,"delivered":false,"delivered_mail_state":"not_yet","segment":{"parent_sale_id":1},"sale_deliveries":[{"id":11,"slip_number":null,"delivered":false}]}],"meta":{"total":1,"limit":100,"offset":0}}`))
	f.Add([]byte(`{"sales":[],"meta":{"total":0}}`))
	f.Add([]byte(`{"sales":null}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`<html>502</html>`))
	f.Add([]byte(`{"sales":[{"id":1,"sale_deliveries":[`))
	f.Add([]byte(`{"sales":[{"id":9223372036854775808}]}`))
	f.Add([]byte(`{"errors":[{"code":404100,"message":"not found","status":404}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := colorme.DecodeSalesPage(body)
		if err != nil && (len(page.Sales) != 0 || page.Meta != (colorme.Meta{})) {
			t.Fatalf("error with a non-empty page: %v", err)
		}
		if err == nil && page.Sales == nil {
			t.Fatalf("success without a sales array for %q", body)
		}
	})
}
