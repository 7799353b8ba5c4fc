package exportflow_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

var asOf = time.Date(2026, 11, 20, 12, 0, 0, 0, rules.Tokyo)

// expected is teststack.Expected at the tests' asOf.
func expected(orders []rules.Order, sales []colorme.Sale, opt rules.Options) (map[int64]colorme.Sale, int, int) {
	return teststack.Expected(orders, sales, asOf, opt)
}

func seedShop(t *testing.T, stack *teststack.Stack, shopID string, n int) ([]rules.Order, []colorme.Sale) {
	t.Helper()
	stack.AddShop(t, shopID)
	orders, sales := demo.Generate(n, 42, 700001, asOf)
	require.NoError(t, stack.Store.UpsertOrders(context.Background(), shopID, orders))
	stack.Sandbox.Seed(sales...)
	return orders, stack.Sandbox.Sales()
}

func export(t *testing.T, stack *teststack.Stack, in workflows.ShippingSyncInput) workflows.ShippingSyncResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	at := asOf
	in.AsOf = &at
	start := time.Now()
	run, err := app.StartExport(ctx, stack.Client, stack.Config, in)
	require.NoError(t, err)
	var res workflows.ShippingSyncResult
	require.NoError(t, run.Get(ctx, &res))
	t.Logf("export of %s: %d targets, %d updated, %d mails in %s", in.ShopID, res.Targets, res.Updated, res.Mails, time.Since(start).Round(time.Millisecond))
	return res
}

func checkState(t *testing.T, stack *teststack.Stack, want map[int64]colorme.Sale) {
	t.Helper()
	for _, got := range stack.Sandbox.Sales() {
		w := want[got.ID]
		require.Equal(t, len(w.SaleDeliveries), len(got.SaleDeliveries), "sale %d", got.ID)
		for i, d := range got.SaleDeliveries {
			require.Equal(t, w.SaleDeliveries[i].Slip(), d.Slip(), "sale %d delivery %d slip", got.ID, d.ID)
			require.Equal(t, w.SaleDeliveries[i].Delivered, d.Delivered, "sale %d delivery %d delivered", got.ID, d.ID)
		}
		require.Equal(t, w.DeliveredMailState, got.DeliveredMailState, "sale %d mail state", got.ID)
	}
}

// TestRealisticShop exports a generated shop of 600 orders in every state with the
// shipping mail on, checks every sale against the rules applied independently,
// then reruns: nothing is written twice and no mail goes twice.
func TestRealisticShop(t *testing.T) {
	stack := teststack.New(t)
	orders, sales := seedShop(t, stack, "realistic", 600)
	opt := rules.Options{WindowDays: 3, RequireShipDate: true, SendMail: true}
	want, writes, mails := expected(orders, sales, opt)
	require.Greater(t, writes, 50, "the generated shop should have work to do")
	require.Greater(t, mails, 10)

	yes := true
	res := export(t, stack, workflows.ShippingSyncInput{ShopID: "realistic", WindowDays: 3, RequireShipDate: &yes, SendMail: &yes, PageSize: 50, MaxInFlight: 8})
	c := stack.Sandbox.Counters()
	require.Equal(t, writes, c.Writes, "writes")
	require.Equal(t, mails, c.Mails, "mails")
	require.Equal(t, mails, res.Mails)
	require.Zero(t, c.FeeFieldWrites)
	require.Zero(t, c.NoopWrites)
	checkState(t, stack, want)
	require.Equal(t, res.Targets, res.Updated+res.Unchanged+res.Skipped+res.Failed)

	outs, err := stack.Store.Outcomes(context.Background(), res.RunID)
	require.NoError(t, err)
	require.Len(t, outs, res.Targets, "one outcome per target order in the run log")
	run, err := stack.Store.Run(context.Background(), res.RunID)
	require.NoError(t, err)
	require.Equal(t, oms.RunCompleted, run.Status)
	require.Equal(t, res.Updated, run.Totals.Updated)

	stack.Sandbox.ResetCounters()
	res2 := export(t, stack, workflows.ShippingSyncInput{ShopID: "realistic", WindowDays: 3, RequireShipDate: &yes, SendMail: &yes})
	c = stack.Sandbox.Counters()
	require.Zero(t, c.Writes, "rerun writes")
	require.Zero(t, c.Mails, "rerun mails")
	require.Zero(t, res2.Updated)
	require.LessOrEqual(t, c.Reads, (res2.Targets+99)/100+1, "one read per page of 100 targets")
}

