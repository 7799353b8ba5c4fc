package workflows

import (
	"bytes"
	"encoding/json"

	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// sentRecord is the run log's JSON of what a plan writes to ColorMe for one
// sale; the console decodes it (internal/console decodeSent).
type sentRecord struct {
	SaleDeliveries []sentDelivery `json:"sale_deliveries"`
	Mail           bool           `json:"mail,omitempty"`
}

// sentDelivery is what a plan writes to one delivery.
type sentDelivery struct {
	ID         int64   `json:"id"`
	SlipNumber *string `json:"slip_number,omitempty"`
	Delivered  *bool   `json:"delivered,omitempty"`
}

// SentJSON renders what a plan writes, for the run log, e.g.
// {"sale_deliveries":[{"id":1,"slip_number":"A-1","delivered":true}],"mail":true},
// or "" when the plan writes nothing. encoding/json of these fixed structs is
// deterministic, so workflows call it.
func SentJSON(p rules.Plan) string {
	if !p.NeedsWrite() {
		return ""
	}
	r := sentRecord{SaleDeliveries: make([]sentDelivery, len(p.Deliveries)), Mail: p.SendMail}
	for i, d := range p.Deliveries {
		r.SaleDeliveries[i] = sentDelivery{ID: d.ID, SlipNumber: d.SlipNumber, Delivered: d.Delivered}
	}
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
