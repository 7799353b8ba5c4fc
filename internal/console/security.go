package console

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// secured wraps the console in its browser defences: cross-origin form posts
// are refused (Sec-Fetch-Site / Origin, Go's CrossOriginProtection), and every
// answer carries a strict CSP that forbids framing and inline scripts.
func (s *Server) secured(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.d.Logger.Warn("console: cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		http.Error(w, "別のサイトからの送信は受け付けません。コンソールの画面から操作してください。 (cross-origin request refused)", http.StatusForbidden)
	}))
	protected := cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		if s.secure {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		protected.ServeHTTP(w, r)
	})
}

// Login throttling: after throttleFree failures within throttleWindow, an
// account or an address must wait, twice as long after each further failure
// (at most throttleMaxWait). A success clears the account's count.
const (
	throttleFree    = 5
	throttleWindow  = 15 * time.Minute
	throttleBase    = 30 * time.Second
	throttleMaxWait = 15 * time.Minute
)

type throttle struct {
	mu   sync.Mutex
	seen map[string]*failures
}

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

func newThrottle() *throttle { return &throttle{seen: map[string]*failures{}} }

// wait returns how long the keys must still wait before another attempt.
func (t *throttle) wait(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		if f := t.seen[k]; f != nil && f.until.After(now) {
			longest = max(longest, f.until.Sub(now))
		}
	}
	return longest
}

// fail counts a failed attempt against every key.
func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, f := range t.seen { // forget old entries
		if now.Sub(f.last) > throttleWindow && !f.until.After(now) {
			delete(t.seen, k)
		}
	}
	for _, k := range keys {
		f := t.seen[k]
		if f == nil {
			f = &failures{}
			t.seen[k] = f
		}
		f.n++
		f.last = now
		if f.n >= throttleFree {
			wait := throttleBase << min(f.n-throttleFree, 10)
			f.until = now.Add(min(wait, throttleMaxWait))
		}
	}
}

// clear forgets a key's failures.
func (t *throttle) clear(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, key)
}

// clientAddr is the address a request came from (without the port).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return strings.TrimSpace(host)
}
