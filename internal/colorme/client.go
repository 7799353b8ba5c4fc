package colorme

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/colorme-sync/colorme-sync/internal/jst"
)

// Paging and request limits of the client.
const (
	// MaxIDsPerRequest is the most sale ids SalesByIDs puts in one request (ColorMe's max limit).
	MaxIDsPerRequest = 100
	defaultTimeout   = 30 * time.Second
	defaultUA        = "colorme-sync"
	maxBodyBytes     = 16 << 20 // success bodies; 100 trimmed sales are far smaller
	maxErrBodyBytes  = 64 << 10 // error bodies; only the start is kept anyway
)

// SyncFields are the sale fields SalesByIDs asks for: what the export needs, nothing more.
var SyncFields = []string{"id", "make_date", "update_date", "canceled", "delivered", "delivered_mail_state", "segment", "sale_deliveries", "paid", "paid_mail_state"}

// idsSearchAfter is sent as `after` with id look-ups: without a date ColorMe searches
// only the last 7 days, and the export reads sales up to a year old.
var idsSearchAfter = time.Date(2000, 1, 1, 0, 0, 0, 0, jst.Zone)

// idsSearchBeforeSlack puts the `before` of id look-ups a day after now, so that
// clock skew with ColorMe never hides a sale made just now.
const idsSearchBeforeSlack = 24 * time.Hour

// Config configures a Client.
type Config struct {
	BaseURL     string        // e.g. https://api.shop-pro.jp (no trailing slash needed)
	AccessToken string        // bearer token; never logged, never included in any error message
	HTTPClient  *http.Client  // optional: its Transport is the base transport (default http.DefaultTransport)
	Timeout     time.Duration // per request, default 30s
	Limiter     Limiter       // optional: Wait(ctx) is called before every request
	UserAgent   string        // default "colorme-sync"
}

// Client calls the ColorMe Shop API for one access token. It makes one HTTP request
// per call (SalesByIDs one per 100 ids, more when ColorMe serves fewer or an id
// is missing) and never retries: Temporal does.
// Safe for concurrent use.
type Client struct {
	base    string
	token   string // kept only to scrub it from error messages
	http    *http.Client
	timeout time.Duration
	limiter Limiter
	ua      string
}

