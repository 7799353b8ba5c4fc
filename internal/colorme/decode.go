package colorme

import (
	"bytes"
	"encoding/json"
	"errors"
)

// DecodeSalesPage decodes the body of GET /v1/sales.json. The body must be an object
// with a "sales" array: anything else (null, HTML, a truncated body) is an error, so a
// broken answer is never mistaken for "no sales".
func DecodeSalesPage(body []byte) (SalesPage, error) {
	var raw struct {
		Sales json.RawMessage `json:"sales"`
		Meta  Meta            `json:"meta"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return SalesPage{}, err
	}
	if s := bytes.TrimSpace(raw.Sales); len(s) == 0 || s[0] != '[' {
		return SalesPage{}, errors.New(`missing "sales" array`)
	}
	page := SalesPage{Meta: raw.Meta}
	if err := json.Unmarshal(raw.Sales, &page.Sales); err != nil {
		return SalesPage{}, err
	}
	return page, nil
}
