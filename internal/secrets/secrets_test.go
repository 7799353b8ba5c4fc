package secrets_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/secrets"
)

func TestRoundTrip(t *testing.T) {
	s, err := secrets.NewSealer(secrets.GenerateKey())
	require.NoError(t, err)
	for _, plain := range []string{"", "token-123", "日本語のシークレット", strings.Repeat("x", 10000)} {
		sealed, err := s.Seal(plain, "ctx")
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(sealed, "v2:"+s.CurrentKeyID()+":"), sealed)
		if plain != "" {
			assert.NotContains(t, sealed, plain)
		}
		got, err := s.Open(sealed, "ctx")
		require.NoError(t, err)
		assert.Equal(t, plain, got)
		assert.False(t, s.NeedsRotation(sealed))
	}
	a, _ := s.Seal("same", "ctx")
	b, _ := s.Seal("same", "ctx")
	assert.NotEqual(t, a, b, "nonces must differ")
}

func TestTamperDetection(t *testing.T) {
	s, err := secrets.NewSealer(secrets.GenerateKey())
	require.NoError(t, err)
	sealed, err := s.Seal("access-token", "ctx")
	require.NoError(t, err)
	parts := strings.SplitN(sealed, ":", 3)
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	for i := range raw {
		bad := append([]byte(nil), raw...)
		bad[i] ^= 0x01
		_, err := s.Open(parts[0]+":"+parts[1]+":"+base64.StdEncoding.EncodeToString(bad), "ctx")
		require.Error(t, err, "flipping byte %d must be detected", i)
	}
	_, err = s.Open(parts[0]+":"+parts[1]+":"+base64.StdEncoding.EncodeToString(raw[:10]), "ctx")
	assert.ErrorContains(t, err, "corrupt")
	_, err = s.Open("plaintext-token", "ctx")
	assert.ErrorContains(t, err, "not a sealed secret")
	_, err = s.Open("v1:"+parts[1]+":"+parts[2], "ctx")
	assert.Error(t, err, "a v2 value relabelled v1 (dropping its context) does not open")
	_, err = s.Open("v3:"+parts[1]+":"+parts[2], "ctx")
	assert.ErrorContains(t, err, "not a sealed secret")
}

func TestRotation(t *testing.T) {
	oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
	old, err := secrets.NewSealer(oldKey)
	require.NoError(t, err)
	sealedOld, err := old.Seal("secret", "ctx")
	require.NoError(t, err)

	rotated, err := secrets.NewSealer(newKey, oldKey)
	require.NoError(t, err)
	got, err := rotated.Open(sealedOld, "ctx")
	require.NoError(t, err)
	assert.Equal(t, "secret", got)
	assert.True(t, rotated.NeedsRotation(sealedOld))
	assert.False(t, old.NeedsRotation(sealedOld))

	resealed, err := rotated.Seal(got, "ctx")
	require.NoError(t, err)
	assert.False(t, rotated.NeedsRotation(resealed))
	assert.False(t, rotated.NeedsRotation("garbage"))

	onlyNew, err := secrets.NewSealer(newKey)
	require.NoError(t, err)
	_, err = onlyNew.Open(sealedOld, "ctx")
	assert.ErrorContains(t, err, "COLORME_SYNC_OLD_SECRET_KEYS")
	got, err = onlyNew.Open(resealed, "ctx")
	require.NoError(t, err)
	assert.Equal(t, "secret", got)

	_, err = old.Open(resealed, "ctx")
	assert.ErrorContains(t, err, "does not have")
}

// TestUnknownKeyHint: whichever key a process lacks — the old one (not given
// COLORME_SYNC_OLD_SECRET_KEYS during a rotation) or the new one (another
// process already seals with it) — the error names the key that sealed the
// secret and the keys the process has, by id, and says what to do in both cases.
func TestUnknownKeyHint(t *testing.T) {
	oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
	oldID, err := secrets.KeyIDOf(oldKey)
	require.NoError(t, err)
	newID, err := secrets.KeyIDOf(newKey)
	require.NoError(t, err)
	withOld, err := secrets.NewSealer(oldKey)
	require.NoError(t, err)
	withNew, err := secrets.NewSealer(newKey)
	require.NoError(t, err)
	sealedOld, err := withOld.Seal("token", "ctx")
	require.NoError(t, err)
	sealedNew, err := withNew.Seal("token", "ctx")
	require.NoError(t, err)
	assert.Equal(t, oldID, secrets.SealedWith(sealedOld))
	assert.Equal(t, newID, secrets.SealedWith(sealedNew))

	for name, c := range map[string]struct {
		process *secrets.Sealer
		sealed  string
		missing string
		has     string
	}{
		"the old key is missing (not in COLORME_SYNC_OLD_SECRET_KEYS)":  {withNew, sealedOld, oldID, newID},
		"the new key is missing (the worker still runs on the old key)": {withOld, sealedNew, newID, oldID},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.process.Open(c.sealed, "ctx")
			var uk *secrets.UnknownKeyError
			require.ErrorAs(t, err, &uk)
			assert.Equal(t, c.missing, uk.KeyID)
			msg := err.Error()
			assert.Contains(t, msg, "sealed with key "+c.missing+", which this process does not have")
			assert.Contains(t, msg, "its COLORME_SYNC_SECRET_KEY is key "+c.has)
			assert.Contains(t, msg, "if "+c.missing+" is the newer key", "the newer-key case")
			assert.Contains(t, msg, "set COLORME_SYNC_SECRET_KEY to it")
			assert.Contains(t, msg, "if "+c.missing+" is an older key, add it to COLORME_SYNC_OLD_SECRET_KEYS", "the older-key case")
			assert.NotContains(t, msg, oldKey)
			assert.NotContains(t, msg, newKey)
		})
	}

	both, err := secrets.NewSealer(newKey, oldKey)
	require.NoError(t, err)
	cur, old := both.KeyIDs()
	assert.Equal(t, newID, cur)
	assert.Equal(t, []string{oldID}, old)
}

