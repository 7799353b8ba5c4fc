package oms_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// eachDialect runs fn on a fresh PostgreSQL database and a fresh SQLite file.
func eachDialect(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("postgres", func(t *testing.T) { fn(t, testenv.PostgresDSN(t)) })
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "oms.db")) })
}

// eachStore runs fn on a fresh store of each dialect.
func eachStore(t *testing.T, fn func(t *testing.T, s *stores.Stores)) {
	eachDialect(t, func(t *testing.T, dsn string) { fn(t, openStore(t, dsn, newSealer(t))) })
}

func openStore(t *testing.T, dsn string, sealer *secrets.Sealer) *stores.Stores {
	t.Helper()
	s, err := stores.Open(context.Background(), dsn, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newSealer(t *testing.T, keys ...string) *secrets.Sealer {
	t.Helper()
	if len(keys) == 0 {
		keys = []string{secrets.GenerateKey()}
	}
	s, err := secrets.NewSealer(keys...)
	require.NoError(t, err)
	return s
}

func createShop(t *testing.T, s *stores.Stores, id string) {
	t.Helper()
	require.NoError(t, s.Shops.CreateShop(context.Background(), shops.Shop{ID: id, Name: id}))
}
