package sandbox

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/jst"
)

// salesQuery is a parsed GET /v1/sales.json query.
type salesQuery struct {
	ids                 map[int64]bool
	after, before       time.Time // make_date bounds, inclusive; zero = none
	updMin, updMax      time.Time // update_date bounds, inclusive; zero = none
	canceled, delivered *bool
	mailState           string
	fields              []string
	limit, offset       int
}

// listParams are the query parameters of GET /v1/sales.json: the published
// getSales schema (additionalProperties false) with whether the sandbox models
// each one. An unknown parameter is answered 400, as the schema says; a valid one
// the sandbox does not model is answered 400 too, naming it, rather than
// silently ignored (a test would get the wrong sales).
var listParams = map[string]bool{
	"ids": true, "after": true, "before": true, "make_date_min": true, "make_date_max": true,
	"update_date_min": true, "update_date_max": true, "delivered_mail_state": true,
	"delivered": true, "canceled": true, "fields": true, "limit": true, "offset": true,
	"customer_ids": false, "customer_name": false, "customer_furigana": false, "customer_mail": false,
	"accepted_mail_state": false, "paid_mail_state": false, "mobile": false, "paid": false, "payment_ids": false,
}

func parseSalesQuery(q url.Values, now time.Time, maxLimit int) (salesQuery, error) {
	sq := salesQuery{limit: 10}
	if err := checkParams(q); err != nil {
		return sq, err
	}
	if err := sq.parseIDs(q); err != nil {
		return sq, err
	}
	if err := sq.parseDates(q, now); err != nil {
		return sq, err
	}
	if err := sq.parseFilters(q); err != nil {
		return sq, err
	}
	err := sq.parsePaging(q, maxLimit)
	return sq, err
}

// checkParams refuses parameters getSales does not have, and those the
// sandbox does not model.
func checkParams(q url.Values) error {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		modelled, known := listParams[name]
		switch {
		case !known:
			return fmt.Errorf("unknown parameter %q (GET /v1/sales.json accepts only the parameters of the published getSales schema)", name)
		case !modelled:
			return fmt.Errorf("parameter %q is valid on ColorMe but not modelled by the sandbox: model it in internal/sandbox before relying on it", name)
		}
	}
	return nil
}

func (sq *salesQuery) parseIDs(q url.Values) error {
	v := q.Get("ids")
	if v == "" {
		return nil
	}
	sq.ids = map[int64]bool{}
	for _, p := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return fmt.Errorf("ids: %q is not a sale id", p)
		}
		sq.ids[id] = true
	}
	return nil
}

func (sq *salesQuery) parseDates(q url.Values, now time.Time) error {
	dates := []struct {
		dst   *time.Time
		names []string
	}{
		{&sq.after, []string{"after", "make_date_min"}},
		{&sq.before, []string{"before", "make_date_max"}},
		{&sq.updMin, []string{"update_date_min"}},
		{&sq.updMax, []string{"update_date_max"}},
	}
	for _, d := range dates {
		for _, name := range d.names {
			if v := q.Get(name); v != "" {
				t, err := parseDate(v)
				if err != nil {
					return fmt.Errorf("%s: %q is not YYYY-MM-DD or YYYY-MM-DD hh:mm:ss", name, v)
				}
				*d.dst = t
				break
			}
		}
	}
	// ColorMe: without `after`, the search starts 7 days before `before` (or before
	// now) at 00:00 JST — a lookup by ids too (the getSales description applies
	// the default to every search), so a client that forgets `after` misses
	// older sales here as it would on ColorMe.
	if sq.after.IsZero() {
		base := now
		if !sq.before.IsZero() {
			base = sq.before
		}
		y, m, d := base.In(jst.Zone).AddDate(0, 0, -7).Date()
		sq.after = time.Date(y, m, d, 0, 0, 0, 0, jst.Zone)
	}
	return nil
}

func (sq *salesQuery) parseFilters(q url.Values) error {
	for name, dst := range map[string]**bool{"canceled": &sq.canceled, "delivered": &sq.delivered} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not a boolean", name, v)
			}
			*dst = &b
		}
	}
	if v := q.Get("delivered_mail_state"); v != "" {
		if v != colorme.MailNotYet && v != colorme.MailSent && v != colorme.MailPass {
			return fmt.Errorf("delivered_mail_state: %q is not not_yet, sent or pass", v)
		}
		sq.mailState = v
	}
	if v := q.Get("fields"); v != "" {
		sq.fields = strings.Split(v, ",")
	}
	return nil
}

