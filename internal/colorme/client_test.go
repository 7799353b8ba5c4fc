package colorme_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

const testToken = "tok-SECRET-0123456789abcdef"

func newClient(t *testing.T, h http.HandlerFunc, mod ...func(*colorme.Config)) (*colorme.Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := colorme.Config{BaseURL: srv.URL + "/", AccessToken: testToken, Timeout: 5 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	return colorme.New(cfg), srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func saleJSON(id int64) map[string]any {
	return map[string]any{"sale": map[string]any{"id": id, "make_date": 1763600000, "sale_deliveries": []any{
		map[string]any{"id": id*10 + 1, "slip_number": nil, "delivered": false},
	}}}
}

func TestBearerHeaderAndUserAgent(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		assert.Equal(t, "colorme-sync", r.Header.Get("User-Agent"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "/v1/sales/42.json", r.URL.Path)
		writeJSON(w, 200, saleJSON(42))
	})
	s, err := c.GetSale(context.Background(), 42)
	require.NoError(t, err)
	assert.Equal(t, int64(42), s.ID)
	require.Len(t, s.SaleDeliveries, 1)
	assert.Nil(t, s.SaleDeliveries[0].SlipNumber)
}

func TestShop(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/v1/shop.json", r.URL.Path)
		writeJSON(w, 200, map[string]any{"shop": map[string]any{"id": "PA01234567", "name": "テスト店", "url": "x"}})
	})
	shop, err := c.Shop(context.Background())
	require.NoError(t, err)
	assert.Equal(t, colorme.ShopInfo{ID: "PA01234567", Name: "テスト店"}, shop)
}

func TestTokenNeverInErrors(t *testing.T) {
	echo := func(status int, oauth bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			if oauth {
				writeJSON(w, status, map[string]any{"error": "invalid_token", "error_description": "bad " + auth})
				return
			}
			writeJSON(w, status, colorme.ErrorBody{Errors: []colorme.ErrorItem{{Code: 500000, Message: "echo " + auth, Status: status}}})
		}
	}
	cases := map[string]http.HandlerFunc{
		"colorme 500 echoing the header": echo(500, false),
		"oauth 401 echoing the header":   echo(401, true),
		"plain text echoing the header": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "header was "+r.Header.Get("Authorization"), http.StatusBadGateway)
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			c, _ := newClient(t, h)
			_, err := c.SalesByIDs(context.Background(), []int64{1})
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testToken)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), testToken)
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		c := colorme.New(colorme.Config{BaseURL: "http://" + addr, AccessToken: testToken})
		err = c.SendDeliveredMail(context.Background(), 7)
		ae, ok := colorme.AsAPIError(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, 0, ae.Status)
		assert.True(t, ae.Retryable())
		assert.Contains(t, ae.Message, "connection refused")
		assert.Equal(t, "POST /v1/sales/7/mails.json", ae.Op)
		assert.NotContains(t, err.Error(), testToken)
	})
}

