package colorme_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

// TestMethodsFromSandbox: the client reads the sandbox's delivery and payment
// methods with every field colorme-sync uses, 代金引換 recognised.
func TestMethodsFromSandbox(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Tokens: []string{testToken}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c := colorme.New(colorme.Config{BaseURL: srv.URL, AccessToken: testToken, Timeout: 5 * time.Second})
	ctx := context.Background()

	ds, err := c.DeliveryMethods(ctx)
	require.NoError(t, err)
	assert.Equal(t, sandbox.DefaultDeliveryMethods(), ds)
	ps, err := c.PaymentMethods(ctx)
	require.NoError(t, err)
	assert.Equal(t, sandbox.DefaultPaymentMethods(), ps)
	var cod []int64
	for _, p := range ps {
		if p.IsCOD() {
			cod = append(cod, p.ID)
		}
	}
	assert.Equal(t, []int64{752}, cod)
	assert.Equal(t, 2, sb.Counters().MethodReads)
}

// TestPaymentMethodsRefusesBrokenAnswers: a list without "payments", or an
// entry without an id, is a DecodeError, never an empty or partial list.
func TestPaymentMethodsRefusesBrokenAnswers(t *testing.T) {
	for name, body := range map[string]any{
		"no list": map[string]any{"deliveries": []any{}},
		"no id":   map[string]any{"payments": []any{map[string]any{"id": 1, "name": "銀行振込"}, map[string]any{"name": "代金引換"}}},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, "/v1/payments.json", r.URL.Path)
				writeJSON(w, 200, body)
			})
			_, err := c.PaymentMethods(context.Background())
			var de *colorme.DecodeError
			require.ErrorAs(t, err, &de)
		})
	}
}

// TestIsCOD: a payment method is 代金引換 when ColorMe gives it a fee table
// (cod), or when its name says so.
func TestIsCOD(t *testing.T) {
	assert.True(t, colorme.PaymentMethod{Name: "後払い", Cod: &colorme.CodSetting{}}.IsCOD())
	assert.True(t, colorme.PaymentMethod{Name: "代引き"}.IsCOD())
	assert.True(t, colorme.PaymentMethod{Name: "代金引換 (佐川)"}.IsCOD())
	assert.False(t, colorme.PaymentMethod{Name: "銀行振込"}.IsCOD())
}
