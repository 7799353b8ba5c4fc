package sandbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

// TestUpdateAsLiveAPI: without Strict a PUT is answered as the live API was
// observed to: an unknown key (even sale.id) ignored with 200, wrong types and
// a missing id 422 with every field named in one answer, a body that is not
// JSON 500 (code 500000), PATCH 404.
func TestUpdateAsLiveAPI(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.sb.Seed(sale(1, e.clock.Now().Add(-time.Hour), delivery(11, "", false)))

	resp, body := e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"id":999,"sale_deliveries":[{"id":11,"slip_number":"A","slip":"x"}]},"extra":1}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	got, _ := e.sb.Sale(1)
	assert.Equal(t, "A", got.SaleDeliveries[0].Slip())

	resp, body = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"delivered":"yes","slip_number":5},{"slip_number":"B"}]}}`)
	require.Equal(t, 422, resp.StatusCode, string(body))
	var eb colorme.ErrorBody
	require.NoError(t, json.Unmarshal(body, &eb))
	var fields []string
	for _, it := range eb.Errors {
		fields = append(fields, it.Field)
		assert.Equal(t, 422, it.Status)
		assert.Contains(t, []int{422007, 422210}, it.Code)
	}
	assert.Equal(t, []string{"sale_deliveries[0].delivered", "sale_deliveries[0].slip_number", "sale_deliveries[1].id"}, fields)
	after, _ := e.sb.Sale(1)
	assert.Equal(t, got, after, "nothing applied")

	resp, body = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_n`)
	assert.Equal(t, 500, resp.StatusCode)
	requireError(t, body, 500, colorme.CodeServerError)

	resp, _ = e.do(t, "PATCH", "/v1/sales/1.json", token, `{"sale":{}}`)
	assert.Equal(t, 404, resp.StatusCode, "PATCH: 404")
	resp, _ = e.do(t, "DELETE", "/v1/sales/1", token, nil)
	assert.Equal(t, 404, resp.StatusCode)

	// Paths without .json (the current spec's form) serve the same.
	resp, body = e.do(t, "PUT", "/v1/sales/1", token, `{"sale":{"sale_deliveries":[{"id":11,"delivered":true}]}}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	resp, body = e.do(t, "GET", "/v1/sales/1", token, nil)
	require.Equal(t, 200, resp.StatusCode, string(body))
	resp, body = e.do(t, "GET", "/v1/sales?ids=1", token, nil)
	require.Equal(t, 200, resp.StatusCode, string(body))
	resp, body = e.do(t, "POST", "/v1/sales/1/mails", token, `{"mail":{"type":"delivered"}}`)
	require.Equal(t, 201, resp.StatusCode, string(body))
	resp, body = e.do(t, "GET", "/v1/shop", token, nil)
	require.Equal(t, 200, resp.StatusCode, string(body))
}

// TestMailAsLiveAPI: 201 with an empty body; unknown keys ignored; a bad type
// 422 naming mail.type; not JSON 500.
func TestMailAsLiveAPI(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.sb.Seed(sale(1, e.clock.Now(), delivery(11, "A", true)))
	resp, body := e.do(t, "POST", "/v1/sales/1/mails.json", token, `{"mail":{"type":"delivered","to":"x"},"x":1}`)
	require.Equal(t, 201, resp.StatusCode, string(body))
	assert.Empty(t, body)
	resp, body = e.do(t, "POST", "/v1/sales/1/mails.json", token, `{"mail":{"type":"shipped"}}`)
	require.Equal(t, 422, resp.StatusCode, string(body))
	var eb colorme.ErrorBody
	require.NoError(t, json.Unmarshal(body, &eb))
	assert.Equal(t, "mail.type", eb.Errors[0].Field)
	resp, _ = e.do(t, "POST", "/v1/sales/1/mails.json", token, `{"mail":`)
	assert.Equal(t, 500, resp.StatusCode)
	assert.Equal(t, map[int64]int{1: 1}, e.sb.Counters().MailsBySale)

	// A rejected one: several errors, each with its field.
	e.sb.SetFaults(sandbox.Faults{RejectSales: []int64{1}})
	resp, body = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"B"}]}}`)
	require.Equal(t, 422, resp.StatusCode)
	require.NoError(t, json.Unmarshal(body, &eb))
	require.Len(t, eb.Errors, 2)
	assert.NotEmpty(t, eb.Errors[0].Field)
}

