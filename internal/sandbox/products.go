package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/pause"
)

// Products of the sandbox (在庫連携): GET /v1/products.json (limit ≤ 50, meta),
// GET /v1/products/{id}/variants.json and PUT /v1/products/{id}.json with
// product.stocks (an integer sets, {"increment": n} adds) and product.variants[]
// chosen by option1_value/option2_value. As ColorMe documents, a product with
// variants keeps its stock per option and a product-level stocks is then
// ignored. Sales placed through the admin API decrement the stock and their
// cancellation restores it. Faults: stale reads after a write and lost answers.
//
//	POST /_sandbox/products         JSON array of colorme.Product: add or replace
//	GET  /_sandbox/products         all products, sorted by id
//	POST /_sandbox/products/order   {"sale_id":1,"items":[{"product_id":1,"option1_value":"赤","quantity":2}]}
//	POST /_sandbox/products/cancel  {"sale_id":1}: cancel it, restoring its stock
//	PUT  /_sandbox/product-faults   ProductFaults JSON
//	GET  /_sandbox/product-counters ProductCounters

// MaxProductLimit is the largest `limit` the product and variant lists serve.
const MaxProductLimit = 50

// ProductFaults are the injected faults of the product endpoints. In JSON the
// StaleReads window is a Go duration string ("5s").
type ProductFaults struct {
	// StaleReads: a GET of a product within this long after a PUT changed it
	// serves the product as it was before that PUT (observed on ColorMe: fresh
	// after 5 s).
	StaleReads time.Duration `json:"-"`
	// LoseAnswers: the next N product PUTs are applied, then answered 500 (the
	// client cannot tell whether its write happened).
	LoseAnswers int `json:"lose_answers"`
}

// ProductCounters counts the product requests since the products were seeded.
type ProductCounters struct {
	Reads        int           `json:"reads"`        // GET products/variants served
	Writes       int           `json:"writes"`       // PUT products received
	Applied      int           `json:"applied"`      // PUTs that changed a stock
	Increments   int           `json:"increments"`   // increments applied
	LostAnswers  int           `json:"lost_answers"` // PUTs applied and answered 500
	StaleServed  int           `json:"stale_served"` // reads served from before a write
	Oversold     int           `json:"oversold"`     // order units refused for want of stock
	WritesByProd map[int64]int `json:"writes_by_product"`
}

type productState struct {
	mu       sync.Mutex
	products map[int64]colorme.Product
	prev     map[int64]colorme.Product // before the last write
	written  map[int64]time.Time       // when the last write changed it
	faults   ProductFaults
	counters ProductCounters
	orders   map[int64][]OrderItem // sale id → items whose stock it took
}

// OrderItem is one line of a sale placed through the admin API.
type OrderItem struct {
	ProductID    int64  `json:"product_id"`
	Option1Value string `json:"option1_value,omitempty"`
	Option2Value string `json:"option2_value,omitempty"`
	Quantity     int64  `json:"quantity"`
}

// MarshalJSON writes StaleReads as a duration string.
func (f ProductFaults) MarshalJSON() ([]byte, error) {
	type plain ProductFaults
	return json.Marshal(struct {
		plain
		StaleReads string `json:"stale_reads"`
	}{plain(f), f.StaleReads.String()})
}

