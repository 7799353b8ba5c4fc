package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// TestSettingsExportOnChange: 「変更時にすぐ書き出す」 on the settings page is
// shown checked by default and saves export_on_change.
func TestSettingsExportOnChange(t *testing.T) {
	h := newHarness(t, withShop("myshop", "マイショップ"))
	op := h.session("admin", accounts.RoleAdmin)
	status, page := op.get("/shops/myshop/settings")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `name="export_on_change" checked`)
	assert.Contains(t, page, "変更時にすぐ書き出す")

	// Saved off elsewhere, then checked on the page: on. (Each save also
	// applies the schedules, slow against the unreachable test Temporal: one save.)
	sh, err := h.st.Shops.Shop(context.Background(), "myshop")
	require.NoError(t, err)
	sh.Settings.ExportOnChange = false
	require.NoError(t, h.st.Shops.UpdateShop(context.Background(), sh))
	_, page = op.get("/shops/myshop/settings")
	assert.NotContains(t, page, `name="export_on_change" checked`)
	op.post("/shops/myshop/settings", url.Values{"api_base_url": {"https://colorme.test"}, "window_days": {"3"}, "import_days": {"7"},
		"import_interval_minutes": {"30"}, "export_interval_minutes": {"30"}, "export_enabled": {"on"}, "export_on_change": {"on"}})
	sh, err = h.st.Shops.Shop(context.Background(), "myshop")
	require.NoError(t, err)
	assert.True(t, sh.Settings.ExportOnChange, "checked: on")
}

// TestEditStandsWithoutTemporal: a status change made while Temporal cannot be
// reached is saved and reported as usual; the missed on-change notice is a
// warning in the log.
func TestEditStandsWithoutTemporal(t *testing.T) {
	h := newHarness(t, withShop("myshop", "マイショップ"))
	now := time.Now()
	require.NoError(t, h.st.UpsertOrders(context.Background(), "myshop", []rules.Order{{SaleID: 7001, Status: rules.StatusProcessing,
		OrderedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour), Deliveries: []rules.Delivery{{ID: 70011}}}}))
	op := h.session("staff", accounts.RoleStaff)
	status, page := op.post("/shops/myshop/orders/"+strconv.Itoa(7001)+"/status", url.Values{"status": {rules.StatusShipped}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ステータスを")
	o, err := h.st.Order(context.Background(), "myshop", 7001)
	require.NoError(t, err)
	assert.Equal(t, rules.StatusShipped, o.Status, "the edit is stored")
	assert.Contains(t, h.logs.String(), "the on-change export was not told of a change")
}