func (sq *salesQuery) parsePaging(q url.Values, maxLimit int) error {
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("limit: %q must be a positive integer (at most %d are returned)", v, maxLimit)
		}
		// Above the maximum ColorMe serves the maximum and says so in meta.limit.
		sq.limit = min(n, maxLimit)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("offset: %q must be a non-negative integer", v)
		}
		sq.offset = n
	}
	return nil
}

// parseDate reads "YYYY-MM-DD hh:mm:ss" or "YYYY-MM-DD" (00:00:00) in JST.
func parseDate(v string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateTime, v, jst.Zone); err == nil {
		return t, nil
	}
	return time.ParseInLocation(time.DateOnly, v, jst.Zone)
}

func (sq salesQuery) match(s colorme.Sale) bool {
	inRange := func(unix int64, lo, hi time.Time) bool {
		return (lo.IsZero() || unix >= lo.Unix()) && (hi.IsZero() || unix <= hi.Unix())
	}
	return (sq.ids == nil || sq.ids[s.ID]) &&
		inRange(s.MakeDate, sq.after, sq.before) &&
		inRange(s.UpdateDate, sq.updMin, sq.updMax) &&
		(sq.canceled == nil || *sq.canceled == s.Canceled) &&
		(sq.delivered == nil || *sq.delivered == s.Delivered) &&
		(sq.mailState == "" || sq.mailState == s.DeliveredMailState)
}

func (s *Server) listSales(r *http.Request) (int, any) {
	s.mu.Lock()
	maxLimit := s.maxLimitLocked()
	s.mu.Unlock()
	sq, err := parseSalesQuery(r.URL.Query(), s.now(), maxLimit)
	if err != nil {
		return fail(http.StatusBadRequest, codeBadRequest, err.Error())
	}
	s.mu.Lock()
	var matched []colorme.Sale
	for _, sale := range s.sortedLocked() {
		if sq.match(sale) {
			matched = append(matched, sale)
		}
	}
	if s.opts.SortByUpdateDate {
		slices.SortStableFunc(matched, func(a, b colorme.Sale) int { return cmp.Compare(a.UpdateDate, b.UpdateDate) })
	}
	s.listed++
	after, served := s.afterList, s.listed
	s.mu.Unlock()
	if after != nil {
		defer after(served)
	}

	page := matched[min(sq.offset, len(matched)):min(sq.offset+sq.limit, len(matched))]
	sales := make([]any, 0, len(page))
	for _, sale := range page {
		sales = append(sales, project(sale, sq.fields))
	}
	return http.StatusOK, map[string]any{
		"sales": sales,
		"meta":  colorme.Meta{Total: len(matched), Limit: sq.limit, Offset: sq.offset},
	}
}

// project keeps only the given top-level keys (and id); no fields keeps all.
func project(sale colorme.Sale, fields []string) any {
	if len(fields) == 0 {
		return sale
	}
	b, _ := json.Marshal(sale)
	var all map[string]json.RawMessage
	_ = json.Unmarshal(b, &all) // b was just marshalled from a Sale
	out := map[string]json.RawMessage{"id": all["id"]}
	for _, f := range fields {
		if v, ok := all[strings.TrimSpace(f)]; ok {
			out[strings.TrimSpace(f)] = v
		}
	}
	return out
}

func (s *Server) getSale(r *http.Request, id int64) (int, any) {
	sale, ok := s.Sale(id)
	if !ok {
		return fail(http.StatusNotFound, codeNotFound, "受注が見つかりません (sale not found)")
	}
	var fields []string
	if v := r.URL.Query().Get("fields"); v != "" {
		fields = strings.Split(v, ",")
	}
	return http.StatusOK, map[string]any{"sale": project(sale, fields)}
}

