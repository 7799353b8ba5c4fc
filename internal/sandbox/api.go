package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/pause"
)

// Error codes of the ColorMe error shape. 401010 and 404100 are ColorMe's; the
// others are the sandbox's own (ColorMe does not publish them).
const (
	codeBadRequest    = 400100
	codeNotFound      = 404100
	codeMethod        = 405100
	codeUnprocessable = 422100
	codeTooMany       = 429100
	codeServer        = 500100
)

// Route kinds of /v1 requests.
const (
	kindShop = "shop" // GET /v1/shop.json
	kindList = "list" // GET /v1/sales.json
	kindGet  = "get"  // GET /v1/sales/{id}.json
	kindPut  = "put"  // PUT /v1/sales/{id}.json
	kindMail = "mail" // POST /v1/sales/{id}/mails.json
)

type route struct {
	kind   string
	id     int64
	status int // 404 or 405 when the request matches no endpoint
}

// verdict is what the gate (auth, rate limit, faults) decided for a request.
type verdict struct {
	status     int // != 0: answer this error instead of serving
	code       int
	message    string
	retryAfter int           // seconds, sent as Retry-After when > 0
	hang       time.Duration // timeout fault
	afterWrite bool          // apply, then answer 500
	malformed  bool          // answer a truncated JSON body
}

// parseRoute finds the endpoint of a /v1 request. Paths are served with and
// without ".json" (the current spec writes /v1/sales/{id}; working clients use
// both). A known path with a method it does not have is 405 in strict mode and
// 404 otherwise (the live API answers PATCH with 404).
func parseRoute(r *http.Request, strict bool) route {
	p := strings.TrimSuffix(r.URL.Path, ".json")
	var rt route
	want := http.MethodGet
	switch {
	case p == "/v1/shop":
		rt.kind = kindShop
	case methodsKind(p) != "":
		rt.kind = methodsKind(p)
	case p == "/v1/sales":
		rt.kind = kindList
	case strings.HasPrefix(p, "/v1/sales/"):
		rest := strings.TrimPrefix(p, "/v1/sales/")
		if idStr, ok := strings.CutSuffix(rest, "/mails"); ok {
			rt.kind, want, rest = kindMail, http.MethodPost, idStr
		} else {
			rt.kind = kindGet
			if r.Method == http.MethodPut {
				rt.kind, want = kindPut, http.MethodPut
			}
		}
		id, err := strconv.ParseInt(rest, 10, 64)
		if rt.kind == "" || err != nil {
			return route{status: http.StatusNotFound}
		}
		rt.id = id
	default:
		return route{status: http.StatusNotFound}
	}
	if r.Method != want {
		rt.status = http.StatusNotFound
		if strict {
			rt.status = http.StatusMethodNotAllowed
		}
	}
	return rt
}

func (s *Server) serveV1(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rt := parseRoute(r, s.opts.Strict)
	s.countLocked(rt)
	latency := s.opts.Latency
	s.mu.Unlock()
	if pause.For(r.Context(), latency) != nil {
		return
	}

	s.mu.Lock()
	v := s.gateLocked(bearer(r), rt)
	s.mu.Unlock()
	if v.hang > 0 {
		if pause.For(r.Context(), v.hang) != nil {
			return
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close() // the client sees the connection drop
			return
		}
		writeError(w, http.StatusGatewayTimeout, 504100, "Gateway Timeout", 0)
		return
	}
	if v.status != 0 {
		writeError(w, v.status, v.code, v.message, v.retryAfter)
		return
	}

	var status int
	var body any
	switch rt.kind {
	case kindShop:
		status, body = http.StatusOK, map[string]any{"shop": map[string]string{"id": "sandbox", "name": "Sandbox shop"}}
	case kindDeliveryMethods, kindPaymentMethods:
		status, body = s.serveMethods(rt.kind)
	case kindList:
		status, body = s.listSales(r)
	case kindGet:
		status, body = s.getSale(r, rt.id)
	case kindPut:
		status, body = s.writeSale(r, rt.id, s.updateSaleLocked)
	case kindMail:
		status, body = s.writeSale(r, rt.id, s.sendMailLocked)
	}
	ok := status < 300
	switch {
	case ok && v.afterWrite:
		s.countFault()
		writeError(w, http.StatusInternalServerError, codeServer, "Internal Server Error", 0)
	case ok && v.malformed:
		s.countFault()
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(b[:len(b)/2]) // the injected fault: half a body
	default:
		writeJSON(w, status, body)
	}
}

