package sandbox_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

// responseSchema compiles one of ColorMe's response schemas (testdata/responses).
func responseSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "responses", file))
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	comp := jsonschema.NewCompiler()
	require.NoError(t, comp.AddResource("mem:///"+file, doc))
	s, err := comp.Compile("mem:///" + file)
	require.NoError(t, err)
	return s
}

func requireSchema(t *testing.T, s *jsonschema.Schema, body []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, s.Validate(v), "body: %s", body)
}

// TestMethodLists: GET /v1/deliveries and /v1/payments, with and without
// .json, answer the shop's methods in ColorMe's response schema, each read
// counted; they need a valid token like every /v1 call.
func TestMethodLists(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	deliveries, payments := responseSchema(t, "GetDeliveries200.json"), responseSchema(t, "GetPayments200.json")
	for _, path := range []string{"/v1/deliveries.json", "/v1/deliveries"} {
		resp, body := e.do(t, "GET", path, token, nil)
		require.Equal(t, 200, resp.StatusCode, string(body))
		requireSchema(t, deliveries, body)
		var got struct{ Deliveries []colorme.DeliveryMethod }
		require.NoError(t, json.Unmarshal(body, &got))
		assert.Equal(t, sandbox.DefaultDeliveryMethods(), got.Deliveries)
	}
	for _, path := range []string{"/v1/payments.json", "/v1/payments"} {
		resp, body := e.do(t, "GET", path, token, nil)
		require.Equal(t, 200, resp.StatusCode, string(body))
		requireSchema(t, payments, body)
		var got struct{ Payments []colorme.PaymentMethod }
		require.NoError(t, json.Unmarshal(body, &got))
		assert.Equal(t, sandbox.DefaultPaymentMethods(), got.Payments)
	}
	assert.Equal(t, 4, e.sb.Counters().MethodReads)
	assert.Equal(t, 0, e.sb.Counters().Reads, "sales reads only")

	resp, body := e.do(t, "GET", "/v1/payments.json", "", nil)
	require.Equal(t, 401, resp.StatusCode)
	requireError(t, body, 401, colorme.CodeInvalidToken)
	resp, _ = e.do(t, "POST", "/v1/deliveries.json", token, nil)
	assert.NotEqual(t, 200, resp.StatusCode, "the lists are read-only")
}

// TestDefaultMethods: the defaults carry each carrier ColorMe names (and one
// method without carrier), 代金引換 has its fee table, and the ids the demo's
// sales use (delivery 1–3, payment 751–753) are among them.
func TestDefaultMethods(t *testing.T) {
	types := map[string]int{}
	ids := map[int64]bool{}
	for _, d := range sandbox.DefaultDeliveryMethods() {
		types[d.MethodType]++
		ids[d.ID] = true
		assert.NotEmpty(t, d.Name)
		assert.Equal(t, d.MethodType != colorme.MethodOther, d.SlipNumberUse, d.Name)
	}
	assert.Equal(t, map[string]int{"yamato": 3, "sagawa": 1, "jp": 1, "other": 1}, types)
	for _, id := range []int64{1, 2, 3} {
		assert.True(t, ids[id], "delivery method %d", id)
	}
	var cod []string
	for _, p := range sandbox.DefaultPaymentMethods() {
		if p.IsCOD() {
			cod = append(cod, p.Name)
			assert.Equal(t, int64(752), p.ID, "the demo's 代金引換")
			assert.NotNil(t, p.Cod)
		}
	}
	assert.Equal(t, []string{"代金引換"}, cod)
}

// TestSeedMethods: the admin API replaces the methods (an unknown
// method_type is served as given), refuses entries without an id, and the
// list answers what was seeded.
func TestSeedMethods(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	seeded := []colorme.DeliveryMethod{{ID: 11, Name: "西濃カンガルー便", MethodType: "seino"}, {ID: 12, Name: "クール宅急便 (冷凍)", MethodType: "yamato", SlipNumberUse: true}}
	resp, body := e.do(t, "PUT", "/_sandbox/deliveries", "", seeded)
	require.Equal(t, 200, resp.StatusCode, string(body))
	_, body = e.do(t, "GET", "/v1/deliveries", token, nil)
	var got struct{ Deliveries []colorme.DeliveryMethod }
	require.NoError(t, json.Unmarshal(body, &got))
	assert.Equal(t, seeded, got.Deliveries)

	resp, _ = e.do(t, "PUT", "/_sandbox/payments", "", []colorme.PaymentMethod{{Name: "no id"}})
	assert.Equal(t, 400, resp.StatusCode)
	resp, _ = e.do(t, "PUT", "/_sandbox/payments", "", []colorme.PaymentMethod{})
	require.Equal(t, 200, resp.StatusCode)
	_, body = e.do(t, "GET", "/v1/payments.json", token, nil)
	assert.JSONEq(t, `{"payments":[]}`, string(body))
	_, body = e.do(t, "GET", "/_sandbox/deliveries", "", nil)
	var admin []colorme.DeliveryMethod
	require.NoError(t, json.Unmarshal(body, &admin))
	assert.Equal(t, seeded, admin)
}
