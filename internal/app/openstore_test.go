package app_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// TestOpenStoreChecksTheSchema: the worker, console and starter open the store
// here: with DB_AUTO_MIGRATE off a database behind is refused in one sentence
// naming the command, with it on it is migrated, and a database newer than the
// binary is refused either way.
func TestOpenStoreChecksTheSchema(t *testing.T) {
	ctx := context.Background()
	cfg := config.Config{Storage: config.Storage{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "oms.db")}, Process: config.Process{LogLevel: "error"}}

	_, err := app.OpenStore(ctx, cfg)
	require.ErrorIs(t, err, schema.ErrSchemaBehind)
	assert.Equal(t, "database (DATABASE_URL): the database schema is at version 0 and this colorme-sync needs version 12: back the database up and run `starter db migrate` (or start with DB_AUTO_MIGRATE=true)", err.Error())

	cfg.DBAutoMigrate = true
	st, err := app.OpenStore(ctx, cfg)
	require.NoError(t, err)
	status, err := st.Schema.SchemaStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(12), status.Current)
	require.NoError(t, st.DB().Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)").Error)
	require.NoError(t, st.Close())

	for _, auto := range []bool{true, false} {
		cfg.DBAutoMigrate = auto
		_, err = app.OpenStore(ctx, cfg)
		require.ErrorIs(t, err, schema.ErrSchemaTooNew)
		assert.Contains(t, err.Error(), "newer than this colorme-sync knows")
	}
	st, err = app.OpenStoreForMigrations(ctx, cfg)
	require.NoError(t, err, "`starter db status` still shows it")
	require.NoError(t, st.Close())
}