// deliveryFields are the keys updateSale accepts in sale.sale_deliveries[] with
// their JSON types (from the updateSale schema).
var deliveryFields = map[string]string{
	"id": "int", "account_id": "string", "sale_id": "int", "delivery_id": "int",
	"detail_ids": "ints", "name": "string", "furigana": "string", "postal": "string",
	"pref_id": "int", "pref_name": "string", "address1": "string", "address2": "string",
	"tel": "string", "preferred_date": "string", "preferred_period": "string",
	"slip_number": "string", "noshi_text": "string", "noshi_charge": "int",
	"card_name": "string", "card_text": "string", "card_charge": "int",
	"wrapping_name": "string", "wrapping_charge": "int", "delivery_charge": "int",
	"total_charge": "int", "tracking_url": "string", "memo": "string", "delivered": "bool",
}

// feeFields change what the customer pays; the product must never send them.
var feeFields = []string{"noshi_charge", "card_charge", "wrapping_charge", "delivery_charge", "total_charge"}

// deliveryPatch is one element of sale.sale_deliveries: only the keys present.
type deliveryPatch struct {
	id     int64
	fields map[string]json.RawMessage
}

// parseUpdate validates a PUT body against the updateSale schema. It returns the
// patches and the number of fee fields seen (even when the body is invalid).
func parseUpdate(body []byte) ([]deliveryPatch, int, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, 0, fmt.Errorf("body must be a JSON object")
	}
	if err := onlyKeys(top, "sale"); err != nil {
		return nil, 0, err
	}
	var sale map[string]json.RawMessage
	if err := json.Unmarshal(top["sale"], &sale); err != nil || sale == nil {
		return nil, 0, fmt.Errorf("sale must be an object")
	}
	if err := onlyKeys(sale, "paid", "point_state", "sale_deliveries"); err != nil {
		return nil, 0, err
	}
	// paid and point_state are valid but not modelled: accepted and ignored.
	if v, ok := sale["paid"]; ok && !hasType(v, "bool") {
		return nil, 0, fmt.Errorf("sale.paid must be a boolean")
	}
	if v, ok := sale["point_state"]; ok && !hasType(v, "string") {
		return nil, 0, fmt.Errorf("sale.point_state must be a string")
	}
	var items []map[string]json.RawMessage
	if v, ok := sale["sale_deliveries"]; ok {
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, 0, fmt.Errorf("sale.sale_deliveries must be an array of objects")
		}
	}
	fees := 0
	var patches []deliveryPatch
	for i, item := range items {
		for _, f := range feeFields {
			if _, ok := item[f]; ok {
				fees++
			}
		}
		for k, v := range item {
			kind, ok := deliveryFields[k]
			if !ok {
				return nil, fees, fmt.Errorf("sale.sale_deliveries[%d].%s is not an updatable field", i, k)
			}
			if !hasType(v, kind) {
				return nil, fees, fmt.Errorf("sale.sale_deliveries[%d].%s must be of type %s", i, k, kind)
			}
		}
		var id int64
		if err := json.Unmarshal(item["id"], &id); err != nil {
			return nil, fees, fmt.Errorf("sale.sale_deliveries[%d].id is required", i)
		}
		patches = append(patches, deliveryPatch{id: id, fields: item})
	}
	return patches, fees, nil
}

func onlyKeys(m map[string]json.RawMessage, allowed ...string) error {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unknown parameter %q", k)
		}
	}
	return nil
}

// hasType reports whether raw is a non-null JSON value of the given kind.
func hasType(raw json.RawMessage, kind string) bool {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return false
	}
	var v any
	switch kind {
	case "int":
		v = new(int64)
	case "string":
		v = new(string)
	case "bool":
		v = new(bool)
	case "ints":
		v = new([]int64)
	}
	return json.Unmarshal(raw, v) == nil
}

// deliveryTarget is where a patch key is stored; nil for keys colorme.SaleDelivery
// does not model (accepted and ignored).
func deliveryTarget(d *colorme.SaleDelivery, key string) any {
	return map[string]any{"slip_number": &d.SlipNumber, "tracking_url": &d.TrackingURL, "delivered": &d.Delivered,
		"delivery_id": &d.DeliveryID, "name": &d.Name, "pref_name": &d.PrefName, "address1": &d.Address1}[key]
}

