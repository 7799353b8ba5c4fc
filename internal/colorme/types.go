// Package colorme talks to the ColorMe Shop API (カラーミーショップ API): sales,
// their deliveries and the shipping mail. The types here are the wire shapes the
// client sends and receives and the sandbox serves.
package colorme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Mail states of a sale's delivered mail (delivered_mail_state).
const (
	MailNotYet = "not_yet"
	MailSent   = "sent"
	MailPass   = "pass"
)

// Sale is a ColorMe sale (受注) as returned by GET /v1/sales.json.
type Sale struct {
	ID                 int64          `json:"id"`
	MakeDate           int64          `json:"make_date"`
	UpdateDate         int64          `json:"update_date"`
	Canceled           bool           `json:"canceled"`
	Delivered          bool           `json:"delivered"`
	DeliveredMailState string         `json:"delivered_mail_state,omitempty"` // "" = null or absent
	Segment            *Segment       `json:"segment,omitempty"`
	SaleDeliveries     []SaleDelivery `json:"sale_deliveries"`
}

// MarshalJSON writes the sale as ColorMe does, delivered_mail_state null when
// it is "" (ColorMe's documented example sale shows null).
func (s Sale) MarshalJSON() ([]byte, error) {
	type plain Sale
	var mail *string
	if s.DeliveredMailState != "" {
		m := s.DeliveredMailState
		mail = &m
	}
	return json.Marshal(struct {
		plain
		DeliveredMailState *string `json:"delivered_mail_state"`
	}{plain(s), mail})
}

// Segment describes a split order (分割受注). ColorMe documents it on every
// sale: an unsplit sale has its own id as parent_sale_id and splitted false.
type Segment struct {
	ParentSaleID int64 `json:"parent_sale_id"`
	Splitted     bool  `json:"splitted"`
}

// SaleDelivery is one destination (お届け先) of a sale.
type SaleDelivery struct {
	ID          int64   `json:"id"`
	SaleID      int64   `json:"sale_id,omitempty"`
	DeliveryID  int64   `json:"delivery_id,omitempty"`
	Name        string  `json:"name,omitempty"`
	PrefName    string  `json:"pref_name,omitempty"`
	Address1    string  `json:"address1,omitempty"`
	SlipNumber  *string `json:"slip_number"`
	TrackingURL *string `json:"tracking_url,omitempty"`
	Delivered   bool    `json:"delivered"`
}

// Slip returns the delivery's slip number, "" when ColorMe has none.
func (d SaleDelivery) Slip() string {
	if d.SlipNumber == nil {
		return ""
	}
	return *d.SlipNumber
}

// MakeTime returns the sale's order time.
func (s Sale) MakeTime() time.Time { return time.Unix(s.MakeDate, 0) }

// AllDelivered reports whether every delivery of the sale is delivered.
func (s Sale) AllDelivered() bool {
	if len(s.SaleDeliveries) == 0 {
		return false
	}
	for _, d := range s.SaleDeliveries {
		if !d.Delivered {
			return false
		}
	}
	return true
}

// SalesPage is the body of GET /v1/sales.json.
type SalesPage struct {
	Sales []Sale `json:"sales"`
	Meta  Meta   `json:"meta"`
}

// Meta is the paging block of a list response.
type Meta struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// DeliveryUpdate is one element of sale.sale_deliveries in PUT /v1/sales/{id}.json.
// Only the fields the sync owns are ever sent: never fee fields.
type DeliveryUpdate struct {
	ID         int64   `json:"id"`
	SlipNumber *string `json:"slip_number,omitempty"`
	Delivered  *bool   `json:"delivered,omitempty"`
}

// UpdateSaleRequest is the body of PUT /v1/sales/{id}.json.
type UpdateSaleRequest struct {
	Sale UpdateSaleBody `json:"sale"`
}

// UpdateSaleBody is the "sale" object of an update.
type UpdateSaleBody struct {
	SaleDeliveries []DeliveryUpdate `json:"sale_deliveries"`
}

// SaleResponse is the body of GET/PUT /v1/sales/{id}.json.
type SaleResponse struct {
	Sale Sale `json:"sale"`
}

// MailRequest is the body of POST /v1/sales/{id}/mails.json.
type MailRequest struct {
	Mail MailBody `json:"mail"`
}

// MailBody is the "mail" object of a mail request.
type MailBody struct {
	Type string `json:"type"`
}

// ErrorBody is ColorMe's error shape: {"errors":[{"code":…,"message":…,"status":…}]}.
type ErrorBody struct {
	Errors []ErrorItem `json:"errors"`
}

// ErrorItem is one entry of ErrorBody.
type ErrorItem struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// CodeInvalidToken is ColorMe's code for a missing, revoked or under-scoped token.
const CodeInvalidToken = 401010

// APIError is a ColorMe API failure, classified for retrying.
type APIError struct {
	Op         string        // e.g. "PUT /v1/sales/123.json"
	Status     int           // HTTP status, 0 for transport errors
	Code       int           // ColorMe error code when given
	Message    string        // ColorMe's message or the transport error
	RetryAfter time.Duration // from Retry-After on 429/503
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("colorme %s: %s", e.Op, e.Message)
	}
	if e.Code != 0 {
		return fmt.Sprintf("colorme %s: HTTP %d (code %d): %s", e.Op, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("colorme %s: HTTP %d: %s", e.Op, e.Status, e.Message)
}

// Retryable reports whether trying again later may succeed: transport errors,
// timeouts, 429 and 5xx.
func (e *APIError) Retryable() bool {
	return e.Status == 0 || e.Status == 429 || e.Status == 408 || e.Status >= 500
}

// Unauthorized reports whether the shop must be reconnected (401 / 401010).
func (e *APIError) Unauthorized() bool {
	return e.Status == 401 || e.Code == CodeInvalidToken
}

// AsAPIError returns err as an *APIError when it is one.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// Limiter spaces API calls to stay within a request budget. Wait blocks until the
// next call may be made or ctx ends.
type Limiter interface {
	Wait(ctx context.Context) error
}
