package oms_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
)

func TestOpenDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{"sqlite:" + filepath.Join(dir, "a"), "file:" + filepath.Join(dir, "b"), filepath.Join(dir, "c.db")} {
		s, err := oms.Open(ctx, dsn, nil)
		require.NoError(t, err, dsn)
		assert.Equal(t, "sqlite", s.Dialect())
		require.NoError(t, s.Close())
	}
	t.Chdir(dir)
	s, err := oms.Open(ctx, "", nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.FileExists(t, filepath.Join(dir, oms.DefaultSQLitePath))

	_, err = oms.Open(ctx, "mysql://x", nil)
	assert.ErrorContains(t, err, "DSN not understood")
	_, err = oms.Open(ctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", nil)
	assert.ErrorContains(t, err, "connecting to the postgres OMS database")
}

func TestSettingsValidate(t *testing.T) {
	require.NoError(t, oms.DefaultSettings().Validate())
	st := oms.DefaultSettings()
	st.WindowDays = 0
	assert.EqualError(t, st.Validate(), "window_days must be between 1 and 365, got 0")
	st = oms.DefaultSettings()
	st.ImportIntervalMinutes, st.ExportIntervalMinutes, st.ImportDays = 1441, 0, 366
	err := st.Validate()
	assert.ErrorContains(t, err, "import_interval_minutes must be between 1 and 1440, got 1441")
	assert.ErrorContains(t, err, "export_interval_minutes must be between 1 and 1440, got 0")
	assert.ErrorContains(t, err, "import_days must be between 1 and 365, got 366")
	d := oms.DefaultSettings()
	assert.Equal(t, oms.ShopSettings{ImportIntervalMinutes: 30, ImportDays: 7, ExportEnabled: true, ExportIntervalMinutes: 30,
		WindowDays: 3, RequireShipDate: true}, d)
}

func TestShopsCRUD(t *testing.T) {
	eachStore(t, func(t *testing.T, s *oms.Store) {
		ctx := context.Background()
		require.NoError(t, s.CreateShop(ctx, oms.Shop{ID: "myshop", Name: "My Shop", ClientID: "cid", RedirectURL: "http://localhost:8080/callback"}))
		got, err := s.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "My Shop", got.Name)
		assert.Equal(t, oms.DefaultAPIBaseURL, got.APIBaseURL)
		assert.Equal(t, oms.DefaultSettings(), got.Settings)
		assert.False(t, got.HasClientSecret || got.HasAccessToken || got.ReconnectNeeded)
		assert.False(t, got.CreatedAt.IsZero())

		err = s.CreateShop(ctx, oms.Shop{ID: "myshop"})
		assert.ErrorContains(t, err, `shop "myshop" already exists`)
		for _, bad := range []string{"", "My-Shop", "-x", "a_b", string(make([]byte, 64))} {
			assert.ErrorContains(t, s.CreateShop(ctx, oms.Shop{ID: bad}), "is invalid", bad)
		}
		st := oms.DefaultSettings()
		st.WindowDays = 0
		assert.ErrorContains(t, s.CreateShop(ctx, oms.Shop{ID: "other", Settings: st}), "window_days must be between 1 and 365, got 0")
		assert.ErrorContains(t, s.CreateShop(ctx, oms.Shop{ID: "other", APIBaseURL: "api.shop-pro.jp"}), "api base URL")

		require.NoError(t, s.CreateShop(ctx, oms.Shop{ID: "another", APIBaseURL: "http://127.0.0.1:9999/"}))
		shops, err := s.Shops(ctx)
		require.NoError(t, err)
		require.Len(t, shops, 2)
		assert.Equal(t, "another", shops[0].ID)
		assert.Equal(t, "http://127.0.0.1:9999", shops[0].APIBaseURL)

		got.Name, got.ClientID = "Renamed", "cid2"
		got.Settings.WindowDays, got.Settings.RequireShipDate, got.Settings.ExportEnabled, got.Settings.SendMail = 7, false, false, true
		require.NoError(t, s.UpdateShop(ctx, got))
		again, err := s.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "Renamed", again.Name)
		assert.Equal(t, "cid2", again.ClientID)
		assert.Equal(t, got.Settings, again.Settings)

		got.Settings.ImportDays = 0
		assert.ErrorContains(t, s.UpdateShop(ctx, got), "import_days")
		_, err = s.Shop(ctx, "missing")
		assert.ErrorIs(t, err, oms.ErrNotFound)
		assert.ErrorIs(t, s.UpdateShop(ctx, oms.Shop{ID: "missing", Settings: oms.DefaultSettings()}), oms.ErrNotFound)
		assert.ErrorIs(t, s.SetAccessToken(ctx, "missing", "tok"), oms.ErrNotFound)
		assert.ErrorIs(t, s.MarkReconnectNeeded(ctx, "missing", "x"), oms.ErrNotFound)
	})
}

