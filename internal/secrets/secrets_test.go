package secrets_test

import (
	"encoding/base64"
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
		sealed, err := s.Seal(plain)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(sealed, "v1:"+s.CurrentKeyID()+":"), sealed)
		if plain != "" {
			assert.NotContains(t, sealed, plain)
		}
		got, err := s.Open(sealed)
		require.NoError(t, err)
		assert.Equal(t, plain, got)
		assert.False(t, s.NeedsRotation(sealed))
	}
	a, _ := s.Seal("same")
	b, _ := s.Seal("same")
	assert.NotEqual(t, a, b, "nonces must differ")
}

func TestTamperDetection(t *testing.T) {
	s, err := secrets.NewSealer(secrets.GenerateKey())
	require.NoError(t, err)
	sealed, err := s.Seal("access-token")
	require.NoError(t, err)
	parts := strings.SplitN(sealed, ":", 3)
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	for i := range raw {
		bad := append([]byte(nil), raw...)
		bad[i] ^= 0x01
		_, err := s.Open(parts[0] + ":" + parts[1] + ":" + base64.StdEncoding.EncodeToString(bad))
		require.Error(t, err, "flipping byte %d must be detected", i)
	}
	_, err = s.Open(parts[0] + ":" + parts[1] + ":" + base64.StdEncoding.EncodeToString(raw[:10]))
	assert.ErrorContains(t, err, "corrupt")
	_, err = s.Open("plaintext-token")
	assert.ErrorContains(t, err, "not a sealed secret")
	_, err = s.Open("v2:" + parts[1] + ":" + parts[2])
	assert.Error(t, err)
}

func TestRotation(t *testing.T) {
	oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
	old, err := secrets.NewSealer(oldKey)
	require.NoError(t, err)
	sealedOld, err := old.Seal("secret")
	require.NoError(t, err)

	rotated, err := secrets.NewSealer(newKey, oldKey)
	require.NoError(t, err)
	got, err := rotated.Open(sealedOld)
	require.NoError(t, err)
	assert.Equal(t, "secret", got)
	assert.True(t, rotated.NeedsRotation(sealedOld))
	assert.False(t, old.NeedsRotation(sealedOld))

	resealed, err := rotated.Seal(got)
	require.NoError(t, err)
	assert.False(t, rotated.NeedsRotation(resealed))
	assert.False(t, rotated.NeedsRotation("garbage"))

	onlyNew, err := secrets.NewSealer(newKey)
	require.NoError(t, err)
	_, err = onlyNew.Open(sealedOld)
	assert.ErrorContains(t, err, "COLORME_SYNC_OLD_SECRET_KEYS")
	got, err = onlyNew.Open(resealed)
	require.NoError(t, err)
	assert.Equal(t, "secret", got)

	_, err = old.Open(resealed)
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
	sealedOld, err := withOld.Seal("token")
	require.NoError(t, err)
	sealedNew, err := withNew.Seal("token")
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
			_, err := c.process.Open(c.sealed)
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
