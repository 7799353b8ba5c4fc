package connect

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ParseCallback reads what the operator pasted: the whole address ColorMe
// redirected to (or just its query), or the bare authorization code. Only a bare
// code comes back without a state (Callback.Bare); an address must carry it.
func ParseCallback(pasted string) (Callback, error) {
	s := strings.TrimSpace(pasted)
	if s == "" {
		return Callback{}, fail(KindBadInput, nil, "nothing was pasted: paste the address ColorMe redirected to, or the code it displayed.")
	}
	if !strings.Contains(s, "://") && !strings.ContainsAny(s, "?=&") {
		if strings.ContainsAny(s, " \t") {
			return Callback{}, fail(KindBadInput, nil, "the pasted text is not an authorization code (it contains spaces): paste the address ColorMe redirected to, or only the code.")
		}
		return Callback{Code: s, Bare: true}, nil
	}
	query := s
	if i := strings.IndexByte(s, '?'); i >= 0 {
		query = s[i+1:]
	}
	query, _, _ = strings.Cut(query, "#")
	v, err := url.ParseQuery(query)
	if err != nil {
		return Callback{}, fail(KindBadInput, err, "the pasted address could not be read (%v): paste it again exactly as the browser shows it.", err)
	}
	cb := callbackFrom(v)
	if cb.Code == "" && cb.Error == "" {
		return Callback{}, fail(KindBadInput, nil, "the pasted address has neither code= nor error=: paste the address ColorMe redirected to after you approved.")
	}
	return cb, nil
}

func callbackFrom(v url.Values) Callback {
	return Callback{Code: v.Get("code"), State: v.Get("state"), Error: v.Get("error"), ErrorDescription: v.Get("error_description")}
}

// IsLocal reports whether the redirect URL points at this machine (localhost,
// 127.0.0.1 or ::1), so that `starter shop connect` can receive the redirect itself.
func IsLocal(redirectURL string) bool {
	u, err := url.Parse(redirectURL)
	if err != nil || u.Scheme != "http" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// Receiver serves a local redirect URL and hands over the first OAuth redirect
// that arrives on its path carrying the attempt's state. Any other request to
// that path (no state, a foreign state, a stray ?error=) is answered 400 and
// ignored, so another web page open in the operator's browser can neither
// connect the shop to its own ColorMe account nor abort the connection.
type Receiver struct {
	URL     string
	srv     *http.Server
	got     chan Callback
	mu      sync.Mutex
	ignored int // requests refused for a missing or foreign state
}

// Listen serves attempt a's redirect URL path on addr, or, when addr is "", on
// the redirect URL's own address, which must then be local (IsLocal). In a
// container addr is e.g. "0.0.0.0:8765", with that port published. Only a
// redirect with a's state is handed to Wait.
func Listen(a Attempt, addr string) (*Receiver, error) {
	redirectURL := a.RedirectURL
	if a.State == "" {
		return nil, errors.New("connect.Listen: the attempt has no state: call Flow.Begin first")
	}
	u, err := url.Parse(redirectURL)
	if err != nil {
		return nil, fmt.Errorf("redirect URL %q is not a URL: %w", redirectURL, err)
	}
	if addr == "" {
		if !IsLocal(redirectURL) {
			return nil, fmt.Errorf("redirect URL %s is not an http://localhost or http://127.0.0.1 address: paste the code instead (-code-only)", redirectURL)
		}
		port := u.Port()
		if port == "" {
			port = "80"
		}
		host := u.Hostname()
		if host == "localhost" {
			host = "127.0.0.1"
		}
		addr = net.JoinHostPort(host, port)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for the redirect (%v): stop what uses that port, or paste the code instead (-code-only)", addr, err)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	r := &Receiver{URL: redirectURL, got: make(chan Callback, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		cb := callbackFrom(req.URL.Query())
		if cb.Code == "" && cb.Error == "" {
			http.Error(w, "not an OAuth redirect: no code or error parameter", http.StatusBadRequest)
			return
		}
		if !SameState(cb.State, a.State) {
			r.mu.Lock()
			r.ignored++
			r.mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			_ = donePage.Execute(w, "この応答は現在の接続のものではないため無視しました (state が一致しません)。ターミナルに表示された最新の URL を開いてください。 (Ignored: this redirect does not carry the state of the current connection attempt; open the newest authorize URL the terminal shows.)")
			return
		}
		msg := "ColorMe の応答を受け取りました。ターミナルに戻って結果を確認してください。 (Received: return to the terminal for the result.)"
		select {
		case r.got <- cb:
		default:
			msg = "この接続の応答はすでに受け取っています。 (A redirect was already received for this attempt.)"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = donePage.Execute(w, msg) // the browser page is a courtesy; the terminal has the result
	})
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Ignored is the number of requests refused so far for a missing or foreign state.
func (r *Receiver) Ignored() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ignored
}

// Wait returns the first redirect carrying the attempt's state, or a
// KindRedirectMismatch error when none arrives before ctx ends (ColorMe shows an
// error page instead of redirecting when the redirect URL differs from the app's).
func (r *Receiver) Wait(ctx context.Context, shopID string) (Callback, error) {
	select {
	case cb := <-r.got:
		return cb, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return Callback{}, ctx.Err()
		}
		if n := r.Ignored(); n > 0 {
			return Callback{}, fail(KindStateMismatch, ctx.Err(), "no redirect with this attempt's state arrived at %s in time (%d request(s) without it were ignored): run %s again and open only the newest authorize URL it prints.",
				r.URL, n, rerun(shopID))
		}
		return Callback{}, fail(KindRedirectMismatch, ctx.Err(), "no redirect arrived at %s in time: if ColorMe showed an error about the redirect URL, make the shop's redirect_url exactly the app's リダイレクトURL with `starter shop set -shop %s redirect_url=…`, otherwise run %s again (or add -code-only and paste the address).",
			r.URL, shopID, rerun(shopID))
	}
}

// Close stops serving.
func (r *Receiver) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}

var donePage = template.Must(template.New("done").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>colorme-sync</title></head>
<body><p>{{.}}</p></body></html>
`))
