package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// TestNotifyChangeOffNeedsNoTemporal: an orders command on a shop whose
// export_on_change is off tells nobody, so it neither dials Temporal nor warns
// that the on-change export was not told when Temporal cannot be reached.
func TestNotifyChangeOffNeedsNoTemporal(t *testing.T) {
	ctx := context.Background()
	st := testenv.OpenStore(t)
	settings := shops.DefaultSettings()
	settings.ExportOnChange = false
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s1", APIBaseURL: "https://api.shop-pro.jp", Settings: settings}))
	var out, errOut bytes.Buffer
	e := &env{out: &out, errOut: &errOut, store: st,
		cfg: &config.Config{Temporal: config.Temporal{TemporalAddress: "127.0.0.1:1", TemporalNamespace: "default"}}}
	e.notifyChange(ctx, "s1", "status of sale 1")
	assert.Empty(t, errOut.String())
	assert.Nil(t, e.temporal, "Temporal was dialled for a shop whose export_on_change is off")
}