// TestColorMeMisbehaving runs the export while the sandbox answers 30 % of calls
// with 5xx, loses 20 % of write answers after applying them, times out and sends
// a burst of 429s: the end state is still exactly the rules', no write is
// repeated and no customer gets two mails.
func TestColorMeMisbehaving(t *testing.T) {
	stack := teststack.New(t)
	orders, sales := seedShop(t, stack, "faulty", 300)
	opt := rules.Options{WindowDays: 3, RequireShipDate: false, SendMail: true}
	want, _, mails := expected(orders, sales, opt)
	stack.Sandbox.SetFaults(sandbox.Faults{ErrorRate: 0.3, AfterWriteErrorRate: 0.2, TimeoutRate: 0.02, Timeout: 200 * time.Millisecond, Burst429: 5, Seed: 7})
	yes, no := true, false
	res := export(t, stack, workflows.ShippingSyncInput{ShopID: "faulty", WindowDays: 3, RequireShipDate: &no, SendMail: &yes})
	stack.Sandbox.SetFaults(sandbox.Faults{})
	c := stack.Sandbox.Counters()
	require.Zero(t, res.Failed, "retryable faults must not fail orders")
	require.Zero(t, c.NoopWrites, "a write whose answer was lost must not be repeated")
	for sale, n := range c.MailsBySale {
		require.LessOrEqual(t, n, 1, "sale %d got %d shipping mails", sale, n)
	}
	require.Equal(t, mails, len(c.MailsBySale))
	require.Greater(t, c.Faults, 10, "faults were injected")
	checkState(t, stack, want)
	t.Logf("faults served %d, PUTs %d (applied %d), mails %d, reads %d", c.Faults, c.Writes, c.WritesApplied, c.Mails, c.Reads)
}

// TestRevokedToken stops the run at the first 401, marks the shop for
// reconnection and fails the workflow with a message saying what to do.
func TestRevokedToken(t *testing.T) {
	stack := teststack.New(t)
	seedShop(t, stack, "revoked", 50)
	stack.Sandbox.RevokeToken(teststack.Token)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	at := asOf
	run, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: "revoked", AsOf: &at})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "reconnect the shop")
	require.NotContains(t, err.Error(), teststack.Token)
	shop, err := stack.Store.Shops.Shop(ctx, "revoked")
	require.NoError(t, err)
	require.True(t, shop.ReconnectNeeded)
	require.Zero(t, stack.Sandbox.Counters().Writes)
}

// TestOneWriterPerShop refuses a second manual export of a shop while one runs,
// naming the running run.
func TestOneWriterPerShop(t *testing.T) {
	stack := teststack.New(t)
	seedShop(t, stack, "busy", 200)
	stack.Sandbox.SetLatency(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	at := asOf
	first, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: "busy", AsOf: &at, MaxInFlight: 1})
	require.NoError(t, err)
	_, err = app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: "busy", AsOf: &at})
	var running *app.RunningError
	require.True(t, errors.As(err, &running), "got %v", err)
	require.Equal(t, first.GetRunID(), running.RunID)
	require.Contains(t, err.Error(), first.GetRunID())
	require.NoError(t, first.Get(ctx, nil))
}

// TestDryRunWritesNothing plans and records without touching ColorMe.
func TestDryRunWritesNothing(t *testing.T) {
	stack := teststack.New(t)
	orders, sales := seedShop(t, stack, "dry", 200)
	_, writes, _ := expected(orders, sales, rules.Options{WindowDays: 3, RequireShipDate: true})
	res := export(t, stack, workflows.ShippingSyncInput{ShopID: "dry", DryRun: true})
	require.True(t, res.DryRun)
	require.Equal(t, writes, res.Updated, "would-be updates")
	require.Zero(t, stack.Sandbox.Counters().Writes)
}

// TestExportWithListLimit50: ColorMe serves at most 50 sales per list request
// (the maximum older docs give) whatever limit is asked. The export reads each
// page of 100 targets in two requests and reports no sale ColorMe has as "not
// on ColorMe"; a sale ColorMe really lacks still fails its order.
func TestExportWithListLimit50(t *testing.T) {
	stack := teststack.New(t)
	stack.Sandbox.SetMaxLimit(50)
	orders, sales := seedShop(t, stack, "limit50", 400)
	// One target whose sale ColorMe does not have.
	gone := int64(0)
	for _, o := range orders {
		if rules.IsTarget(o, asOf, 3) {
			gone = o.SaleID
			break
		}
	}
	require.NotZero(t, gone)
	kept := sales[:0:0]
	for _, s := range sales {
		if s.ID != gone {
			kept = append(kept, s)
		}
	}
	stack.Sandbox.Reset()
	stack.Sandbox.Seed(kept...)
	targets := 0
	var rest []rules.Order
	for _, o := range orders {
		if rules.IsTarget(o, asOf, 3) {
			targets++
		}
		if o.SaleID != gone {
			rest = append(rest, o)
		}
	}
	require.Greater(t, targets, 150, "several pages of 100 targets")
	opt := rules.Options{WindowDays: 3, RequireShipDate: true}
	want, writes, _ := expected(rest, kept, opt)

	yes := true
	res := export(t, stack, workflows.ShippingSyncInput{ShopID: "limit50", WindowDays: 3, RequireShipDate: &yes})
	require.Equal(t, targets, res.Targets)
	require.Equal(t, 1, res.Failed, "only the sale ColorMe lacks fails")
	require.Equal(t, []int64{gone}, res.FailedSaleIDs)
	c := stack.Sandbox.Counters()
	require.Equal(t, writes, c.Writes)
	checkState(t, stack, want)
	outs, err := stack.Store.Outcomes(context.Background(), res.RunID)
	require.NoError(t, err)
	for _, o := range outs {
		if o.SaleID == gone {
			require.Contains(t, o.Reason, "is not on ColorMe")
		} else {
			require.NotContains(t, o.Reason, "not on ColorMe", "sale %d is on ColorMe", o.SaleID)
		}
	}
	pages := (targets + 99) / 100
	// Per page of 100: two list requests of 50; plus the lookup by id that
	// confirms the missing sale, and the reads of retried writes (none here).
	require.GreaterOrEqual(t, c.Reads, 2*pages)
	require.LessOrEqual(t, c.Reads, 2*pages+1+1)
}