func (s *Server) updateSale(r *http.Request, id int64) (int, any) {
	body, err := readBody(r)
	if err != nil {
		return fail(http.StatusBadRequest, codeBadRequest, err.Error())
	}
	patches, fees, perr := parseUpdate(body)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters.FeeFieldWrites += fees
	if perr != nil {
		return fail(http.StatusBadRequest, codeBadRequest, perr.Error())
	}
	stored, status, errBody := s.writableSale(id, "キャンセル済みの受注は更新できません (sale is canceled)",
		s.faults.RejectSales, "入力内容に誤りがあります (sale rejected by fault injection)")
	if errBody != nil {
		return status, errBody
	}
	sale := cloneSale(stored)
	for _, p := range patches {
		i := slices.IndexFunc(sale.SaleDeliveries, func(d colorme.SaleDelivery) bool { return d.ID == p.id })
		if i < 0 {
			return fail(http.StatusNotFound, codeNotFound, fmt.Sprintf("お届け先が見つかりません (sale_delivery %d not found)", p.id))
		}
		for k, raw := range p.fields {
			if dst := deliveryTarget(&sale.SaleDeliveries[i], k); dst != nil {
				_ = json.Unmarshal(raw, dst) // a value of the wrong type leaves the field as it was
			}
		}
	}
	sale.Delivered = sale.AllDelivered()
	// Like a Rails model, update_date only moves when something changed.
	if !reflect.DeepEqual(sale, stored) {
		sale.UpdateDate = s.now().Unix()
		s.sales[id] = sale
		s.counters.WritesApplied++
	} else {
		s.counters.NoopWrites++ // the same content written again: the product promises this never happens
	}
	return http.StatusOK, colorme.SaleResponse{Sale: cloneSale(sale)}
}

// writableSale is the guard of a write to sale id (s.mu held): the sale, or
// ColorMe's error body when the sale is missing, cancelled (canceled is the
// message) or rejected by fault injection (ids in rejects; rejected is the
// message).
func (s *Server) writableSale(id int64, canceled string, rejects []int64, rejected string) (colorme.Sale, int, any) {
	sale, ok := s.sales[id]
	var status int
	var body any
	switch {
	case !ok:
		status, body = fail(http.StatusNotFound, codeNotFound, "受注が見つかりません (sale not found)")
	case sale.Canceled:
		status, body = fail(http.StatusUnprocessableEntity, codeUnprocessable, canceled)
	case slices.Contains(rejects, id):
		status, body = fail(http.StatusUnprocessableEntity, codeUnprocessable, rejected)
	}
	return sale, status, body
}

func (s *Server) sendMail(r *http.Request, id int64) (int, any) {
	body, err := readBody(r)
	if err != nil {
		return fail(http.StatusBadRequest, codeBadRequest, err.Error())
	}
	var top map[string]json.RawMessage
	var mail map[string]json.RawMessage
	var typ string
	switch {
	case json.Unmarshal(body, &top) != nil || top == nil:
		return fail(http.StatusBadRequest, codeBadRequest, "body must be a JSON object")
	case onlyKeys(top, "mail") != nil || json.Unmarshal(top["mail"], &mail) != nil || mail == nil:
		return fail(http.StatusBadRequest, codeBadRequest, `body must be {"mail":{"type":…}}`)
	case onlyKeys(mail, "type") != nil:
		return fail(http.StatusBadRequest, codeBadRequest, "mail accepts only type")
	case json.Unmarshal(mail["type"], &typ) != nil, typ != "accepted" && typ != "paid" && typ != "delivered":
		return fail(http.StatusBadRequest, codeBadRequest, fmt.Sprintf("mail.type %q is not accepted, paid or delivered", typ))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	sale, status, errBody := s.writableSale(id, "キャンセル済みの受注にはメールを送信できません (sale is canceled)",
		s.faults.RejectMails, "メールを送信できませんでした (mail rejected by fault injection)")
	if errBody != nil {
		return status, errBody
	}
	if typ == "delivered" {
		sale.DeliveredMailState = colorme.MailSent
		s.sales[id] = sale
	}
	s.counters.MailsBySale[id]++
	// The published clients document an empty response body.
	return http.StatusNoContent, nil
}

func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 1<<20)); err != nil {
		return nil, fmt.Errorf("reading body: %v", err)
	}
	return buf.Bytes(), nil
}
