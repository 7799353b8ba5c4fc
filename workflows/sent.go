package workflows

import (
	"bytes"
	"encoding/json"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// Sent is the run log's JSON of what a plan writes to ColorMe for one sale:
// SentJSON writes it and the console reads it back with DecodeSent.
type Sent struct {
	SaleDeliveries []colorme.DeliveryUpdate `json:"sale_deliveries"`
	Mail           bool                     `json:"mail,omitempty"`
	Paid           bool                     `json:"paid,omitempty"`      // 入金済み (入金連携)
	PaidMail       bool                     `json:"paid_mail,omitempty"` // the 入金確認メール
}

// DecodeSent reads a run log's Sent; ok is false when sent is empty or not one.
func DecodeSent(sent string) (r Sent, ok bool) {
	if sent == "" {
		return r, false
	}
	return r, json.Unmarshal([]byte(sent), &r) == nil
}

// SentJSON renders what a plan writes, for the run log, e.g.
// {"sale_deliveries":[{"id":1,"slip_number":"A-1","delivered":true}],"mail":true},
// or "" when the plan writes nothing. encoding/json of these fixed structs is
// deterministic, so workflows call it.
func SentJSON(p rules.Plan) string {
	if !p.NeedsWrite() {
		return ""
	}
	// A copy, never nil: a mail-only plan writes "sale_deliveries":[].
	r := Sent{SaleDeliveries: append([]colorme.DeliveryUpdate{}, p.Deliveries...), Mail: p.SendMail, Paid: p.Paid, PaidMail: p.SendPaidMail}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as written: a slip number's & or < stays readable
	// encoding/json caches type information (sync.Map), which workflowcheck
	// flags; its output for a given value never varies, so replay is safe.
	//workflowcheck:ignore
	if err := enc.Encode(r); err != nil {
		return "" // cannot happen: strings, numbers and booleans only
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
