package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

const token = "test-token"

var jst = time.FixedZone("JST", 9*60*60)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a sandbox behind a real HTTP server with a fake clock.
type env struct {
	sb    *sandbox.Server
	ts    *httptest.Server
	clock *clock
}

func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	c := &clock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, jst)}
	if opts.Tokens == nil {
		opts.Tokens = []string{token}
	}
	opts.Now = c.Now
	sb := sandbox.New(opts)
	ts := httptest.NewServer(sb)
	t.Cleanup(ts.Close)
	return &env{sb: sb, ts: ts, clock: c}
}

// do sends a request with the bearer token (none when tok is "") and returns the
// response and its body.
func (e *env) do(t *testing.T, method, path, tok string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.(string)
		if !ok {
			raw, err := json.Marshal(body)
			require.NoError(t, err)
			b = string(raw)
		}
		rd = strings.NewReader(b)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func (e *env) list(t *testing.T, query string) colorme.SalesPage {
	t.Helper()
	resp, body := e.do(t, "GET", "/v1/sales.json?"+query, token, nil)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var page colorme.SalesPage
	require.NoError(t, json.Unmarshal(body, &page))
	return page
}

func requireError(t *testing.T, body []byte, status, code int) {
	t.Helper()
	var eb colorme.ErrorBody
	require.NoError(t, json.Unmarshal(body, &eb), string(body))
	require.Len(t, eb.Errors, 1)
	assert.Equal(t, status, eb.Errors[0].Status)
	if code != 0 {
		assert.Equal(t, code, eb.Errors[0].Code)
	}
	assert.NotEmpty(t, eb.Errors[0].Message)
}

func str(s string) *string { return &s }

func delivery(id int64, slip string, delivered bool) colorme.SaleDelivery {
	d := colorme.SaleDelivery{ID: id, Delivered: delivered}
	if slip != "" {
		d.SlipNumber = str(slip)
	}
	return d
}

func sale(id int64, made time.Time, ds ...colorme.SaleDelivery) colorme.Sale {
	return colorme.Sale{ID: id, MakeDate: made.Unix(), UpdateDate: made.Unix(), SaleDeliveries: ds}
}

func ids(page colorme.SalesPage) []int64 {
	var out []int64
	for _, s := range page.Sales {
		out = append(out, s.ID)
	}
	return out
}

func TestAuth(t *testing.T) {
	e := newEnv(t, sandbox.Options{})

	resp, body := e.do(t, "GET", "/v1/sales.json", "", nil)
	assert.Equal(t, 401, resp.StatusCode)
	requireError(t, body, 401, colorme.CodeInvalidToken)

	resp, body = e.do(t, "GET", "/v1/sales.json", "wrong", nil)
	assert.Equal(t, 401, resp.StatusCode)
	requireError(t, body, 401, colorme.CodeInvalidToken)

	resp, body = e.do(t, "GET", "/v1/shop.json", token, nil)
	require.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"shop":{"id":"sandbox","name":"Sandbox shop"}}`, string(body))

	e.sb.RevokeToken(token)
	resp, body = e.do(t, "GET", "/v1/shop.json", token, nil)
	assert.Equal(t, 401, resp.StatusCode)
	requireError(t, body, 401, colorme.CodeInvalidToken)

	e.sb.AddToken("other")
	resp, _ = e.do(t, "PUT", "/v1/sales/1.json", "", `{}`)
	assert.Equal(t, 401, resp.StatusCode)
	resp, _ = e.do(t, "GET", "/v1/shop.json", "other", nil)
	assert.Equal(t, 200, resp.StatusCode)

	c := e.sb.Counters()
	assert.Equal(t, 6, c.Requests)
	assert.Equal(t, 2, c.Reads)
	assert.Equal(t, 1, c.Writes, "a PUT counts even when rejected")
}

func TestListFiltersAndPaging(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now()
	// Sale i was made i days ago at 10:00 JST, i = 0..19; sale 5 is cancelled,
	// even sales are delivered.
	var sales []colorme.Sale
	for i := range 20 {
		d := now.AddDate(0, 0, -i)
		made := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, jst)
		s := sale(int64(100+i), made, delivery(int64(1000+i), "", i%2 == 0))
		s.Canceled = i == 5
		sales = append(sales, s)
	}
	e.sb.Seed(sales...)

	// No date: from 7 days ago 00:00 JST (2025-03-03) up to now: sales 100..107.
	page := e.list(t, "")
	assert.Equal(t, colorme.Meta{Total: 8, Limit: 10, Offset: 0}, page.Meta)
	assert.Equal(t, []int64{100, 101, 102, 103, 104, 105, 106, 107}, ids(page))

	page = e.list(t, url.Values{"after": {"2025-02-20 00:00:00"}, "before": {"2025-02-25 10:00:00"}}.Encode())
	assert.Equal(t, []int64{113, 114, 115, 116, 117, 118}, ids(page), "inclusive bounds")
	page = e.list(t, url.Values{"make_date_min": {"2025-02-20"}, "make_date_max": {"2025-02-25"}}.Encode())
	assert.Equal(t, []int64{114, 115, 116, 117, 118}, ids(page), "date-only is 00:00 JST")

	// before without after: from 7 days before `before` at 00:00.
	page = e.list(t, url.Values{"before": {"2025-03-01 12:00:00"}}.Encode())
	assert.Equal(t, []int64{109, 110, 111, 112, 113, 114, 115, 116}, ids(page))

	all := url.Values{"after": {"2025-01-01"}}
	page = e.list(t, all.Encode()+"&canceled=true")
	assert.Equal(t, []int64{105}, ids(page))
	page = e.list(t, all.Encode()+"&delivered=false&limit=100")
	assert.Equal(t, 10, page.Meta.Total)
	for _, s := range page.Sales {
		assert.False(t, s.Delivered)
	}

	// Paging: sorted by id, offset and limit, total of all matches.
	page = e.list(t, all.Encode()+"&limit=7&offset=14")
	assert.Equal(t, colorme.Meta{Total: 20, Limit: 7, Offset: 14}, page.Meta)
	assert.Equal(t, []int64{114, 115, 116, 117, 118, 119}, ids(page))
	page = e.list(t, all.Encode()+"&limit=100&offset=40")
	assert.Empty(t, page.Sales)
	assert.Equal(t, 20, page.Meta.Total)

	// update_date filters.
	e.clock.Add(time.Hour)
	resp, body := e.do(t, "PUT", "/v1/sales/119.json", token, `{"sale":{"sale_deliveries":[{"id":1019,"slip_number":"X"}]}}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	page = e.list(t, all.Encode()+"&update_date_min="+url.QueryEscape("2025-03-10 12:30:00"))
	assert.Equal(t, []int64{119}, ids(page))
	page = e.list(t, all.Encode()+"&update_date_max="+url.QueryEscape("2025-02-20 10:00:00")+"&limit=100")
	assert.Equal(t, []int64{118}, ids(page), "sale 119 was updated after the max")

	// fields: only the named top-level keys, id always.
	resp, body = e.do(t, "GET", "/v1/sales.json?ids=100&fields=delivered,make_date", token, nil)
	require.Equal(t, 200, resp.StatusCode)
	var raw struct{ Sales []map[string]any }
	require.NoError(t, json.Unmarshal(body, &raw))
	require.Len(t, raw.Sales, 1)
	assert.ElementsMatch(t, []string{"id", "delivered", "make_date"}, keys(raw.Sales[0]))

	e.sb.SetStrict(true)
	for _, q := range []string{"limit=0", "limit=-5", "limit=x", "offset=-1", "after=2025/01/01", "before=yesterday", "ids=1,a", "canceled=maybe"} {
		resp, body := e.do(t, "GET", "/v1/sales.json?"+q, token, nil)
		assert.Equal(t, 400, resp.StatusCode, q)
		requireError(t, body, 400, 0)
	}
	assert.Zero(t, e.sb.Counters().IgnoredParams, "strict: refused, not ignored")

	// As the live API: each unreadable parameter is dropped and the search runs
	// without it (7-day default, limit 10, offset 0, every id, both states).
	e.sb.SetStrict(false)
	for q, want := range map[string][]int64{
		"limit=0":                             {100, 101, 102, 103, 104, 105, 106, 107},
		"limit=x&offset=-1":                   {100, 101, 102, 103, 104, 105, 106, 107},
		"after=2025/01/01":                    {100, 101, 102, 103, 104, 105, 106, 107},
		"ids=100,a&after=2025-01-01":          {100, 101, 102, 103, 104, 105, 106, 107, 108, 109},
		"canceled=maybe&limit=3":              {100, 101, 102},
		"after=2025-02-31":                    {100, 101, 102, 103, 104, 105, 106, 107}, // no such day
		"bogus=1&update_date_from=2025-01-01": {100, 101, 102, 103, 104, 105, 106, 107},
	} {
		page := e.list(t, q)
		assert.Equal(t, want, ids(page), q)
		assert.Equal(t, 0, page.Meta.Offset, q)
	}
	assert.Equal(t, 0, e.list(t, "after=2025-03-10&before=2025-03-01").Meta.Total, "a reversed range: 200, nothing")
	assert.Equal(t, 9, e.sb.Counters().IgnoredParams)
	resp, body = e.do(t, "GET", "/v1/sales.json?ids%5B0%5D=100", token, nil)
	assert.Equal(t, 500, resp.StatusCode, "ids[0]= arrays: 500")
	requireError(t, body, 500, colorme.CodeServerError)
	resp, body = e.do(t, "GET", "/v1/sales.json?paid=true", token, nil)
	assert.Equal(t, 400, resp.StatusCode, "a valid parameter the sandbox does not model is still refused: %s", body)
}

