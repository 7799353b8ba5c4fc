package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"
)

// registerAdmin mounts the admin API. It has NO authentication: it is a test
// fixture and must never be exposed beyond localhost or a private test network.
//
//	POST   /_sandbox/sales          JSON array of colorme.Sale: add or replace (Seed)
//	GET    /_sandbox/sales          all sales, sorted by id
//	GET    /_sandbox/sales/{id}     one sale
//	GET    /_sandbox/counters       Counters
//	POST   /_sandbox/reset          drop sales, counters and rate windows
//	POST   /_sandbox/reset-counters zero the counters
//	GET    /_sandbox/faults         Faults in force
//	PUT    /_sandbox/faults         Faults JSON; timeout as a Go duration string ("30s")
//	POST   /_sandbox/tokens         {"token":"…"}: make it valid (all scopes)
//	DELETE /_sandbox/tokens         {"token":"…"}: revoke it
//	POST   /_sandbox/clients        {"id":"…","secret":"…","redirect_uri":"…"}
//	PUT    /_sandbox/rate-limit     {"per_minute":120}; 0 disables
//	PUT    /_sandbox/latency        {"latency":"50ms"}
//	PUT    /_sandbox/max-limit      {"max_limit":50}: largest list `limit` served; 0 = 100
//	PUT    /_sandbox/stale-reads    {"delay":"5s"}: reads lag writes by this long; "0s" = off
//	PUT    /_sandbox/strict         {"strict":true}: refuse requests that do not match ColorMe's schemas (400)
func (s *Server) registerAdmin() {
	routes := map[string]http.HandlerFunc{
		"POST /_sandbox/sales":          adminSeed(s.Seed, nil),
		"GET /_sandbox/sales":           adminGet(s.Sales),
		"GET /_sandbox/sales/{id}":      s.adminSale,
		"GET /_sandbox/counters":        adminGet(s.Counters),
		"POST /_sandbox/reset":          noContent(s.Reset),
		"POST /_sandbox/reset-counters": noContent(s.ResetCounters),
		"GET /_sandbox/faults":          adminGet(s.CurrentFaults),
		"PUT /_sandbox/faults":          adminDo(s.adminFaults),
		"POST /_sandbox/tokens":         adminToken(s.AddToken),
		"DELETE /_sandbox/tokens":       adminToken(s.RevokeToken),
		"POST /_sandbox/clients":        adminSet(s.adminClient),
		"PUT /_sandbox/rate-limit":      adminSet(s.adminRateLimit),
		"PUT /_sandbox/max-limit":       adminSet(s.adminMaxLimit),
		"PUT /_sandbox/latency":         adminSet(s.adminLatency),
		"PUT /_sandbox/stale-reads":     adminSet(s.adminStaleReads),
		"PUT /_sandbox/strict":          adminSet(s.adminStrict),
	}
	for pattern, h := range routes {
		s.mux.HandleFunc(pattern, h)
	}
}

func (s *Server) adminSale(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	sale, ok := s.Sale(id)
	if !ok {
		adminError(w, http.StatusNotFound, "no such sale")
		return
	}
	writeJSON(w, http.StatusOK, sale)
}

func (s *Server) adminFaults(f Faults) (any, error) {
	s.SetFaults(f)
	return s.CurrentFaults(), nil
}

func (s *Server) adminClient(c OAuthClient) error {
	if err := cmp.Or(required(c.ID, "id"), required(c.RedirectURI, "redirect_uri")); err != nil {
		return err
	}
	s.AddClient(c)
	return nil
}

func (s *Server) adminRateLimit(v struct {
	PerMinute int `json:"per_minute"`
}) error {
	s.SetRateLimit(v.PerMinute)
	return nil
}

func (s *Server) adminMaxLimit(v struct {
	MaxLimit int `json:"max_limit"`
}) error {
	if v.MaxLimit < 0 {
		return errors.New("max_limit must be 0 (ColorMe's 100) or more")
	}
	s.SetMaxLimit(v.MaxLimit)
	return nil
}

func (s *Server) adminLatency(v struct{ Latency string }) error {
	return setDuration(v.Latency, math.MinInt64, s.SetLatency, "latency must be a Go duration such as 50ms")
}

func (s *Server) adminStaleReads(v struct{ Delay string }) error {
	return setDuration(v.Delay, 0, s.SetStaleReads, "delay must be a Go duration such as 5s (0s = off)")
}

func (s *Server) adminStrict(v struct {
	Strict bool `json:"strict"`
}) error {
	s.SetStrict(v.Strict)
	return nil
}

// setDuration sets a Go duration ("50ms") of at least least; invalid is the
// refusal of any other text.
func setDuration(text string, least time.Duration, set func(time.Duration), invalid string) error {
	d, err := time.ParseDuration(text)
	if err != nil || d < least {
		return errors.New(invalid)
	}
	set(d)
	return nil
}

// adminToken reads {"token":"…"} and applies it (add or revoke).
func adminToken(apply func(token string)) http.HandlerFunc {
	return adminSet(func(t struct{ Token string }) error {
		if err := required(t.Token, "token"); err != nil {
			return err
		}
		apply(t.Token)
		return nil
	})
}

// adminSeed reads a JSON array, refused when check (if any) finds fault with
// it, seeds it and answers {"seeded": n}.
func adminSeed[T any](seed func(...T), check func([]T) error) http.HandlerFunc {
	return adminDo(func(items []T) (any, error) {
		if check != nil {
			if err := check(items); err != nil {
				return nil, err
			}
		}
		seed(items...)
		return map[string]int{"seeded": len(items)}, nil
	})
}

// adminGet answers what get returns.
func adminGet[T any](get func() T) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, get()) }
}

// adminSet reads a JSON body and applies it: 204, or apply's refusal.
func adminSet[T any](apply func(T) error) http.HandlerFunc {
	return adminDo(func(v T) (any, error) { return nil, apply(v) })
}

// adminDo reads a JSON body into a T (400 when it is not one) and answers
// what do returns: its answer with 200, 204 when that is nil, or its error
// with 400 (an *adminRefusal with its own status).
func adminDo[T any](do func(T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var v T
		if !decode(w, r, &v) {
			return
		}
		out, err := do(v)
		var ar *adminRefusal
		switch {
		case errors.As(err, &ar):
			adminError(w, ar.status, ar.Error())
		case err != nil:
			adminError(w, http.StatusBadRequest, err.Error())
		case out == nil:
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, http.StatusOK, out)
		}
	}
}

// adminRefusal is a refusal the admin API answers with its own status.
type adminRefusal struct {
	status int
	error
}

// noContent runs do and answers 204.
func noContent(do func()) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		do()
		w.WriteHeader(http.StatusNoContent)
	}
}

// decode reads a JSON body into v, answering 400 on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(v); err != nil {
		adminError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

// required refuses an empty field.
func required(v, name string) error {
	if v == "" {
		return errors.New(name + " is required")
	}
	return nil
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
