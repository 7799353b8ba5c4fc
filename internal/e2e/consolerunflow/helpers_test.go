package consolerunflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// site is the console served over HTTP on the real stack (Temporal dev server,
// PostgreSQL, ColorMe sandbox, worker), with an operator logged in.
type site struct {
	*teststack.Stack
	t      *testing.T
	URL    string
	Shop   string
	Login  string
	client *http.Client
}

// newSite starts the stack and the console with a shop connected to the sandbox
// and an operator (staff) logged in. maxInFlight is EXPORT_MAX_IN_FLIGHT.
func newSite(t *testing.T, shopID string, maxInFlight int) *site {
	t.Helper()
	return newSiteWith(t, shopID, func(cfg *config.Config) { cfg.ExportMaxInFlight = maxInFlight })
}

// workerSite is newSite once the stack's worker polls the task queue: a page
// that asks whether a worker runs (and keeps the answer) then sees it.
func workerSite(t *testing.T, shopID string) *site {
	t.Helper()
	s := newSite(t, shopID, 1)
	require.NoError(t, app.CheckWorker(context.Background(), s.Client, s.Config, 30*time.Second), "the stack's worker polls")
	return s
}

// noWorkerSite is newSite with the console on a task queue no worker polls
// (the stack's worker polls another): what staff see while no worker runs.
func noWorkerSite(t *testing.T, shopID string) *site {
	t.Helper()
	return newSiteWith(t, shopID, func(cfg *config.Config) { cfg.TaskQueue = "nobody-polls-" + shopID })
}

// newSiteWith is newSite with the console's configuration changed by edit (the
// stack's worker keeps the stack's).
func newSiteWith(t *testing.T, shopID string, edit func(*config.Config)) *site {
	t.Helper()
	stack := teststack.New(t)
	stack.AddShop(t, shopID)
	cfg := stack.Config
	edit(&cfg)
	stack.Config.ExportMaxInFlight = cfg.ExportMaxInFlight
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	srv, err := console.New(console.Deps{Config: cfg, Store: stack.Store, Temporal: stack.Client, PublicURL: base})
	require.NoError(t, err)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	s := &site{Stack: stack, t: t, URL: base, Shop: shopID, Login: "hanako", client: &http.Client{Jar: jar, Timeout: time.Minute}}
	pw := "pass-hanako-0123456789"
	_, err = stack.Store.Accounts.CreateUser(context.Background(), s.Login, pw, accounts.RoleStaff)
	require.NoError(t, err)
	require.NoError(t, stack.Store.Accounts.SetUserShops(context.Background(), s.Login, []string{shopID}), "staff reach the shops an admin gave them")
	res := s.post("/login", url.Values{"login": {s.Login}, "password": {pw}})
	require.Equal(t, http.StatusOK, res.Status, res.Body)
	require.NotContains(t, res.URL, "/login", "logged in")
	return s
}

