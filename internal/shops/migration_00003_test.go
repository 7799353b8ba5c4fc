package shops_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/schema/testdata/schemav1"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// atVersion2 opens dsn with sealer (nil: no COLORME_SYNC_SECRET_KEY) and
// migrates it to schema version 2, the version before migration 3.
func atVersion2(t *testing.T, dsn string, sealer *secrets.Sealer) *stores.Stores {
	t.Helper()
	st, err := stores.OpenWith(context.Background(), dsn, sealer, schema.Options{Schema: schema.SchemaIgnore})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	_, err = st.Schema.MigrateTo(context.Background(), 2, quiet)
	require.NoError(t, err)
	return st
}

// addShops writes shops as a release before migration 3 did, through release
// 56606a0's row type: id → {client secret, access token}, sealed as given.
func addShops(t *testing.T, dsn string, sealed map[string][2]string) {
	t.Helper()
	at := time.Date(2026, 11, 20, 3, 4, 5, 0, time.UTC)
	for id, v := range sealed {
		require.NoError(t, rawDB(t, dsn).Create(&schemav1.Shop{ID: id, Name: id, APIBaseURL: shops.DefaultAPIBaseURL,
			ClientSecretSealed: v[0], AccessTokenSealed: v[1], CreatedAt: at, UpdatedAt: at,
			Settings: schemav1.Settings{ExportEnabled: true, ExportIntervalMinutes: 30, ImportDays: 7, ImportIntervalMinutes: 30, WindowDays: 3}}).Error)
	}
}

// shopRows reads every column of every shop, by id.
func shopRows(t *testing.T, dsn string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	require.NoError(t, rawDB(t, dsn).Table("shops").Order("id").Find(&rows).Error)
	return rows
}

// schemaVersion is the database's schema version.
func schemaVersion(t *testing.T, st *stores.Stores) int64 {
	t.Helper()
	status, err := st.Schema.SchemaStatus(context.Background())
	require.NoError(t, err)
	return status.Current
}

// TestMigration3ResealsLegacySecrets: every v1 client secret and access token
// (sealed with the current key or an old one) is v2 after migration 3, sealed
// with the current key and bound to its shop and column: it still opens where
// it is, no longer when copied to another shop or column. v2 values, empty
// columns and every other column are left as they were, and no secret reaches
// the log.
func TestMigration3ResealsLegacySecrets(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		key, oldKey := secrets.GenerateKey(), secrets.GenerateKey()
		sealer := newSealer(t, key, oldKey)
		st := atVersion2(t, dsn, sealer)
		bound, err := sealer.Seal("token-C", "shops/c/access_token_sealed")
		require.NoError(t, err)
		addShops(t, dsn, map[string][2]string{
			"a": {legacySeal(t, key, "secret-A"), legacySeal(t, key, "token-A")},
			"b": {"", legacySeal(t, oldKey, "token-B")},
			"c": {"", bound},
			"d": {"", ""},
		})
		before := shopRows(t, dsn)

		var log bytes.Buffer
		rep, err := st.Schema.Migrate(ctx, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
		require.NoError(t, err)
		assert.Contains(t, rep.Applied, int64(3))
		assert.Contains(t, log.String(), "00003_reseal_secrets")
		for _, plain := range []string{"secret-A", "token-A", "token-B", "token-C"} {
			assert.NotContains(t, log.String(), plain)
		}

		after := shopRows(t, dsn)
		require.Len(t, after, len(before))
		v2 := `^v2:` + sealer.CurrentKeyID() + `:`
		for i, row := range after {
			id := row["id"].(string)
			for col, v := range row {
				switch {
				case id == "a" && (col == "client_secret_sealed" || col == "access_token_sealed"),
					id == "b" && col == "access_token_sealed":
					assert.Regexp(t, v2, v, "shop %s %s re-sealed with the current key", id, col)
					assert.NotEqual(t, before[i][col], v)
				case col == "export_on_change": // added by migration 5
				case strings.HasPrefix(col, "notify_"): // added by migration 8
				case col == "send_paid_mail": // added by migration 10
				case strings.HasPrefix(col, "stock_"): // added by migration 11
				default:
					assert.Equal(t, before[i][col], v, "shop %s %s unchanged", id, col)
				}
			}
		}
		assert.Equal(t, bound, after[2]["access_token_sealed"], "a v2 value is left as it was")

		for id, want := range map[string]string{"a": "token-A", "b": "token-B", "c": "token-C"} {
			tok, err := st.Shops.AccessToken(ctx, id)
			require.NoError(t, err, "shop %s", id)
			assert.Equal(t, want, tok)
		}
		cs, err := st.Shops.ClientSecret(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "secret-A", cs)

		// Bound now: shop a's sealed token copied to shop d, or into shop a's
		// client secret column, no longer opens. (As v1 it would have.)
		atA := after[0]["access_token_sealed"].(string)
		require.NoError(t, st.DB().Exec("UPDATE shops SET access_token_sealed = ? WHERE id = ?", atA, "d").Error)
		_, err = st.Shops.AccessToken(ctx, "d")
		assert.ErrorContains(t, err, "failed authentication")
		require.NoError(t, st.DB().Exec("UPDATE shops SET client_secret_sealed = ? WHERE id = ?", atA, "a").Error)
		_, err = st.Shops.ClientSecret(ctx, "a")
		assert.ErrorContains(t, err, "failed authentication")

		n, err := st.Shops.RotateSecrets(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is left for `starter secrets rotate` to re-seal")
	})
}

