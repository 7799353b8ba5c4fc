package chaos_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// TestPaymentWorkerKilled kills the worker process (SIGKILL) in the middle of
// an export that pushes 入金済み (paid:true) for sales staff marked paid, with
// 入金確認メールを送る on, then starts a new one: every sale ends paid on
// ColorMe with exactly one 入金確認メール, and no paid write is repeated.
func TestPaymentWorkerKilled(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "")
	n := size(300, 60)
	e.paidShop(t, "paidkill", n)
	e.sandbox.SetLatency(20 * time.Millisecond)
	logFile := filepath.Join(t.TempDir(), "worker.log")
	w := e.startWorkerProcess(t, logFile)
	c := teststack.DevServer.Client()
	start := time.Now()
	run := e.start(t, c, "paidkill", false)
	e.waitWrites(t, n/3)
	killedAt := e.sandbox.Counters().Writes
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_ = w.Wait()
	e.startWorkerProcess(t, logFile)
	res := result(t, c, run)
	require.Equal(t, n, res.Updated)
	for _, s := range e.sandbox.Sales() {
		require.True(t, s.Paid, "sale %d paid on ColorMe", s.ID)
		require.Equal(t, colorme.MailSent, s.PaidMailState, "sale %d paid mail", s.ID)
	}
	cs := e.sandbox.Counters()
	require.Len(t, cs.PaidMailsBySale, n, "every sale got its 入金確認メール")
	for sale, m := range cs.PaidMailsBySale {
		require.Equal(t, 1, m, "sale %d got %d paid mails", sale, m)
	}
	require.Zero(t, cs.NoopWrites, "no paid write repeated")
	require.Equal(t, n, cs.PaidWrites)
	owed, err := e.store.Payments.PaidMailsOwed(ctx, "paidkill", saleIDs(n))
	require.NoError(t, err)
	require.Empty(t, owed, "the ledger owes no paid mail")
	logs, err := os.ReadFile(logFile)
	require.NoError(t, err)
	require.NotContains(t, string(logs), token, "the access token must never be logged")
	report(t, fmt.Sprintf("worker SIGKILLed after %d of %d paid writes (入金確認メールを送る on), restarted", killedAt, n),
		"every sale paid on ColorMe; paid:true written once; one 入金確認メール per sale",
		fmt.Sprintf("%d sales, %d PUTs (%d paid), %d no-op PUTs, %d paid mails (max 1 per sale), %s", n, cs.Writes, cs.PaidWrites,
			cs.NoopWrites, len(cs.PaidMailsBySale), time.Since(start).Round(time.Second)))
}

func saleIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(800000 + i)
	}
	return ids
}

// paidShop creates a connected shop with send_paid_mail on and n bank-transfer
// orders 入金待ち, unpaid on ColorMe, that staff then mark paid (MarkPaid).
func (e *env) paidShop(t *testing.T, id string, n int) {
	t.Helper()
	ctx := context.Background()
	settings := shops.DefaultSettings()
	settings.SendPaidMail = true
	require.NoError(t, e.store.Shops.CreateShop(ctx, shops.Shop{ID: id, APIBaseURL: e.sbURL, Settings: settings}))
	require.NoError(t, e.store.Shops.SetAccessToken(ctx, id, token))
	orders := make([]rules.Order, n)
	sales := make([]colorme.Sale, n)
	payments := make([]payment.Payment, n)
	for i, saleID := range saleIDs(n) {
		orders[i] = rules.Order{SaleID: saleID, Status: rules.StatusAwaitingPayment,
			OrderedAt: asOf.Add(-48 * time.Hour), UpdatedAt: asOf.Add(-time.Hour),
			Deliveries: []rules.Delivery{{ID: saleID * 10}}}
		sales[i] = colorme.Sale{ID: saleID, MakeDate: asOf.Add(-48 * time.Hour).Unix(), PaymentID: 753,
			DeliveredMailState: colorme.MailNotYet, PaidMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: saleID * 10, SaleID: saleID}}}
		payments[i] = payment.Payment{SaleID: saleID}
	}
	require.NoError(t, e.store.UpsertOrders(ctx, id, orders))
	e.sandbox.Seed(sales...)
	rep, err := e.store.Payments.MarkPaid(ctx, id, payments, "chaos", false, time.Now())
	require.NoError(t, err)
	require.Empty(t, rep.Rejected)
	require.True(t, rep.Applied)
}
