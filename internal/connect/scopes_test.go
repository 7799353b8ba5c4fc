package connect_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// TestScopesFor: 取得する asks for the sales scopes, plus the product scopes
// when 自動在庫連携 is on.
func TestScopesFor(t *testing.T) {
	sh := shops.Shop{ID: "s", Settings: shops.DefaultSettings()}
	assert.Equal(t, []string{"read_sales", "write_sales"}, connect.ScopesFor(sh))
	sh.Settings.StockEnabled = true
	assert.Equal(t, []string{"read_sales", "write_sales", "read_products", "write_products"}, connect.ScopesFor(sh))
	assert.Equal(t, []string{"read_sales", "write_sales"}, connect.Scopes, "the shared list is not changed")
}