func rawSecrets(t *testing.T, s *oms.Store, id string) (clientSecret, accessToken string) {
	t.Helper()
	row := s.DB().Raw("SELECT client_secret_sealed, access_token_sealed FROM shops WHERE id = ?", id).Row()
	require.NoError(t, row.Scan(&clientSecret, &accessToken))
	return
}

func TestShopSecrets(t *testing.T) {
	eachStore(t, func(t *testing.T, s *oms.Store) {
		ctx := context.Background()
		createShop(t, s, "myshop")

		_, err := s.AccessToken(ctx, "myshop")
		assert.ErrorIs(t, err, oms.ErrNoAccessToken)
		assert.EqualError(t, err, "shop \"myshop\" has no access token: connect it with `starter shop connect`")
		_, err = s.ClientSecret(ctx, "myshop")
		assert.ErrorIs(t, err, oms.ErrNoClientSecret)

		require.NoError(t, s.SetClientSecret(ctx, "myshop", "client-secret-PLAINTEXT"))
		require.NoError(t, s.MarkReconnectNeeded(ctx, "myshop", "token revoked (401010)"))
		sh, err := s.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.True(t, sh.ReconnectNeeded)
		assert.Equal(t, "token revoked (401010)", sh.ReconnectReason)

		require.NoError(t, s.SetAccessToken(ctx, "myshop", "access-token-PLAINTEXT"))
		sh, err = s.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.True(t, sh.HasClientSecret && sh.HasAccessToken)
		assert.False(t, sh.ReconnectNeeded)
		assert.Empty(t, sh.ReconnectReason)

		cs, at := rawSecrets(t, s, "myshop")
		assert.NotContains(t, cs, "PLAINTEXT")
		assert.NotContains(t, at, "PLAINTEXT")
		assert.Regexp(t, `^v1:[0-9a-f]{8}:`, cs)
		assert.Regexp(t, `^v1:[0-9a-f]{8}:`, at)

		got, err := s.ClientSecret(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "client-secret-PLAINTEXT", got)
		got, err = s.AccessToken(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "access-token-PLAINTEXT", got)

		assert.ErrorContains(t, s.SetAccessToken(ctx, "myshop", " "), "empty")
	})
}

func TestSecretsWithoutSealer(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		withKey := openStore(t, dsn, newSealer(t))
		createShop(t, withKey, "myshop")
		require.NoError(t, withKey.SetAccessToken(ctx, "myshop", "tok"))

		s := openStore(t, dsn, nil)
		assert.ErrorContains(t, s.SetClientSecret(ctx, "myshop", "x"), "COLORME_SYNC_SECRET_KEY")
		_, err := s.AccessToken(ctx, "myshop")
		assert.ErrorContains(t, err, "COLORME_SYNC_SECRET_KEY")
		_, err = s.RotateSecrets(ctx)
		assert.ErrorContains(t, err, "COLORME_SYNC_SECRET_KEY")
		sh, err := s.Shop(ctx, "myshop") // non-secret reads still work
		require.NoError(t, err)
		assert.True(t, sh.HasAccessToken)

		other := openStore(t, dsn, newSealer(t)) // a different key
		_, err = other.AccessToken(ctx, "myshop")
		assert.ErrorContains(t, err, "COLORME_SYNC_OLD_SECRET_KEYS")
	})
}

func TestRotateSecrets(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
		old := openStore(t, dsn, newSealer(t, oldKey))
		for _, id := range []string{"a", "b"} {
			createShop(t, old, id)
			require.NoError(t, old.SetAccessToken(ctx, id, "token-"+id))
		}
		require.NoError(t, old.SetClientSecret(ctx, "a", "secret-a"))
		createShop(t, old, "c") // no secrets

		rotated := openStore(t, dsn, newSealer(t, newKey, oldKey))
		rotatedSealer := newSealer(t, newKey, oldKey)
		csBefore, _ := rawSecrets(t, rotated, "a")
		assert.True(t, rotatedSealer.NeedsRotation(csBefore))

		n, err := rotated.RotateSecrets(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		n, err = rotated.RotateSecrets(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n, "a second rotation has nothing to do")

		csAfter, atAfter := rawSecrets(t, rotated, "a")
		assert.False(t, rotatedSealer.NeedsRotation(csAfter))
		assert.False(t, rotatedSealer.NeedsRotation(atAfter))

		onlyNew := openStore(t, dsn, newSealer(t, newKey))
		for _, id := range []string{"a", "b"} {
			tok, err := onlyNew.AccessToken(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, "token-"+id, tok)
		}
		cs, err := onlyNew.ClientSecret(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "secret-a", cs)
		_, err = old.AccessToken(ctx, "a")
		assert.ErrorContains(t, err, "which this process does not have")
	})
}
