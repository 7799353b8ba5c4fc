package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestStartExportRefusesBadInput: what the workflow would refuse is refused
// before anything is started (no Temporal call: the client is nil).
func TestStartExportRefusesBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		in   workflows.ShippingSyncInput
		want string
	}{
		"changes with sales": {workflows.ShippingSyncInput{ShopID: "s", Changes: true, SaleIDs: []int64{1}}, "incremental export (changes) reads the changed orders itself"},
		"empty sale list":    {workflows.ShippingSyncInput{ShopID: "s", SaleIDs: []int64{}}, "list of sales to export is empty"},
		"too many sales":     {workflows.ShippingSyncInput{ShopID: "s", SaleIDs: make([]int64, workflows.MaxSaleIDs+1)}, "at most"},
	} {
		_, err := app.StartExport(context.Background(), nil, config.Config{}, tc.in)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
	}
}