// UnmarshalJSON reads StaleReads from a duration string.
func (f *ProductFaults) UnmarshalJSON(b []byte) error {
	type plain ProductFaults
	v := struct {
		*plain
		StaleReads string `json:"stale_reads"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	var err error
	f.StaleReads, err = parseDurationField(v.StaleReads)
	return err
}

func (s *Server) products() *productState { return s.prod }

// registerProducts mounts the product endpoints and their admin API.
func (s *Server) registerProducts() {
	s.prod = &productState{products: map[int64]colorme.Product{}, prev: map[int64]colorme.Product{},
		written: map[int64]time.Time{}, orders: map[int64][]OrderItem{}, counters: ProductCounters{WritesByProd: map[int64]int{}}}
	s.mux.HandleFunc("/v1/products.json", s.serveProducts)
	s.mux.HandleFunc("/v1/products/", s.serveProducts)
	s.mux.HandleFunc("POST /_sandbox/products", adminSeed(s.SeedProducts, nil))
	s.mux.HandleFunc("GET /_sandbox/products", adminGet(s.Products))
	s.mux.HandleFunc("POST /_sandbox/products/order", adminDo(s.adminOrder))
	s.mux.HandleFunc("POST /_sandbox/products/cancel", adminSet(s.adminCancel))
	s.mux.HandleFunc("PUT /_sandbox/product-faults", adminSet(func(f ProductFaults) error { s.SetProductFaults(f); return nil }))
	s.mux.HandleFunc("GET /_sandbox/product-counters", adminGet(s.ProductCounters))
}

// SeedProducts adds or replaces products by id and zeroes the product
// counters. A variant's product_id is set to its product's.
func (s *Server) SeedProducts(products ...colorme.Product) {
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := s.now().Unix()
	for _, pr := range products {
		pr = cloneProduct(pr)
		if pr.UpdateDate == 0 {
			pr.UpdateDate = now
		}
		for i := range pr.Variants {
			pr.Variants[i].ProductID = pr.ID
		}
		p.products[pr.ID] = pr
		delete(p.prev, pr.ID)
		delete(p.written, pr.ID)
	}
	p.counters = ProductCounters{WritesByProd: map[int64]int{}}
}

// Products returns copies of all products sorted by id (their true state).
func (s *Server) Products() []colorme.Product {
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]colorme.Product, 0, len(p.products))
	for _, pr := range p.products {
		out = append(out, cloneProduct(pr))
	}
	slices.SortFunc(out, func(a, b colorme.Product) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Product returns a copy of one product (its true state).
func (s *Server) Product(id int64) (colorme.Product, bool) {
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.products[id]
	return cloneProduct(pr), ok
}

// SetProductFaults replaces the product faults.
func (s *Server) SetProductFaults(f ProductFaults) {
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
}

// ProductCounters returns a copy of the product counters.
func (s *Server) ProductCounters() ProductCounters {
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.counters
	c.WritesByProd = make(map[int64]int, len(p.counters.WritesByProd))
	for k, v := range p.counters.WritesByProd {
		c.WritesByProd[k] = v
	}
	return c
}

// PlaceOrder places a ColorMe sale of items as a shopper would: each managed
// stock is decremented (the whole sale is refused, nothing taken, when one is
// short) and the sale, with its details, appears in GET /v1/sales.json.
func (s *Server) PlaceOrder(saleID int64, items []OrderItem) error {
	p := s.products()
	p.mu.Lock()
	next := map[int64]colorme.Product{}
	var details []colorme.SaleDetail
	for i, it := range items {
		pr, ok := next[it.ProductID]
		if !ok {
			if pr, ok = p.products[it.ProductID]; !ok {
				p.mu.Unlock()
				return fmt.Errorf("no product %d", it.ProductID)
			}
			pr = cloneProduct(pr)
		}
		st := stockOf(&pr, it.Option1Value, it.Option2Value)
		if st == nil {
			p.mu.Unlock()
			return fmt.Errorf("product %d has no option %q/%q", it.ProductID, it.Option1Value, it.Option2Value)
		}
		if pr.StockManaged {
			if *st < it.Quantity {
				p.counters.Oversold += int(it.Quantity - *st)
				p.mu.Unlock()
				return fmt.Errorf("product %d %s/%s: %d in stock, %d ordered (売り切れ)", it.ProductID, it.Option1Value, it.Option2Value, *st, it.Quantity)
			}
			*st -= it.Quantity
		}
		next[it.ProductID] = pr
		details = append(details, colorme.SaleDetail{ID: saleID*100 + int64(i) + 1, SaleDeliveryID: saleID*10 + 1, ProductID: it.ProductID,
			ProductName: pr.Name, Option1Value: it.Option1Value, Option2Value: it.Option2Value, ProductNum: it.Quantity, Price: 1000, SubtotalPrice: 1000 * it.Quantity})
	}
	now := s.now()
	for id, pr := range next {
		pr.UpdateDate = now.Unix()
		p.products[id] = pr
	}
	p.orders[saleID] = slices.Clone(items)
	p.mu.Unlock()
	s.Seed(colorme.Sale{ID: saleID, MakeDate: now.Unix(), UpdateDate: now.Unix(), Details: details,
		SaleDeliveries: []colorme.SaleDelivery{{ID: saleID*10 + 1, DeliveryID: 1, Name: "購入者 " + strconv.FormatInt(saleID, 10), PrefName: "東京都", Address1: "1-1"}}})
	return nil
}

// CancelOrder cancels a sale placed with PlaceOrder, restoring its stock once.
func (s *Server) CancelOrder(saleID int64) error {
	sale, ok := s.Sale(saleID)
	if !ok {
		return fmt.Errorf("no sale %d", saleID)
	}
	if sale.Canceled {
		return nil
	}
	p := s.products()
	p.mu.Lock()
	now := s.now()
	for _, it := range p.orders[saleID] {
		pr, ok := p.products[it.ProductID]
		if !ok || !pr.StockManaged {
			continue
		}
		pr = cloneProduct(pr)
		if st := stockOf(&pr, it.Option1Value, it.Option2Value); st != nil {
			*st += it.Quantity
		}
		pr.UpdateDate = now.Unix()
		p.products[it.ProductID] = pr
	}
	delete(p.orders, saleID)
	p.mu.Unlock()
	sale.Canceled = true
	sale.UpdateDate = now.Unix()
	s.Seed(sale)
	return nil
}

// stockOf is the stock a sale or write of option1/option2 takes: a variant's
// when the product has variants (per-option stock), else the product's; nil
// when the product has variants and none matches.
func stockOf(pr *colorme.Product, option1, option2 string) *int64 {
	if len(pr.Variants) == 0 {
		if option1 != "" || option2 != "" {
			return nil
		}
		return &pr.Stocks
	}
	for i := range pr.Variants {
		v := &pr.Variants[i]
		if v.Option1Value == option1 && v.Option2Value == option2 {
			return &v.Stocks
		}
	}
	return nil
}

func (s *Server) serveProducts(w http.ResponseWriter, r *http.Request) {
	kind, id, variants, ok := productRoute(r)
	rt := route{kind: "products"}
	if !ok {
		rt.status = http.StatusNotFound
	} else if r.Method != map[bool]string{true: http.MethodPut, false: http.MethodGet}[kind == "put"] {
		rt.status = http.StatusMethodNotAllowed
	}
	s.mu.Lock()
	s.countLocked(rt)
	latency := s.opts.Latency
	s.mu.Unlock()
	if pause.For(r.Context(), latency) != nil { // every /v1 request, products too
		return
	}
	s.mu.Lock()
	scopes, known := s.tokens[bearer(r)]
	need := "read_products"
	if kind == "put" {
		need = "write_products"
	}
	var v verdict
	if known && scopes != nil && !scopes[need] {
		v = verdict{status: http.StatusUnauthorized, code: colorme.CodeInvalidToken, message: "スコープが不足しています (missing scope " + need + ")"}
	} else {
		v = s.gateLocked(bearer(r), rt)
	}
	s.mu.Unlock()
	if v.status != 0 || v.hang > 0 {
		if v.hang > 0 {
			v = verdict{status: http.StatusGatewayTimeout, code: 504100, message: "Gateway Timeout"}
		}
		writeError(w, v.status, v.code, v.message, v.retryAfter)
		return
	}
	switch {
	case kind == "list":
		writeJSON(w, http.StatusOK, s.listProducts(r))
	case kind == "get" && variants:
		st, body := s.listVariants(r, id)
		writeJSON(w, st, body)
	case kind == "get":
		st, body := s.getProduct(id)
		writeJSON(w, st, body)
	default:
		st, body, lost := s.updateProduct(r, id)
		if lost {
			writeError(w, http.StatusInternalServerError, codeServer, "Internal Server Error", 0)
			return
		}
		writeJSON(w, st, body)
	}
}

// productRoute parses /v1/products.json, /v1/products/{id}.json and
// /v1/products/{id}/variants.json (also without .json).
func productRoute(r *http.Request) (kind string, id int64, variants, ok bool) {
	p := strings.TrimSuffix(r.URL.Path, ".json")
	if p == "/v1/products" {
		return "list", 0, false, true
	}
	rest, found := strings.CutPrefix(p, "/v1/products/")
	if !found {
		return "", 0, false, false
	}
	if idStr, v := strings.CutSuffix(rest, "/variants"); v {
		rest, variants = idStr, true
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return "", 0, false, false
	}
	kind = "get"
	if r.Method == http.MethodPut && !variants {
		kind = "put"
	}
	return kind, id, variants, true
}

// visibleLocked is the product a read sees: before the last write while it is
// within the stale-read window.
func (p *productState) visibleLocked(id int64, now time.Time) (colorme.Product, bool) {
	pr, ok := p.products[id]
	if at, w := p.written[id]; w && p.faults.StaleReads > 0 && now.Sub(at) < p.faults.StaleReads {
		if old, has := p.prev[id]; has {
			p.counters.StaleServed++
			return cloneProduct(old), true
		}
	}
	return cloneProduct(pr), ok
}

func pageOf(r *http.Request, total int) (limit, offset int) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 10
	}
	limit = min(limit, MaxProductLimit)
	offset, _ = strconv.Atoi(q.Get("offset"))
	offset = min(max(offset, 0), total)
	return limit, offset
}

func (s *Server) listProducts(r *http.Request) map[string]any {
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counters.Reads++
	ids := make([]int64, 0, len(p.products))
	for id := range p.products {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if want := r.URL.Query().Get("ids"); want != "" {
		set := map[int64]bool{}
		for _, x := range strings.Split(want, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				set[n] = true
			}
		}
		ids = slices.DeleteFunc(ids, func(id int64) bool { return !set[id] })
	}
	limit, offset := pageOf(r, len(ids))
	now := s.now()
	out := []colorme.Product{}
	for _, id := range ids[offset:min(offset+limit, len(ids))] {
		pr, _ := p.visibleLocked(id, now)
		out = append(out, pr)
	}
	return map[string]any{"products": out, "meta": colorme.Meta{Total: len(ids), Limit: limit, Offset: offset}}
}

func (s *Server) getProduct(id int64) (int, any) {
	return s.readProduct(id, func(pr colorme.Product) (int, any) {
		return http.StatusOK, map[string]any{"product": pr}
	})
}

func (s *Server) listVariants(r *http.Request, id int64) (int, any) {
	return s.readProduct(id, func(pr colorme.Product) (int, any) {
		limit, offset := pageOf(r, len(pr.Variants))
		return http.StatusOK, map[string]any{"variants": pr.Variants[offset:min(offset+limit, len(pr.Variants))],
			"meta": colorme.Meta{Total: len(pr.Variants), Limit: limit, Offset: offset}}
	})
}

// readProduct answers a read of product id as the site shows it now (a 404
// when it has none), counting the read: answer builds the body, under the lock.
func (s *Server) readProduct(id int64, answer func(colorme.Product) (int, any)) (int, any) {
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.visibleLocked(id, s.now())
	if !ok {
		return fail(http.StatusNotFound, codeNotFound, "商品が見つかりません")
	}
	p.counters.Reads++
	return answer(pr)
}

// updateProduct applies PUT /v1/products/{id}.json; lost is true when the
// answer is to be lost (the write applied).
func (s *Server) updateProduct(r *http.Request, id int64) (status int, body any, lost bool) {
	var req colorme.UpdateProductRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		st, b := fail(http.StatusBadRequest, codeBadRequest, "リクエストが不正です")
		return st, b, false
	}
	p := s.products()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counters.Writes++
	p.counters.WritesByProd[id]++
	pr, ok := p.products[id]
	if !ok {
		st, b := fail(http.StatusNotFound, codeNotFound, "商品が見つかりません")
		return st, b, false
	}
	before := cloneProduct(pr)
	pr = cloneProduct(pr)
	changed := false
	if req.Product.StockManaged != nil && *req.Product.StockManaged != pr.StockManaged {
		pr.StockManaged, changed = *req.Product.StockManaged, true
	}
	apply := func(st *int64, v *colorme.StockValue) {
		if v == nil || st == nil {
			return
		}
		next := *st
		if v.Increment != nil {
			next += *v.Increment
			p.counters.Increments++
		} else if v.Set != nil {
			next = *v.Set
		}
		if next != *st {
			*st, changed = next, true
		}
	}
	if len(pr.Variants) == 0 { // per-option stock ignores the product-level value
		apply(&pr.Stocks, req.Product.Stocks)
	}
	for _, vu := range req.Product.Variants {
		st := stockOf(&pr, vu.Option1Value, vu.Option2Value)
		if st == nil || len(pr.Variants) == 0 {
			f, b := fail(http.StatusUnprocessableEntity, codeUnprocessable, "指定されたオプションがありません: "+vu.Option1Value+" "+vu.Option2Value)
			return f, b, false
		}
		apply(st, vu.Stocks)
	}
	if changed {
		now := s.now()
		pr.UpdateDate = now.Unix()
		p.products[id] = pr
		p.prev[id] = before
		p.written[id] = now
		p.counters.Applied++
	}
	if p.faults.LoseAnswers > 0 {
		p.faults.LoseAnswers--
		p.counters.LostAnswers++
		return 0, nil, true
	}
	return http.StatusOK, map[string]any{"product": cloneProduct(pr)}, false
}

func (s *Server) adminOrder(v struct {
	SaleID int64       `json:"sale_id"`
	Items  []OrderItem `json:"items"`
}) (any, error) {
	if err := s.PlaceOrder(v.SaleID, v.Items); err != nil {
		return nil, &adminRefusal{http.StatusConflict, err}
	}
	return map[string]int64{"sale_id": v.SaleID}, nil
}

func (s *Server) adminCancel(v struct {
	SaleID int64 `json:"sale_id"`
}) error {
	if err := s.CancelOrder(v.SaleID); err != nil {
		return &adminRefusal{http.StatusNotFound, err}
	}
	return nil
}

func cloneProduct(p colorme.Product) colorme.Product {
	p.Variants = slices.Clone(p.Variants)
	p.Options = slices.Clone(p.Options)
	for i := range p.Options {
		p.Options[i].Values = slices.Clone(p.Options[i].Values)
	}
	return p
}

// AddTokenWithScopes makes token a valid access token with only the given
// scopes, as ColorMe issues one for a consent that asked for those: e.g. a
// shop connected with the sales scopes only gets 401 code 401010 on products.
func (s *Server) AddTokenWithScopes(token string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for _, sc := range scopes {
		set[sc] = true
	}
	s.tokens[token] = set
}