func TestSalesByIDsChunks(t *testing.T) {
	var mu sync.Mutex
	var requests [][]string
	var gets []string
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/v1/sales.json" { // an id the list did not answer is confirmed
			mu.Lock()
			gets = append(gets, r.URL.Path)
			mu.Unlock()
			writeJSON(w, 404, map[string]any{"errors": []any{map[string]any{"code": 404100, "message": "not found", "status": 404}}})
			return
		}
		assert.Equal(t, "100", q.Get("limit"))
		assert.NotEmpty(t, q.Get("before"), "both date bounds are sent")
		assert.Equal(t, "id,make_date,update_date,canceled,delivered,delivered_mail_state,segment,sale_deliveries,paid,paid_mail_state", q.Get("fields"))
		assert.NotEmpty(t, q.Get("after"), "without a date ColorMe searches only the last 7 days")
		ids := strings.Split(q.Get("ids"), ",")
		mu.Lock()
		requests = append(requests, ids)
		mu.Unlock()
		var sales []map[string]any
		for _, s := range ids {
			id, err := strconv.ParseInt(s, 10, 64)
			require.NoError(t, err)
			if id%10 == 0 {
				continue // ColorMe does not know this one
			}
			sales = append(sales, map[string]any{"id": id, "sale_deliveries": []any{}})
		}
		if q.Get("stray") != "" {
			sales = append(sales, map[string]any{"id": 999999}) // never asked for
		}
		writeJSON(w, 200, map[string]any{"sales": sales, "meta": map[string]any{"total": len(sales), "limit": 100, "offset": 0}})
	})
	ids := make([]int64, 250)
	for i := range ids {
		ids[i] = int64(1000 + i)
	}
	sales, err := c.SalesByIDs(context.Background(), ids)
	require.NoError(t, err)

	require.Len(t, requests, 3)
	seen := map[string]bool{}
	for _, r := range requests {
		assert.LessOrEqual(t, len(r), 100)
		for _, id := range r {
			seen[id] = true
		}
	}
	assert.Len(t, seen, 250)
	assert.Len(t, sales, 225) // 25 ids end in 0
	for _, s := range sales {
		assert.NotZero(t, s.ID%10)
	}
	assert.Len(t, gets, 25, "each missing id is confirmed once with GET /v1/sales/{id}.json")
	assert.Contains(t, gets, "/v1/sales/1000.json")

	empty, err := c.SalesByIDs(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
	assert.Len(t, requests, 3, "no ids, no request")
}

// TestSalesByIDsReadsOn: ColorMe serves at most 50 sales per request whatever
// limit is asked (older docs) and says so in meta.limit; SalesByIDs reads the
// rest by offset instead of reporting half the sales as missing.
func TestSalesByIDsReadsOn(t *testing.T) {
	var mu sync.Mutex
	var offsets []string
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		require.Equal(t, "/v1/sales.json", r.URL.Path, "no sale is missing: no GET by id")
		mu.Lock()
		offsets = append(offsets, q.Get("offset"))
		mu.Unlock()
		var matched []map[string]any
		for _, p := range strings.Split(q.Get("ids"), ",") {
			id, _ := strconv.ParseInt(p, 10, 64)
			matched = append(matched, map[string]any{"id": id, "sale_deliveries": []any{}})
		}
		off, _ := strconv.Atoi(q.Get("offset"))
		page := matched[min(off, len(matched)):min(off+50, len(matched))]
		writeJSON(w, 200, map[string]any{"sales": page, "meta": map[string]any{"total": len(matched), "limit": 50, "offset": off}})
	})
	ids := make([]int64, 130)
	for i := range ids {
		ids[i] = int64(5000 + i)
	}
	sales, err := c.SalesByIDs(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, sales, 130, "every sale ColorMe has is returned")
	assert.Equal(t, []string{"", "50", ""}, offsets, "100 ids: offsets 0 and 50; 30 ids: one page")
}

// TestSalesByIDsConfirmsMissing: a sale the list search does not answer is
// looked up by id before it is called missing; only a 404 makes it absent.
func TestSalesByIDsConfirmsMissing(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/sales.json": // the search answers only 1
			writeJSON(w, 200, map[string]any{"sales": []any{map[string]any{"id": 1}}, "meta": map[string]any{"total": 1, "limit": 100, "offset": 0}})
		case "/v1/sales/2.json":
			writeJSON(w, 200, saleJSON(2))
		case "/v1/sales/3.json":
			writeJSON(w, 404, map[string]any{"errors": []any{map[string]any{"code": 404100, "message": "not found", "status": 404}}})
		case "/v1/sales/4.json":
			writeJSON(w, 503, map[string]any{"errors": []any{map[string]any{"code": 503100, "message": "down", "status": 503}}})
		default:
			t.Errorf("unexpected %s", r.URL.Path)
		}
	})
	sales, err := c.SalesByIDs(context.Background(), []int64{1, 2, 3})
	require.NoError(t, err)
	var got []int64
	for _, s := range sales {
		got = append(got, s.ID)
	}
	assert.Equal(t, []int64{1, 2}, got, "2 exists (GET found it), 3 does not (404)")

	_, err = c.SalesByIDs(context.Background(), []int64{1, 4})
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok, "an unconfirmed absence is an error, not a missing sale: %v", err)
	assert.True(t, ae.Retryable())
}