// TestIgnoreParamsFault: the fault drops a filter as if it had not been sent.
func TestIgnoreParamsFault(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now()
	e.sb.Seed(sale(1, now.AddDate(0, 0, -1)), sale(2, now.AddDate(0, 0, -2)))
	e.sb.SetFaults(sandbox.Faults{IgnoreParams: []string{"ids"}})
	assert.Equal(t, []int64{1, 2}, ids(e.list(t, "ids=1")))
	assert.Equal(t, 1, e.sb.Counters().Faults)
	resp, body := e.do(t, "PUT", "/_sandbox/faults", "", `{"ignore_params":["before"]}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	assert.Equal(t, []string{"before"}, e.sb.CurrentFaults().IgnoreParams)
}

// TestListLimitAboveMaximum: a limit above the maximum is served as the maximum
// and meta.limit says so (ColorMe: "最大100"; meta.limit is the limit applied);
// MaxLimit 50 reproduces older docs' maximum.
func TestListLimitAboveMaximum(t *testing.T) {
	for _, maxLimit := range []int{0, 50} {
		e := newEnv(t, sandbox.Options{MaxLimit: maxLimit})
		want := 100
		if maxLimit != 0 {
			want = maxLimit
		}
		now := e.clock.Now()
		var sales []colorme.Sale
		for i := range 130 {
			sales = append(sales, sale(int64(1+i), now.Add(-time.Duration(i)*time.Minute), delivery(int64(1000+i), "", false)))
		}
		e.sb.Seed(sales...)
		for _, limit := range []string{"100", "101", "5000"} {
			page := e.list(t, "limit="+limit)
			assert.Equal(t, colorme.Meta{Total: 130, Limit: want, Offset: 0}, page.Meta, "max %d, limit %s", maxLimit, limit)
			assert.Len(t, page.Sales, want)
		}
		page := e.list(t, fmt.Sprintf("limit=100&offset=%d", want))
		assert.Equal(t, int64(want+1), page.Sales[0].ID, "the next page starts after the effective limit")
	}
	// The limit can be changed at run time, e.g. on a shared test stack.
	e := newEnv(t, sandbox.Options{})
	e.sb.Seed(sale(1, e.clock.Now(), delivery(11, "", false)))
	e.sb.SetMaxLimit(50)
	assert.Equal(t, 50, e.list(t, "limit=100").Meta.Limit)
	resp, body := e.do(t, "PUT", "/_sandbox/max-limit", "", `{"max_limit":0}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(body))
	assert.Equal(t, 100, e.list(t, "limit=100").Meta.Limit)
}