// page is an answer after redirects.
type page struct {
	Status int
	URL    string // the path (and query) of the final request
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

// progress is the JSON the run page polls.
type progress struct {
	Done      bool   `json:"done"`
	State     string `json:"state"`
	RunID     int64  `json:"run_id"`
	Pages     int    `json:"pages"`
	Targets   int    `json:"targets"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Skipped   int    `json:"skipped"`
	Failed    int    `json:"failed"`
	Mails     int    `json:"mails"`
	InFlight  int    `json:"in_flight"`
	Queued    int    `json:"queued"`
}

func (s *site) progress(runPage string) progress {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+runPage+"/progress", nil)
	require.NoError(s.t, err)
	req.Header.Set("Accept", "application/json")
	p := s.do(req)
	require.Equal(s.t, http.StatusOK, p.Status, p.Body)
	var pr progress
	require.NoError(s.t, json.Unmarshal([]byte(p.Body), &pr), p.Body)
	return pr
}

// waitDone polls the run page's JSON, as console.js does, until the run ends,
// and returns every answer.
func (s *site) waitDone(runPage string) []progress {
	s.t.Helper()
	var seen []progress
	deadline := time.Now().Add(2 * time.Minute)
	for {
		p := s.progress(runPage)
		seen = append(seen, p)
		if p.Done {
			return seen
		}
		require.True(s.t, time.Now().Before(deadline), "the run did not end: %+v", p)
		time.Sleep(200 * time.Millisecond)
	}
}

// exportRunPath matches the page of a started export or dry run.
var exportRunPath = regexp.MustCompile(`^/shops/[a-z0-9-]+/export/runs/([^/?]+)/([^/?]+)$`)

// runPage checks that p is the page of a started run and returns its path.
func (s *site) runPage(p page) string {
	s.t.Helper()
	require.Regexp(s.t, exportRunPath, p.URL, "the run's page: %s", p.Body)
	return p.URL
}

// cell returns the text of the element with the given id (no nested tags).
func cell(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	require.NotNil(t, m, "no element #%s in the page", id)
	return strings.TrimSpace(m[1])
}

func num(t *testing.T, body, id string) int {
	t.Helper()
	n, err := strconv.Atoi(cell(t, body, id))
	require.NoError(t, err)
	return n
}

// runLogID is the run log number the finished run page links to.
func runLogID(t *testing.T, body string) int64 {
	t.Helper()
	m := regexp.MustCompile(`id="run-log-link">自動処理ログ #(\d+)`).FindStringSubmatch(body)
	require.NotNil(t, m, "no link to the run log in the page")
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// rowsOf returns the ids of the rows of the run list, in order.
func rowsOf(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr id="run-(\d+)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// seed puts orders into the OMS and the matching sales on ColorMe. Each order is
// a target now (updated an hour ago, shipped with a slip and a ship date);
// ColorMe shows none of its slips. Sales in missing are not put on ColorMe.
func (s *site) seed(first int64, n int, missing ...int64) []rules.Order {
	s.t.Helper()
	now := time.Now()
	today := now.In(rules.Tokyo).Format(time.DateOnly)
	var orders []rules.Order
	var sales []colorme.Sale
	for i := range int64(n) {
		id := first + i
		orders = append(orders, rules.Order{SaleID: id, Status: rules.StatusShipped, OrderedAt: now.Add(-48 * time.Hour),
			UpdatedAt:  now.Add(-time.Hour + time.Duration(i)*time.Second),
			Deliveries: []rules.Delivery{{ID: id*10 + 1, SlipNumber: fmt.Sprintf("SLIP-%d", id), ShippedOn: today}}})
		if !contains(missing, id) {
			sales = append(sales, sale(id, now))
		}
	}
	require.NoError(s.t, s.Store.UpsertOrders(context.Background(), s.Shop, orders))
	s.Sandbox.Seed(sales...)
	return orders
}

func sale(id int64, now time.Time) colorme.Sale {
	return colorme.Sale{ID: id, MakeDate: now.Add(-48 * time.Hour).Unix(), UpdateDate: now.Add(-48 * time.Hour).Unix(),
		DeliveredMailState: colorme.MailNotYet, SaleDeliveries: []colorme.SaleDelivery{{ID: id*10 + 1, SaleID: id}}}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// slip returns what ColorMe shows for a sale's delivery.
func (s *site) slip(id int64) (string, bool) {
	s.t.Helper()
	sl, ok := s.Sandbox.Sale(id)
	require.True(s.t, ok, "sale %d is not on ColorMe", id)
	require.NotEmpty(s.t, sl.SaleDeliveries)
	return sl.SaleDeliveries[0].Slip(), sl.SaleDeliveries[0].Delivered
}

// exportForm is the データ書出 form as the browser sends it.
func exportForm(window int, requireShipDate bool) url.Values {
	v := url.Values{"window_days": {strconv.Itoa(window)}}
	if requireShipDate {
		v.Set("require_ship_date", "on")
	}
	return v
}

// clientOptions starts a workflow on the stack's task queue, as a schedule does.
func clientOptions(s *site, id string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: id, TaskQueue: s.Config.TaskQueue}
}

func regexpAll(expr, body string) []string {
	return regexp.MustCompile(expr).FindAllString(body, -1)
}