func TestListSalesParams(t *testing.T) {
	var got map[string][]string
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		writeJSON(w, 200, map[string]any{"sales": []any{map[string]any{"id": 5, "make_date": 1795136400, "update_date": 1795136400}}, "meta": map[string]any{"total": 31, "limit": 10, "offset": 20}})
	})
	page, err := c.ListSales(context.Background(), colorme.ListQuery{
		After:      time.Date(2026, 11, 19, 15, 0, 0, 0, time.UTC),
		Before:     time.Date(2026, 11, 20, 23, 59, 59, 0, time.FixedZone("JST", 9*3600)),
		UpdatedMin: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("PST", -8*3600)),
		Limit:      10,
		Offset:     20,
		Fields:     []string{"id", "make_date"},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"2026-11-20 00:00:00"}, got["after"])
	assert.Equal(t, []string{"2026-11-20 23:59:59"}, got["before"])
	assert.Equal(t, []string{"2026-01-01 17:00:00"}, got["update_date_min"])
	assert.NotContains(t, got, "update_date_max")
	assert.Equal(t, []string{"10"}, got["limit"])
	assert.Equal(t, []string{"20"}, got["offset"])
	assert.Equal(t, []string{"id,make_date,update_date"}, got["fields"], "the dates are always fetched, to check the answer")
	assert.Equal(t, colorme.Meta{Total: 31, Limit: 10, Offset: 20}, page.Meta)
	require.Len(t, page.Sales, 1)
	assert.Equal(t, int64(5), page.Sales[0].ID)

	_, err = c.ListSales(context.Background(), colorme.ListQuery{})
	assert.Empty(t, got, "zero query sends nothing")
	var me *colorme.MismatchError
	require.ErrorAs(t, err, &me, "the fixture answers offset 20 to a query without offset")
	assert.Contains(t, me.Problem, "offset 0 asked, meta.offset 20")
	assert.False(t, colorme.Retryable(err))
}

func TestErrorDecoding(t *testing.T) {
	colorMeErr := func(status, code int, msg string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, status, colorme.ErrorBody{Errors: []colorme.ErrorItem{{Code: code, Message: msg, Status: status}}})
		}
	}
	long := strings.Repeat("あ", 500)
	cases := []struct {
		name      string
		h         http.HandlerFunc
		status    int
		code      int
		msg       string // substring
		retryable bool
		unauth    bool
	}{
		{"404100", colorMeErr(404, 404100, "対象の受注が存在しません"), 404, 404100, "対象の受注が存在しません", false, false},
		{"401010", colorMeErr(401, 401010, "認証に失敗しました"), 401, 401010, "認証に失敗しました", false, true},
		{"401010 on 403", colorMeErr(403, 401010, "スコープがありません"), 403, 401010, "スコープ", false, true},
		{"403 slow down", colorMeErr(403, 403100, "Forbidden"), 403, 403100, "Forbidden", true, false},
		{"422", colorMeErr(422, 422100, "不正な値です"), 422, 422100, "不正な値です", false, false},
		{"400", colorMeErr(400, 400100, "bad"), 400, 400100, "bad", false, false},
		{"500", colorMeErr(500, 500000, "internal"), 500, 500000, "internal", true, false},
		{"502 html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "<html><body>Bad Gateway</body></html>")
		}, 502, 0, "Bad Gateway", true, false},
		{"503 empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, 503, 0, "Service Unavailable", true, false},
		{"oauth shape", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, map[string]string{"error": "invalid_token", "error_description": "The access token was revoked"})
		}, 401, 0, "invalid_token: The access token was revoked", false, true},
		{"other json", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, map[string]string{"message": "nope"})
		}, 400, 0, `{"message":"nope"}`, false, false},
		{"long text", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, long)
		}, 500, 0, strings.Repeat("あ", 200) + "…", true, false},
		{"redirect not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusFound)
		}, 302, 0, "", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newClient(t, tc.h)
			_, err := c.UpdateDeliveries(context.Background(), 123, []colorme.DeliveryUpdate{{ID: 1, Delivered: ptr(true)}})
			ae, ok := colorme.AsAPIError(err)
			require.True(t, ok, "%T %v", err, err)
			assert.Equal(t, "PUT /v1/sales/123.json", ae.Op)
			assert.Equal(t, tc.status, ae.Status)
			assert.Equal(t, tc.code, ae.Code)
			assert.Contains(t, ae.Message, tc.msg)
			assert.LessOrEqual(t, len([]rune(ae.Message)), 201)
			assert.Equal(t, tc.retryable, ae.Retryable())
			assert.Equal(t, tc.retryable, colorme.Retryable(err))
			assert.Equal(t, tc.unauth, ae.Unauthorized())
			assert.Zero(t, ae.RetryAfter)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	future := time.Now().Add(120 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name     string
		status   int
		header   string
		min, max time.Duration
	}{
		{"429 seconds", 429, "17", 17 * time.Second, 17 * time.Second},
		{"503 seconds", 503, " 5 ", 5 * time.Second, 5 * time.Second},
		{"429 http-date", 429, future, 100 * time.Second, 121 * time.Second},
		{"429 past date", 429, "Wed, 21 Oct 2015 07:28:00 GMT", 0, 0},
		{"429 garbage", 429, "soon", 0, 0},
		{"429 absent", 429, "", 0, 0},
		{"500 ignored", 500, "30", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
			})
			_, err := c.GetSale(context.Background(), 1)
			ae, ok := colorme.AsAPIError(err)
			require.True(t, ok)
			assert.Equal(t, tc.status, ae.Status)
			assert.True(t, ae.Retryable())
			assert.GreaterOrEqual(t, ae.RetryAfter, tc.min)
			assert.LessOrEqual(t, ae.RetryAfter, tc.max)
		})
	}
}