// TestListSortByUpdateDate: with SortByUpdateDate the list is in update_date
// order, so a sale updated between two pages moves to the end and shifts the
// offsets of the others (what the import must survive); AfterList runs after
// each list request.
func TestListSortByUpdateDate(t *testing.T) {
	e := newEnv(t, sandbox.Options{SortByUpdateDate: true})
	now := e.clock.Now()
	s1, s2, s3 := sale(1, now.Add(-3*time.Hour)), sale(2, now.Add(-2*time.Hour)), sale(3, now.Add(-time.Hour))
	s1.UpdateDate = now.Add(-10 * time.Minute).Unix() // updated last: listed last
	e.sb.Seed(s1, s2, s3)
	assert.Equal(t, []int64{2, 3, 1}, ids(e.list(t, "limit=10")))
	var served []int
	e.sb.AfterList(func(n int) {
		served = append(served, n)
		if n == 1 { // sale 2 is updated after the first page
			s, _ := e.sb.Sale(2)
			s.UpdateDate = now.Unix()
			e.sb.Seed(s)
		}
	})
	assert.Equal(t, []int64{2}, ids(e.list(t, "limit=1")))
	assert.Equal(t, []int64{1}, ids(e.list(t, "limit=1&offset=1")), "sale 3 shifted to offset 0 and is skipped by offset paging")
	assert.Equal(t, []int{1, 2}, served)
	e.sb.AfterList(nil)
	e.sb.SetSortByUpdateDate(false)
	assert.Equal(t, []int64{1, 2, 3}, ids(e.list(t, "limit=10")), "by id again")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestIDsLookupAndGet(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	old := e.clock.Now().AddDate(-1, 0, 0)
	e.sb.Seed(sale(1, old, delivery(11, "A", true)), sale(2, old), sale(3, e.clock.Now()))

	page := e.list(t, "ids=3,1")
	assert.Equal(t, []int64{3}, ids(page), "the 7-day default applies to ids too: a client that forgets `after` misses sale 1")
	page = e.list(t, "ids=3,1&after=2000-01-01")
	assert.Equal(t, []int64{1, 3}, ids(page), "with `after` both are found")
	assert.Equal(t, "A", page.Sales[0].SaleDeliveries[0].Slip())
	assert.True(t, page.Sales[0].Delivered)
	assert.Equal(t, colorme.MailNotYet, page.Sales[0].DeliveredMailState)
	page = e.list(t, "ids=1,2&after=2025-01-01")
	assert.Empty(t, page.Sales, "an explicit after applies")
	page = e.list(t, "ids=1,2&before="+url.QueryEscape(old.Add(time.Hour).In(jst).Format(time.DateTime)))
	assert.Equal(t, []int64{1, 2}, ids(page), "before alone: from 7 days before it")

	resp, body := e.do(t, "GET", "/v1/sales/1.json", token, nil)
	require.Equal(t, 200, resp.StatusCode)
	var sr colorme.SaleResponse
	require.NoError(t, json.Unmarshal(body, &sr))
	assert.Equal(t, int64(1), sr.Sale.ID)
	assert.Equal(t, int64(1), sr.Sale.SaleDeliveries[0].SaleID)

	resp, body = e.do(t, "GET", "/v1/sales/9.json", token, nil)
	assert.Equal(t, 404, resp.StatusCode)
	requireError(t, body, 404, 404100)
}

// TestSegmentOnUnsplitSales: ColorMe documents segment on every sale; an unsplit
// one has its own id as parent_sale_id and splitted false, a split one its
// parent's id and splitted true.
func TestSegmentOnUnsplitSales(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now()
	child := sale(2, now)
	child.Segment = &colorme.Segment{ParentSaleID: 1}
	e.sb.Seed(sale(1, now), child)
	resp, body := e.do(t, "GET", "/v1/sales.json?ids=1,2&fields=segment", token, nil)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var raw struct {
		Sales []struct {
			ID      int64
			Segment map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	require.Len(t, raw.Sales, 2)
	assert.Equal(t, map[string]any{"parent_sale_id": float64(1), "splitted": false}, raw.Sales[0].Segment, "unsplit: its own id")
	assert.Equal(t, map[string]any{"parent_sale_id": float64(1), "splitted": true}, raw.Sales[1].Segment)
}

// TestListUnknownParameters: the published getSales schema allows no other
// parameters (additionalProperties false): an unknown one — a typo such as
// update_date_from — is answered 400 naming it; a valid one the sandbox does not
// model is answered 400 too, rather than silently ignored.
func TestListUnknownParameters(t *testing.T) {
	e := newEnv(t, sandbox.Options{Strict: true})
	for q, want := range map[string]string{
		"update_date_from=2025-01-01": `unknown parameter "update_date_from"`,
		"page=2":                      `unknown parameter "page"`,
		"ids=1&sort=update_date":      `unknown parameter "sort"`,
		"paid=true":                   `"paid" is valid on ColorMe but not modelled by the sandbox`,
		"customer_mail=a%40b.jp":      `"customer_mail" is valid on ColorMe but not modelled by the sandbox`,
	} {
		resp, body := e.do(t, "GET", "/v1/sales.json?"+q, token, nil)
		assert.Equal(t, 400, resp.StatusCode, q)
		requireError(t, body, 400, 0)
		var eb colorme.ErrorBody
		require.NoError(t, json.Unmarshal(body, &eb))
		assert.Contains(t, eb.Errors[0].Message, want, q)
	}
	for _, q := range []string{"ids=1&after=2025-01-01&before=2025-02-01&fields=id&limit=5&offset=0",
		"make_date_min=2025-01-01&make_date_max=2025-02-01&update_date_min=2025-01-01&update_date_max=2025-02-01&canceled=false&delivered=true&delivered_mail_state=sent"} {
		resp, body := e.do(t, "GET", "/v1/sales.json?"+q, token, nil)
		assert.Equal(t, 200, resp.StatusCode, "%s: %s", q, body)
	}
}

func TestUpdatePartialReplace(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	made := e.clock.Now().Add(-time.Hour)
	e.sb.Seed(sale(1, made, delivery(11, "OLD", true), delivery(12, "", false)))

	// slip only: delivered stays as it is.
	e.clock.Add(time.Minute)
	resp, body := e.do(t, "PUT", "/v1/sales/1.json", token, colorme.UpdateSaleRequest{Sale: colorme.UpdateSaleBody{
		SaleDeliveries: []colorme.DeliveryUpdate{{ID: 11, SlipNumber: str("NEW")}},
	}})
	require.Equal(t, 200, resp.StatusCode, string(body))
	var sr colorme.SaleResponse
	require.NoError(t, json.Unmarshal(body, &sr))
	assert.Equal(t, "NEW", sr.Sale.SaleDeliveries[0].Slip())
	assert.True(t, sr.Sale.SaleDeliveries[0].Delivered)
	assert.False(t, sr.Sale.Delivered)
	assert.Equal(t, e.clock.Now().Unix(), sr.Sale.UpdateDate)

	// delivered only: the slip stays; the sale becomes delivered when all are.
	yes := true
	resp, body = e.do(t, "PUT", "/v1/sales/1.json", token, colorme.UpdateSaleRequest{Sale: colorme.UpdateSaleBody{
		SaleDeliveries: []colorme.DeliveryUpdate{{ID: 12, Delivered: &yes}},
	}})
	require.Equal(t, 200, resp.StatusCode, string(body))
	got, ok := e.sb.Sale(1)
	require.True(t, ok)
	assert.Nil(t, got.SaleDeliveries[1].SlipNumber)
	assert.True(t, got.SaleDeliveries[1].Delivered)
	assert.Equal(t, "NEW", got.SaleDeliveries[0].Slip())
	assert.True(t, got.Delivered)

	// The same write again changes nothing and keeps update_date.
	e.clock.Add(time.Minute)
	resp, _ = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":12,"delivered":true}]}}`)
	require.Equal(t, 200, resp.StatusCode)
	again, _ := e.sb.Sale(1)
	assert.Equal(t, got, again)

	c := e.sb.Counters()
	assert.Equal(t, 3, c.Writes)
	assert.Equal(t, 2, c.WritesApplied)
	assert.Equal(t, map[int64]int{1: 3}, c.WritesBySale)
	assert.Zero(t, c.FeeFieldWrites)

	// Copies are deep: changing one does not touch the sandbox.
	got.SaleDeliveries[0].SlipNumber = str("MUTATED")
	fresh, _ := e.sb.Sale(1)
	assert.Equal(t, "NEW", fresh.SaleDeliveries[0].Slip())
}

func TestUpdateErrors(t *testing.T) {
	e := newEnv(t, sandbox.Options{Strict: true})
	made := e.clock.Now().Add(-time.Hour)
	cancelled := sale(2, made, delivery(21, "", false))
	cancelled.Canceled = true
	e.sb.Seed(sale(1, made, delivery(11, "", false), delivery(12, "", false)), cancelled)
	before, _ := e.sb.Sale(1)

	// An unknown delivery: error and nothing applied, not even the known one.
	resp, body := e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"A"},{"id":99,"slip_number":"B"}]}}`)
	assert.Equal(t, 404, resp.StatusCode)
	requireError(t, body, 404, 404100)
	after, _ := e.sb.Sale(1)
	assert.Equal(t, before, after)

	for _, b := range []string{
		`not json`,
		`{"sale":{"sale_deliveries":[{"id":11,"slip":"A"}]}}`,           // unknown key
		`{"sale":{"sale_deliveries":[{"id":11,"delivered":"yes"}]}}`,    // wrong type
		`{"sale":{"sale_deliveries":[{"id":11,"slip_number":null}]}}`,   // null
		`{"sale":{"sale_deliveries":[{"slip_number":"A"}]}}`,            // no id
		`{"sale":{"canceled":true}}`,                                    // not updatable
		`{"sale":{"sale_deliveries":[{"id":11}]},"extra":1}`,            // unknown top key
		`{"sale":{"sale_deliveries":[{"id":11,"noshi_charge":"100"}]}}`, // wrong type of a fee field
	} {
		resp, body := e.do(t, "PUT", "/v1/sales/1.json", token, b)
		assert.Equal(t, 400, resp.StatusCode, b)
		requireError(t, body, 400, 0)
	}
	after, _ = e.sb.Sale(1)
	assert.Equal(t, before, after)

	resp, body = e.do(t, "PUT", "/v1/sales/2.json", token, `{"sale":{"sale_deliveries":[{"id":21,"slip_number":"A"}]}}`)
	assert.Equal(t, 422, resp.StatusCode)
	requireError(t, body, 422, 0)
	resp, _ = e.do(t, "PUT", "/v1/sales/3.json", token, `{"sale":{"sale_deliveries":[]}}`)
	assert.Equal(t, 404, resp.StatusCode)

	// Fee fields are accepted but counted: the product must never send them.
	resp, body = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"noshi_charge":0,"total_charge":500}]}}`)
	assert.Equal(t, 200, resp.StatusCode, string(body))
	c := e.sb.Counters()
	assert.Equal(t, 3, c.FeeFieldWrites)
	assert.Zero(t, c.WritesApplied)
	assert.Equal(t, 12, c.Writes)
}

