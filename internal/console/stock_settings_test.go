package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSettingsStock: 自動在庫連携 on the settings page is off by default, is
// saved with its interval, and a form without its fields keeps it.
func TestSettingsStock(t *testing.T) {
	h := newHarness(t, withShop("myshop", "マイショップ"))
	op := h.session("admin", accounts.RoleAdmin)
	status, page := op.get("/shops/myshop/settings")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "自動在庫連携")
	assert.NotContains(t, page, `name="stock_enabled" checked`)
	assert.Contains(t, page, `name="stock_interval_minutes" value="60"`)

	form := url.Values{"api_base_url": {"https://colorme.test"}, "window_days": {"3"}, "import_days": {"7"},
		"import_interval_minutes": {"30"}, "export_interval_minutes": {"30"}, "export_enabled": {"on"}, "export_on_change": {"on"},
		"stock_enabled": {"on"}, "stock_interval_minutes": {"15"}}
	op.post("/shops/myshop/settings", form)
	sh, err := h.st.Shops.Shop(context.Background(), "myshop")
	require.NoError(t, err)
	assert.True(t, sh.Settings.StockEnabled)
	assert.Equal(t, 15, sh.Settings.StockIntervalMinutes)

	form.Del("stock_interval_minutes") // a form without the number keeps it (settings.Table)
	op.post("/shops/myshop/settings", form)
	sh, err = h.st.Shops.Shop(context.Background(), "myshop")
	require.NoError(t, err)
	assert.True(t, sh.Settings.StockEnabled)
	assert.Equal(t, 15, sh.Settings.StockIntervalMinutes, "kept")

	form.Set("stock_interval_minutes", "0")
	status, page = op.post("/shops/myshop/settings", form)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "自動在庫連携の間隔は1〜1440分で入力してください")
}
