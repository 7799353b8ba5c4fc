package oms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// paidOrders seeds orders 1 (新規受付, total 5400), 2 (入金待ち, 3300), 3
// (キャンセル) and 4 (発送待ち, 1000).
func paidOrders(t *testing.T, s *stores.Stores) time.Time {
	t.Helper()
	ctx := context.Background()
	createShop(t, s, "p")
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	order := func(id int64, status string) rules.Order {
		return rules.Order{SaleID: id, Status: status, OrderedAt: at, UpdatedAt: at, Deliveries: []rules.Delivery{{ID: id * 10}}}
	}
	require.NoError(t, s.UpsertOrders(ctx, "p", []rules.Order{order(1, rules.StatusNew), order(2, rules.StatusAwaitingPayment),
		order(3, rules.StatusCancelled), order(4, rules.StatusAwaitingShipment)}))
	sale := func(id, total int64) oms.ImportedSale {
		return oms.ImportedSale{SaleID: id, OrderedAt: at, PaymentID: 753, Totals: oms.SaleTotals{Total: total},
			Deliveries: []oms.ImportedDelivery{{ID: id * 10}}}
	}
	require.NoError(t, s.SeedFromColorMe(ctx, "p", []oms.ImportedSale{sale(1, 5400), sale(2, 3300), sale(4, 1000)}))
	return at
}

// TestUnpaidFilter: 入金待ち lists the unpaid, not cancelled orders whose
// payment method needs confirming, and none when no method does.
func TestUnpaidFilter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		at := paidOrders(t, s)
		_, err := s.Payments.MarkPaid(ctx, "p", []payment.Payment{{SaleID: 4}}, "keiri", false, at)
		require.NoError(t, err)
		ids := func(q oms.OrderListQuery) []int64 {
			page, err := s.ListOrders(ctx, q)
			require.NoError(t, err)
			var out []int64
			for _, o := range page.Orders {
				out = append(out, o.SaleID)
			}
			return out
		}
		assert.Equal(t, []int64{2, 1}, ids(oms.OrderListQuery{ShopID: "p", Unpaid: true, PaymentIDs: []int64{753}}))
		assert.Empty(t, ids(oms.OrderListQuery{ShopID: "p", Unpaid: true}))
	})
}

// TestNeedsConfirmation: bank transfer and konbini wait for 入金; 代金引換 and
// credit cards do not.
func TestNeedsConfirmation(t *testing.T) {
	for name, want := range map[string]bool{"銀行振込": true, "郵便振替": true, "コンビニ払い": true, "ペイジー": true, "クレジットカード": false, "代金引換": false} {
		assert.Equal(t, want, shops.PaymentMethod{Name: name}.NeedsConfirmation(), name)
	}
	assert.False(t, shops.PaymentMethod{Name: "銀行振込", COD: true}.NeedsConfirmation())
}