func TestMails(t *testing.T) {
	e := newEnv(t, sandbox.Options{Strict: true})
	cancelled := sale(2, e.clock.Now())
	cancelled.Canceled = true
	e.sb.Seed(sale(1, e.clock.Now(), delivery(11, "A", true)), cancelled)

	for range 2 {
		resp, body := e.do(t, "POST", "/v1/sales/1/mails.json", token, colorme.MailRequest{Mail: colorme.MailBody{Type: "delivered"}})
		require.Equal(t, 201, resp.StatusCode, string(body))
		assert.Empty(t, body, "201 with an empty body")
	}
	got, _ := e.sb.Sale(1)
	assert.Equal(t, colorme.MailSent, got.DeliveredMailState)

	for _, b := range []string{`{"mail":{"type":"shipped"}}`, `{"mail":{}}`, `{}`, `{"mail":{"type":"delivered","to":"x"}}`} {
		resp, body := e.do(t, "POST", "/v1/sales/1/mails.json", token, b)
		assert.Equal(t, 400, resp.StatusCode, b)
		requireError(t, body, 400, 0)
	}
	resp, _ := e.do(t, "POST", "/v1/sales/9/mails.json", token, `{"mail":{"type":"delivered"}}`)
	assert.Equal(t, 404, resp.StatusCode)
	resp, _ = e.do(t, "POST", "/v1/sales/2/mails.json", token, `{"mail":{"type":"delivered"}}`)
	assert.Equal(t, 422, resp.StatusCode)

	c := e.sb.Counters()
	assert.Equal(t, map[int64]int{1: 2}, c.MailsBySale, "not idempotent: mailed twice")
	assert.Equal(t, 8, c.Mails)
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, sandbox.Options{RateLimitPerMinute: 3})
	get := func() *http.Response {
		resp, _ := e.do(t, "GET", "/v1/shop.json", token, nil)
		return resp
	}
	for range 3 {
		require.Equal(t, 200, get().StatusCode)
		e.clock.Add(10 * time.Second)
	}
	// Accepted at 0, 10, 20 s; now 30 s: full until 60 s.
	resp, body := e.do(t, "GET", "/v1/shop.json", token, nil)
	require.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "30", resp.Header.Get("Retry-After"))
	requireError(t, body, 429, 0)

	e.clock.Add(29 * time.Second) // 59 s
	require.Equal(t, 429, get().StatusCode)
	e.clock.Add(time.Second) // 60 s: the request at 0 s left the window
	require.Equal(t, 200, get().StatusCode)
	resp = get()
	require.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "10", resp.Header.Get("Retry-After"))

	// Another token has its own window; invalid tokens do not count.
	e.sb.AddToken("other")
	resp, _ = e.do(t, "GET", "/v1/shop.json", "other", nil)
	assert.Equal(t, 200, resp.StatusCode)

	c := e.sb.Counters()
	assert.Equal(t, 3, c.Rejected429)
	assert.Equal(t, 3, c.MaxPerMinute[token])
	assert.Equal(t, 1, c.MaxPerMinute["other"])
}