// New returns a Client sending cfg.AccessToken as a bearer token.
func New(cfg Config) *Client {
	var base http.RoundTripper = http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: cfg.AccessToken, TokenType: "Bearer"})
	c := &Client{
		base:  strings.TrimRight(cfg.BaseURL, "/"),
		token: cfg.AccessToken,
		http: &http.Client{
			Transport: &oauth2.Transport{Source: src, Base: base},
			// The transport adds the token to every request, so following a
			// redirect to another host would hand it over: never follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout: cfg.Timeout,
		limiter: cfg.Limiter,
		ua:      cfg.UserAgent,
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.ua == "" {
		c.ua = defaultUA
	}
	return c
}

// SalesByIDs returns the sales with the given ids, asking only for SyncFields.
// Each page is checked against what was asked (only those ids, made inside the
// asked dates, consistent meta): a mismatch is a *MismatchError, never a
// silently shorter or longer answer.
// It asks for at most 100 ids per request and never trusts one answer: when
// ColorMe serves fewer than meta.total (its effective limit, meta.limit, may be
// below what was asked — older docs give a maximum of 50), it reads the rest by
// offset. An id still missing is confirmed with GET /v1/sales/{id}.json, so a
// sale ColorMe has is never reported absent; only a 404 there leaves it out.
func (c *Client) SalesByIDs(ctx context.Context, ids []int64) ([]Sale, error) {
	ids = uniqueIDs(ids)
	var out []Sale
	for start := 0; start < len(ids); start += MaxIDsPerRequest {
		chunk := ids[start:min(start+MaxIDsPerRequest, len(ids))]
		want := make(map[int64]bool, len(chunk))
		parts := make([]string, len(chunk))
		for i, id := range chunk {
			want[id] = true
			parts[i] = strconv.FormatInt(id, 10)
		}
		// Without a date ColorMe searches only the last 7 days, ids or not: bound
		// the search explicitly on both sides.
		asked := pageWant{ids: chunk, after: idsSearchAfter, before: time.Now().Add(idsSearchBeforeSlack),
			limit: MaxIDsPerRequest, makeDateFetched: true, updDateFetched: true}
		q := url.Values{}
		q.Set("ids", strings.Join(parts, ","))
		setTime(q, "after", asked.after)
		setTime(q, "before", asked.before)
		q.Set("fields", strings.Join(SyncFields, ","))
		q.Set("limit", strconv.Itoa(asked.limit))
		// Each page serves at least one sale, so len(chunk) pages always end it.
		for offset, pages := 0, 0; pages <= len(chunk); pages++ {
			if offset > 0 {
				q.Set("offset", strconv.Itoa(offset))
			}
			asked.offset = offset
			page, err := c.getSalesPage(ctx, q, asked)
			if err != nil {
				return nil, err
			}
			for _, s := range page.Sales {
				if want[s.ID] { // a sale listed twice (the list moved) counts once
					out = append(out, s)
					delete(want, s.ID)
				}
			}
			offset += len(page.Sales)
			if len(page.Sales) == 0 || offset >= page.Meta.Total || len(want) == 0 {
				break
			}
		}
		for _, id := range chunk {
			if !want[id] {
				continue
			}
			s, err := c.GetSale(ctx, id)
			if ae, ok := AsAPIError(err); ok && ae.Status == http.StatusNotFound {
				continue // not on ColorMe
			}
			if err != nil {
				return nil, err
			}
			if s.ID != id {
				return nil, &DecodeError{Op: "GET " + salePath(id), Err: fmt.Errorf("answered sale %d", s.ID)}
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// ListQuery filters GET /v1/sales.json for the import.
type ListQuery struct {
	// After, Before (order date) and UpdatedMin, UpdatedMax (update date): zero = not
	// sent; sent as "YYYY-MM-DD hh:mm:ss" in JST. Without After ColorMe searches only
	// the last 7 days.
	After, Before, UpdatedMin, UpdatedMax time.Time
	Limit, Offset                         int      // 0 = not sent (ColorMe: limit 10, max 100)
	Fields                                []string // empty = all fields
}

// ListSales returns one page of GET /v1/sales.json, checked against q: every
// sale made and updated inside the asked dates, meta.offset the asked offset,
// meta.limit at most the asked limit, meta.total consistent. A mismatch is a
// *MismatchError (ColorMe dropped a filter), never a silent partial import.
// make_date and update_date are always fetched, so the check can be made.
func (c *Client) ListSales(ctx context.Context, q ListQuery) (SalesPage, error) {
	if q.Limit < 0 || q.Offset < 0 {
		return SalesPage{}, fmt.Errorf("colorme GET /v1/sales.json: limit %d and offset %d must not be negative", q.Limit, q.Offset)
	}
	if len(q.Fields) > 0 {
		q.Fields = slices.Clone(q.Fields)
		for _, f := range []string{"id", "make_date", "update_date"} {
			if !slices.Contains(q.Fields, f) {
				q.Fields = append(q.Fields, f)
			}
		}
	}
	asked := pageWant{after: q.After, before: q.Before, updMin: q.UpdatedMin, updMax: q.UpdatedMax,
		limit: q.Limit, offset: q.Offset, makeDateFetched: true, updDateFetched: true}
	v := url.Values{}
	setTime(v, "after", q.After)
	setTime(v, "before", q.Before)
	setTime(v, "update_date_min", q.UpdatedMin)
	setTime(v, "update_date_max", q.UpdatedMax)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	if len(q.Fields) > 0 {
		v.Set("fields", strings.Join(q.Fields, ","))
	}
	return c.getSalesPage(ctx, v, asked)
}

// GetSale returns one sale (GET /v1/sales/{id}.json).
func (c *Client) GetSale(ctx context.Context, id int64) (Sale, error) {
	return c.sale(ctx, http.MethodGet, id, nil)
}

// UpdateDeliveries PUTs /v1/sales/{id}.json with only id, slip_number and delivered
// of each delivery (nil fields omitted) and returns the sale as ColorMe answers it.
func (c *Client) UpdateDeliveries(ctx context.Context, saleID int64, deliveries []DeliveryUpdate) (Sale, error) {
	if len(deliveries) == 0 {
		return Sale{}, fmt.Errorf("colorme PUT %s: no deliveries to update", salePath(saleID))
	}
	return c.sale(ctx, http.MethodPut, saleID, UpdateSaleRequest{Sale: UpdateSaleBody{SaleDeliveries: deliveries}})
}

// MarkPaid PUTs /v1/sales/{id}.json {"sale":{"paid":true}} (入金済み) and
// returns the sale as ColorMe answers it. It never sends paid:false.
func (c *Client) MarkPaid(ctx context.Context, saleID int64) (Sale, error) {
	paid := true
	return c.sale(ctx, http.MethodPut, saleID, UpdateSaleRequest{Sale: UpdateSaleBody{Paid: &paid}})
}

// sale makes a request of /v1/sales/{id}.json (GET, or PUT with in) and
// returns the sale ColorMe answers ({"sale":{…}}).
func (c *Client) sale(ctx context.Context, method string, id int64, in any) (Sale, error) {
	var resp struct {
		Sale *Sale `json:"sale"`
	}
	op, err := c.callJSON(ctx, method, salePath(id), nil, in, &resp)
	if err != nil {
		return Sale{}, err
	}
	return member(op, resp.Sale, func(s Sale) bool { return s.ID != 0 }, `"sale.id"`)
}

// SendPaidMail POSTs /v1/sales/{id}/mails.json {"mail":{"type":"paid"}}, the
// 入金確認メール. Not idempotent, like SendDeliveredMail: the caller guards it.
func (c *Client) SendPaidMail(ctx context.Context, saleID int64) error {
	path := fmt.Sprintf("/v1/sales/%d/mails.json", saleID)
	_, _, err := c.do(ctx, http.MethodPost, path, nil, MailRequest{Mail: MailBody{Type: "paid"}}, false)
	return err
}

// SendDeliveredMail POSTs /v1/sales/{id}/mails.json {"mail":{"type":"delivered"}}.
// Not idempotent: the caller guards it. A 2xx answer means sent, whatever its body;
// an error with Status 0 (timeout, broken connection) does not prove it was not sent.
func (c *Client) SendDeliveredMail(ctx context.Context, saleID int64) error {
	path := fmt.Sprintf("/v1/sales/%d/mails.json", saleID)
	_, _, err := c.do(ctx, http.MethodPost, path, nil, MailRequest{Mail: MailBody{Type: "delivered"}}, false)
	return err
}

// ShopInfo is the part of GET /v1/shop.json the sync uses.
type ShopInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Shop fetches GET /v1/shop.json (a cheap call used to verify a token).
func (c *Client) Shop(ctx context.Context) (ShopInfo, error) {
	var resp struct {
		Shop *ShopInfo `json:"shop"`
	}
	op, err := c.getJSON(ctx, "/v1/shop.json", &resp)
	if err != nil {
		return ShopInfo{}, err
	}
	return member(op, resp.Shop, func(s ShopInfo) bool { return s.ID != "" }, `"shop.id"`)
}

// DeliveryMethods lists the shop's delivery methods (配送方法一覧, GET
// /v1/deliveries.json), so that a method can be shown by its name.
func (c *Client) DeliveryMethods(ctx context.Context) ([]DeliveryMethod, error) {
	var resp struct {
		Deliveries []DeliveryMethod `json:"deliveries"`
	}
	if _, err := c.getJSON(ctx, "/v1/deliveries.json", &resp); err != nil {
		return nil, err
	}
	return resp.Deliveries, nil
}

func (c *Client) getSalesPage(ctx context.Context, q url.Values, asked pageWant) (SalesPage, error) {
	op, body, err := c.do(ctx, http.MethodGet, "/v1/sales.json", q, nil, true)
	if err != nil {
		return SalesPage{}, err
	}
	page, err := DecodeSalesPage(body)
	if err != nil {
		return SalesPage{}, &DecodeError{Op: op, Err: err}
	}
	if err := asked.check(op, page); err != nil {
		return SalesPage{}, err
	}
	return page, nil
}

// do makes one request and returns its operation name and, on 2xx, its body (only
// read when readBody). Every failure is an *APIError, a *DecodeError or, when ctx
// itself ended, ctx.Err() wrapped.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in any, readBody bool) (string, []byte, error) {
	op := method + " " + path
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var reqBody io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return op, nil, fmt.Errorf("colorme %s: encoding request: %w", op, err)
		}
		reqBody = bytes.NewReader(b)
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return op, nil, fmt.Errorf("colorme %s: waiting for the rate limiter: %w", op, err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u, reqBody)
	if err != nil {
		return op, nil, fmt.Errorf("colorme %s: building request: %s", op, c.scrub(err.Error()))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return op, nil, c.transportError(ctx, op, "", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBodyBytes)) // keep what arrived
		return op, nil, c.statusError(op, resp, data)
	}
	if !readBody {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrBodyBytes))
		return op, nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return op, nil, c.transportError(ctx, op, "reading response body: ", err)
	}
	if len(data) > maxBodyBytes {
		return op, nil, &DecodeError{Op: op, Err: fmt.Errorf("body larger than %d bytes", maxBodyBytes)}
	}
	return op, data, nil
}

