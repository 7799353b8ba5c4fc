// Package colorme talks to the ColorMe Shop API (カラーミーショップ API): sales,
// their deliveries and the shipping mail. The types here are the wire shapes the
// client sends and receives and the sandbox serves.
package colorme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	Paid               bool           `json:"paid"`                           // 入金済み
	PaidMailState      string         `json:"paid_mail_state,omitempty"`      // 入金確認メール: not_yet, sent or pass; "" = absent
	Segment            *Segment       `json:"segment,omitempty"`
	SaleDeliveries     []SaleDelivery `json:"sale_deliveries"`

	// What the OMS keeps for staff to ship (受注取得). Names follow ColorMe's
	// documented sale model, GetSales200ResponseSalesInner and its Customer,
	// DetailsInner and SaleDeliveriesInner (GMO Pepabo's published client
	// docs: github.com/pepabo/colormeshop-ruby docs/GetSales200ResponseSalesInner.md,
	// …Customer.md, …DetailsInner.md, …SaleDeliveriesInner.md).
	// Memo is the sale's 備考 as older specs list it (sale.memo); the 2026-09
	// spec dropped it, and the 備考 lives on each delivery (SaleDelivery.Memo,
	// updateSale's sale_deliveries[].memo "備考"). OrderMemo reads both.
	Memo                string       `json:"memo,omitempty"`
	PaymentID           int64        `json:"payment_id,omitempty"`            // 使用された決済方法ID
	ProductTotalPrice   int64        `json:"product_total_price,omitempty"`   // 商品の合計金額
	DeliveryTotalCharge int64        `json:"delivery_total_charge,omitempty"` // 配送料
	Fee                 int64        `json:"fee,omitempty"`                   // 決済手数料
	Tax                 int64        `json:"tax,omitempty"`                   // 商品合計金額に対する消費税
	TotalPrice          int64        `json:"total_price,omitempty"`           // 注文総額
	Customer            *Customer    `json:"customer,omitempty"`
	Details             []SaleDetail `json:"details,omitempty"` // 受注明細 (line items)
}

// Customer is the sale's customer (GetSales200ResponseSalesInnerCustomer): the
// fields the OMS keeps.
type Customer struct {
	ID        int64  `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`       // 顧客の名前
	Furigana  string `json:"furigana,omitempty"`   // 名前のフリガナ
	Mail      string `json:"mail,omitempty"`       // メールアドレス
	Tel       string `json:"tel,omitempty"`        // 電話番号
	TelMobile string `json:"tel_mobile,omitempty"` // 携帯電話番号
}

// SaleDetail is one line item (受注明細, GetSales200ResponseSalesInnerDetailsInner).
type SaleDetail struct {
	ID                      int64  `json:"id"`
	SaleDeliveryID          int64  `json:"sale_delivery_id,omitempty"`           // お届け先ID
	ProductID               int64  `json:"product_id,omitempty"`                 // 商品ID
	ProductName             string `json:"product_name,omitempty"`               // 商品名 (latest product data)
	PristineProductFullName string `json:"pristine_product_full_name,omitempty"` // 商品名とオプション名 (as ordered)
	Option1Value            string `json:"option1_value,omitempty"`
	Option2Value            string `json:"option2_value,omitempty"`
	Price                   int64  `json:"price,omitempty"`          // 商品販売価格
	PriceWithTax            int64  `json:"price_with_tax,omitempty"` // 税込み商品価格
	ProductNum              int64  `json:"product_num,omitempty"`    // 商品点数
	SubtotalPrice           int64  `json:"subtotal_price,omitempty"` // 商品小計
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
	ID         int64  `json:"id"`
	SaleID     int64  `json:"sale_id,omitempty"`
	DeliveryID int64  `json:"delivery_id,omitempty"`
	Name       string `json:"name,omitempty"`
	PrefName   string `json:"pref_name,omitempty"`
	Address1   string `json:"address1,omitempty"`
	// Destination fields of GetSales200ResponseSalesInnerSaleDeliveriesInner.
	Furigana        string  `json:"furigana,omitempty"`         // 宛名のフリガナ
	Postal          string  `json:"postal,omitempty"`           // 郵便番号
	Address2        string  `json:"address2,omitempty"`         // 住所2
	Tel             string  `json:"tel,omitempty"`              // 電話番号
	PreferredDate   string  `json:"preferred_date,omitempty"`   // 配送希望日 (YYYY-MM-DD)
	PreferredPeriod string  `json:"preferred_period,omitempty"` // 配送希望時間帯 (e.g. 午前中)
	SlipNumber      *string `json:"slip_number"`
	TrackingURL     *string `json:"tracking_url,omitempty"`
	Delivered       bool    `json:"delivered"`
	Memo            string  `json:"memo,omitempty"` // 備考 of this destination
}

// OrderMemo returns the sale's 備考: sale.memo where ColorMe still sends it,
// else the deliveries' memos (one line each, in delivery order).
func (s Sale) OrderMemo() string {
	if s.Memo != "" {
		return s.Memo
	}
	var memos []string
	for _, d := range s.SaleDeliveries {
		if d.Memo != "" {
			memos = append(memos, d.Memo)
		}
	}
	return strings.Join(memos, "\n")
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
	Paid           *bool            `json:"paid,omitempty"` // 入金済み: only ever true (the sync never unmarks a payment)
	SaleDeliveries []DeliveryUpdate `json:"sale_deliveries,omitempty"`
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

// ErrorItem is one entry of ErrorBody. Field names the request field a
// validation error (422) is about, when ColorMe names one.
type ErrorItem struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
	Field   string `json:"field,omitempty"`
}

// ColorMe error codes the client knows.
const (
	// CodeInvalidToken is ColorMe's code for a missing, revoked or under-scoped token.
	CodeInvalidToken = 401010
	// CodeServerError is the code of ColorMe's 500 answers, among them the one
	// to a request body it cannot parse (observed: a truncated JSON body).
	CodeServerError = 500000
)

// APIError is a ColorMe API failure, classified for retrying.
type APIError struct {
	Op         string        // e.g. "PUT /v1/sales/123.json"
	Status     int           // HTTP status, 0 for transport errors
	Code       int           // ColorMe error code when given
	Message    string        // ColorMe's message(s) or the transport error; "field: message; …" for several
	Fields     []string      // the request fields ColorMe named (422), in its order
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
// timeouts, 429, 5xx, and a 403 that is not a token or scope error (ColorMe
// may cut off a client it finds too busy: slow down, do not give up).
func (e *APIError) Retryable() bool {
	return e.Status == 0 || e.Status == 429 || e.Status == 408 || e.Status >= 500 ||
		(e.Status == 403 && !e.Unauthorized())
}

// Unauthorized reports whether the shop must be reconnected (401 / 401010).
func (e *APIError) Unauthorized() bool {
	return e.Status == 401 || e.Code == CodeInvalidToken
}

// AsAPIError returns err as an *APIError when it is one.
func AsAPIError(err error) (*APIError, bool) {
	return errors.AsType[*APIError](err)
}

// Limiter spaces API calls to stay within a request budget. Wait blocks until the
// next call may be made or ctx ends.
type Limiter interface {
	Wait(ctx context.Context) error
}