func TestRateLimitConcurrent(t *testing.T) {
	e := newEnv(t, sandbox.Options{RateLimitPerMinute: 10})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 50 {
		wg.Go(func() {
			resp, _ := e.do(t, "GET", "/v1/shop.json", token, nil)
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, map[int]int{200: 10, 429: 40}, codes)
	c := e.sb.Counters()
	assert.Equal(t, 10, c.MaxPerMinute[token])
	assert.Equal(t, 40, c.Rejected429)
}

func TestFaults(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.sb.Seed(sale(1, e.clock.Now(), delivery(11, "", false)))
	put := func(slip string) (*http.Response, []byte) {
		return e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"`+slip+`"}]}}`)
	}

	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1, Seed: 1})
	for range 5 {
		resp, body := put("A")
		assert.Contains(t, []int{500, 502, 503}, resp.StatusCode)
		requireError(t, body, resp.StatusCode, 0)
	}
	got, _ := e.sb.Sale(1)
	assert.Nil(t, got.SaleDeliveries[0].SlipNumber, "an error fault applies nothing")

	e.sb.SetFaults(sandbox.Faults{AfterWriteErrorRate: 1, Seed: 1})
	resp, body := put("B")
	assert.Equal(t, 500, resp.StatusCode)
	requireError(t, body, 500, 0)
	got, _ = e.sb.Sale(1)
	assert.Equal(t, "B", got.SaleDeliveries[0].Slip(), "an after-write fault applies the change")
	resp, _ = e.do(t, "POST", "/v1/sales/1/mails.json", token, `{"mail":{"type":"delivered"}}`)
	assert.Equal(t, 500, resp.StatusCode)
	assert.Equal(t, 1, e.sb.Counters().MailsBySale[1], "the mail went out")

	e.sb.SetFaults(sandbox.Faults{Burst429: 2})
	for range 2 {
		resp, _ := e.do(t, "GET", "/v1/sales/1.json", token, nil)
		assert.Equal(t, 429, resp.StatusCode)
		assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	}
	resp, _ = e.do(t, "GET", "/v1/sales/1.json", token, nil)
	assert.Equal(t, 200, resp.StatusCode)

	e.sb.SetFaults(sandbox.Faults{MalformedRate: 1})
	resp, body = e.do(t, "GET", "/v1/sales.json?ids=1", token, nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.False(t, json.Valid(body), string(body))

	e.sb.SetFaults(sandbox.Faults{TimeoutRate: 1, Timeout: 50 * time.Millisecond})
	req, _ := http.NewRequest("PUT", e.ts.URL+"/v1/sales/1.json", strings.NewReader(`{"sale":{"sale_deliveries":[{"id":11,"slip_number":"C"}]}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	_, err := http.DefaultClient.Do(req)
	assert.Error(t, err, "the connection is closed")
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	got, _ = e.sb.Sale(1)
	assert.Equal(t, "B", got.SaleDeliveries[0].Slip(), "a timeout applies nothing")

	c := e.sb.Counters()
	assert.Equal(t, 5+2+2+1+1, c.Faults)
	assert.Zero(t, c.Rejected429, "Burst429 is a fault, not the rate limit")
	assert.Equal(t, 1, c.WritesApplied)

	// Determinism: the same seed gives the same sequence.
	seq := func() []int {
		e.sb.SetFaults(sandbox.Faults{ErrorRate: 0.5, Seed: 42})
		var out []int
		for range 20 {
			resp, _ := e.do(t, "GET", "/v1/shop.json", token, nil)
			out = append(out, resp.StatusCode)
		}
		return out
	}
	assert.Equal(t, seq(), seq())
}

