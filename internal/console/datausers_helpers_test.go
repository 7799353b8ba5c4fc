package console_test

// Helpers of the データ取込 and ユーザー管理 tests: the console on a real
// PostgreSQL store, driven over HTTP by operators with their own cookie jars.

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// dataHarness is the console on its own database, with a log to search.
type dataHarness struct {
	t    *testing.T
	st   *oms.Store
	base string
	logs *dataLogBuffer
}

// dataLogBuffer is a log sink safe for the server's goroutines.
type dataLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *dataLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *dataLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// dataTemporal is the Temporal client the console needs in Deps: the package's
// dev server when a TestMain started one (teststack.Main), else a lazy client,
// since データ取込 and ユーザー管理 never call Temporal.
func dataTemporal(t *testing.T) client.Client {
	t.Helper()
	if teststack.DevServer != nil {
		return teststack.DevServer.Client()
	}
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Namespace: "default",
		Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func newDataHarness(t *testing.T) *dataHarness {
	t.Helper()
	st := testenv.OpenStore(t)
	logs := &dataLogBuffer{}
	srv, err := console.New(console.Deps{Store: st, Temporal: dataTemporal(t), PublicURL: "http://console.test",
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &dataHarness{t: t, st: st, base: hs.URL, logs: logs}
}

// dataOperator is a logged-in browser.
type dataOperator struct {
	h *dataHarness
	c *http.Client
}

// addUser creates an dataOperator in the store and logs in as it.
func (h *dataHarness) addUser(login, role, password string) *dataOperator {
	h.t.Helper()
	_, err := h.st.CreateUser(context.Background(), login, password, role)
	require.NoError(h.t, err)
	return h.login(login, password)
}

// login logs in with a fresh cookie jar.
func (h *dataHarness) login(login, password string) *dataOperator {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(h.t, err)
	op := &dataOperator{h: h, c: &http.Client{Jar: jar, Timeout: time.Minute}}
	status, body := op.post("/login", url.Values{"login": {login}, "password": {password}, "next": {"/shops"}})
	require.Equal(h.t, http.StatusOK, status, body)
	require.Contains(h.t, body, login+" (", "logged in as %s", login)
	return op
}

// get opens a page (following redirects) and returns its status and its HTML
// with entities unescaped.
func (o *dataOperator) get(path string) (int, string) {
	o.h.t.Helper()
	resp, err := o.c.Get(o.h.base + path)
	require.NoError(o.h.t, err)
	return readDataPage(o.h.t, resp)
}

// post submits a form (following the redirect of post/redirect/get).
func (o *dataOperator) post(path string, form url.Values) (int, string) {
	o.h.t.Helper()
	resp, err := o.c.PostForm(o.h.base+path, form)
	require.NoError(o.h.t, err)
	return readDataPage(o.h.t, resp)
}

// upload submits the データ取込 form with a file.
func (o *dataOperator) upload(shopID, name string, data []byte) (int, string) {
	o.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(o.h.t, err)
	_, err = fw.Write(data)
	require.NoError(o.h.t, err)
	require.NoError(o.h.t, mw.Close())
	resp, err := o.c.Post(o.h.base+"/shops/"+shopID+"/upload", mw.FormDataContentType(), &body)
	require.NoError(o.h.t, err)
	return readDataPage(o.h.t, resp)
}

func readDataPage(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, html.UnescapeString(string(b))
}

var (
	dataTokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)
	dataShaField   = regexp.MustCompile(`name="sha256" value="([0-9a-f]{64})"`)
)

// dataApplyForm returns the 「取込」 form's fields of a preview page.
func dataApplyForm(t *testing.T, page string) url.Values {
	t.Helper()
	tok, sum := dataTokenField.FindStringSubmatch(page), dataShaField.FindStringSubmatch(page)
	require.NotNil(t, tok, "the preview offers 「取込」")
	require.NotNil(t, sum)
	return url.Values{"token": {tok[1]}, "sha256": {sum[1]}}
}

// addShopWithOrders creates a shop and its orders, ordered two days ago and
// awaiting shipment: sale id → delivery ids.
func (h *dataHarness) addShopWithOrders(shopID string, orders map[int64][]int64) {
	h.t.Helper()
	ctx := context.Background()
	require.NoError(h.t, h.st.CreateShop(ctx, oms.Shop{ID: shopID, Name: shopID, APIBaseURL: "http://colorme.test", Settings: oms.DefaultSettings()}))
	ordered := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	var list []rules.Order
	for sale, dels := range orders {
		o := rules.Order{SaleID: sale, Status: rules.StatusAwaitingShipment, OrderedAt: ordered, UpdatedAt: ordered}
		for _, d := range dels {
			o.Deliveries = append(o.Deliveries, rules.Delivery{ID: d})
		}
		list = append(list, o)
	}
	require.NoError(h.t, h.st.UpsertOrders(ctx, shopID, list))
}

// slips returns the tracking number and ship date of each of a sale's deliveries.
func (h *dataHarness) slips(shopID string, sale int64) []string {
	h.t.Helper()
	o, err := h.st.Order(context.Background(), shopID, sale)
	require.NoError(h.t, err)
	out := make([]string, len(o.Deliveries))
	for i, d := range o.Deliveries {
		out[i] = strings.TrimSpace(d.SlipNumber + " " + d.ShippedOn)
	}
	return out
}

// dataToday is today's date in JST, a ship date every test order accepts.
func dataToday() string { return time.Now().In(rules.Tokyo).Format(time.DateOnly) }
