// Package paymentflow_test is 入金連携 end to end on the real stack (Temporal
// dev server, PostgreSQL, the ColorMe sandbox, the worker): the import reads
// ColorMe's paid; staff mark a sale 入金済み in the console over HTTP; the
// on-change export writes paid:true to the sandbox and, with 入金確認メールを送る,
// sends the 入金確認メール exactly once, however often the export runs again.
package paymentflow_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

const (
	shopID   = "paidshop"
	bankPay  = 753 // 銀行振込 (sandbox.DefaultPaymentMethods)
	codPay   = 752 // 代金引換
	unpaid   = int64(5100001)
	cod      = int64(5100002)
	paidOnCM = int64(5100003) // already paid on ColorMe
)

// TestPaymentMarkedInConsole: the chain of issue 24's 入金 "Done when".
func TestPaymentMarkedInConsole(t *testing.T) {
	ctx := context.Background()
	stack := teststack.New(t)
	stack.AddShop(t, shopID)
	sh, err := stack.Store.Shops.Shop(ctx, shopID)
	require.NoError(t, err)
	sh.Settings.SendPaidMail = true
	require.NoError(t, stack.Store.Shops.UpdateShop(ctx, sh))

	now := time.Now()
	sale := func(id, payment int64, paid bool) colorme.Sale {
		return colorme.Sale{ID: id, MakeDate: now.Add(-time.Hour).Unix(), UpdateDate: now.Add(-time.Hour).Unix(), PaymentID: payment,
			Paid: paid, PaidMailState: colorme.MailNotYet, DeliveredMailState: colorme.MailNotYet, TotalPrice: 5400,
			SaleDeliveries: []colorme.SaleDelivery{{ID: id * 10, SaleID: id, DeliveryID: 1}}}
	}
	stack.Sandbox.Seed(sale(unpaid, bankPay, false), sale(cod, codPay, false), sale(paidOnCM, bankPay, true))

	// The import reads paid, and the payment methods' names (GET /v1/payments).
	imp, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: shopID})
	require.NoError(t, err)
	require.NoError(t, imp.Get(ctx, nil))
	views, err := stack.Store.Orders(ctx, shopID, unpaid, paidOnCM)
	require.NoError(t, err)
	require.Len(t, views, 2)
	require.False(t, views[0].ColormePaid)
	require.True(t, views[1].ColormePaid, "the import stores ColorMe's paid")
	_, err = stack.Store.Shops.RefreshMethods(ctx, shopID, methodsFrom(stack), now)
	require.NoError(t, err)

	s := newConsole(t, stack)
	list := s.get("/shops/" + shopID + "/orders?payment=unpaid")
	require.Equal(t, http.StatusOK, list.Status, list.Body)
	require.Contains(t, list.Body, `id="order-5100001"`, "a 銀行振込 sale waiting for payment is 入金待ち")
	require.NotContains(t, list.Body, `id="order-5100002"`, "代金引換 is never 入金待ち")
	require.NotContains(t, list.Body, `id="order-5100003"`, "paid on ColorMe: not 入金待ち")
	require.Contains(t, list.Body, "銀行振込")

	res := s.post("/shops/"+shopID+"/orders/5100001/paid", url.Values{"paid_on": {"2026-12-06"}})
	require.Equal(t, http.StatusOK, res.Status, res.Body)
	require.Contains(t, res.Body, "入金済みにしました")
	require.Contains(t, res.Body, `id="paid-state"`)

	// The on-change export writes paid:true and the 入金確認メール once.
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, ok := stack.Sandbox.Sale(unpaid)
		require.True(t, ok)
		if got.Paid && stack.Sandbox.Counters().PaidMailsBySale[unpaid] == 1 {
			require.Equal(t, colorme.MailSent, got.PaidMailState)
			break
		}
		if time.Now().After(deadline) {
			dumpRuns(t, stack)
			t.Fatal("ColorMe does not show the sale paid within 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, ok, err := stack.Store.LastExportOutcome(ctx, shopID, unpaid)
	require.NoError(t, err)
	require.True(t, ok)
	sent, ok := workflows.DecodeSent(out.Sent)
	require.True(t, ok, out.Sent)
	require.True(t, sent.Paid, "the run log says 入金")
	require.True(t, sent.PaidMail)

	// A second marking changes nothing; a full export writes nothing again.
	again := s.post("/shops/"+shopID+"/orders/5100001/paid", url.Values{})
	require.Contains(t, again.Body, "すでに入金済み")
	require.NoError(t, fullExport(ctx, stack))
	c := stack.Sandbox.Counters()
	require.Equal(t, 1, c.PaidMailsBySale[unpaid], "the 入金確認メール went exactly once")
	require.Equal(t, 1, c.PaidWrites, "paid:true written once")
	require.Zero(t, c.NoopWrites)
	cmSale, _ := stack.Sandbox.Sale(cod)
	require.False(t, cmSale.Paid, "an unmarked sale is left unpaid: paid is never written otherwise")
}

// fullExport runs a full export once the on-change export that is finishing
// lets it start (one writer per shop).
func fullExport(ctx context.Context, stack *teststack.Stack) error {
	deadline := time.Now().Add(time.Minute)
	for {
		run, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: shopID})
		if err == nil {
			return run.Get(ctx, nil)
		}
		if !strings.Contains(err.Error(), "already running") || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// dumpRuns logs the shop's runs and their outcomes, to say why a wait failed.
func dumpRuns(t *testing.T, stack *teststack.Stack) {
	ctx := context.Background()
	runs, err := stack.Store.Runs(ctx, shopID, 20)
	require.NoError(t, err)
	for _, r := range runs {
		t.Logf("run %d %s %s %s %+v", r.ID, r.Kind, r.Status, r.Error, r.Totals)
		outs, err := stack.Store.Outcomes(ctx, r.ID)
		require.NoError(t, err)
		for _, o := range outs {
			t.Logf("  sale %d %s %s %s", o.SaleID, o.Outcome, o.Reason, o.Sent)
		}
	}
}

// methodsFrom reads the sandbox's methods as the daily refresh does.
func methodsFrom(stack *teststack.Stack) shops.MethodsSource {
	cl := colorme.New(colorme.Config{BaseURL: stack.SandboxURL, AccessToken: teststack.Token})
	return cl
}

// site is the console over HTTP with a staff member logged in.
type site struct {
	t      *testing.T
	URL    string
	client *http.Client
}

func newConsole(t *testing.T, stack *teststack.Stack) *site {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	srv, err := console.New(console.Deps{Config: stack.Config, Store: stack.Store, Temporal: stack.Client, PublicURL: base})
	require.NoError(t, err)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	s := &site{t: t, URL: base, client: &http.Client{Jar: jar, Timeout: time.Minute}}
	const login, pw = "keiri", "pass-keiri-0123456789"
	_, err = stack.Store.Accounts.CreateUser(context.Background(), login, pw, accounts.RoleStaff)
	require.NoError(t, err)
	require.NoError(t, stack.Store.Accounts.SetUserShops(context.Background(), login, []string{shopID}))
	res := s.post("/login", url.Values{"login": {login}, "password": {pw}})
	require.NotContains(t, res.URL, "/login", "logged in")
	return s
}

type page struct {
	Status int
	URL    string
	Body   string
}

func (s *site) do(req *http.Request) page {
	s.t.Helper()
	resp, err := s.client.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return page{Status: resp.StatusCode, URL: resp.Request.URL.RequestURI(), Body: string(b)}
}

func (s *site) get(path string) page {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	require.NoError(s.t, err)
	return s.do(req)
}

// post submits a form as the browser does from the console's own pages.
func (s *site) post(path string, form url.Values) page {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return s.do(req)
}