func TestLatency(t *testing.T) {
	e := newEnv(t, sandbox.Options{Latency: 30 * time.Millisecond})
	start := time.Now()
	resp, _ := e.do(t, "GET", "/v1/shop.json", token, nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	for _, path := range []string{"/v1/products.json", "/v1/products/1.json"} { // products are /v1 requests too
		start = time.Now()
		resp, _ = e.do(t, "GET", path, token, nil)
		assert.NotZero(t, resp.StatusCode)
		assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, path)
	}
}

const (
	clientID    = "app"
	secret      = "s3cret"
	redirectURI = "http://127.0.0.1:9999/callback"
)

func newOAuthEnv(t *testing.T) *env {
	return newEnv(t, sandbox.Options{Clients: []sandbox.OAuthClient{{ID: clientID, Secret: secret, RedirectURI: redirectURI}}})
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize calls /oauth/authorize and returns the status and the redirect target.
func (e *env) authorize(t *testing.T, q url.Values) (int, *url.URL) {
	t.Helper()
	resp, err := noRedirect.Get(e.ts.URL + "/oauth/authorize?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return resp.StatusCode, nil
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return resp.StatusCode, u
}

func authQuery(auto string) url.Values {
	return url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"read_sales write_sales"}, "state": {"xyz"}, "auto": {auto}}
}

