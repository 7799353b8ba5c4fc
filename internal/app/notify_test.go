package app_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// TestListeners: each on-change listener follows its own setting, and a shop
// that must be reconnected has none.
func TestListeners(t *testing.T) {
	shop := func(exportOnChange, stockEnabled, reconnect bool) shops.Shop {
		s := shops.Shop{ID: "s", Settings: shops.DefaultSettings(), ReconnectNeeded: reconnect}
		s.Settings.ExportOnChange, s.Settings.StockEnabled = exportOnChange, stockEnabled
		return s
	}
	assert.True(t, app.ExportListener.Listens(shop(true, false, false)))
	assert.False(t, app.ExportListener.Listens(shop(false, true, false)))
	assert.True(t, app.StockListener.Listens(shop(false, true, false)))
	assert.False(t, app.StockListener.Listens(shop(true, false, false)))
	assert.False(t, app.ExportListener.Listens(shop(true, true, true)))
	assert.False(t, app.StockListener.Listens(shop(true, true, true)))
	assert.Equal(t, "on-change export", app.ExportListener.String())
	assert.Equal(t, "on-change stock push", app.StockListener.String())
}
