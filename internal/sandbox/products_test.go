package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

func productSandbox(t *testing.T) (*sandbox.Server, *colorme.Client, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Tokens: []string{"tok"}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, colorme.New(colorme.Config{BaseURL: srv.URL, AccessToken: "tok"}), srv.URL
}

// TestProductsPaging: the list serves at most 50 per page with meta, and the
// client reads every page.
func TestProductsPaging(t *testing.T) {
	sb, c, _ := productSandbox(t)
	var ps []colorme.Product
	for i := int64(1); i <= 120; i++ {
		ps = append(ps, colorme.Product{ID: i, ModelNumber: fmt.Sprintf("M%d", i), StockManaged: true, Stocks: i})
	}
	sb.SeedProducts(ps...)
	page, err := c.ListProducts(context.Background(), 100, 0, nil)
	require.NoError(t, err)
	assert.Len(t, page.Products, 50)
	assert.Equal(t, colorme.Meta{Total: 120, Limit: 50, Offset: 0}, page.Meta)
	all, err := c.AllProducts(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, all, 120)
	assert.Equal(t, int64(120), all[119].Stocks)
	assert.Equal(t, 4, sb.ProductCounters().Reads, "one page, then three")
}

// TestProductStockWrites: an integer sets, an increment adds, a product with
// variants ignores its product-level stocks, an unknown option is refused.
func TestProductStockWrites(t *testing.T) {
	sb, c, _ := productSandbox(t)
	sb.SeedProducts(colorme.Product{ID: 1, StockManaged: true, Stocks: 5},
		colorme.Product{ID: 2, StockManaged: true, Stocks: 50, Variants: []colorme.ProductVariant{
			{Option1Value: "赤", Option2Value: "S", Stocks: 1}, {Option1Value: "青", Option2Value: "S", Stocks: 2}}})
	ctx := context.Background()
	set, inc := int64(9), int64(-3)
	p, err := c.UpdateProductStock(ctx, 1, colorme.UpdateProductBody{Stocks: &colorme.StockValue{Set: &set}})
	require.NoError(t, err)
	assert.Equal(t, int64(9), p.Stocks)
	p, err = c.UpdateProductStock(ctx, 1, colorme.UpdateProductBody{Stocks: &colorme.StockValue{Increment: &inc}})
	require.NoError(t, err)
	assert.Equal(t, int64(6), p.Stocks)

	two := int64(2)
	p, err = c.UpdateProductStock(ctx, 2, colorme.UpdateProductBody{Stocks: &colorme.StockValue{Set: &set},
		Variants: []colorme.VariantStockUpdate{{Option1Value: "青", Option2Value: "S", Stocks: &colorme.StockValue{Increment: &two}}}})
	require.NoError(t, err)
	assert.Equal(t, int64(50), p.Stocks, "product-level stocks is ignored when stock is kept per option")
	assert.Equal(t, int64(4), p.Variants[1].Stocks)
	vs, err := c.ProductVariants(ctx, 2)
	require.NoError(t, err)
	assert.Len(t, vs, 2)

	_, err = c.UpdateProductStock(ctx, 2, colorme.UpdateProductBody{Variants: []colorme.VariantStockUpdate{{Option1Value: "緑", Stocks: &colorme.StockValue{Set: &set}}}})
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)
}

// TestProductOrders: a sale decrements the stock and appears in the sales
// list; cancelling restores it once; a short stock refuses the whole sale.
func TestProductOrders(t *testing.T) {
	sb, _, url := productSandbox(t)
	sb.SeedProducts(colorme.Product{ID: 1, StockManaged: true, Stocks: 3},
		colorme.Product{ID: 2, StockManaged: true, Variants: []colorme.ProductVariant{{Option1Value: "赤", Stocks: 1}}})
	require.NoError(t, sb.PlaceOrder(10, []sandbox.OrderItem{{ProductID: 1, Quantity: 2}, {ProductID: 2, Option1Value: "赤", Quantity: 1}}))
	p1, _ := sb.Product(1)
	p2, _ := sb.Product(2)
	assert.Equal(t, int64(1), p1.Stocks)
	assert.Equal(t, int64(0), p2.Variants[0].Stocks)
	sale, ok := sb.Sale(10)
	require.True(t, ok)
	require.Len(t, sale.Details, 2)
	assert.Equal(t, "赤", sale.Details[1].Option1Value)

	err := sb.PlaceOrder(11, []sandbox.OrderItem{{ProductID: 1, Quantity: 1}, {ProductID: 2, Option1Value: "赤", Quantity: 1}})
	require.Error(t, err)
	p1, _ = sb.Product(1)
	assert.Equal(t, int64(1), p1.Stocks, "a refused sale takes nothing")

	resp, err := http.Post(url+"/_sandbox/products/cancel", "application/json", strings.NewReader(`{"sale_id":10}`))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.NoError(t, sb.CancelOrder(10)) // a second cancel restores nothing more
	p1, _ = sb.Product(1)
	assert.Equal(t, int64(3), p1.Stocks)
	sale, _ = sb.Sale(10)
	assert.True(t, sale.Canceled)
}

// TestProductScopes: an unknown token is refused with 401010 (the product
// endpoints pass through the same gate as the sales ones).
func TestProductScopes(t *testing.T) {
	sb, _, url := productSandbox(t)
	sb.SeedProducts(colorme.Product{ID: 1})
	c := colorme.New(colorme.Config{BaseURL: url, AccessToken: "nope"})
	_, err := c.ListProducts(context.Background(), 10, 0, nil)
	ae, ok := colorme.AsAPIError(err)
	require.True(t, ok)
	assert.True(t, ae.Unauthorized())
}