func TestMalformedSuccessBody(t *testing.T) {
	bodies := map[string]string{
		"html":          "<html>maintenance</html>",
		"truncated":     `{"sales":[{"id":1,"sale_deliveries":[`,
		"null":          "null",
		"no sales key":  `{"meta":{"total":0}}`,
		"sales not arr": `{"sales":{"id":1}}`,
		"wrong type":    `{"sales":[{"id":"x"}]}`,
		"empty":         "",
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
			_, err := c.ListSales(context.Background(), colorme.ListQuery{})
			var de *colorme.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "GET /v1/sales.json", de.Op)
			assert.Contains(t, err.Error(), "malformed response body")
			assert.True(t, de.Retryable())
			assert.True(t, colorme.Retryable(err))
			_, isAPI := colorme.AsAPIError(err)
			assert.False(t, isAPI)
		})
	}
	t.Run("sale without id", func(t *testing.T) {
		c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"sale":null}`) })
		_, err := c.GetSale(context.Background(), 3)
		var de *colorme.DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "GET /v1/sales/3.json", de.Op)
	})
}

func TestTimeout(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}, func(cfg *colorme.Config) { cfg.Timeout = 50 * time.Millisecond })
	start := time.Now()
	_, err := c.GetSale(context.Background(), 1)
	assert.Less(t, time.Since(start), 3*time.Second)
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 0, ae.Status)
	assert.True(t, ae.Retryable())
	assert.Equal(t, "timeout after 50ms", ae.Message)
	assert.NotContains(t, err.Error(), testToken)
}

func TestCallerCancelIsNotAnAPIError(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err := c.GetSale(ctx, 1)
	require.ErrorIs(t, err, context.Canceled)
	_, ok := colorme.AsAPIError(err)
	assert.False(t, ok)
	assert.False(t, colorme.Retryable(err))
}

type countingLimiter struct {
	calls atomic.Int32
	err   error
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.calls.Add(1)
	return l.err
}

func TestLimiterBeforeEveryRequest(t *testing.T) {
	var requests atomic.Int32
	lim := &countingLimiter{}
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		assert.Equal(t, n, lim.calls.Load(), "limiter consulted before the request")
		switch {
		case r.URL.Path == "/v1/sales.json":
			sales := []any{}
			if ids := r.URL.Query().Get("ids"); ids != "" {
				for _, p := range strings.Split(ids, ",") {
					id, _ := strconv.ParseInt(p, 10, 64)
					sales = append(sales, map[string]any{"id": id})
				}
			}
			writeJSON(w, 200, map[string]any{"sales": sales, "meta": map[string]any{"total": len(sales), "limit": 100}})
		case r.URL.Path == "/v1/shop.json":
			writeJSON(w, 200, map[string]any{"shop": map[string]any{"id": "PA1"}})
		case r.Method == http.MethodPost:
			w.WriteHeader(204)
		default:
			writeJSON(w, 200, saleJSON(1))
		}
	}, func(cfg *colorme.Config) { cfg.Limiter = lim })
	ctx := context.Background()
	ids := make([]int64, 201)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	_, err := c.SalesByIDs(ctx, ids) // 3 requests
	require.NoError(t, err)
	_, err = c.ListSales(ctx, colorme.ListQuery{})
	require.NoError(t, err)
	_, err = c.GetSale(ctx, 1)
	require.NoError(t, err)
	_, err = c.UpdateDeliveries(ctx, 1, []colorme.DeliveryUpdate{{ID: 11, Delivered: ptr(true)}})
	require.NoError(t, err)
	require.NoError(t, c.SendDeliveredMail(ctx, 1))
	_, err = c.Shop(ctx)
	require.NoError(t, err)
	assert.Equal(t, int32(8), lim.calls.Load())
	assert.Equal(t, int32(8), requests.Load())

	lim.err = context.DeadlineExceeded
	_, err = c.GetSale(ctx, 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int32(8), requests.Load(), "no request when the limiter refuses")
}

func TestSendDeliveredMailIgnoresSuccessBody(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "not json at all")
	})
	require.NoError(t, c.SendDeliveredMail(context.Background(), 9))
}

func TestUpdateDeliveriesRejectsEmpty(t *testing.T) {
	var requests atomic.Int32
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) { requests.Add(1) })
	_, err := c.UpdateDeliveries(context.Background(), 1, nil)
	require.Error(t, err)
	assert.Zero(t, requests.Load())
}

// --- request bodies against ColorMe's published input schemas ---

func TestRequestBodiesMatchSchema(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string][]byte{} // "METHOD path" → body
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		mu.Lock()
		bodies[r.Method+" "+r.URL.Path] = b
		mu.Unlock()
		if r.Method == http.MethodPost {
			writeJSON(w, 200, map[string]any{})
			return
		}
		writeJSON(w, 200, saleJSON(123))
	})
	ctx := context.Background()
	s, err := c.UpdateDeliveries(ctx, 123, []colorme.DeliveryUpdate{
		{ID: 1231, SlipNumber: ptr("4912-3456-7890"), Delivered: ptr(true)},
		{ID: 1232, Delivered: ptr(false)},
		{ID: 1233, SlipNumber: ptr("")},
	})
	require.NoError(t, err)
	assert.Equal(t, int64(123), s.ID)
	require.NoError(t, c.SendDeliveredMail(ctx, 123))

	put := bodies["PUT /v1/sales/123.json"]
	post := bodies["POST /v1/sales/123/mails.json"]
	require.NotEmpty(t, put)
	require.NotEmpty(t, post)
	var schemas map[string]*jsonschema.Schema
	for _, file := range operationFiles(t) {
		schemas = loadSchemas(t, file, "updateSale", "sendSalesMail")
		validate(t, schemas["updateSale"], put, 123)
		validate(t, schemas["sendSalesMail"], post, 123)
	}
	assert.JSONEq(t, `{"mail":{"type":"delivered"}}`, string(post))

	// Only id/slip_number/delivered, never a fee field.
	var req struct {
		Sale map[string][]map[string]any `json:"sale"`
	}
	require.NoError(t, json.Unmarshal(put, &req))
	require.Len(t, req.Sale, 1)
	dels := req.Sale["sale_deliveries"]
	require.Len(t, dels, 3)
	for _, d := range dels {
		for k := range d {
			assert.Contains(t, []string{"id", "slip_number", "delivered"}, k)
		}
		for _, fee := range []string{"noshi_charge", "card_charge", "wrapping_charge", "delivery_charge", "total_charge"} {
			assert.NotContains(t, d, fee)
		}
	}
	assert.Equal(t, map[string]any{"id": 1232.0, "delivered": false}, dels[1], "nil fields omitted")
	assert.Equal(t, map[string]any{"id": 1233.0, "slip_number": ""}, dels[2])

	// The schema really constrains: an unknown key is rejected.
	bad := bytes.Replace(put, []byte(`"id":1231`), []byte(`"id":1231,"bogus":1`), 1)
	inst := instance(t, bad, 123)
	assert.Error(t, schemas["updateSale"].Validate(inst))
}

func ptr[T any](v T) *T { return &v }

// operationFiles returns the operation schemas the repository carries
// (testdata/api-operations.json) and, when it exists beside the repository,
// ../shared/colorme/api-operations.json as an extra source.
func operationFiles(t *testing.T) []string {
	t.Helper()
	files := []string{filepath.Join("testdata", "api-operations.json")}
	// The package directory is <repo>/internal/colorme.
	shared := filepath.Join("..", "..", "..", "shared", "colorme", "api-operations.json")
	if _, err := os.Stat(shared); err == nil {
		files = append(files, shared)
	}
	return files
}

func loadSchemas(t *testing.T, file string, names ...string) map[string]*jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var ops struct {
		Tools []struct {
			Name        string          `json:"name"`
			InputSchema json.RawMessage `json:"inputSchema"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(data, &ops))
	out := map[string]*jsonschema.Schema{}
	comp := jsonschema.NewCompiler()
	for _, name := range names {
		for _, op := range ops.Tools {
			if op.Name != name {
				continue
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(op.InputSchema))
			require.NoError(t, err)
			url := "mem:///" + name + ".json"
			require.NoError(t, comp.AddResource(url, doc))
			out[name], err = comp.Compile(url)
			require.NoError(t, err)
		}
		require.Contains(t, out, name, "operation %s not in %s", name, file)
	}
	return out
}

