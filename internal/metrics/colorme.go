package metrics

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// Transport wraps base (nil: http.DefaultTransport) so that every ColorMe
// request of the shop is counted by endpoint and status, with its latency.
func Transport(shopID string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{shop: ShopLabel(shopID), base: base}
}

type transport struct {
	shop string
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	ep := Endpoint(req.Method, req.URL.Path)
	callLatency.WithLabelValues(ep).Observe(time.Since(start).Seconds())
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	calls.WithLabelValues(t.shop, ep, status).Inc()
	return resp, err
}

var numbers = regexp.MustCompile(`/[0-9]+(/|$|\.json)`)

// Endpoint names a ColorMe request by method and path with its IDs replaced by
// {id}, e.g. "PUT /v1/sales/{id}": a bounded set of label values.
func Endpoint(method, path string) string {
	for numbers.MatchString(path) {
		path = numbers.ReplaceAllString(path, "/{id}$1")
	}
	return method + " " + path
}

// Limiter wraps the shop's API budget limiter so that calls that had to wait
// for a slot are counted, with the time they waited.
func Limiter(shopID string, l colorme.Limiter) colorme.Limiter {
	if l == nil {
		return nil
	}
	return &limiter{shop: ShopLabel(shopID), l: l}
}

type limiter struct {
	shop string
	l    colorme.Limiter
}

// budgetWaitFloor is the shortest wait counted as waiting for the budget: the
// reservation itself (a database round trip) takes a few milliseconds.
const budgetWaitFloor = 50 * time.Millisecond

// Wait implements colorme.Limiter.
func (l *limiter) Wait(ctx context.Context) error {
	start := time.Now()
	err := l.l.Wait(ctx)
	if d := time.Since(start); d >= budgetWaitFloor {
		budgetWaits.WithLabelValues(l.shop).Inc()
		budgetWaitSeconds.WithLabelValues(l.shop).Add(d.Seconds())
	}
	return err
}
