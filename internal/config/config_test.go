package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/config"
)

func TestDefaults(t *testing.T) {
	c, err := config.Load()
	require.NoError(t, err)
	require.Equal(t, 120, c.BudgetPerMinute)
	require.Equal(t, "colorme-sync", c.TaskQueue)
	// The tag's default is the export's: one value, wherever it applies.
	require.Equal(t, activities.DefaultMaxInFlight, c.ExportMaxInFlight)
}

// TestInvalidValuesNameTheVariable checks that a bad environment value stops
// start-up with a message naming the variable.
func TestInvalidValuesNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"COLORME_BUDGET_PER_MINUTE":        "lots",
		"COLORME_TIMEOUT":                  "soon",
		"WORKER_MAX_CONCURRENT_ACTIVITIES": "0",
		"EXPORT_MAX_IN_FLIGHT":             "-1",
		"TEMPORAL_ADDRESS":                 "localhost",
		"COLORME_API_BASE_URL":             "ftp://example.com",
		"LOG_LEVEL":                        "loud",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			_, err := config.Load()
			require.Error(t, err)
			require.Contains(t, err.Error(), name)
		})
	}
}

func TestBadSecretKeyIsNotEchoed(t *testing.T) {
	t.Setenv("COLORME_SYNC_SECRET_KEY", "c2hvcnQ=")
	c, err := config.Load()
	require.NoError(t, err)
	_, err = c.Sealer()
	require.Error(t, err)
	require.Contains(t, err.Error(), "COLORME_SYNC_SECRET_KEY")
	require.NotContains(t, err.Error(), "c2hvcnQ=")
}