// TestMigration3WithoutSecretKey: a process without COLORME_SYNC_SECRET_KEY
// refuses migration 3 when there are v1 values to re-seal, in one sentence
// naming the variable; the database stays at version 2 with its rows as they
// were, and a process with the key migrates it. With nothing to re-seal (no
// secrets, or only v2 ones) it passes without a key.
func TestMigration3WithoutSecretKey(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		key := secrets.GenerateKey()
		st := atVersion2(t, dsn, nil)
		addShops(t, dsn, map[string][2]string{
			"a": {legacySeal(t, key, "secret-A"), ""},
			"b": {"", ""},
		})
		before := shopRows(t, dsn)

		_, err := st.Schema.Migrate(ctx, quiet)
		require.ErrorIs(t, err, shops.ErrMigrationNeedsSecretKey)
		assert.Contains(t, err.Error(), "migration 3 (00003_reseal_secrets (Go)) failed, the database stays at version 2")
		assert.Contains(t, err.Error(), "COLORME_SYNC_SECRET_KEY is not set, and migration 3 must re-seal 1 stored secret(s) sealed by an earlier release: set it")
		assert.NotContains(t, err.Error(), "\n")
		assert.Equal(t, int64(2), schemaVersion(t, st))
		assert.Equal(t, before, shopRows(t, dsn))

		// A process starting with DB_AUTO_MIGRATE and no key is refused alike.
		_, err = stores.OpenWith(ctx, dsn, nil, schema.Options{Logger: quiet})
		require.ErrorIs(t, err, shops.ErrMigrationNeedsSecretKey)
		assert.Equal(t, int64(2), schemaVersion(t, st))

		// With the key, the same database migrates.
		withKey, err := stores.OpenWith(ctx, dsn, newSealer(t, key), schema.Options{Logger: quiet})
		require.NoError(t, err)
		defer withKey.Close()
		cs, err := withKey.Shops.ClientSecret(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "secret-A", cs)
		assert.Regexp(t, `^v2:`, shopRows(t, dsn)[0]["client_secret_sealed"])
	})

	eachDialect(t, func(t *testing.T, dsn string) {
		sealer := newSealer(t)
		bound, err := sealer.Seal("token-A", "shops/a/access_token_sealed")
		require.NoError(t, err)
		st := atVersion2(t, dsn, nil)
		addShops(t, dsn, map[string][2]string{"a": {"", bound}, "b": {"", ""}})
		before := shopRows(t, dsn)

		rep, err := st.Schema.Migrate(ctx, quiet)
		require.NoError(t, err, "nothing to re-seal: no key needed")
		assert.Contains(t, rep.Applied, int64(3))
		after := shopRows(t, dsn)
		for _, r := range after {
			delete(r, "export_on_change") // added by migration 5
			for _, col := range []string{"notify_email", "notify_webhook_url", "notify_sale_failures", "notify_lag_minutes"} {
				delete(r, col) // added by migration 8
			}
			delete(r, "send_paid_mail") // added by migration 10
			delete(r, "stock_enabled")  // added by migration 11
			delete(r, "stock_interval_minutes")
		}
		assert.Equal(t, before, after)
	})

	eachDialect(t, func(t *testing.T, dsn string) {
		atVersion2(t, dsn, nil) // an empty database, no shops
		st, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Logger: quiet})
		require.NoError(t, err)
		defer st.Close()
		assert.GreaterOrEqual(t, schemaVersion(t, st), int64(3))
	})
}

