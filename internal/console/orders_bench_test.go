package console_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// ordBenchOrders is the size of the shop BenchmarkOrderList pages through.
const ordBenchOrders = 100_000

// ordBenchLoad stores n orders as a year of a busy shop: sale ids rising with
// the order date, most orders completed long ago, about 2% updated within the
// 作成期間, some new, cancelled, on hold or bundled; one delivery each.
func ordBenchLoad(b *testing.B, st *stores.Stores, shopID string, n int, now time.Time) {
	b.Helper()
	rng := rand.New(rand.NewPCG(9, 10))
	ctx := context.Background()
	const batch = 5000
	orders := make([]rules.Order, 0, batch)
	flush := func() {
		require.NoError(b, st.UpsertOrders(ctx, shopID, orders))
		orders = orders[:0]
	}
	for i := range n {
		id := int64(100_000_000 + i)
		ordered := now.Add(-time.Duration(float64(400*24*time.Hour) * float64(n-i) / float64(n)))
		o := rules.Order{SaleID: id, OrderedAt: ordered, UpdatedAt: ordered.Add(time.Duration(rng.IntN(72)) * time.Hour),
			Deliveries: []rules.Delivery{{ID: id*10 + 1}}}
		switch r := rng.IntN(100); {
		case r < 2:
			o.Status = rules.StatusNew
		case r < 5:
			o.Status = rules.StatusCancelled
		case r < 6:
			o.Status = rules.StatusOnHold
		case r < 10:
			o.Status = rules.StatusAwaitingShipment
		case r < 30:
			o.Status = rules.StatusShipped
		default:
			o.Status = rules.StatusCompleted
		}
		if rng.IntN(50) == 0 {
			o.UpdatedAt = now.Add(-time.Duration(rng.IntN(70)) * time.Hour) // touched recently: in the window
		}
		if o.UpdatedAt.After(now) {
			o.UpdatedAt = now
		}
		if o.Status == rules.StatusShipped || o.Status == rules.StatusCompleted {
			o.Deliveries[0].SlipNumber = fmt.Sprintf("4912-%08d", i)
			o.Deliveries[0].ShippedOn = o.UpdatedAt.In(rules.Tokyo).Format(time.DateOnly)
		}
		if i%40 == 1 && len(orders) > 0 { // bundled into the previous order
			prev := &orders[len(orders)-1]
			prev.BundleParentSaleID = prev.SaleID
			o.BundleParentSaleID = prev.SaleID
		}
		orders = append(orders, o)
		if len(orders) == batch {
			flush()
		}
	}
	if len(orders) > 0 {
		flush()
	}
	require.NoError(b, st.DB().Exec("ANALYZE orders").Error)
	require.NoError(b, st.DB().Exec("ANALYZE deliveries").Error)
}

// BenchmarkOrderList measures 受注一覧 pages (the whole request: session, query,
// verdicts and HTML) on PostgreSQL with 100,000 orders of one shop:
//
//	go test -run '^$' -bench BenchmarkOrderList -benchtime 50x ./internal/console/
func BenchmarkOrderList(b *testing.B) {
	h := newHarness(b, ordShop)
	now := time.Now()
	start := time.Now()
	ordBenchLoad(b, h.st, h.shop, ordBenchOrders, now)
	b.Logf("loaded %d orders in %s", ordBenchOrders, time.Since(start).Round(time.Millisecond))
	token := h.sessionToken("bench", accounts.RoleStaff)
	handler := h.srv.Handler()
	page := func(b *testing.B, path string) {
		b.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: "colorme_console_session", Value: token})
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	for _, c := range []struct{ name, path string }{
		{"first_page", "/shops/ord/orders"},
		{"page_1000", fmt.Sprintf("/shops/ord/orders?page=1000&after=%d", 100_000_000+ordBenchOrders-50*1000)},
		{"page_200_numbered", "/shops/ord/orders?page=200"},
		{"excluded", "/shops/ord/orders?only=excluded"},
		{"targets", "/shops/ord/orders?only=targets"},
		{"status_on_hold", "/shops/ord/orders?status=on_hold"},
		{"status_shipped_excluded", "/shops/ord/orders?status=shipped&only=excluded"},
		{"flagged", "/shops/ord/orders?only=flagged"},
		{"sale_id", fmt.Sprintf("/shops/ord/orders?sale=%d", 100_000_000+ordBenchOrders/2)},
		{"order_page", fmt.Sprintf("/shops/ord/orders/%d", 100_000_000+ordBenchOrders/2)},
	} {
		b.Run(c.name, func(b *testing.B) {
			page(b, c.path) // warm
			for b.Loop() {
				page(b, c.path)
			}
		})
	}
}
