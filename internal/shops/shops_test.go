package shops_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

func TestSettingsValidate(t *testing.T) {
	require.NoError(t, shops.DefaultSettings().Validate())
	st := shops.DefaultSettings()
	st.WindowDays = 0
	assert.EqualError(t, st.Validate(), "window_days must be between 1 and 365, got 0")
	st = shops.DefaultSettings()
	st.ImportIntervalMinutes, st.ExportIntervalMinutes, st.ImportDays = 1441, 0, 366
	err := st.Validate()
	assert.ErrorContains(t, err, "import_interval_minutes must be between 1 and 1440, got 1441")
	assert.ErrorContains(t, err, "export_interval_minutes must be between 1 and 1440, got 0")
	assert.ErrorContains(t, err, "import_days must be between 1 and 365, got 366")
	d := shops.DefaultSettings()
	assert.Equal(t, shops.ShopSettings{ImportIntervalMinutes: 30, ImportDays: 7, ExportEnabled: true, ExportIntervalMinutes: 30,
		ExportOnChange: true, WindowDays: 3, RequireShipDate: true, NotifySaleFailures: 3, NotifyLagMinutes: 15, StockIntervalMinutes: 60}, d)
}

func TestShopsCRUD(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		require.NoError(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "myshop", Name: "My Shop", ClientID: "cid", RedirectURL: "http://localhost:8080/callback"}))
		got, err := s.Shops.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "My Shop", got.Name)
		assert.Equal(t, shops.DefaultAPIBaseURL, got.APIBaseURL)
		assert.Equal(t, shops.DefaultSettings(), got.Settings)
		assert.False(t, got.HasClientSecret || got.HasAccessToken || got.ReconnectNeeded)
		assert.False(t, got.CreatedAt.IsZero())

		err = s.Shops.CreateShop(ctx, shops.Shop{ID: "myshop"})
		assert.ErrorContains(t, err, `shop "myshop" already exists`)
		for _, bad := range []string{"", "My-Shop", "-x", "a_b", string(make([]byte, 64))} {
			assert.ErrorContains(t, s.Shops.CreateShop(ctx, shops.Shop{ID: bad}), "is invalid", bad)
		}
		st := shops.DefaultSettings()
		st.WindowDays = 0
		assert.ErrorContains(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "other", Settings: st}), "window_days must be between 1 and 365, got 0")
		assert.ErrorContains(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "other", APIBaseURL: "api.shop-pro.jp"}), "api base URL")

		require.NoError(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "another", APIBaseURL: "http://127.0.0.1:9999/"}))
		list, err := s.Shops.Shops(ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, "another", list[0].ID)
		assert.Equal(t, "http://127.0.0.1:9999", list[0].APIBaseURL)

		got.Name, got.ClientID = "Renamed", "cid2"
		got.Settings.WindowDays, got.Settings.RequireShipDate, got.Settings.ExportEnabled, got.Settings.SendMail = 7, false, false, true
		require.NoError(t, s.Shops.UpdateShop(ctx, got))
		again, err := s.Shops.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "Renamed", again.Name)
		assert.Equal(t, "cid2", again.ClientID)
		assert.Equal(t, got.Settings, again.Settings)

		got.Settings.ImportDays = 0
		assert.ErrorContains(t, s.Shops.UpdateShop(ctx, got), "import_days")
		_, err = s.Shops.Shop(ctx, "missing")
		assert.ErrorIs(t, err, oms.ErrNotFound)
		assert.ErrorIs(t, s.Shops.UpdateShop(ctx, shops.Shop{ID: "missing", Settings: shops.DefaultSettings()}), oms.ErrNotFound)
		assert.ErrorIs(t, s.Shops.SetAccessToken(ctx, "missing", "tok"), oms.ErrNotFound)
		assert.ErrorIs(t, s.Shops.MarkReconnectNeeded(ctx, "missing", "x"), oms.ErrNotFound)
	})
}

