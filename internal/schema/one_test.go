package schema_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

type oneRow struct {
	K string `gorm:"primaryKey"`
	V int
}

// TestOne: One returns the first row of the query; no row is missing wrapped
// with what, a failed query "reading <what>" and not missing.
func TestOne(t *testing.T) {
	db := testenv.RawDB(t, "sqlite:"+filepath.Join(t.TempDir(), "one.db"))
	require.NoError(t, db.AutoMigrate(&oneRow{}))
	require.NoError(t, db.Create(&[]oneRow{{"a", 1}, {"b", 2}}).Error)

	row, err := schema.One[oneRow](db.Where("k = ?", "b"), schema.ErrNotFound, `row "b"`)
	require.NoError(t, err)
	assert.Equal(t, oneRow{"b", 2}, row)
	row, err = schema.One[oneRow](db.Order("k DESC"), schema.ErrNotFound, "the last row")
	require.NoError(t, err)
	assert.Equal(t, oneRow{"b", 2}, row)

	_, err = schema.One[oneRow](db.Where("k = ?", "c"), schema.ErrNotFound, `row "c"`)
	require.ErrorIs(t, err, schema.ErrNotFound)
	assert.EqualError(t, err, `row "c": not found`)

	_, err = schema.One[oneRow](db.Where("nope = ?", 1), schema.ErrNotFound, "a row")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading a row: ")
	assert.NotErrorIs(t, err, schema.ErrNotFound)
}