// callJSON makes one request (as do, reading the body) and decodes its 2xx
// body into out.
func (c *Client) callJSON(ctx context.Context, method, path string, q url.Values, in, out any) (string, error) {
	op, body, err := c.do(ctx, method, path, q, in, true)
	if err != nil {
		return op, err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return op, &DecodeError{Op: op, Err: err}
	}
	return op, nil
}

// getJSON GETs path and decodes its 2xx body into v.
func (c *Client) getJSON(ctx context.Context, path string, v any) (string, error) {
	return c.callJSON(ctx, http.MethodGet, path, nil, nil, v)
}

// member is a member of a decoded answer of op that ColorMe must send: a
// DecodeError saying what is missing when v is absent (nil) or, with ok,
// lacks what ok checks (its id).
func member[T any](op string, v *T, ok func(T) bool, what string) (T, error) {
	if v == nil || (ok != nil && !ok(*v)) {
		var zero T
		return zero, &DecodeError{Op: op, Err: errors.New("missing " + what)}
	}
	return *v, nil
}

func salePath(id int64) string { return fmt.Sprintf("/v1/sales/%d.json", id) }

// FormatTime formats t as ColorMe's query dates: "YYYY-MM-DD hh:mm:ss" in JST.
func FormatTime(t time.Time) string { return t.In(jst.Zone).Format(time.DateTime) }

func setTime(v url.Values, key string, t time.Time) {
	if !t.IsZero() {
		v.Set(key, FormatTime(t))
	}
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
