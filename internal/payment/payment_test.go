package payment_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/mailledger"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// eachStore runs fn on fresh stores of each dialect: PostgreSQL and SQLite.
func eachStore(t *testing.T, fn func(t *testing.T, s *stores.Stores)) {
	open := func(t *testing.T, dsn string) *stores.Stores {
		s, err := stores.Open(context.Background(), dsn, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	t.Run("postgres", func(t *testing.T) { fn(t, open(t, testenv.PostgresDSN(t))) })
	t.Run("sqlite", func(t *testing.T) { fn(t, open(t, "sqlite:"+filepath.Join(t.TempDir(), "pay.db"))) })
}

// paidOrders seeds orders 1 (新規受付, total 5400), 2 (入金待ち, 3300), 3
// (キャンセル) and 4 (発送待ち, 1000) of shop "p".
func paidOrders(t *testing.T, s *stores.Stores) time.Time {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "p", Name: "p"}))
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

func amount(n int64) *int64 { return &n }

// TestMarkPaid: sales become 入金済み with who, when and the 入金日; 新規受付
// and 入金待ち become 発送待ち; updated_at moves so the export takes them; a
// sale already paid is left as it is.
func TestMarkPaid(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		at := paidOrders(t, s)
		now := at.Add(2 * time.Hour)
		rep, err := s.Payments.MarkPaid(ctx, "p", []payment.Payment{{SaleID: 1, PaidOn: "2026-12-01", Amount: amount(5400)}, {SaleID: 4}}, "keiri", false, now)
		require.NoError(t, err)
		require.Empty(t, rep.Rejected)
		require.True(t, rep.Applied)
		require.Len(t, rep.Changes, 2)
		assert.Equal(t, rules.StatusNew, rep.Changes[0].FromStatus)
		assert.Equal(t, rules.StatusAwaitingShipment, rep.Changes[0].ToStatus)
		assert.Equal(t, rules.StatusAwaitingShipment, rep.Changes[1].ToStatus)
		views, err := s.Orders(ctx, "p", 1, 4)
		require.NoError(t, err)
		require.NotNil(t, views[0].PaidAt)
		assert.True(t, views[0].PaidAt.Equal(now))
		assert.Equal(t, "2026-12-01", views[0].PaidOn)
		assert.Equal(t, "keiri", views[0].PaidBy)
		assert.True(t, views[0].Paid)
		assert.True(t, views[0].UpdatedAt.Equal(now), "the export window sees the change")
		assert.Empty(t, views[1].PaidOn)

		page, err := s.FetchTargets(ctx, oms.TargetQuery{ShopID: "p", AsOf: now, WindowDays: 3})
		require.NoError(t, err)
		paid := map[int64]bool{}
		for _, o := range page.Orders {
			paid[o.SaleID] = o.Paid
		}
		assert.Equal(t, map[int64]bool{1: true, 2: false, 4: true}, paid, "the targets carry 入金済み; 入金待ち (2) is not paid")

		again, err := s.Payments.MarkPaid(ctx, "p", []payment.Payment{{SaleID: 1}}, "other", false, now.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, again.Already)
		assert.Empty(t, again.Changes)
		views, err = s.Orders(ctx, "p", 1)
		require.NoError(t, err)
		assert.Equal(t, "keiri", views[0].PaidBy, "the first marking stays")
	})
}

// TestMarkPaidAllOrNothing: one bad line (an amount off the total, a
// cancelled order, an unknown sale, a sale twice, a bad date) stores nothing,
// and every problem is reported by line.
func TestMarkPaidAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		at := paidOrders(t, s)
		rep, err := s.Payments.MarkPaid(ctx, "p", []payment.Payment{
			{Line: 2, SaleID: 1, Amount: amount(5400)},
			{Line: 3, SaleID: 2, Amount: amount(3000)},
			{Line: 4, SaleID: 3},
			{Line: 5, SaleID: 99},
			{Line: 6, SaleID: 1},
			{Line: 7, SaleID: 4, PaidOn: "2026-13-01"},
		}, "keiri", false, at)
		require.NoError(t, err)
		assert.False(t, rep.Applied)
		assert.Empty(t, rep.Changes)
		lines := []int{}
		for _, r := range rep.Rejected {
			lines = append(lines, r.Line)
			assert.NotEmpty(t, r.Ja)
		}
		assert.Equal(t, []int{3, 4, 5, 6, 7}, lines)
		assert.Contains(t, rep.Rejected[0].Ja, "3000円")
		assert.Contains(t, rep.Rejected[0].Ja, "3300円")
		views, err := s.Orders(ctx, "p", 1)
		require.NoError(t, err)
		assert.Nil(t, views[0].PaidAt, "nothing stored")
		assert.Equal(t, rules.StatusNew, views[0].Status)
	})
}

// TestPaidMailLedger: the 入金確認メール's ledger is its own (a shipping mail
// sent says nothing about it), owed until sent, claimed once.
func TestPaidMailLedger(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		require.NoError(t, s.MarkMailSent(ctx, "p", 7))
		owed, err := s.Payments.PaidMailsOwed(ctx, "p", []int64{7})
		require.NoError(t, err)
		assert.Empty(t, owed)
		require.NoError(t, s.Payments.MarkPaidMailOwed(ctx, "p", 7, 1))
		owed, err = s.Payments.PaidMailsOwed(ctx, "p", []int64{7})
		require.NoError(t, err)
		assert.True(t, owed[7])
		prev, err := s.Payments.ClaimPaidMail(ctx, "p", 7, 2)
		require.NoError(t, err)
		assert.Equal(t, mailledger.State(""), prev, "the owed row is claimed")
		prev, err = s.Payments.ClaimPaidMail(ctx, "p", 7, 3)
		require.NoError(t, err)
		assert.Equal(t, mailledger.Claimed, prev, "a second claim does not win")
		require.NoError(t, s.Payments.MarkPaidMailSent(ctx, "p", 7))
		owed, err = s.Payments.PaidMailsOwed(ctx, "p", []int64{7})
		require.NoError(t, err)
		assert.Empty(t, owed)
		shipOwed, err := s.MailsOwed(ctx, "p", []int64{7})
		require.NoError(t, err)
		assert.Empty(t, shipOwed)
	})
}