func instance(t *testing.T, body []byte, saleID int64) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	require.NoError(t, err)
	m, ok := v.(map[string]any)
	require.True(t, ok, "body is not an object: %s", body)
	m["sale_id"] = json.Number(strconv.FormatInt(saleID, 10))
	return m
}

func validate(t *testing.T, s *jsonschema.Schema, body []byte, saleID int64) {
	t.Helper()
	assert.NoError(t, s.Validate(instance(t, body, saleID)), "body: %s", body)
}

// TestSalesByIDsOldSalesInSandbox: the sandbox applies ColorMe's 7-day default to
// lookups by id too, so a client that forgot `after` would not list a sale
// made months ago. SalesByIDs sends after and before and finds it with one list
// request (no confirming GET by id), with ColorMe's limit capped at 50 too.
func TestSalesByIDsOldSalesInSandbox(t *testing.T) {
	for _, maxLimit := range []int{0, 50} {
		sb := sandbox.New(sandbox.Options{Tokens: []string{testToken}, MaxLimit: maxLimit})
		srv := httptest.NewServer(sb)
		defer srv.Close()
		var ids []int64
		var sales []colorme.Sale
		for i := range 80 {
			id := int64(7000 + i)
			ids = append(ids, id)
			made := time.Now().AddDate(0, 0, -i*4) // up to ~316 days old
			sales = append(sales, colorme.Sale{ID: id, MakeDate: made.Unix(), SaleDeliveries: []colorme.SaleDelivery{{ID: id * 10}}})
		}
		sb.Seed(sales...)
		c := colorme.New(colorme.Config{BaseURL: srv.URL, AccessToken: testToken})

		got, err := c.SalesByIDs(context.Background(), ids)
		require.NoError(t, err)
		assert.Len(t, got, 80, "max limit %d: every sale, old ones included", maxLimit)
		wantReads := 1
		if maxLimit == 50 {
			wantReads = 2
		}
		assert.Equal(t, wantReads, sb.Counters().Reads, "found by the list itself, not by GETs by id")

		// What a client that forgets `after` would get.
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/sales.json?limit=100&ids=7000,7050", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		page, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		p, err := colorme.DecodeSalesPage(page)
		require.NoError(t, err)
		require.Len(t, p.Sales, 1, "without after only the last 7 days")
		assert.Equal(t, int64(7000), p.Sales[0].ID)
	}
}
