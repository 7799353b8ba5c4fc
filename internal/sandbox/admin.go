package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
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
		"POST /_sandbox/sales":          s.adminSeed,
		"GET /_sandbox/sales":           func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Sales()) },
		"GET /_sandbox/sales/{id}":      s.adminSale,
		"GET /_sandbox/counters":        func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Counters()) },
		"POST /_sandbox/reset":          noContent(s.Reset),
		"POST /_sandbox/reset-counters": noContent(s.ResetCounters),
		"GET /_sandbox/faults":          func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.CurrentFaults()) },
		"PUT /_sandbox/faults":          s.adminFaults,
		"POST /_sandbox/tokens":         adminToken(s.AddToken),
		"DELETE /_sandbox/tokens":       adminToken(s.RevokeToken),
		"POST /_sandbox/clients":        s.adminClient,
		"PUT /_sandbox/rate-limit":      s.adminRateLimit,
		"PUT /_sandbox/max-limit":       s.adminMaxLimit,
		"PUT /_sandbox/latency":         s.adminLatency,
		"PUT /_sandbox/stale-reads":     s.adminStaleReads,
		"PUT /_sandbox/strict":          s.adminStrict,
	}
	for pattern, h := range routes {
		s.mux.HandleFunc(pattern, h)
	}
}

func (s *Server) adminSeed(w http.ResponseWriter, r *http.Request) {
	var sales []colorme.Sale
	if decode(w, r, &sales) {
		s.Seed(sales...)
		writeJSON(w, http.StatusOK, map[string]int{"seeded": len(sales)})
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

func (s *Server) adminFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if decode(w, r, &f) {
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, s.CurrentFaults())
	}
}

func (s *Server) adminClient(w http.ResponseWriter, r *http.Request) {
	var c OAuthClient
	if decode(w, r, &c) && requireField(w, c.ID, "id") && requireField(w, c.RedirectURI, "redirect_uri") {
		s.AddClient(c)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) adminRateLimit(w http.ResponseWriter, r *http.Request) {
	var v struct {
		PerMinute int `json:"per_minute"`
	}
	if decode(w, r, &v) {
		s.SetRateLimit(v.PerMinute)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) adminMaxLimit(w http.ResponseWriter, r *http.Request) {
	var v struct {
		MaxLimit int `json:"max_limit"`
	}
	if !decode(w, r, &v) {
		return
	}
	if v.MaxLimit < 0 {
		adminError(w, http.StatusBadRequest, "max_limit must be 0 (ColorMe's 100) or more")
		return
	}
	s.SetMaxLimit(v.MaxLimit)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminLatency(w http.ResponseWriter, r *http.Request) {
	var v struct{ Latency string }
	if !decode(w, r, &v) {
		return
	}
	d, err := time.ParseDuration(v.Latency)
	if err != nil {
		adminError(w, http.StatusBadRequest, "latency must be a Go duration such as 50ms")
		return
	}
	s.SetLatency(d)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminStaleReads(w http.ResponseWriter, r *http.Request) {
	var v struct{ Delay string }
	if !decode(w, r, &v) {
		return
	}
	d, err := time.ParseDuration(v.Delay)
	if err != nil || d < 0 {
		adminError(w, http.StatusBadRequest, "delay must be a Go duration such as 5s (0s = off)")
		return
	}
	s.SetStaleReads(d)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminStrict(w http.ResponseWriter, r *http.Request) {
	var v struct {
		Strict bool `json:"strict"`
	}
	if decode(w, r, &v) {
		s.SetStrict(v.Strict)
		w.WriteHeader(http.StatusNoContent)
	}
}

// adminToken reads {"token":"…"} and applies it (add or revoke).
func adminToken(apply func(token string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var t struct{ Token string }
		if decode(w, r, &t) && requireField(w, t.Token, "token") {
			apply(t.Token)
			w.WriteHeader(http.StatusNoContent)
		}
	}
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

func requireField(w http.ResponseWriter, v, name string) bool {
	if v == "" {
		adminError(w, http.StatusBadRequest, name+" is required")
	}
	return v != ""
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