// TestMigration3UnopenableSecret: a v1 value sealed with a key the process
// lacks, or corrupt, fails migration 3 with a message naming the shop, the
// column and (for a key) the key ids; nothing is written, not even the values
// that did open, and no secret is in the message.
func TestMigration3UnopenableSecret(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		key, lost := secrets.GenerateKey(), secrets.GenerateKey()
		sealer := newSealer(t, key)
		lostID, err := secrets.KeyIDOf(lost)
		require.NoError(t, err)
		st := atVersion2(t, dsn, sealer)
		addShops(t, dsn, map[string][2]string{
			"a": {legacySeal(t, key, "secret-A"), legacySeal(t, key, "token-A")},
			"b": {"", legacySeal(t, lost, "token-B")},
		})
		before := shopRows(t, dsn)

		_, err = st.Schema.Migrate(ctx, quiet)
		require.Error(t, err)
		var unknown *secrets.UnknownKeyError
		require.True(t, errors.As(err, &unknown), "%v", err)
		msg := err.Error()
		assert.Contains(t, msg, "the database stays at version 2")
		assert.Contains(t, msg, `shop "b" access_token_sealed cannot be re-sealed: the secret was sealed with key `+lostID+", which this process does not have (its COLORME_SYNC_SECRET_KEY is key "+sealer.CurrentKeyID())
		for _, plain := range []string{"secret-A", "token-A", "token-B"} {
			assert.NotContains(t, msg, plain)
		}
		assert.Equal(t, int64(2), schemaVersion(t, st))
		assert.Equal(t, before, shopRows(t, dsn), "shop a's values, which opened, are not re-sealed either")

		// Given the lost key as an old key, it migrates.
		st2, err := stores.OpenWith(ctx, dsn, newSealer(t, key, lost), schema.Options{Logger: quiet})
		require.NoError(t, err)
		defer st2.Close()
		tok, err := st2.Shops.AccessToken(ctx, "b")
		require.NoError(t, err)
		assert.Equal(t, "token-B", tok)
	})

	eachDialect(t, func(t *testing.T, dsn string) {
		key := secrets.GenerateKey()
		sealer := newSealer(t, key)
		st := atVersion2(t, dsn, sealer)
		good := legacySeal(t, key, "token-A")
		corrupt := good[:len(good)-8] + "AAAAAAA="
		addShops(t, dsn, map[string][2]string{"a": {legacySeal(t, key, "secret-A"), corrupt}})
		before := shopRows(t, dsn)

		_, err := st.Schema.Migrate(ctx, quiet)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `shop "a" access_token_sealed cannot be re-sealed (sealed secret failed authentication`)
		assert.Contains(t, err.Error(), "UPDATE shops SET access_token_sealed = '' WHERE id = 'a'")
		assert.NotContains(t, err.Error(), "secret-A")
		var unresealable *shops.UnresealableSecretError
		require.True(t, errors.As(err, &unresealable), "%v", err)
		assert.Equal(t, shops.UnresealableSecretError{Shop: "a", Column: "access_token_sealed", Err: unresealable.Err}, *unresealable)
		assert.False(t, unresealable.ClientSecret(), "the caller names how to store an access token again")
		assert.Equal(t, int64(2), schemaVersion(t, st))
		assert.Equal(t, before, shopRows(t, dsn))
	})
}
