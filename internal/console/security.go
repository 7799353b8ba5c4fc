package console

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
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
		s.bodyDeadline(w, r)
		protected.ServeHTTP(w, r)
	})
}

// bodyDeadline bounds how slowly r's body may arrive: by BodyGrace from now,
// plus one second per BodyMinRate bytes as they come in. A body that trickles
// in more slowly is cut off and its connection closed, whether or not a
// handler reads it (the server drains an unread body under the same deadline).
// A 32 MB upload over a link of at least BodyMinRate gets through.
func (s *Server) bodyDeadline(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(w)
	start := time.Now()
	if err := rc.SetReadDeadline(start.Add(s.d.BodyGrace)); err != nil {
		return // not a connection that takes deadlines (HTTP/2 has its own limits)
	}
	r.Body = &minRateBody{ReadCloser: r.Body, rc: rc, start: start, grace: s.d.BodyGrace, rate: s.d.BodyMinRate}
}

// minRateBody moves its connection's read deadline on as the body arrives.
type minRateBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int
	n     int64
}

// Read reads from the body and extends the deadline by the bytes read.
func (b *minRateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.n += int64(n)
		_ = b.rc.SetReadDeadline(b.start.Add(b.grace + time.Duration(b.n)*time.Second/time.Duration(b.rate)))
	}
	return n, err
}

// HTTPServer is the console's http.Server on addr: a short deadline for the
// request line and headers, an idle timeout for kept-alive connections, and
// the body bounded by its minimum rate (see bodyDeadline) rather than by one
// ReadTimeout that would cut off a large upload on a slow link.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{Addr: addr, Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10}
}

// Login throttling: each attempt counts against its (account, client
// address) key before the password is checked, atomically, so parallel
// attempts cannot slip past the count. After throttleFree attempts within
// throttleWindow the key must wait, twice as long after each further attempt
// (at most throttleMaxWait). A success clears the key's count.
const (
	throttleFree    = 5
	throttleWindow  = 15 * time.Minute
	throttleBase    = 30 * time.Second
	throttleMaxWait = 15 * time.Minute
)

// lockFor is how long a key waits after its n-th counted attempt.
func lockFor(n int) time.Duration {
	if n < throttleFree {
		return 0
	}
	return min(throttleBase<<min(n-throttleFree, 10), throttleMaxWait)
}

// loginLimits is the throttle's policy as the store applies it.
var loginLimits = accounts.LoginLimits{LockFor: lockFor, Window: throttleWindow}

// clientAddr is the address a request came from (without the port): the
// peer's, or, when the peer is a trusted proxy, the last address in
// X-Forwarded-For that is not a trusted proxy.
func (s *Server) clientAddr(r *http.Request) string {
	peer := remoteIP(r.RemoteAddr)
	if !s.trusted(peer) {
		return peer.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing before it
		}
		ip = ip.Unmap()
		if !s.trusted(ip) {
			return ip.String()
		}
		peer = ip
	}
	return peer.String()
}

// trusted reports whether ip is one of the trusted proxies.
func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.d.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// remoteIP is the IP of a RemoteAddr (host:port); the zero Addr when it has none.
func remoteIP(addr string) netip.Addr {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, _ := netip.ParseAddr(strings.TrimSpace(host))
	return ip.Unmap()
}

// ParseProxies reads CONSOLE_TRUSTED_PROXIES: CIDRs or single addresses,
// separated by commas or spaces.
func ParseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !strings.Contains(f, "/") {
			ip, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("CONSOLE_TRUSTED_PROXIES: %q is not an address or a CIDR (e.g. 10.0.0.0/8)", f)
			}
			out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("CONSOLE_TRUSTED_PROXIES: %q is not an address or a CIDR (e.g. 10.0.0.0/8)", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