// TestShippingMailRetriedAndNull, on the real stack with send_mail on:
//   - sale A: the run delivers it but ColorMe refuses its shipping mail (422):
//     the delivery write landed, the order fails. The next run (ColorMe still
//     not_yet, the ledger has no sent mail) sends the mail alone; a third run
//     sends nothing.
//   - sale B: ColorMe serves delivered_mail_state null: delivered, no mail, the
//     run log says why.
//   - sale C: delivered on ColorMe by someone else, mail not_yet, no mail owed:
//     no mail.
func TestShippingMailRetriedAndNull(t *testing.T) {
	stack := teststack.New(t)
	shop := stack.AddShop(t, "mails")
	ctx := context.Background()
	const a, b, c = int64(910001), int64(910002), int64(910003)
	var orders []rules.Order
	var sales []colorme.Sale
	for _, id := range []int64{a, b, c} {
		orders = append(orders, rules.Order{SaleID: id, Status: rules.StatusShipped, OrderedAt: asOf.AddDate(0, 0, -3),
			UpdatedAt: asOf.Add(-time.Hour), Deliveries: []rules.Delivery{{ID: id * 10, SlipNumber: fmt.Sprintf("T-%d", id), ShippedOn: "2026-11-19"}}})
		sale := colorme.Sale{ID: id, MakeDate: asOf.AddDate(0, 0, -3).Unix(), SaleDeliveries: []colorme.SaleDelivery{{ID: id * 10}}}
		switch id {
		case b:
			sale.DeliveredMailState = sandbox.MailStateNull
		case c:
			slip := fmt.Sprintf("T-%d", id)
			sale.SaleDeliveries[0].SlipNumber, sale.SaleDeliveries[0].Delivered = &slip, true
		}
		sales = append(sales, sale)
	}
	require.NoError(t, stack.Store.UpsertOrders(ctx, shop, orders))
	stack.Sandbox.Seed(sales...)
	got, _ := stack.Sandbox.Sale(b)
	require.Empty(t, got.DeliveredMailState, "the sandbox serves B's mail state as null")
	stack.Sandbox.SetFaults(sandbox.Faults{RejectMails: []int64{a}})

	yes := true
	in := workflows.ShippingSyncInput{ShopID: shop, SendMail: &yes, RequireShipDate: &yes}
	res := export(t, stack, in)
	require.Equal(t, 3, res.Targets)
	require.Equal(t, []int64{a}, res.FailedSaleIDs, "A's mail was refused after its write landed")
	require.Zero(t, res.Mails)
	sa, _ := stack.Sandbox.Sale(a)
	require.True(t, sa.SaleDeliveries[0].Delivered, "A's write landed")
	require.Equal(t, colorme.MailNotYet, sa.DeliveredMailState)
	sb, _ := stack.Sandbox.Sale(b)
	require.True(t, sb.SaleDeliveries[0].Delivered, "B is delivered")
	require.Empty(t, sb.DeliveredMailState)
	outs, err := stack.Store.Outcomes(ctx, res.RunID)
	require.NoError(t, err)
	byID := map[int64]string{}
	for _, o := range outs {
		byID[o.SaleID] = o.Reason
	}
	require.Contains(t, byID[b], "delivered_mail_state null")

	stack.Sandbox.SetFaults(sandbox.Faults{})
	stack.Sandbox.ResetCounters()
	res = export(t, stack, in)
	require.Equal(t, 1, res.Mails, "the owed mail of A goes")
	require.Zero(t, res.Failed)
	cnt := stack.Sandbox.Counters()
	require.Equal(t, map[int64]int{a: 1}, cnt.MailsBySale)
	require.Zero(t, cnt.Writes, "a mail-only update: nothing written")
	sa, _ = stack.Sandbox.Sale(a)
	require.Equal(t, colorme.MailSent, sa.DeliveredMailState)

	stack.Sandbox.ResetCounters()
	res = export(t, stack, in)
	require.Zero(t, res.Mails, "never twice")
	require.Zero(t, stack.Sandbox.Counters().Mails)
	require.Zero(t, stack.Sandbox.Counters().Writes)
}