func (e *env) exchange(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(e.ts.URL+"/oauth/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func tokenForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"client_id": {clientID}, "client_secret": {secret}}
}

func TestOAuthHappyPath(t *testing.T) {
	e := newOAuthEnv(t)
	e.sb.Seed(sale(1, e.clock.Now()))

	status, u := e.authorize(t, authQuery("approve"))
	require.Equal(t, 302, status)
	assert.Equal(t, "127.0.0.1:9999", u.Host)
	assert.Equal(t, "xyz", u.Query().Get("state"))
	code := u.Query().Get("code")
	require.NotEmpty(t, code)

	// golang.org/x/oauth2 sends the client credentials in basic auth.
	conf := oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: e.ts.URL + "/oauth/authorize", TokenURL: e.ts.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := conf.Exchange(context.Background(), code)
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType, "as ColorMe answers")
	assert.Equal(t, "read_sales write_sales", tok.Extra("scope"))

	resp, body := e.do(t, "GET", "/v1/sales.json", tok.AccessToken, nil)
	assert.Equal(t, 200, resp.StatusCode, string(body))
	resp, _ = e.do(t, "PUT", "/v1/sales/1.json", tok.AccessToken, `{"sale":{}}`)
	assert.Equal(t, 200, resp.StatusCode)

	// The interactive page posts the decision back.
	resp, err = http.Get(e.ts.URL + "/oauth/authorize?" + url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"read_sales"}, "state": {"s"}}.Encode())
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(page), `value="approve"`)
	assert.Contains(t, string(page), `value="deny"`)
	resp, err = noRedirect.PostForm(e.ts.URL+"/oauth/authorize", url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI},
		"response_type": {"code"}, "scope": {"read_sales"}, "state": {"s"}, "decision": {"approve"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 302, resp.StatusCode)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	status, out := e.exchange(t, tokenForm(loc.Query().Get("code")))
	require.Equal(t, 200, status)
	assert.Equal(t, "read_sales", out["scope"])

	// A read-only token cannot write: 401010, as ColorMe answers a missing scope.
	resp, body = e.do(t, "PUT", "/v1/sales/1.json", out["access_token"].(string), `{"sale":{}}`)
	assert.Equal(t, 401, resp.StatusCode)
	requireError(t, body, 401, colorme.CodeInvalidToken)
}

func TestOAuthErrors(t *testing.T) {
	e := newOAuthEnv(t)

	status, u := e.authorize(t, authQuery("deny"))
	require.Equal(t, 302, status)
	assert.Equal(t, "access_denied", u.Query().Get("error"))
	assert.Contains(t, u.Query().Get("error_description"), "拒否", "ColorMe's Japanese description")
	assert.Equal(t, "xyz", u.Query().Get("state"))
	assert.Empty(t, u.Query().Get("code"))

	q := authQuery("approve")
	q.Set("redirect_uri", redirectURI+"/evil")
	status, _ = e.authorize(t, q)
	assert.Equal(t, 400, status, "redirect_uri must match exactly")
	q = authQuery("approve")
	q.Set("client_id", "nobody")
	status, _ = e.authorize(t, q)
	assert.Equal(t, 400, status, "unknown client")
	q = authQuery("approve")
	q.Set("scope", "read_sales delete_everything")
	status, u = e.authorize(t, q)
	require.Equal(t, 302, status)
	assert.Equal(t, "invalid_scope", u.Query().Get("error"))

	newCode := func() string {
		_, u := e.authorize(t, authQuery("approve"))
		return u.Query().Get("code")
	}

	form := tokenForm(newCode())
	form.Set("client_secret", "wrong")
	status, out := e.exchange(t, form)
	assert.Equal(t, 401, status)
	assert.Equal(t, "invalid_client", out["error"])

	form = tokenForm(newCode())
	form.Set("redirect_uri", "http://127.0.0.1:9999/other")
	status, out = e.exchange(t, form)
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_grant", out["error"])

	code := newCode()
	status, _ = e.exchange(t, tokenForm(code))
	require.Equal(t, 200, status)
	status, out = e.exchange(t, tokenForm(code))
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_grant", out["error"])
	assert.Contains(t, out["error_description"], "used")

	code = newCode()
	e.clock.Add(10*time.Minute + time.Second)
	status, out = e.exchange(t, tokenForm(code))
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_grant", out["error"])
	assert.Contains(t, out["error_description"], "expired")

	status, out = e.exchange(t, tokenForm("made-up"))
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_grant", out["error"])

	form = tokenForm(newCode())
	form.Set("grant_type", "refresh_token")
	status, out = e.exchange(t, form)
	assert.Equal(t, 400, status)
	assert.Equal(t, "unsupported_grant_type", out["error"])

	form = tokenForm("")
	form.Del("code")
	status, out = e.exchange(t, form)
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_request", out["error"], "no code: invalid_request")

	form = tokenForm(newCode())
	form.Set("grant_type", "password")
	resp, err := http.PostForm(e.ts.URL+"/oauth/token", form)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode, "grant_type=password: 403")
	assert.Empty(t, body, "with an empty body")
}

