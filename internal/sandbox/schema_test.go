package sandbox_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

// responseSchema compiles a response schema the repository carries
// (testdata) and, when it exists beside the repository, the shared copy.
func responseSchemas(t *testing.T, name string) []*jsonschema.Schema {
	t.Helper()
	files := []string{filepath.Join("testdata", name)}
	// The package directory is <repo>/internal/sandbox.
	if shared := filepath.Join("..", "..", "..", "shared", "colorme", "responses", name); fileExists(shared) {
		files = append(files, shared)
	}
	var out []*jsonschema.Schema
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		require.NoError(t, err)
		c := jsonschema.NewCompiler()
		url := "mem:///" + f
		require.NoError(t, c.AddResource(url, doc))
		s, err := c.Compile(url)
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func requireMatches(t *testing.T, name string, body []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	require.NoError(t, err)
	for _, s := range responseSchemas(t, name) {
		assert.NoError(t, s.Validate(inst), "%s: %s", name, body)
	}
}

// TestAnswersMatchResponseSchemas: what the sandbox answers to the sales list,
// a sale by id and a PUT has the shape ColorMe's response schemas give: no
// invented field, every type right (slip_number a string, the by-id segment
// as siblings_sale_ids).
func TestAnswersMatchResponseSchemas(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	now := e.clock.Now()
	s := sale(1, now.Add(-time.Hour), delivery(11, "", false), delivery(12, "A-1", true))
	s.Memo = "ギフト包装をお願いします"
	s.PaymentID, s.ProductTotalPrice, s.DeliveryTotalCharge, s.Fee, s.Tax, s.TotalPrice = 3, 5000, 800, 300, 500, 6600
	s.Customer = &colorme.Customer{ID: 7, Name: "山田太郎", Furigana: "ヤマダタロウ", Mail: "t@example.jp", Tel: "03-0000-0000"}
	s.Details = []colorme.SaleDetail{{ID: 101, SaleDeliveryID: 11, ProductID: 9, ProductName: "湯のみ", PristineProductFullName: "湯のみ 青",
		Option1Value: "青", Price: 2500, PriceWithTax: 2750, ProductNum: 2, SubtotalPrice: 5000}}
	s.SaleDeliveries[0].DeliveryID, s.SaleDeliveries[0].Postal, s.SaleDeliveries[0].PreferredDate = 1, "100-0001", "2025-03-12"
	child := sale(2, now.Add(-time.Hour), delivery(21, "", false))
	child.Segment = &colorme.Segment{ParentSaleID: 1}
	e.sb.Seed(s, child)

	resp, body := e.do(t, "GET", "/v1/sales.json?ids=1,2", token, nil)
	require.Equal(t, 200, resp.StatusCode)
	requireMatches(t, "GetSales200.json", body)
	resp, body = e.do(t, "GET", "/v1/sales/1.json", token, nil)
	require.Equal(t, 200, resp.StatusCode)
	requireMatches(t, "GetSale200.json", body)
	assert.Contains(t, string(body), `"segment":{"siblings_sale_ids":[2]}`)
	resp, body = e.do(t, "PUT", "/v1/sales/1.json", token, `{"sale":{"sale_deliveries":[{"id":11,"slip_number":"B-2","delivered":true}]}}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	requireMatches(t, "UpdateSale200.json", body)
	assert.Contains(t, string(body), `"tracking_url"`)

	// The schemas really constrain: a null slip_number (the sandbox's old
	// answer) and an invented field fail.
	for _, bad := range []string{`{"sale":{"id":1,"sale_deliveries":[{"id":11,"slip_number":null}]}}`, `{"sale":{"id":1,"bogus":1}}`} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		require.NoError(t, err)
		assert.Error(t, responseSchemas(t, "UpdateSale200.json")[0].Validate(inst), bad)
	}
}
