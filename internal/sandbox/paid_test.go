package sandbox_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

// TestPaidAndPaidMail: the sandbox models paid (PUT sale.paid) and the
// 入金確認メール (paid_mail_state, counted per sale), served as the live API
// serves them and read back through the admin API; a split-off sale's paid mail
// is refused (ColorMe sends it from the parent only).
func TestPaidAndPaidMail(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sandbox.Options{})
	e.sb.Seed(colorme.Sale{ID: 1, SaleDeliveries: []colorme.SaleDelivery{{ID: 10}}},
		colorme.Sale{ID: 2, Segment: &colorme.Segment{ParentSaleID: 1, Splitted: true}, SaleDeliveries: []colorme.SaleDelivery{{ID: 20}}})
	c := colorme.New(colorme.Config{BaseURL: e.ts.URL, AccessToken: token})

	got, err := c.SalesByIDs(ctx, []int64{1})
	require.NoError(t, err)
	require.False(t, got[0].Paid)
	assert.Equal(t, colorme.MailNotYet, got[0].PaidMailState, "a non-nullable enum, not_yet until sent")

	s, err := c.MarkPaid(ctx, 1)
	require.NoError(t, err)
	assert.True(t, s.Paid)
	_, err = c.MarkPaid(ctx, 1)
	require.NoError(t, err)
	require.NoError(t, c.SendPaidMail(ctx, 1))

	stored, ok := e.sb.Sale(1)
	require.True(t, ok)
	assert.True(t, stored.Paid)
	assert.Equal(t, colorme.MailSent, stored.PaidMailState)
	cs := e.sb.Counters()
	assert.Equal(t, 1, cs.PaidWrites)
	assert.Equal(t, 1, cs.NoopWrites, "paid written twice: the second changes nothing")
	assert.Equal(t, map[int64]int{1: 1}, cs.PaidMailsBySale)

	err = c.SendPaidMail(ctx, 2)
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)

	res, body := e.do(t, http.MethodPut, "/v1/sales/1.json", token, `{"sale":{"paid":"yes"}}`)
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, string(body))
}
