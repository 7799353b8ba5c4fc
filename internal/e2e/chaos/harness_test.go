package chaos_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

const token = "chaos-token-7f3e9b1c2d"

// asOf is now: scheduled runs evaluate at their own workflow time, so the
// generated orders must be inside the real window too.
var asOf = time.Now().In(rules.Tokyo).Truncate(time.Second)

// report prints one line of the fault table (docs/faults.md): what was done to the
// system, what was checked, and the figures.
func report(t *testing.T, fault, checked, figures string) {
	t.Helper()
	line := fmt.Sprintf("CHAOS| %s | %s | %s | %s |", t.Name(), fault, checked, figures)
	fmt.Println(line)
	if f := os.Getenv("CHAOS_REPORT"); f != "" {
		fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		require.NoError(t, err)
		defer fh.Close()
		_, _ = fmt.Fprintln(fh, line)
	}
}

// size returns n, or small under CI=true when a test must stay short.
func size(n, small int) int {
	if os.Getenv("CI") == "true" {
		return small
	}
	return n
}

// env is one chaos test's system: database, sandbox and the settings for workers.
type env struct {
	key     string
	dsn     string
	store   *stores.Stores
	sandbox *sandbox.Server
	sbURL   string
	cfg     config.Config
	// workerEnv is added to the environment of worker processes.
	workerEnv []string
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	key := secrets.GenerateKey()
	sealer, err := secrets.NewSealer(key)
	require.NoError(t, err)
	if dsn == "" {
		dsn = testenv.PostgresDSN(t)
	}
	st, err := stores.Open(context.Background(), dsn, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	sb := sandbox.New(sandbox.Options{Tokens: []string{token}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cfg, err := config.Load()
	require.NoError(t, err)
	cfg.TemporalAddress = teststack.DevServer.FrontendHostPort()
	cfg.TaskQueue = "chaos-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
	cfg.BudgetPerMinute = 0
	cfg.ColorMeTimeout = 5 * time.Second
	// This sandbox serves fresh reads unless a test turns stale reads on (and
	// sets its worker's window, TestStaleReadsWorkerKilled): nothing to wait out.
	cfg.StaleReadWindow = 0
	cfg.DatabaseURL = dsn
	cfg.SecretKey = key
	return &env{key: key, dsn: dsn, store: st, sandbox: sb, sbURL: srv.URL, cfg: cfg}
}

// shop creates a connected shop with n orders that all need a write: shipped,
// tracking number and ship date in the OMS, nothing on ColorMe yet.
func (e *env) shop(t *testing.T, id string, n int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, e.store.Shops.CreateShop(ctx, shops.Shop{ID: id, APIBaseURL: e.sbURL, Settings: shops.DefaultSettings()}))
	require.NoError(t, e.store.Shops.SetAccessToken(ctx, id, token))
	orders := make([]rules.Order, n)
	sales := make([]colorme.Sale, n)
	for i := range orders {
		saleID := int64(900000 + i)
		orders[i] = rules.Order{SaleID: saleID, Status: rules.StatusShipped,
			OrderedAt: asOf.Add(-48 * time.Hour), UpdatedAt: asOf.Add(-time.Hour),
			Deliveries: []rules.Delivery{{ID: saleID * 10, SlipNumber: fmt.Sprintf("4912-%07d", saleID), ShippedOn: "2026-11-19"}}}
		sales[i] = colorme.Sale{ID: saleID, MakeDate: asOf.Add(-48 * time.Hour).Unix(), DeliveredMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: saleID * 10, SaleID: saleID}}}
	}
	require.NoError(t, e.store.UpsertOrders(ctx, id, orders))
	e.sandbox.Seed(sales...)
}

// checkAllShipped asserts every sale shows its slip and delivered, that no
// write was repeated and that no sale got two shipping mails.
func (e *env) checkAllShipped(t *testing.T, n int, withMail bool) {
	t.Helper()
	sales := e.sandbox.Sales()
	require.Len(t, sales, n)
	for _, s := range sales {
		require.Len(t, s.SaleDeliveries, 1)
		d := s.SaleDeliveries[0]
		require.Equal(t, fmt.Sprintf("4912-%07d", s.ID), d.Slip(), "sale %d", s.ID)
		require.True(t, d.Delivered, "sale %d delivered", s.ID)
		if withMail {
			require.Equal(t, colorme.MailSent, s.DeliveredMailState, "sale %d mail", s.ID)
		}
	}
	c := e.sandbox.Counters()
	require.Zero(t, c.NoopWrites, "no sale may receive the same write twice")
	for sale, m := range c.MailsBySale {
		require.Equal(t, 1, m, "sale %d got %d shipping mails", sale, m)
	}
	if withMail {
		require.Len(t, c.MailsBySale, n)
	}
}

// inProcessWorker runs the worker in this process on the env's task queue.
func (e *env) inProcessWorker(t *testing.T, c client.Client, st *stores.Stores) worker.Worker {
	t.Helper()
	w := app.NewWorker(c, e.cfg, app.Activities(e.cfg, st, nil))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return w
}

func (e *env) start(t *testing.T, c client.Client, shopID string, sendMail bool) client.WorkflowRun {
	t.Helper()
	at := asOf
	yes := true
	run, err := app.StartExport(context.Background(), c, e.cfg, workflows.ShippingSyncInput{
		ShopID: shopID, AsOf: &at, WindowDays: 3, RequireShipDate: &yes, SendMail: &sendMail})
	require.NoError(t, err)
	return run
}

// waitWrites waits until the sandbox has seen at least n PUTs.
func (e *env) waitWrites(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for e.sandbox.Counters().Writes < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes after 2 minutes", e.sandbox.Counters().Writes)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// result waits for the export's result, retrying while Temporal is unreachable.
func result(t *testing.T, c client.Client, run client.WorkflowRun) workflows.ShippingSyncResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute) // backoff tails under 30 % faults
	defer cancel()
	for {
		var res workflows.ShippingSyncResult
		err := c.GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &res)
		if err == nil {
			return res
		}
		if ctx.Err() != nil || strings.Contains(err.Error(), "workflow execution error") {
			t.Fatalf("export: %v", err)
		}
		time.Sleep(time.Second)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// pgProxy is a TCP proxy in front of PostgreSQL that can be cut: while down it
// drops every connection and refuses new ones, as a crashed database would.
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &pgProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.Down() })
	go p.serve()
	return p
}

func (p *pgProxy) Addr() string { return p.ln.Addr().String() }

func (p *pgProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			_ = in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = in.Close()
			continue
		}
		p.conns[in], p.conns[out] = true, true
		p.mu.Unlock()
		go pipe(in, out)
		go pipe(out, in)
	}
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// Down cuts every connection and refuses new ones until Up.
func (p *pgProxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// Up lets connections through again.
func (p *pgProxy) Up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