func TestAdminAPI(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	post := func(method, path, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, e.ts.URL+path, bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, body := post("POST", "/_sandbox/sales", `[{"id":5,"make_date":1741568400,"sale_deliveries":[{"id":51,"slip_number":null,"delivered":true}]}]`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	resp, body = post("GET", "/_sandbox/sales", "")
	require.Equal(t, 200, resp.StatusCode)
	var sales []colorme.Sale
	require.NoError(t, json.Unmarshal(body, &sales))
	require.Len(t, sales, 1)
	assert.True(t, sales[0].Delivered)
	assert.Equal(t, int64(1741568400), sales[0].UpdateDate)

	resp, _ = post("POST", "/_sandbox/tokens", `{"token":"t2"}`)
	require.Equal(t, 204, resp.StatusCode)
	r2, _ := e.do(t, "GET", "/v1/sales/5.json", "t2", nil)
	assert.Equal(t, 200, r2.StatusCode)
	resp, _ = post("DELETE", "/_sandbox/tokens", `{"token":"t2"}`)
	require.Equal(t, 204, resp.StatusCode)
	r2, _ = e.do(t, "GET", "/v1/sales/5.json", "t2", nil)
	assert.Equal(t, 401, r2.StatusCode)

	resp, body = post("GET", "/_sandbox/counters", "")
	require.Equal(t, 200, resp.StatusCode)
	var c sandbox.Counters
	require.NoError(t, json.Unmarshal(body, &c))
	assert.Equal(t, 2, c.Requests)
	assert.Equal(t, 1, c.MaxPerMinute["t2"])

	resp, body = post("PUT", "/_sandbox/faults", `{"error_rate":0.25,"timeout":"2s","burst_429":3,"seed":7}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	f := e.sb.CurrentFaults()
	assert.Equal(t, sandbox.Faults{ErrorRate: 0.25, Timeout: 2 * time.Second, Burst429: 3, Seed: 7}, f)
	assert.JSONEq(t, `{"error_rate":0.25,"timeout_rate":0,"timeout":"2s","after_write_error_rate":0,"burst_429":3,"malformed_rate":0,"seed":7}`, string(body))
	resp, _ = post("PUT", "/_sandbox/faults", `{"timeout":"soon"}`)
	assert.Equal(t, 400, resp.StatusCode)

	resp, _ = post("POST", "/_sandbox/reset-counters", "")
	require.Equal(t, 204, resp.StatusCode)
	assert.Zero(t, e.sb.Counters().Requests)
	resp, _ = post("POST", "/_sandbox/reset", "")
	require.Equal(t, 204, resp.StatusCode)
	assert.Empty(t, e.sb.Sales())
}

// TestMailStateNull: a sale seeded with MailStateNull is served with
// "delivered_mail_state": null, as ColorMe's documented example sale is.
func TestMailStateNull(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now()
	s := sale(1, now, delivery(11, "", false))
	s.DeliveredMailState = sandbox.MailStateNull
	e.sb.Seed(s, sale(2, now, delivery(21, "", false)))
	resp, body := e.do(t, "GET", "/v1/sales.json?ids=1,2&fields=delivered_mail_state", token, nil)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var raw struct{ Sales []map[string]any }
	require.NoError(t, json.Unmarshal(body, &raw))
	require.Len(t, raw.Sales, 2)
	v, ok := raw.Sales[0]["delivered_mail_state"]
	assert.True(t, ok, "the key is there")
	assert.Nil(t, v, "and null")
	assert.Equal(t, colorme.MailNotYet, raw.Sales[1]["delivered_mail_state"], "the default is not_yet")
	got, _ := e.sb.Sale(1)
	assert.Empty(t, got.DeliveredMailState)
}