func (s *Server) countLocked(rt route) {
	s.counters.Requests++
	if rt.status != 0 {
		return
	}
	switch rt.kind {
	case kindList, kindGet:
		s.counters.Reads++
	case kindPut:
		s.counters.Writes++
		s.counters.WritesBySale[rt.id]++
	case kindMail:
		s.counters.Mails++
	}
}

func (s *Server) countFault() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters.Faults++
}

// gateLocked checks the token and its scope, the rate limit and the faults.
func (s *Server) gateLocked(token string, rt route) verdict {
	scopes, ok := s.tokens[token]
	if token == "" || !ok {
		return verdict{status: http.StatusUnauthorized, code: colorme.CodeInvalidToken, message: "アクセストークンが無効です (invalid access token)"}
	}
	if need := scopeFor(rt.kind); need != "" && scopes != nil && !scopes[need] {
		return verdict{status: http.StatusUnauthorized, code: colorme.CodeInvalidToken, message: "スコープが不足しています (missing scope " + need + ")"}
	}
	if s.burst > 0 {
		s.burst--
		s.counters.Faults++
		return verdict{status: http.StatusTooManyRequests, code: codeTooMany, message: "Too Many Requests", retryAfter: 1}
	}
	if wait, ok := s.admitLocked(token); !ok {
		s.counters.Rejected429++
		return verdict{status: http.StatusTooManyRequests, code: codeTooMany, message: "リクエスト数が上限を超えました (rate limit exceeded)", retryAfter: wait}
	}
	switch rt.status {
	case http.StatusNotFound:
		return verdict{status: rt.status, code: codeNotFound, message: "Not Found"}
	case http.StatusMethodNotAllowed:
		return verdict{status: rt.status, code: codeMethod, message: "Method Not Allowed"}
	}

	f := s.faults
	x := s.rng.Float64()
	switch {
	case x < f.ErrorRate:
		s.counters.Faults++
		st := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[s.rng.Intn(3)]
		v := verdict{status: st, code: st*1000 + 100, message: http.StatusText(st)}
		if st == http.StatusServiceUnavailable {
			v.retryAfter = 1
		}
		return v
	case x < f.ErrorRate+f.TimeoutRate:
		s.counters.Faults++
		return verdict{hang: f.Timeout}
	}
	var v verdict
	switch rt.kind {
	case kindPut, kindMail:
		v.afterWrite = f.AfterWriteErrorRate > 0 && s.rng.Float64() < f.AfterWriteErrorRate
	default:
		v.malformed = f.MalformedRate > 0 && s.rng.Float64() < f.MalformedRate
	}
	return v
}

// admitLocked applies the per-token sliding window (now−60 s, now]: it records an
// accepted request, or returns the whole seconds until a slot frees.
func (s *Server) admitLocked(token string) (retryAfter int, ok bool) {
	now := s.now()
	cut := now.Add(-time.Minute)
	win := s.windows[token]
	i := 0
	for i < len(win) && !win[i].After(cut) {
		i++
	}
	win = win[i:]
	if limit := s.opts.RateLimitPerMinute; limit > 0 && len(win) >= limit {
		s.windows[token] = win
		free := win[len(win)-limit].Add(time.Minute).Sub(now)
		return max(1, int((free+time.Second-1)/time.Second)), false
	}
	win = append(win, now)
	s.windows[token] = win
	s.counters.MaxPerMinute[token] = max(s.counters.MaxPerMinute[token], len(win))
	sp := s.counters.Spans[token]
	if sp.First.IsZero() {
		sp.First = now
	} else {
		sp.LongestGap = max(sp.LongestGap, now.Sub(sp.Last))
	}
	sp.Last = now
	s.counters.Spans[token] = sp
	return 0, true
}

func scopeFor(kind string) string {
	switch kind {
	case kindList, kindGet:
		return "read_sales"
	case kindPut, kindMail:
		return "write_sales"
	}
	return ""
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// fail returns a ColorMe error response.
func fail(status, code int, msg string) (int, any) {
	return status, colorme.ErrorBody{Errors: []colorme.ErrorItem{{Code: code, Message: msg, Status: status}}}
}

func writeError(w http.ResponseWriter, status, code int, msg string, retryAfter int) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	st, body := fail(status, code, msg)
	writeJSON(w, st, body)
}

// writeJSON writes body as JSON; a nil body writes the status alone (204).
func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client went away: nothing to tell it
}
