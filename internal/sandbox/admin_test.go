package sandbox_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

// TestAdminRefusals: the admin API answers 400 with {"error": …} for a body
// that is not JSON or misses a field, and 204 for a setting it applies.
func TestAdminRefusals(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	for _, c := range []struct {
		method, path, body string
		status             int
		error              string
	}{
		{"PUT", "/_sandbox/rate-limit", `{"per_minute":`, http.StatusBadRequest, "bad JSON body: unexpected EOF"},
		{"PUT", "/_sandbox/rate-limit", `{"per_minute":120}`, http.StatusNoContent, ""},
		{"PUT", "/_sandbox/max-limit", `{"max_limit":-1}`, http.StatusBadRequest, "max_limit must be 0 (ColorMe's 100) or more"},
		{"PUT", "/_sandbox/latency", `{"latency":"soon"}`, http.StatusBadRequest, "latency must be a Go duration such as 50ms"},
		{"PUT", "/_sandbox/latency", `{"latency":"-1ms"}`, http.StatusNoContent, ""},
		{"PUT", "/_sandbox/latency", `{"latency":"0s"}`, http.StatusNoContent, ""},
		{"PUT", "/_sandbox/stale-reads", `{"delay":"-1s"}`, http.StatusBadRequest, "delay must be a Go duration such as 5s (0s = off)"},
		{"PUT", "/_sandbox/strict", `{"strict":false}`, http.StatusNoContent, ""},
		{"POST", "/_sandbox/tokens", `{}`, http.StatusBadRequest, "token is required"},
		{"POST", "/_sandbox/clients", `{"redirect_uri":"http://x/cb"}`, http.StatusBadRequest, "id is required"},
		{"POST", "/_sandbox/clients", `{"id":"app"}`, http.StatusBadRequest, "redirect_uri is required"},
		{"POST", "/_sandbox/clients", `{"id":"app","secret":"s","redirect_uri":"http://x/cb"}`, http.StatusNoContent, ""},
		{"POST", "/_sandbox/products/cancel", `{"sale_id":99}`, http.StatusNotFound, "no sale 99"},
		{"POST", "/_sandbox/products/order", `{"sale_id":5,"items":[{"product_id":7,"quantity":1}]}`, http.StatusConflict, "no product 7"},
		{"PUT", "/_sandbox/deliveries", `[{"id":1,"name":"a"},{"id":1,"name":"b"}]`, http.StatusBadRequest, "every method needs a positive id, each once"},
	} {
		resp, body := e.do(t, c.method, c.path, "", c.body)
		require.Equal(t, c.status, resp.StatusCode, "%s %s %s: %s", c.method, c.path, c.body, body)
		if c.error != "" {
			assert.JSONEq(t, `{"error":`+quote(c.error)+`}`, string(body), "%s %s", c.method, c.path)
		} else {
			assert.Empty(t, body)
		}
	}
	resp, body := e.do(t, "POST", "/_sandbox/products", "", []colorme.Product{{ID: 7, Name: "マグ", StockManaged: true, Stocks: 3}})
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.JSONEq(t, `{"seeded":1}`, string(body))
	resp, body = e.do(t, "POST", "/_sandbox/products/order", "", `{"sale_id":5,"items":[{"product_id":7,"quantity":1}]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.JSONEq(t, `{"sale_id":5}`, string(body))
	resp, body = e.do(t, "POST", "/_sandbox/products/cancel", "", `{"sale_id":5}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(body))
	p, _ := e.sb.Product(7)
	assert.Equal(t, int64(3), p.Stocks, "the cancellation gave the stock back")
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