// TestAPIBaseURLHTTPS: a shop's API base URL must be https unless its host is
// loopback (a sandbox on this machine) or explicitly allowed (COLORME_PLAIN_HTTP_HOSTS).
func TestAPIBaseURLHTTPS(t *testing.T) {
	s := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "oms.db"), newSealer(t))
	ctx := context.Background()
	for i, ok := range []string{"https://api.shop-pro.jp", "https://colorme.example.com:8443/", "http://127.0.0.1:8081",
		"http://127.8.9.10", "http://localhost:8081", "http://LOCALHOST", "http://[::1]:8081"} {
		assert.NoError(t, s.Shops.CreateShop(ctx, shops.Shop{ID: fmt.Sprintf("ok%d", i), APIBaseURL: ok}), ok)
	}
	for i, bad := range []string{"http://api.shop-pro.jp", "http://sandbox:8081", "http://10.0.0.5", "http://localhost.example.com", "http://127.0.0.1.nip.io"} {
		err := s.Shops.CreateShop(ctx, shops.Shop{ID: fmt.Sprintf("bad%d", i), APIBaseURL: bad})
		require.Error(t, err, bad)
		assert.ErrorContains(t, err, "plain http")
		assert.ErrorContains(t, err, "use https")
		assert.ErrorContains(t, err, "COLORME_PLAIN_HTTP_HOSTS")
	}
	// An existing shop cannot be switched to plain http either.
	sh, err := s.Shops.Shop(ctx, "ok0")
	require.NoError(t, err)
	sh.APIBaseURL = "http://api.shop-pro.jp"
	assert.ErrorContains(t, s.Shops.UpdateShop(ctx, sh), "plain http")

	s.Shops.AllowPlainHTTP("", " sandbox ")
	assert.NoError(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "compose", APIBaseURL: "http://sandbox:8081"}))
	assert.ErrorContains(t, s.Shops.CreateShop(ctx, shops.Shop{ID: "other", APIBaseURL: "http://api.shop-pro.jp"}), "plain http")
}

// TestSealedSecretsBoundToShop: a sealed value copied to another shop, or to the
// other column of the same shop, does not open (AEAD associated data); the error
// says what to do and holds no secret.
func TestSealedSecretsBoundToShop(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "a")
		createShop(t, s, "b")
		require.NoError(t, s.Shops.SetAccessToken(ctx, "a", "token-A"))
		require.NoError(t, s.Shops.SetClientSecret(ctx, "a", "secret-A"))
		require.NoError(t, s.Shops.SetAccessToken(ctx, "b", "token-B"))
		_, atA := rawSecrets(t, s, "a")

		require.NoError(t, s.DB().Exec("UPDATE shops SET access_token_sealed = ? WHERE id = ?", atA, "b").Error)
		_, err := s.Shops.AccessToken(ctx, "b")
		require.Error(t, err, "shop a's token copied to shop b must not open")
		assert.ErrorContains(t, err, `shop "b" access token`)
		assert.ErrorContains(t, err, "store the secret again")
		assert.NotContains(t, err.Error(), "token-A")

		require.NoError(t, s.DB().Exec("UPDATE shops SET client_secret_sealed = ? WHERE id = ?", atA, "a").Error)
		_, err = s.Shops.ClientSecret(ctx, "a")
		assert.Error(t, err, "the access token copied into the client secret column must not open")
		tok, err := s.Shops.AccessToken(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "token-A", tok)
	})
}

// TestRotateSecretsLegacy: rows sealed before secrets were bound to their shop
// and column (format v1) still open, and `starter secrets rotate` re-seals them
// bound, even when the key did not change.
func TestRotateSecretsLegacy(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		key := secrets.GenerateKey()
		s := openStore(t, dsn, newSealer(t, key))
		createShop(t, s, "a")
		createShop(t, s, "b")
		require.NoError(t, s.DB().Exec("UPDATE shops SET access_token_sealed = ?, client_secret_sealed = ? WHERE id = ?",
			legacySeal(t, key, "token-A"), legacySeal(t, key, "secret-A"), "a").Error)
		require.NoError(t, s.DB().Exec("UPDATE shops SET access_token_sealed = ? WHERE id = ?", legacySeal(t, key, "token-B"), "b").Error)

		tok, err := s.Shops.AccessToken(ctx, "a")
		require.NoError(t, err, "a legacy row still opens")
		assert.Equal(t, "token-A", tok)

		n, err := s.Shops.RotateSecrets(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n, "every legacy value is re-sealed")
		cs, at := rawSecrets(t, s, "a")
		assert.Regexp(t, `^v2:`, cs)
		assert.Regexp(t, `^v2:`, at)
		n, err = s.Shops.RotateSecrets(ctx)
		require.NoError(t, err)
		assert.Zero(t, n)
		for id, want := range map[string]string{"a": "token-A", "b": "token-B"} {
			tok, err := s.Shops.AccessToken(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, want, tok)
		}
		cs2, err := s.Shops.ClientSecret(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "secret-A", cs2)
		// Now bound: copied to shop b it no longer opens.
		require.NoError(t, s.DB().Exec("UPDATE shops SET access_token_sealed = ? WHERE id = ?", at, "b").Error)
		_, err = s.Shops.AccessToken(ctx, "b")
		assert.Error(t, err)
	})
}

// legacySeal seals plain as colorme-sync did before values were bound to their
// shop and column: "v1:<keyid>:…", associated data "v1:<keyid>".
func legacySeal(t *testing.T, key, plain string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(key)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	id := hex.EncodeToString(sum[:4])
	block, err := aes.NewCipher(raw)
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	nonce := make([]byte, aead.NonceSize())
	_, err = rand.Read(nonce)
	require.NoError(t, err)
	return "v1:" + id + ":" + base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte("v1:"+id)))
}

