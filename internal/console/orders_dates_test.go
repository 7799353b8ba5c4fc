package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// TestOrderListDateRange: 受注日 from/to picks the orders placed on those Tokyo
// calendar days (both included), keeps the range in the pager, and a date it
// cannot read is refused with what to type.
func TestOrderListDateRange(t *testing.T) {
	h := newHarness(t, ordShop)
	day := func(d string, hour int) time.Time {
		t0, err := time.ParseInLocation(time.DateOnly, d, rules.Tokyo)
		require.NoError(t, err)
		return t0.Add(time.Duration(hour) * time.Hour)
	}
	var orders []rules.Order
	for i, at := range []time.Time{day("2026-04-01", 0), day("2026-04-01", 23), day("2026-04-02", 12), day("2026-04-03", 0), day("2026-03-31", 23)} {
		orders = append(orders, rules.Order{SaleID: int64(700 + i), Status: rules.StatusAwaitingShipment, OrderedAt: at, UpdatedAt: at,
			Deliveries: []rules.Delivery{{ID: int64(7000 + i)}}})
	}
	require.NoError(t, h.st.UpsertOrders(context.Background(), h.shop, orders))
	staff := h.session("staff1", accounts.RoleStaff)

	status, page := staff.get("/shops/ord/orders?from=2026-04-01&to=2026-04-02")
	require.Equal(t, http.StatusOK, status, page)
	assert.ElementsMatch(t, []int64{700, 701, 702}, ordRows(page))
	assert.Contains(t, page, `<span id="order-count">3件</span> (絞り込み中)`)
	assert.Contains(t, page, `id="filter-from" value="2026-04-01"`)

	_, page = staff.get("/shops/ord/orders?from=2026/04/03")
	assert.ElementsMatch(t, []int64{703}, ordRows(page), "a date with slashes is read too")
	_, page = staff.get("/shops/ord/orders?to=2026-03-31")
	assert.ElementsMatch(t, []int64{704}, ordRows(page))

	status, page = staff.get("/shops/ord/orders?from=4月1日")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "受注日 (から)は 2026-04-01 のように入力してください")
	status, page = staff.get("/shops/ord/orders?from=2026-04-03&to=2026-04-01")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "「から」は「まで」より前の日にしてください")
}
