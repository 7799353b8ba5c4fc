package shopflow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// TestConnectAsksForStockScopes: with 自動在庫連携 on, 取得する asks the sandbox
// for the product scopes too, and the token it stores reads the products; a
// shop connected before with the sales scopes only could not.
func TestConnectAsksForStockScopes(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()
	id := e.shop(t, "s3cret-stock")

	res, _ := connectShop(t, e.flow, id)
	assert.ElementsMatch(t, []string{"read_sales", "write_sales"}, res.Scopes)
	token, err := e.store.Shops.AccessToken(ctx, id)
	require.NoError(t, err)
	_, err = colorme.New(colorme.Config{BaseURL: e.url, AccessToken: token}).AllProducts(ctx, nil)
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.True(t, ae.Unauthorized(), "the sales scopes do not read products")

	sh, err := e.store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	sh.Settings.StockEnabled = true
	require.NoError(t, e.store.Shops.UpdateShop(ctx, sh))
	a, err := e.flow.Begin(ctx, id)
	require.NoError(t, err)
	assert.Contains(t, a.AuthURL, "scope=read_sales+write_sales+read_products+write_products")
	res, _ = connectShop(t, e.flow, id)
	assert.ElementsMatch(t, []string{"read_sales", "write_sales", "read_products", "write_products"}, res.Scopes)
	token, err = e.store.Shops.AccessToken(ctx, id)
	require.NoError(t, err)
	_, err = colorme.New(colorme.Config{BaseURL: e.url, AccessToken: token}).AllProducts(ctx, nil)
	require.NoError(t, err)
}