func rawSecrets(t *testing.T, s *stores.Stores, id string) (clientSecret, accessToken string) {
	t.Helper()
	row := s.DB().Raw("SELECT client_secret_sealed, access_token_sealed FROM shops WHERE id = ?", id).Row()
	require.NoError(t, row.Scan(&clientSecret, &accessToken))
	return
}

func TestShopSecrets(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")

		_, err := s.Shops.AccessToken(ctx, "myshop")
		assert.ErrorIs(t, err, shops.ErrNoAccessToken)
		assert.EqualError(t, err, "shop \"myshop\" has no access token: connect it with `starter shop connect`")
		_, err = s.Shops.ClientSecret(ctx, "myshop")
		assert.ErrorIs(t, err, shops.ErrNoClientSecret)

		require.NoError(t, s.Shops.SetClientSecret(ctx, "myshop", "client-secret-PLAINTEXT"))
		require.NoError(t, s.Shops.MarkReconnectNeeded(ctx, "myshop", "token revoked (401010)"))
		sh, err := s.Shops.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.True(t, sh.ReconnectNeeded)
		assert.Equal(t, "token revoked (401010)", sh.ReconnectReason)

		require.NoError(t, s.Shops.SetAccessToken(ctx, "myshop", "access-token-PLAINTEXT"))
		sh, err = s.Shops.Shop(ctx, "myshop")
		require.NoError(t, err)
		assert.True(t, sh.HasClientSecret && sh.HasAccessToken)
		assert.False(t, sh.ReconnectNeeded)
		assert.Empty(t, sh.ReconnectReason)

		cs, at := rawSecrets(t, s, "myshop")
		assert.NotContains(t, cs, "PLAINTEXT")
		assert.NotContains(t, at, "PLAINTEXT")
		assert.Regexp(t, `^v2:[0-9a-f]{8}:`, cs)
		assert.Regexp(t, `^v2:[0-9a-f]{8}:`, at)

		got, err := s.Shops.ClientSecret(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "client-secret-PLAINTEXT", got)
		got, err = s.Shops.AccessToken(ctx, "myshop")
		require.NoError(t, err)
		assert.Equal(t, "access-token-PLAINTEXT", got)

		assert.ErrorContains(t, s.Shops.SetAccessToken(ctx, "myshop", " "), "empty")
	})
}

func TestSecretsWithoutSealer(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		withKey := openStore(t, dsn, newSealer(t))
		createShop(t, withKey, "myshop")
		require.NoError(t, withKey.Shops.SetAccessToken(ctx, "myshop", "tok"))

		s := openStore(t, dsn, nil)
		assert.ErrorContains(t, s.Shops.SetClientSecret(ctx, "myshop", "x"), "COLORME_SYNC_SECRET_KEY")
		_, err := s.Shops.AccessToken(ctx, "myshop")
		assert.ErrorContains(t, err, "COLORME_SYNC_SECRET_KEY")
		_, err = s.Shops.RotateSecrets(ctx)
		assert.ErrorContains(t, err, "COLORME_SYNC_SECRET_KEY")
		sh, err := s.Shops.Shop(ctx, "myshop") // non-secret reads still work
		require.NoError(t, err)
		assert.True(t, sh.HasAccessToken)

		other := openStore(t, dsn, newSealer(t)) // a different key
		_, err = other.Shops.AccessToken(ctx, "myshop")
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
			require.NoError(t, old.Shops.SetAccessToken(ctx, id, "token-"+id))
		}
		require.NoError(t, old.Shops.SetClientSecret(ctx, "a", "secret-a"))
		createShop(t, old, "c") // no secrets

		rotated := openStore(t, dsn, newSealer(t, newKey, oldKey))
		rotatedSealer := newSealer(t, newKey, oldKey)
		csBefore, _ := rawSecrets(t, rotated, "a")
		assert.True(t, rotatedSealer.NeedsRotation(csBefore))

		n, err := rotated.Shops.RotateSecrets(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		n, err = rotated.Shops.RotateSecrets(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n, "a second rotation has nothing to do")

		csAfter, atAfter := rawSecrets(t, rotated, "a")
		assert.False(t, rotatedSealer.NeedsRotation(csAfter))
		assert.False(t, rotatedSealer.NeedsRotation(atAfter))

		onlyNew := openStore(t, dsn, newSealer(t, newKey))
		for _, id := range []string{"a", "b"} {
			tok, err := onlyNew.Shops.AccessToken(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, "token-"+id, tok)
		}
		cs, err := onlyNew.Shops.ClientSecret(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "secret-a", cs)
		_, err = old.Shops.AccessToken(ctx, "a")
		assert.ErrorContains(t, err, "which this process does not have")
	})
}
