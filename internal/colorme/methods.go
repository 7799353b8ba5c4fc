package colorme

import (
	"context"
	"fmt"
	"strings"
)

// Delivery method types (配送方法の種類, method_type) ColorMe's spec lists. A
// method may carry another value; it is kept as ColorMe sent it.
const (
	MethodYamato       = "yamato"        // ヤマト運輸
	MethodYamatoPickup = "yamato_pickup" // ヤマト運輸 (営業所受取)
	MethodSagawa       = "sagawa"        // 佐川急便
	MethodJP           = "jp"            // 日本郵便
	MethodOther        = "other"         // その他 (店頭受取, 自社配送, …)
)

// DeliveryMethod is one of the shop's delivery methods (配送方法), as GET
// /v1/deliveries lists them (ColorMe's GetDeliveries200 schema); a
// sale_delivery's delivery_id names one. Only the fields colorme-sync uses
// are read.
type DeliveryMethod struct {
	ID             int64  `json:"id"`
	AccountID      string `json:"account_id,omitempty"`
	Name           string `json:"name"`
	MethodType     string `json:"method_type,omitempty"`     // yamato, yamato_pickup, sagawa, jp, other, …
	SlipNumberUse  bool   `json:"slip_number_use"`           // 伝票番号を使う
	SlipNumberURL  string `json:"slip_number_url,omitempty"` // the carrier's tracking page
	DisplayState   string `json:"display_state,omitempty"`   // showing, hidden
	Sort           int64  `json:"sort,omitempty"`
	ChargeFreeType string `json:"charge_free_type,omitempty"` // free, free_to_limit, not_free
	ChargeType     string `json:"charge_type,omitempty"`      // by_area, by_price, by_weight, fixed
	TaxIncluded    bool   `json:"tax_included"`
	Memo           string `json:"memo,omitempty"`
	MakeDate       int64  `json:"make_date,omitempty"`
	UpdateDate     int64  `json:"update_date,omitempty"`
}

// PaymentMethod is one of the shop's payment methods (決済方法), as GET
// /v1/payments lists them (ColorMe's GetPayments200 schema); a sale's
// payment_id names one.
type PaymentMethod struct {
	ID        int64  `json:"id"`
	AccountID string `json:"account_id,omitempty"`
	Name      string `json:"name"`
	// Type is ColorMe's numeric kind of the method; the spec does not say what
	// each number means, so colorme-sync does not read it.
	Type       int64       `json:"type,omitempty"`
	Fee        int64       `json:"fee,omitempty"`  // 決済手数料
	Cod        *CodSetting `json:"cod,omitempty"`  // 代金引換の手数料設定: only a 代金引換 method has it
	Display    bool        `json:"display"`        // shown to customers
	Sort       int64       `json:"sort,omitempty"` // order in the shop's list
	Memo       string      `json:"memo,omitempty"`
	MakeDate   int64       `json:"make_date,omitempty"`
	UpdateDate int64       `json:"update_date,omitempty"`
}

// CodSetting is a 代金引換 method's fee table (payment.cod).
type CodSetting struct {
	Changeable        bool      `json:"changeable"`
	ChangeableByTotal bool      `json:"changeable_by_total"`
	FeeMax            int64     `json:"fee_max,omitempty"`
	Fees              [][]int64 `json:"fees,omitempty"` // [上限金額, 手数料] pairs
}

// IsCOD reports whether the method is 代金引換 (cash on delivery): ColorMe
// gives such a method its fee table (cod); its name says so otherwise.
func (p PaymentMethod) IsCOD() bool {
	return p.Cod != nil || strings.Contains(p.Name, "代金引換") || strings.Contains(p.Name, "代引")
}

// PaymentMethods lists the shop's payment methods (決済方法一覧, GET
// /v1/payments.json), as DeliveryMethods (client.go) lists the delivery
// methods. An entry without an id is a DecodeError.
func (c *Client) PaymentMethods(ctx context.Context) ([]PaymentMethod, error) {
	var resp struct {
		Payments *[]PaymentMethod `json:"payments"`
	}
	op, err := c.getJSON(ctx, "/v1/payments.json", &resp)
	if err != nil {
		return nil, err
	}
	payments, err := member(op, resp.Payments, nil, `"payments"`)
	if err != nil {
		return nil, err
	}
	for i, p := range payments {
		if p.ID <= 0 {
			return nil, &DecodeError{Op: op, Err: fmt.Errorf("payments[%d] has no id", i)}
		}
	}
	return payments, nil
}
