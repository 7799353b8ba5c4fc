package shops_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/settings"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// TestShopSettingsMatchTable: every field of ShopSettings has its row in
// settings.Table, under its json name, with a default of its type.
func TestShopSettingsMatchTable(t *testing.T) {
	require.NoError(t, settings.Verify(reflect.TypeFor[shops.ShopSettings]()))
}
