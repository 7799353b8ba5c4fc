package shopflow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// TestConnectReadsMethods: connecting a shop through the sandbox's OAuth reads
// its delivery and payment methods with the new token (two calls), so that
// staff see names from the first import on; connecting again reads them again,
// the shop's クール区分 kept, a method added on ColorMe since then included.
func TestConnectReadsMethods(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()
	id := e.shop(t, "s3cret-methods")

	res, _ := connectShop(t, e.flow, id)
	require.NoError(t, res.MethodsErr)
	assert.Equal(t, shops.MethodsRefresh{Deliveries: 6, Payments: 4, Changed: true}, res.Methods)
	assert.Equal(t, 2, e.sb.Counters().MethodReads)
	m, err := e.store.Shops.Methods(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "飛脚宅配便 (佐川急便)", m.DeliveryLabel(3))
	assert.Equal(t, "sagawa", m.Facts(0, 3).DeliveryMethodType)
	assert.True(t, m.Facts(752, 0).PaymentCOD, "代金引換")
	assert.False(t, m.ReadAt.IsZero())

	require.NoError(t, e.store.Shops.SetDeliveryCool(ctx, id, 1, shops.CoolChilled))
	e.sb.SeedDeliveryMethods(append(e.sb.DeliveryMethods(), colorme.DeliveryMethod{ID: 7, Name: "クール宅急便", MethodType: "yamato", SlipNumberUse: true})...)
	res, _ = connectShop(t, e.flow, id)
	require.NoError(t, res.MethodsErr)
	assert.Equal(t, shops.MethodsRefresh{Deliveries: 7, Payments: 4, Changed: true}, res.Methods)
	m, err = e.store.Shops.Methods(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "クール宅急便", m.DeliveryLabel(7))
	d, ok := m.Delivery(1)
	require.True(t, ok)
	assert.Equal(t, shops.CoolChilled, d.Cool)
}