// TestWireShape: what the current spec and the observations say a sale looks
// like: no sale.memo (the 備考 on the delivery), slip_number "" not null,
// tracking_url following slip_number, segment null where seeded so.
func TestWireShape(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	s := sale(1, e.clock.Now(), delivery(11, "", false))
	s.SaleDeliveries[0].DeliveryID = 1
	s.Memo = "不在時は宅配ボックスへ"
	n := sale(2, e.clock.Now(), delivery(21, "", false))
	n.Segment = &colorme.Segment{ParentSaleID: sandbox.SegmentNull}
	e.sb.Seed(s, n)

	resp, body := e.do(t, "GET", "/v1/sales.json?ids=1,2", token, nil)
	require.Equal(t, 200, resp.StatusCode)
	var raw struct {
		Sales []map[string]any `json:"sales"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	require.Len(t, raw.Sales, 2)
	assert.NotContains(t, raw.Sales[0], "memo")
	d := raw.Sales[0]["sale_deliveries"].([]any)[0].(map[string]any)
	assert.Equal(t, "不在時は宅配ボックスへ", d["memo"])
	assert.Equal(t, "", d["slip_number"])
	assert.NotNil(t, raw.Sales[0]["segment"])
	assert.Nil(t, raw.Sales[1]["segment"], "segment is nullable")
	page := e.list(t, "ids=1")
	assert.Equal(t, "不在時は宅配ボックスへ", page.Sales[0].OrderMemo())

	resp, body = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"1234-5678"}]}}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	got, _ := e.sb.Sale(1)
	require.NotNil(t, got.SaleDeliveries[0].TrackingURL)
	assert.Contains(t, *got.SaleDeliveries[0].TrackingURL, "1234-5678")
	resp, _ = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"9999"}]}}`)
	require.Equal(t, 200, resp.StatusCode)
	got, _ = e.sb.Sale(1)
	assert.Contains(t, *got.SaleDeliveries[0].TrackingURL, "9999", "tracking_url follows slip_number")
	resp, _ = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":""}]}}`)
	require.Equal(t, 200, resp.StatusCode)
	got, _ = e.sb.Sale(1)
	assert.Nil(t, got.SaleDeliveries[0].TrackingURL)
}

// TestStaleReads: with StaleReads a read within the delay of a write shows
// the sale as it was; after the delay the new state. Admin seeds are seen at once.
func TestStaleReads(t *testing.T) {
	e := newEnv(t, sandbox.Options{StaleReads: 5 * time.Second})
	e.sb.Seed(sale(1, e.clock.Now().Add(-time.Hour), delivery(11, "", false)))

	resp, body := e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"A","delivered":true}]}}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var sr colorme.SaleResponse
	require.NoError(t, json.Unmarshal(body, &sr))
	assert.Equal(t, "A", sr.Sale.SaleDeliveries[0].Slip(), "the PUT's own answer is fresh")
	resp, body = e.do(t, "POST", "/v1/sales/1/mails.json", token, `{"mail":{"type":"delivered"}}`)
	require.Equal(t, 201, resp.StatusCode, string(body))

	e.clock.Add(4 * time.Second)
	page := e.list(t, "ids=1")
	assert.Equal(t, "", page.Sales[0].SaleDeliveries[0].Slip(), "stale: the state before the write")
	assert.Equal(t, colorme.MailNotYet, page.Sales[0].DeliveredMailState)
	resp, body = e.do(t, "GET", "/v1/sales/1.json", token, nil)
	require.Equal(t, 200, resp.StatusCode)
	require.NoError(t, json.Unmarshal(body, &sr))
	assert.False(t, sr.Sale.SaleDeliveries[0].Delivered)
	assert.Equal(t, 2, e.sb.Counters().StaleReads)

	e.clock.Add(2 * time.Second)
	page = e.list(t, "ids=1")
	assert.Equal(t, "A", page.Sales[0].SaleDeliveries[0].Slip(), "fresh after the delay")
	assert.Equal(t, colorme.MailSent, page.Sales[0].DeliveredMailState)

	// Admin API and flag off.
	resp, body = e.do(t, "PUT", "/_sandbox/stale-reads", "", `{"delay":"0s"}`)
	require.Equal(t, 204, resp.StatusCode, string(body))
	resp, _ = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"B"}]}}`)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "B", e.list(t, "ids=1").Sales[0].SaleDeliveries[0].Slip())
}