func TestBadKeys(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte("twelve bytes"))
	_, err := secrets.NewSealer(short)
	require.Error(t, err)
	assert.Equal(t, "COLORME_SYNC_SECRET_KEY must be base64 of 32 bytes, got 12 bytes (generate one with `openssl rand -base64 32`)", err.Error())
	assert.NotContains(t, err.Error(), short)

	_, err = secrets.NewSealer()
	assert.ErrorContains(t, err, "COLORME_SYNC_SECRET_KEY is not set")
	_, err = secrets.NewSealer("  ")
	assert.ErrorContains(t, err, "COLORME_SYNC_SECRET_KEY is not set")

	notB64 := "this is not base64 at all!!"
	_, err = secrets.NewSealer(notB64)
	require.Error(t, err)
	assert.ErrorContains(t, err, "not valid base64")
	assert.NotContains(t, err.Error(), notB64)

	_, err = secrets.NewSealer(secrets.GenerateKey(), short)
	assert.ErrorContains(t, err, "COLORME_SYNC_OLD_SECRET_KEYS entry 1 must be base64 of 32 bytes, got 12 bytes")

	s, err := secrets.NewSealer(secrets.GenerateKey(), "", " ")
	require.NoError(t, err, "empty old keys are ignored")
	assert.Len(t, s.CurrentKeyID(), 8)
}

// TestBoundToContext: a value sealed for one shop and column does not open for
// another (AEAD associated data), and says what to do.
func TestBoundToContext(t *testing.T) {
	s, err := secrets.NewSealer(secrets.GenerateKey())
	require.NoError(t, err)
	sealed, err := s.Seal("token-of-shop-a", "shops/a/access_token")
	require.NoError(t, err)
	got, err := s.Open(sealed, "shops/a/access_token")
	require.NoError(t, err)
	assert.Equal(t, "token-of-shop-a", got)
	for _, other := range []string{"shops/b/access_token", "shops/a/client_secret", "", "shops/a/access_token "} {
		_, err := s.Open(sealed, other)
		require.Error(t, err, other)
		assert.ErrorContains(t, err, "copied from another shop or column")
		assert.NotContains(t, err.Error(), "token-of-shop-a")
	}
}

// TestLegacyV1 opens a value sealed in the old format (v1: no context, AD
// "v1:<keyid>") for any context, and reports it as needing re-sealing.
func TestLegacyV1(t *testing.T) {
	key := secrets.GenerateKey()
	s, err := secrets.NewSealer(key)
	require.NoError(t, err)
	legacy := sealV1(t, key, "old-token")
	assert.True(t, strings.HasPrefix(legacy, "v1:"+s.CurrentKeyID()+":"))
	for _, ctx := range []string{"shops/a/access_token", "shops/b/client_secret"} {
		got, err := s.Open(legacy, ctx)
		require.NoError(t, err)
		assert.Equal(t, "old-token", got)
	}
	assert.True(t, s.NeedsRotation(legacy), "a v1 value is re-sealed by rotate even under the current key")
	assert.True(t, secrets.IsLegacy(legacy))
	resealed, err := s.Seal("old-token", "shops/a/access_token")
	require.NoError(t, err)
	assert.False(t, s.NeedsRotation(resealed))
	assert.False(t, secrets.IsLegacy(resealed))
	assert.False(t, secrets.IsLegacy("v1:not-a-key-id:abc"), "only a well-formed v1 value is legacy")
	assert.False(t, secrets.IsLegacy("plaintext-token"))
	assert.False(t, secrets.IsLegacy(""))
}

// sealV1 seals plain as the previous version of this package did: AES-256-GCM
// with the associated data "v1:<keyid>" only.
func sealV1(t *testing.T, key, plain string) string {
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
