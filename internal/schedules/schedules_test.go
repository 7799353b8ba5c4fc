package schedules_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

func TestWant(t *testing.T) {
	shop := shops.Shop{ID: "myshop", HasAccessToken: true, Settings: shops.DefaultSettings()}
	want := schedules.Want(shop)
	assert.Equal(t, "colorme-import-myshop", want[0].ID)
	assert.True(t, want[0].Paused, "import is off by default")
	assert.Contains(t, want[0].Note, "import_enabled=false")
	assert.Equal(t, "colorme-export-myshop", want[1].ID)
	assert.False(t, want[1].Paused)
	assert.Equal(t, 30*time.Minute, want[1].Every)
	assert.Equal(t, "colorme-stock-myshop", want[2].ID)
	assert.True(t, want[2].Paused, "自動在庫連携 is off by default")
	assert.Contains(t, want[2].Note, "stock_enabled=false")
	shop.Settings.StockEnabled, shop.Settings.StockIntervalMinutes = true, 15
	assert.False(t, schedules.Want(shop)[2].Paused)
	assert.Equal(t, 15*time.Minute, schedules.Want(shop)[2].Every)

	shop.ReconnectNeeded, shop.ReconnectReason = true, "token revoked"
	for _, d := range schedules.Want(shop) {
		assert.True(t, d.Paused, d.ID)
		assert.Contains(t, d.Note, "needs reconnection: token revoked")
	}
	shop.ReconnectNeeded, shop.HasAccessToken = false, false
	for _, d := range schedules.Want(shop) {
		assert.True(t, d.Paused, d.ID)
		assert.Contains(t, d.Note, "not connected")
	}
}

func TestFormatEvery(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Minute: "30m", 90 * time.Minute: "1h30m", 24 * time.Hour: "24h", 45 * time.Second: "45s"} {
		assert.Equal(t, want, schedules.FormatEvery(d))
	}
}
