package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// TestApplyShipmentCSV: the parser's problems and the OMS's are merged by line,
// nothing is applied while any is left or in a dry run, and the fixed file is
// applied.
func TestApplyShipmentCSV(t *testing.T) {
	ctx := context.Background()
	st := testenv.OpenSQLiteStore(t)
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s", APIBaseURL: "https://colorme.test", Settings: shops.DefaultSettings()}))
	ordered := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	require.NoError(t, st.UpsertOrders(ctx, "s", []rules.Order{
		{SaleID: 1, Status: rules.StatusAwaitingShipment, OrderedAt: ordered, UpdatedAt: ordered, Deliveries: []rules.Delivery{{ID: 11}}},
		{SaleID: 2, Status: rules.StatusAwaitingShipment, OrderedAt: ordered, UpdatedAt: ordered, Deliveries: []rules.Delivery{{ID: 21}}},
	}))
	slip := func(sale int64) string {
		o, err := st.Order(ctx, "s", sale)
		require.NoError(t, err)
		return o.Deliveries[0].SlipNumber
	}

	rep, err := app.ApplyShipmentCSV(ctx, st, "s", []byte("sale_id,tracking_number\n9,X-9\n1,X-1\n2,\n"), false, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "UTF-8", rep.Encoding)
	assert.True(t, rep.Header)
	assert.Equal(t, 2, rep.Rows)
	require.Len(t, rep.Rejected, 2)
	assert.Equal(t, 2, rep.Rejected[0].Line, "the OMS's problem (line 2) before the parser's (line 4)")
	assert.Contains(t, rep.Rejected[0].Message, "sale 9 is not an order of shop s")
	assert.Equal(t, 4, rep.Rejected[1].Line)
	assert.Equal(t, "the tracking number (伝票番号) is empty", rep.Rejected[1].Message, "the parser's English, for the CLI")
	assert.Contains(t, rep.Rejected[0].Ja, "受注番号 9 は店舗「s」の受注データにありません", "the OMS's Japanese, for the console")
	assert.Equal(t, "伝票番号が空欄です。伝票番号を入れてください。", rep.Rejected[1].Ja, "the parser's Japanese, for the console")
	assert.False(t, rep.Applied)
	assert.Empty(t, slip(1))

	fixed := []byte("1,X-1\n2,X-2\n")
	rep, err = app.ApplyShipmentCSV(ctx, st, "s", fixed, true, time.Now())
	require.NoError(t, err)
	assert.False(t, rep.Header)
	assert.Empty(t, rep.Rejected)
	assert.Len(t, rep.Changes, 2)
	assert.False(t, rep.Applied, "a dry run")
	assert.Empty(t, slip(1))

	rep, err = app.ApplyShipmentCSV(ctx, st, "s", fixed, false, time.Now())
	require.NoError(t, err)
	assert.True(t, rep.Applied)
	assert.Equal(t, 2, rep.Orders)
	assert.Equal(t, "X-1", slip(1))
	assert.Equal(t, "X-2", slip(2))
}
