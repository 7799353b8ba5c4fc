// Package sandbox is a faithful in-memory fake of the ColorMe Shop API
// (カラーミーショップ API) for tests, benchmarks and the demo: OAuth authorize/token,
// the sales list with filters and paging, get, update, the shipping mail, ColorMe's
// error shapes, a per-token rate limit, fault injection and a state dump.
//
// Besides the ColorMe endpoints it serves an admin API under /_sandbox/ WITHOUT any
// authentication: it is a test fixture and must never be exposed beyond localhost
// or a private test network.
package sandbox

import (
	"cmp"
	"encoding/json"
	"maps"
	"math/rand"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// Options configures a Server.
type Options struct {
	Tokens             []string      // valid bearer access tokens at start (all scopes)
	RateLimitPerMinute int           // per token, sliding 60 s window; 0 = no limit
	Latency            time.Duration // added to every /v1 request
	Now                func() time.Time
	Clients            []OAuthClient // registered OAuth applications
	// MaxLimit is the largest `limit` GET /v1/sales.json serves: a larger one is
	// lowered to it and meta.limit says so. 0 = 100 (ColorMe's documented
	// maximum); 50 reproduces the maximum older ColorMe docs give.
	MaxLimit int
	// SortByUpdateDate makes GET /v1/sales.json list sales by update_date (then
	// id) instead of by id: ColorMe does not document its order, and under this
	// one a sale updated while a client pages moves to the end and shifts the
	// offsets of the others.
	SortByUpdateDate bool
	// Strict refuses, with 400 naming the problem, every request that does not
	// match ColorMe's published schemas: unknown or malformed query parameters,
	// PUT and mail bodies with unknown keys or wrong types, and a wrong method
	// (405). The request-conformance tests use it, so that our own requests
	// keep matching ColorMe's schemas. Off (the default), the sandbox answers as
	// the live API was observed to: a parameter it cannot read is dropped and
	// answered 200, an unknown key ignored, a wrong type 422 naming the field, a
	// body that is not JSON 500 (code 500000), PATCH and other methods 404,
	// ids[0]= arrays 500.
	Strict bool
	// StaleReads makes reads lag writes: for this long after a PUT or mail
	// changed a sale, GET answers show the sale as it was before (ColorMe
	// showed a product's old value right after a PUT, fresh 5 s later). 0 = off.
	StaleReads time.Duration
}

// DefaultMaxLimit is ColorMe's documented largest `limit` of GET /v1/sales.json.
const DefaultMaxLimit = 100

// OAuthClient is a registered OAuth application.
type OAuthClient struct {
	ID          string `json:"id"`
	Secret      string `json:"secret"`
	RedirectURI string `json:"redirect_uri"`
}

// Faults configures injected failures of /v1 requests. In JSON (admin API) the
// keys are snake_case and Timeout is a Go duration string such as "30s".
type Faults struct {
	ErrorRate           float64       `json:"error_rate"`             // answered 500/502/503, nothing applied
	TimeoutRate         float64       `json:"timeout_rate"`           // hang for Timeout, then close the connection (or 504), nothing applied
	Timeout             time.Duration `json:"timeout"`                // default 30s
	AfterWriteErrorRate float64       `json:"after_write_error_rate"` // PUT/mail applied, then answered 500
	Burst429            int           `json:"burst_429"`              // the next N /v1 requests get 429 with Retry-After: 1
	MalformedRate       float64       `json:"malformed_rate"`         // GET answered 200 with a truncated JSON body
	Seed                int64         `json:"seed"`                   // random seed; 0 = seeded from the clock
	RejectSales         []int64       `json:"reject_sales,omitempty"` // PUTs of these sales answered 422 (a permanent, per-order error)
	RejectMails         []int64       `json:"reject_mails,omitempty"` // mail POSTs of these sales answered 422, nothing sent
	// IgnoreParams are sales-list query parameters the sandbox drops before
	// searching, answering 200 as if they had not been sent: what the live
	// API does with a filter it cannot read. A client must notice.
	IgnoreParams []string `json:"ignore_params,omitempty"`
}

// MarshalJSON encodes Timeout as a Go duration string.
func (f Faults) MarshalJSON() ([]byte, error) {
	type plain Faults
	return json.Marshal(struct {
		plain
		Timeout string `json:"timeout"`
	}{plain(f), f.Timeout.String()})
}

// UnmarshalJSON decodes Timeout from a Go duration string ("30s", "1m").
func (f *Faults) UnmarshalJSON(b []byte) error {
	type plain Faults
	v := struct {
		*plain
		Timeout string `json:"timeout"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	var err error
	f.Timeout, err = parseDurationField(v.Timeout)
	return err
}

// parseDurationField reads a duration field that JSON carries as a Go duration
// string: "" (absent) is 0, other text is time.ParseDuration's (0 and its error
// when it is not a duration).
func parseDurationField(text string) (time.Duration, error) {
	if text == "" {
		return 0, nil
	}
	return time.ParseDuration(text)
}

// Counters counts what the sandbox received and did since the last reset.
type Counters struct {
	Requests        int             `json:"requests"`           // all /v1 requests received, incl. rejected
	Reads           int             `json:"reads"`              // GET /v1/sales.json and /v1/sales/{id}.json
	Writes          int             `json:"writes"`             // PUT /v1/sales/{id}.json received, even failed
	Mails           int             `json:"mails"`              // POST /v1/sales/{id}/mails.json received, even failed
	WritesApplied   int             `json:"writes_applied"`     // PUTs that changed state
	NoopWrites      int             `json:"noop_writes"`        // PUTs that succeeded but changed nothing (a repeated write)
	WritesBySale    map[int64]int   `json:"writes_by_sale"`     // PUT requests received per sale, even failed or no-op
	MailsBySale     map[int64]int   `json:"mails_by_sale"`      // mails actually sent per sale (any type)
	PaidMailsBySale map[int64]int   `json:"paid_mails_by_sale"` // 入金確認メール (type paid) actually sent per sale
	PaidWrites      int             `json:"paid_writes"`        // PUTs that turned a sale paid
	Rejected429     int             `json:"rejected_429"`       // rate-limit rejections (not Burst429 faults)
	MaxPerMinute    map[string]int  `json:"max_per_minute"`     // per token: most requests accepted in any 60 s window
	Faults          int             `json:"faults"`             // injected faults served
	FeeFieldWrites  int             `json:"fee_field_writes"`   // fee fields received in PUT bodies (must stay 0)
	StaleReads      int             `json:"stale_reads"`        // read answers that showed a sale as it was before a recent write
	IgnoredParams   int             `json:"ignored_params"`     // query parameters dropped as unreadable or unknown (not Strict); our requests must cause none
	MethodReads     int             `json:"method_reads"`       // GET /v1/deliveries and /v1/payments answered
	Spans           map[string]Span `json:"spans"`              // per token: first and last accepted request, longest pause between two
}

// Span is when one token's accepted requests began and ended, and the longest
// pause between two of them: where a run left its budget unused.
type Span struct {
	First      time.Time     `json:"first"`
	Last       time.Time     `json:"last"`
	LongestGap time.Duration `json:"longest_gap"`
}

// Server is the sandbox; it is an http.Handler and safe for concurrent use.
type Server struct {
	mux *http.ServeMux
	now func() time.Time

	mu        sync.Mutex
	opts      Options
	sales     map[int64]colorme.Sale
	tokens    map[string]map[string]bool // token → granted scopes; nil = all scopes
	clients   map[string]OAuthClient
	codes     map[string]*authCode
	windows   map[string][]time.Time // token → accept times in the last 60 s
	counters  Counters
	faults    Faults
	burst     int // Burst429 left
	rng       *rand.Rand
	afterList func(served int)       // called after each sales list request (tests)
	listed    int                    // sales list requests answered since AfterList
	prod      *productState          // products and their stock (products.go)
	methods   shopMethods            // delivery and payment methods (methods.go)
	history   map[int64][]staleEntry // per sale: its state before each recent write (StaleReads)
}

// staleEntry is a sale as it was before a write made at `at`.
type staleEntry struct {
	at     time.Time
	before colorme.Sale
}

// New returns a sandbox with the given options.
func New(opts Options) *Server {
	s := &Server{
		opts:    opts,
		now:     opts.Now,
		sales:   map[int64]colorme.Sale{},
		tokens:  map[string]map[string]bool{},
		clients: map[string]OAuthClient{},
		codes:   map[string]*authCode{},
		windows: map[string][]time.Time{},
		history: map[int64][]staleEntry{},
		methods: defaultShopMethods(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, t := range opts.Tokens {
		s.tokens[t] = nil
	}
	for _, c := range opts.Clients {
		s.clients[c.ID] = c
	}
	s.counters = newCounters()
	s.setFaultsLocked(Faults{})

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/v1/", s.serveV1)
	s.mux.HandleFunc("GET /oauth/authorize", s.authorizePage)
	s.mux.HandleFunc("POST /oauth/authorize", s.authorizeDecision)
	s.mux.HandleFunc("POST /oauth/token", s.token)
	s.registerAdmin()
	s.registerProducts()
	s.registerMethodsAdmin()
	return s
}

// ServeHTTP serves the whole API: /v1, /oauth and the /_sandbox admin API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// AddToken makes token a valid access token with every scope.
func (s *Server) AddToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = nil
}

// RevokeToken invalidates token; later calls with it get 401 code 401010.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// AddClient registers (or replaces) an OAuth application.
func (s *Server) AddClient(c OAuthClient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = c
}

// SetRateLimit changes the per-token limit per minute; 0 disables it.
func (s *Server) SetRateLimit(perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.RateLimitPerMinute = perMinute
}

// SetMaxLimit changes the largest `limit` the sales list serves (Options.MaxLimit);
// 0 restores DefaultMaxLimit.
func (s *Server) SetMaxLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.MaxLimit = n
}

// SetSortByUpdateDate changes the list order of GET /v1/sales.json
// (Options.SortByUpdateDate): by update_date when true, by id when false.
func (s *Server) SetSortByUpdateDate(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.SortByUpdateDate = on
}

// AfterList sets a function called (outside the sandbox's lock) after each
// answered GET /v1/sales.json with the number of list requests answered so
// far: tests change sales with it while a client pages. nil removes it.
func (s *Server) AfterList(f func(served int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.afterList = f
	s.listed = 0
}

func (s *Server) maxLimitLocked() int {
	if s.opts.MaxLimit <= 0 {
		return DefaultMaxLimit
	}
	return s.opts.MaxLimit
}

// SetStrict turns the strict request checks (Options.Strict) on or off.
func (s *Server) SetStrict(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Strict = on
}

// SetStaleReads changes how long reads lag writes (Options.StaleReads); 0 = off.
func (s *Server) SetStaleReads(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.StaleReads = max(d, 0)
	if d <= 0 {
		s.history = map[int64][]staleEntry{}
	}
}

// recordWriteLocked remembers the sale as it was before a write through the
// API, for reads that lag (StaleReads).
func (s *Server) recordWriteLocked(id int64, before colorme.Sale) {
	if s.opts.StaleReads <= 0 {
		return
	}
	s.history[id] = append(s.history[id], staleEntry{at: s.now(), before: cloneSale(before)})
}

// visibleLocked is the sale as a read sees it now: with StaleReads, the state
// before the oldest write made within the delay. stale says it is older than
// the current state.
func (s *Server) visibleLocked(id int64) (sale colorme.Sale, ok, stale bool) {
	sale, ok = s.sales[id]
	if !ok {
		return colorme.Sale{}, false, false
	}
	sale = cloneSale(sale)
	h := s.history[id]
	if len(h) == 0 {
		return sale, true, false
	}
	cut := s.now().Add(-s.opts.StaleReads)
	i := 0
	for i < len(h) && !h[i].at.After(cut) {
		i++
	}
	if i == len(h) {
		delete(s.history, id)
		return sale, true, false
	}
	s.history[id] = h[i:]
	return cloneSale(h[i].before), true, true
}

// visibleSortedLocked is every sale as a read sees it now, sorted by id; *stale
// is set when one of them is older than its current state.
func (s *Server) visibleSortedLocked(stale *bool) []colorme.Sale {
	out := make([]colorme.Sale, 0, len(s.sales))
	for id := range s.sales {
		sale, _, st := s.visibleLocked(id)
		*stale = *stale || st
		out = append(out, sale)
	}
	slices.SortFunc(out, func(a, b colorme.Sale) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Server) countIgnored(n int) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters.IgnoredParams += n
}

// SetLatency changes the latency added to every /v1 request.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Latency = d
}

// MailStateNull seeds a sale whose delivered_mail_state ColorMe serves as null,
// as in ColorMe's documented example sale.
const MailStateNull = "null"

// SegmentNull as a seeded sale's Segment.ParentSaleID makes the sandbox serve
// its segment as null: ColorMe's segment is nullable (observed).
const SegmentNull int64 = -1

// Seed adds or replaces sales by id. Sale.Delivered is recomputed (all deliveries
// delivered), delivered_mail_state defaults to "not_yet" (MailStateNull: served
// as null), update_date to make_date, each delivery's sale_id to the sale's id,
// and segment to ColorMe's unsplit form (parent_sale_id = own id, splitted false;
// splitted is recomputed from parent_sale_id).
func (s *Server) Seed(sales ...colorme.Sale) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sale := range sales {
		sale = cloneSale(sale)
		sale.Delivered = sale.AllDelivered()
		switch sale.DeliveredMailState {
		case "":
			sale.DeliveredMailState = colorme.MailNotYet
		case MailStateNull:
			sale.DeliveredMailState = "" // served as null
		}
		if sale.UpdateDate == 0 {
			sale.UpdateDate = sale.MakeDate
		}
		for i := range sale.SaleDeliveries {
			if sale.SaleDeliveries[i].SaleID == 0 {
				sale.SaleDeliveries[i].SaleID = sale.ID
			}
		}
		// ColorMe documents segment on every sale: parent_sale_id is the sale's
		// own id when it is not split (分割受注), splitted says whether it is.
		if sale.Segment == nil {
			sale.Segment = &colorme.Segment{}
		}
		switch sale.Segment.ParentSaleID {
		case 0:
			sale.Segment.ParentSaleID = sale.ID
		case SegmentNull:
			sale.Segment = nil // served as null
		}
		if sale.Segment != nil {
			sale.Segment.Splitted = sale.Segment.ParentSaleID != sale.ID
		}
		s.sales[sale.ID] = sale
		delete(s.history, sale.ID) // a seed is an edit on ColorMe's admin screen: seen at once
	}
}

// Sale returns a deep copy of the sale with the given id.
func (s *Server) Sale(id int64) (colorme.Sale, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sale, ok := s.sales[id]
	if !ok {
		return colorme.Sale{}, false
	}
	return cloneSale(sale), true
}

// Sales returns deep copies of all sales sorted by id.
func (s *Server) Sales() []colorme.Sale {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedLocked()
}

// Counters returns a copy of the counters.
func (s *Server) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counters
	c.WritesBySale = maps.Clone(c.WritesBySale)
	c.MailsBySale = maps.Clone(c.MailsBySale)
	c.PaidMailsBySale = maps.Clone(c.PaidMailsBySale)
	c.MaxPerMinute = maps.Clone(c.MaxPerMinute)
	c.Spans = maps.Clone(c.Spans)
	return c
}

// ResetCounters zeroes the counters and forgets the rate-limit windows.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters = newCounters()
	s.windows = map[string][]time.Time{}
}

// Reset drops all sales, counters and rate-limit windows; tokens, OAuth clients
// and faults stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sales = map[int64]colorme.Sale{}
	s.counters = newCounters()
	s.windows = map[string][]time.Time{}
	s.history = map[int64][]staleEntry{}
}

// SetFaults replaces the injected faults (and restarts Burst429 and the random source).
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

// CurrentFaults returns the faults in force, Burst429 being the 429s still to serve.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.Burst429 = s.burst
	return f
}

func (s *Server) setFaultsLocked(f Faults) {
	if f.Timeout <= 0 {
		f.Timeout = 30 * time.Second
	}
	seed := f.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	s.faults = f
	s.burst = f.Burst429
	s.rng = rand.New(rand.NewSource(seed))
}

func (s *Server) sortedLocked() []colorme.Sale {
	out := make([]colorme.Sale, 0, len(s.sales))
	for _, sale := range s.sales {
		out = append(out, cloneSale(sale))
	}
	slices.SortFunc(out, func(a, b colorme.Sale) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func newCounters() Counters {
	return Counters{
		WritesBySale:    map[int64]int{},
		MailsBySale:     map[int64]int{},
		PaidMailsBySale: map[int64]int{},
		MaxPerMinute:    map[string]int{},
		Spans:           map[string]Span{},
	}
}

func cloneSale(s colorme.Sale) colorme.Sale {
	if s.Segment != nil {
		seg := *s.Segment
		s.Segment = &seg
	}
	s.Customer = clonePtr(s.Customer)
	s.Details = slices.Clone(s.Details)
	if s.SaleDeliveries != nil {
		ds := make([]colorme.SaleDelivery, len(s.SaleDeliveries))
		for i, d := range s.SaleDeliveries {
			d.SlipNumber = clonePtr(d.SlipNumber)
			d.TrackingURL = clonePtr(d.TrackingURL)
			ds[i] = d
		}
		s.SaleDeliveries = ds
	}
	return s
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
