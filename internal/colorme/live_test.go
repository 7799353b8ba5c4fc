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

func sandboxClient(t *testing.T, opts sandbox.Options) (*colorme.Client, *sandbox.Server) {
	t.Helper()
	opts.Tokens = []string{testToken}
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return colorme.New(colorme.Config{BaseURL: srv.URL, AccessToken: testToken}), sb
}

// TestClientCatchesIgnoredFilter: the live API answers 200 to a filter it
// cannot read and drops it. With the sandbox told to ignore one parameter,
// the client's check of the page catches it: a *MismatchError naming what did
// not match, not retryable, and never a shorter or longer set of sales.
func TestClientCatchesIgnoredFilter(t *testing.T) {
	now := time.Now()
	day := func(d int) time.Time { return now.AddDate(0, 0, -d) }
	var sales []colorme.Sale
	for i := range 20 {
		id := int64(100 + i)
		sales = append(sales, colorme.Sale{ID: id, MakeDate: day(i).Unix(), UpdateDate: day(i).Unix(),
			SaleDeliveries: []colorme.SaleDelivery{{ID: id * 10}}})
	}
	ctx := context.Background()
	for _, tc := range []struct {
		param string
		call  func(c *colorme.Client) error
		want  string
	}{
		{"before", func(c *colorme.Client) error {
			_, err := c.ListSales(ctx, colorme.ListQuery{After: day(15), Before: day(10), Limit: 100})
			return err
		}, "outside after"},
		{"update_date_min", func(c *colorme.Client) error {
			_, err := c.ListSales(ctx, colorme.ListQuery{After: day(19), UpdatedMin: day(3), Limit: 100})
			return err
		}, "outside update_date_min"},
		{"offset", func(c *colorme.Client) error {
			_, err := c.ListSales(ctx, colorme.ListQuery{After: day(19), Limit: 5, Offset: 5})
			return err
		}, "offset 5 asked, meta.offset 0"},
		{"ids", func(c *colorme.Client) error {
			_, err := c.SalesByIDs(ctx, []int64{101, 102})
			return err
		}, "not among the ids asked for"},
	} {
		c, sb := sandboxClient(t, sandbox.Options{})
		sb.Seed(sales...)
		require.NoError(t, tc.call(c), "%s honoured: the page matches", tc.param)
		sb.SetFaults(sandbox.Faults{IgnoreParams: []string{tc.param}})
		err := tc.call(c)
		var me *colorme.MismatchError
		require.ErrorAs(t, err, &me, "%s ignored", tc.param)
		assert.Contains(t, me.Problem, tc.want, tc.param)
		assert.False(t, colorme.Retryable(err))
		assert.Contains(t, me.StaffMessage(), "カラーミーショップの応答が指定した条件と一致しませんでした")
	}
}

// TestRequestsMatchStrictSandbox: every request the client makes passes the
// sandbox's strict checks (ColorMe's published schemas), so the lenient
// default cannot hide a malformed request of ours.
func TestRequestsMatchStrictSandbox(t *testing.T) {
	c, sb := sandboxClient(t, sandbox.Options{Strict: true})
	now := time.Now()
	sb.Seed(colorme.Sale{ID: 1, MakeDate: now.Add(-time.Hour).Unix(), SaleDeliveries: []colorme.SaleDelivery{{ID: 11, DeliveryID: 1}}})
	ctx := context.Background()
	_, err := c.ListSales(ctx, colorme.ListQuery{After: now.AddDate(0, 0, -30), Before: now, UpdatedMin: now.AddDate(0, 0, -30),
		UpdatedMax: now.Add(time.Hour), Limit: 100, Offset: 0, Fields: []string{"id", "sale_deliveries"}})
	require.NoError(t, err)
	got, err := c.SalesByIDs(ctx, []int64{1, 2})
	require.NoError(t, err)
	require.Len(t, got, 1)
	_, err = c.GetSale(ctx, 1)
	require.NoError(t, err)
	s, err := c.UpdateDeliveries(ctx, 1, []colorme.DeliveryUpdate{{ID: 11, SlipNumber: ptr("1234"), Delivered: ptr(true)}})
	require.NoError(t, err)
	require.NotNil(t, s.SaleDeliveries[0].TrackingURL, "the answer carries the tracking_url the slip gave")
	require.NoError(t, c.SendDeliveredMail(ctx, 1))
	_, err = c.Shop(ctx)
	require.NoError(t, err)
	cnt := sb.Counters()
	assert.Zero(t, cnt.IgnoredParams)
	assert.Zero(t, cnt.FeeFieldWrites)
}

// TestValidationErrorsForStaff: a 422 with several errors keeps every field
// ColorMe named, in the message and in Fields, and StaffMessage names them in
// the staff's words.
func TestValidationErrorsForStaff(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 422, map[string]any{"errors": []any{
			map[string]any{"code": 422007, "message": "は不正な値です", "status": 422, "field": "sale_deliveries[0].slip_number"},
			map[string]any{"code": 422210, "message": "を入力してください", "status": 422, "field": "delivered"},
		}})
	})
	_, err := c.UpdateDeliveries(context.Background(), 5, []colorme.DeliveryUpdate{{ID: 51, SlipNumber: ptr("x")}})
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, []string{"sale_deliveries[0].slip_number", "delivered"}, ae.Fields)
	assert.Equal(t, 422007, ae.Code)
	assert.Contains(t, ae.Message, "sale_deliveries[0].slip_number: は不正な値です; delivered: を入力してください")
	assert.False(t, ae.Retryable())
	msg := ae.StaffMessage()
	assert.Contains(t, msg, "項目: 伝票番号 (sale_deliveries[0].slip_number)、発送済み (delivered)")
	assert.Contains(t, msg, "もう一度発送情報を更新してください")
}

// TestServerErrorOnBadBody: the live API answers a body it cannot parse with
// 500 code 500000; the client reports it as such (retryable at the client:
// the activities cap its attempts).
func TestServerErrorOnBadBody(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, map[string]any{"errors": []any{map[string]any{"code": 500000, "message": "Internal Server Error", "status": 500}}})
	})
	err := c.SendDeliveredMail(context.Background(), 5)
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, colorme.CodeServerError, ae.Code)
	assert.Contains(t, ae.StaffMessage(), "再試行を止めました")
}

// TestOrderMemo: the 2026-09 spec dropped sale.memo; the 備考 is on the
// deliveries. sale.memo is used where ColorMe still sends it.
func TestOrderMemo(t *testing.T) {
	s := colorme.Sale{SaleDeliveries: []colorme.SaleDelivery{{ID: 1, Memo: "午前中希望"}, {ID: 2}, {ID: 3, Memo: "置き配"}}}
	assert.Equal(t, "午前中希望\n置き配", s.OrderMemo())
	s.Memo = "旧仕様の備考"
	assert.Equal(t, "旧仕様の備考", s.OrderMemo())
	assert.Empty(t, colorme.Sale{}.OrderMemo())
}
