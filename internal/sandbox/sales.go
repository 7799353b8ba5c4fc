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

// paramError is a query parameter the sandbox cannot read.
type paramError struct {
	name string // the parameter, as sent
	msg  string
}

func (e *paramError) Error() string { return e.msg }

func badParam(name, format string, a ...any) error {
	return &paramError{name: name, msg: fmt.Sprintf(format, a...)}
}

// arrayParam reports a PHP/Rails-style array key such as ids[0] or ids[]:
// ColorMe answers those 500 (observed).
func arrayParam(q url.Values) bool {
	for name := range q {
		if strings.ContainsAny(name, "[]") {
			return true
		}
	}
	return false
}

// parseLenient parses q as the live ColorMe does (observed): a parameter it
// cannot read, and an unknown one, is dropped and the search runs without it —
// a bad `after` falls back to the 7-day default, a bad `limit` to 10, a
// negative offset to 0, a bad `ids` searches every sale. The names dropped are
// returned. A documented parameter the sandbox does not model still fails (the
// sandbox would answer the wrong sales).
func parseLenient(q url.Values, now time.Time, maxLimit int) (salesQuery, []string, error) {
	q = maps.Clone(q)
	var dropped []string
	for {
		sq, err := parseSalesQuery(q, now, maxLimit)
		pe, ok := err.(*paramError)
		if !ok || pe.name == "" {
			return sq, dropped, err
		}
		if modelled, known := listParams[pe.name]; known && !modelled {
			return sq, dropped, err
		}
		dropped = append(dropped, pe.name)
		q.Del(pe.name)
	}
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
			return badParam(name, "unknown parameter %q (GET /v1/sales.json accepts only the parameters of the published getSales schema)", name)
		case !modelled:
			return badParam(name, "parameter %q is valid on ColorMe but not modelled by the sandbox: model it in internal/sandbox before relying on it", name)
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
			return badParam("ids", "ids: %q is not a sale id", p)
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
					return badParam(name, "%s: %q is not YYYY-MM-DD or YYYY-MM-DD hh:mm:ss", name, v)
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
				return badParam(name, "%s: %q is not a boolean", name, v)
			}
			*dst = &b
		}
	}
	if v := q.Get("delivered_mail_state"); v != "" {
		if v != colorme.MailNotYet && v != colorme.MailSent && v != colorme.MailPass {
			return badParam("delivered_mail_state", "delivered_mail_state: %q is not not_yet, sent or pass", v)
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
			return badParam("limit", "limit: %q must be a positive integer (at most %d are returned)", v, maxLimit)
		}
		// Above the maximum ColorMe serves the maximum and says so in meta.limit.
		sq.limit = min(n, maxLimit)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badParam("offset", "offset: %q must be a non-negative integer", v)
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
	maxLimit, strict, ignore := s.maxLimitLocked(), s.opts.Strict, s.faults.IgnoreParams
	s.mu.Unlock()
	q := r.URL.Query()
	for _, name := range ignore { // the injected fault: ColorMe drops this filter
		if q.Has(name) {
			q.Del(name)
			s.countFault()
		}
	}
	var sq salesQuery
	var err error
	switch {
	case strict:
		sq, err = parseSalesQuery(q, s.now(), maxLimit)
	case arrayParam(q):
		return fail(http.StatusInternalServerError, colorme.CodeServerError, "Internal Server Error")
	default:
		var dropped []string
		sq, dropped, err = parseLenient(q, s.now(), maxLimit)
		s.countIgnored(len(dropped))
	}
	if err != nil {
		return fail(http.StatusBadRequest, codeBadRequest, err.Error())
	}
	s.mu.Lock()
	var matched []colorme.Sale
	stale := false
	for _, sale := range s.visibleSortedLocked(&stale) {
		if sq.match(sale) {
			matched = append(matched, sale)
		}
	}
	if stale {
		s.counters.StaleReads++
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
		sales = append(sales, project(wireSale(sale), sq.fields))
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

// getSale serves GET /v1/sales/{id}. Its segment has the spec's shape for
// this endpoint, {siblings_sale_ids: […]} (the other sales split from the
// same order), not the list's {parent_sale_id, splitted}.
func (s *Server) getSale(r *http.Request, id int64) (int, any) {
	s.mu.Lock()
	sale, ok, stale := s.visibleLocked(id)
	if stale {
		s.counters.StaleReads++
	}
	siblings := []int64{}
	if ok && sale.Segment != nil {
		for _, other := range s.sortedLocked() {
			if other.ID != id && other.Segment != nil && other.Segment.ParentSaleID == sale.Segment.ParentSaleID {
				siblings = append(siblings, other.ID)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		return fail(http.StatusNotFound, codeNotFound, "受注が見つかりません (sale not found)")
	}
	fields := []string{}
	if v := r.URL.Query().Get("fields"); v != "" {
		fields = strings.Split(v, ",")
	}
	hasSegment := sale.Segment != nil
	b, _ := json.Marshal(project(wireSale(sale), fields))
	var out map[string]any
	_ = json.Unmarshal(b, &out) // b was just marshalled from a sale
	if _, listed := out["segment"]; listed && hasSegment {
		out["segment"] = map[string]any{"siblings_sale_ids": siblings}
	}
	return http.StatusOK, map[string]any{"sale": out}
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

// Validation error codes ColorMe was observed to answer (which code means
// what is not published: the sandbox uses 422007 for a value of the wrong type
// and 422210 for a missing one).
const (
	code422Invalid = 422007
	code422Missing = 422210
)

// reqError is a request the sandbox refuses: its status and ColorMe's errors.
type reqError struct {
	status int
	items  []colorme.ErrorItem
}

func (e *reqError) body() (int, any) {
	return e.status, colorme.ErrorBody{Errors: e.items}
}

func badRequest(format string, a ...any) *reqError {
	return &reqError{status: http.StatusBadRequest, items: []colorme.ErrorItem{{Code: codeBadRequest, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, a...)}}}
}

// unparsable is ColorMe's answer to a body that is not JSON (observed: a
// truncated body gets 500, code 500000).
func unparsable() *reqError {
	return &reqError{status: http.StatusInternalServerError, items: []colorme.ErrorItem{{Code: colorme.CodeServerError, Status: http.StatusInternalServerError, Message: "Internal Server Error"}}}
}

// invalid collects 422 validation errors, each naming its field.
type invalid []colorme.ErrorItem

func (v *invalid) add(code int, field, msg string) {
	*v = append(*v, colorme.ErrorItem{Code: code, Status: http.StatusUnprocessableEntity, Field: field, Message: msg})
}

func (v invalid) err() *reqError {
	if len(v) == 0 {
		return nil
	}
	return &reqError{status: http.StatusUnprocessableEntity, items: v}
}

// parseUpdate reads a PUT body. Strict: the updateSale schema, any deviation
// answered 400 (our own requests must match it). Otherwise as the live API
// (observed): a body that is not JSON gets 500 (code 500000), an unknown key
// is ignored, a value of the wrong type or a missing delivery id gets 422 with
// the field named, all such errors in one answer. It returns the patches and
// the number of fee fields seen (even when the body is refused).
func parseUpdate(body []byte, strict bool) ([]deliveryPatch, int, *reqError) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		if strict {
			return nil, 0, badRequest("body must be a JSON object")
		}
		return nil, 0, unparsable()
	}
	if err := onlyKeys(top, "sale"); err != nil && strict {
		return nil, 0, badRequest("%v", err)
	}
	var sale map[string]json.RawMessage
	if err := json.Unmarshal(top["sale"], &sale); err != nil || sale == nil {
		if strict {
			return nil, 0, badRequest("sale must be an object")
		}
		var v invalid
		v.add(code422Missing, "sale", "sale を指定してください (sale must be an object)")
		return nil, 0, v.err()
	}
	if err := onlyKeys(sale, "paid", "point_state", "sale_deliveries"); err != nil && strict {
		return nil, 0, badRequest("%v", err)
	}
	var v invalid
	// paid is modelled (updateSale reads it with parsePaid); point_state is
	// valid but not modelled: accepted and ignored.
	if raw, ok := sale["paid"]; ok && !hasType(raw, "bool") {
		v.add(code422Invalid, "paid", "paid must be a boolean")
	}
	if raw, ok := sale["point_state"]; ok && !hasType(raw, "string") {
		v.add(code422Invalid, "point_state", "point_state must be a string")
	}
	var items []map[string]json.RawMessage
	if raw, ok := sale["sale_deliveries"]; ok {
		if err := json.Unmarshal(raw, &items); err != nil {
			v.add(code422Invalid, "sale_deliveries", "sale_deliveries must be an array of objects")
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
		for _, k := range slices.Sorted(maps.Keys(item)) {
			kind, ok := deliveryFields[k]
			field := fmt.Sprintf("sale_deliveries[%d].%s", i, k)
			switch {
			case !ok && strict:
				return nil, fees, badRequest("sale.%s is not an updatable field", field)
			case !ok:
				delete(item, k) // the live API ignores an unknown key
			case !hasType(item[k], kind):
				v.add(code422Invalid, field, fmt.Sprintf("%s must be of type %s", k, kind))
			}
		}
		var id int64
		if err := json.Unmarshal(item["id"], &id); err != nil || id == 0 {
			v.add(code422Missing, fmt.Sprintf("sale_deliveries[%d].id", i), "id を指定してください (id is required)")
			continue
		}
		patches = append(patches, deliveryPatch{id: id, fields: item})
	}
	if len(v) > 0 && strict {
		return nil, fees, badRequest("sale.%s: %s", v[0].Field, v[0].Message)
	}
	return patches, fees, v.err()
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

// updateSaleLocked answers PUT /v1/sales/{id}.json (s.mu held).
func (s *Server) updateSaleLocked(id int64, body []byte) (int, any) {
	patches, fees, perr := parseUpdate(body, s.opts.Strict)
	s.counters.FeeFieldWrites += fees
	stored, status, errBody := s.writableSale(id, perr, "キャンセル済みの受注は更新できません (sale is canceled)",
		s.faults.RejectSales, "入力内容に誤りがあります (sale rejected by fault injection)")
	if errBody != nil {
		return status, errBody
	}
	sale := cloneSale(stored)
	if paid := parsePaid(body); paid != nil && *paid != sale.Paid {
		sale.Paid = *paid
		if *paid {
			s.counters.PaidWrites++
		}
	}
	for _, p := range patches {
		i := slices.IndexFunc(sale.SaleDeliveries, func(d colorme.SaleDelivery) bool { return d.ID == p.id })
		if i < 0 {
			return fail(http.StatusNotFound, codeNotFound, fmt.Sprintf("お届け先が見つかりません (sale_delivery %d not found)", p.id))
		}
		d := &sale.SaleDeliveries[i]
		oldSlip := d.Slip()
		for k, raw := range p.fields {
			if dst := deliveryTarget(d, k); dst != nil {
				_ = json.Unmarshal(raw, dst) // a value of the wrong type leaves the field as it was
			}
		}
		if d.Slip() != oldSlip { // ColorMe: writing slip_number also changes tracking_url
			d.TrackingURL = TrackingURL(d.DeliveryID, d.Slip())
		}
	}
	sale.Delivered = sale.AllDelivered()
	// Like a Rails model, update_date only moves when something changed.
	if !reflect.DeepEqual(sale, stored) {
		sale.UpdateDate = s.now().Unix()
		s.recordWriteLocked(id, stored)
		s.sales[id] = sale
		s.counters.WritesApplied++
	} else {
		s.counters.NoopWrites++ // the same content written again: the product promises this never happens
	}
	return http.StatusOK, colorme.SaleResponse{Sale: wireSale(sale)}
}

// writableSale is the guard of a write to sale id (s.mu held): the sale, or
// ColorMe's error body when the request was refused (bad, its body's
// problem), the sale is missing, cancelled (canceled is the message) or
// rejected by fault injection (ids in rejects; rejected is the message).
func (s *Server) writableSale(id int64, bad *reqError, canceled string, rejects []int64, rejected string) (colorme.Sale, int, any) {
	sale, ok := s.sales[id]
	var status int
	var body any
	switch {
	case bad != nil:
		status, body = bad.body()
	case !ok:
		status, body = fail(http.StatusNotFound, codeNotFound, "受注が見つかりません (sale not found)")
	case sale.Canceled:
		status, body = fail(http.StatusUnprocessableEntity, codeUnprocessable, canceled)
	case slices.Contains(rejects, id):
		// As ColorMe's validation errors: 422, each error naming its field,
		// several in one answer.
		status, body = http.StatusUnprocessableEntity, colorme.ErrorBody{Errors: []colorme.ErrorItem{
			{Code: code422Invalid, Status: http.StatusUnprocessableEntity, Field: "sale_deliveries[0].slip_number", Message: rejected},
			{Code: code422Invalid, Status: http.StatusUnprocessableEntity, Field: "sale_deliveries[0].delivered", Message: rejected},
		}}
	}
	return sale, status, body
}

// sendMailLocked answers POST /v1/sales/{id}/mails.json (s.mu held).
func (s *Server) sendMailLocked(id int64, body []byte) (int, any) {
	typ, rerr := parseMail(body, s.opts.Strict)
	sale, status, errBody := s.writableSale(id, rerr, "キャンセル済みの受注にはメールを送信できません (sale is canceled)",
		s.faults.RejectMails, "メールを送信できませんでした (mail rejected by fault injection)")
	if errBody != nil {
		return status, errBody
	}
	if typ == "delivered" && sale.DeliveredMailState != colorme.MailSent {
		s.recordWriteLocked(id, sale)
		sale = cloneSale(sale)
		sale.DeliveredMailState = colorme.MailSent
		s.sales[id] = sale
	}
	if typ == "paid" {
		if p := sale.Segment; p != nil && p.ParentSaleID != 0 && p.ParentSaleID != id {
			// Observed: the accepted and paid mails of a split sale go from the parent only.
			return fail(http.StatusUnprocessableEntity, codeUnprocessable, "分割された受注の入金確認メールは親受注から送信してください (paid mail of a split-off sale)")
		}
		if sale.PaidMailState != colorme.MailSent {
			s.recordWriteLocked(id, sale)
			sale = cloneSale(sale)
			sale.PaidMailState = colorme.MailSent
			s.sales[id] = sale
		}
		s.counters.PaidMailsBySale[id]++
	}
	s.counters.MailsBySale[id]++
	// ColorMe answers 201 with an empty body (observed).
	return http.StatusCreated, nil
}

// parsePaid reads sale.paid of an update body parseUpdate accepted; nil when
// absent or not a boolean.
func parsePaid(body []byte) *bool {
	var top struct {
		Sale struct {
			Paid *bool `json:"paid"`
		} `json:"sale"`
	}
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	return top.Sale.Paid
}

// parseMail reads {"mail":{"type":…}}. Strict: exactly that, else 400. Otherwise
// as the live API: not JSON gets 500 (code 500000), unknown keys are ignored, a
// bad type gets 422 naming mail.type.
func parseMail(body []byte, strict bool) (string, *reqError) {
	var top map[string]json.RawMessage
	var mail map[string]json.RawMessage
	var typ string
	if json.Unmarshal(body, &top) != nil || top == nil {
		if strict {
			return "", badRequest("body must be a JSON object")
		}
		return "", unparsable()
	}
	switch {
	case strict && (onlyKeys(top, "mail") != nil || json.Unmarshal(top["mail"], &mail) != nil || mail == nil):
		return "", badRequest(`body must be {"mail":{"type":…}}`)
	case strict && onlyKeys(mail, "type") != nil:
		return "", badRequest("mail accepts only type")
	}
	_ = json.Unmarshal(top["mail"], &mail) // not an object: no type, refused below
	if json.Unmarshal(mail["type"], &typ) != nil || (typ != "accepted" && typ != "paid" && typ != "delivered") {
		if strict {
			return "", badRequest("mail.type %q is not accepted, paid or delivered", typ)
		}
		var v invalid
		v.add(code422Invalid, "mail.type", fmt.Sprintf("メールの種類が正しくありません (mail.type %q is not accepted, paid or delivered)", typ))
		return "", v.err()
	}
	return typ, nil
}

// writeSale answers a write to sale id (a PUT or a mail): its body read (400
// when it cannot be), then write with s.mu held.
func (s *Server) writeSale(r *http.Request, id int64, write func(id int64, body []byte) (int, any)) (int, any) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 1<<20)); err != nil {
		return fail(http.StatusBadRequest, codeBadRequest, fmt.Sprintf("reading body: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return write(id, buf.Bytes())
}
