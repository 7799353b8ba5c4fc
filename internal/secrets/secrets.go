// Package secrets seals secrets at rest (client secrets, access tokens) with
// AES-256-GCM. Sealed values look like "v2:<keyid>:<base64(nonce|ciphertext)>", so
// the key that sealed a value is known and keys can be rotated: the current key
// seals, old keys still open. Each value is bound, as AEAD associated data, to
// the context it was sealed for (e.g. a shop and a column): opened for another
// context it fails authentication, so a ciphertext copied elsewhere is useless.
// Values of the older format "v1:…" (bound to no context) still open, and
// NeedsRotation reports them so that they are re-sealed.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// version is the format of values Seal makes; legacyVersion values (sealed
// without a context) are still opened.
const (
	version       = "v2"
	legacyVersion = "v1"
)

// Sealer encrypts and decrypts secrets with AES-256-GCM.
type Sealer struct {
	current string                 // key id that seals
	old     []string               // ids of the old keys, in the order given
	keys    map[string]cipher.AEAD // key id → cipher, current and old keys
}

// NewSealer returns a Sealer for the given keys, each the standard base64 of 32
// bytes. keys[0] is the current key (COLORME_SYNC_SECRET_KEY), used to seal; the
// others (COLORME_SYNC_OLD_SECRET_KEYS) are old keys still accepted to open. Empty
// old keys are ignored. Errors never contain key material.
func NewSealer(keys ...string) (*Sealer, error) {
	if len(keys) == 0 || strings.TrimSpace(keys[0]) == "" {
		return nil, errors.New("COLORME_SYNC_SECRET_KEY is not set: generate one with `openssl rand -base64 32` and keep it safe (it encrypts the stored tokens)")
	}
	s := &Sealer{keys: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		name := "COLORME_SYNC_SECRET_KEY"
		if i > 0 {
			name = fmt.Sprintf("COLORME_SYNC_OLD_SECRET_KEYS entry %d", i)
		}
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil {
			return nil, fmt.Errorf("%s must be standard base64 of 32 bytes: it is not valid base64 (generate one with `openssl rand -base64 32`)", name)
		}
		if len(raw) != 32 {
			return nil, fmt.Errorf("%s must be base64 of 32 bytes, got %d bytes (generate one with `openssl rand -base64 32`)", name, len(raw))
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		id := keyID(raw)
		if i == 0 {
			s.current = id
		} else if _, dup := s.keys[id]; !dup {
			s.old = append(s.old, id)
		}
		s.keys[id] = aead
	}
	return s, nil
}

// GenerateKey returns a new random key: the standard base64 of 32 random bytes.
func GenerateKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("secrets: reading random bytes: %v", err)) // crypto/rand never fails on supported platforms
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Seal encrypts plaintext with the current key, bound to context (e.g.
// "shops/myshop/access_token"): only Open with the same context opens it.
func (s *Sealer) Seal(plaintext, context string) (string, error) {
	aead := s.keys[s.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sealing a secret: reading a random nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, []byte(plaintext), additionalData(version, s.current, context))
	return version + ":" + s.current + ":" + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal for the same context, with the current or
// an old key. A legacy "v1:" value was sealed without a context and opens for any;
// NeedsRotation reports it so that it is re-sealed bound to its context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	ver, id, payload, err := parse(sealed)
	if err != nil {
		return "", err
	}
	aead, ok := s.keys[id]
	if !ok {
		return "", &UnknownKeyError{KeyID: id, Current: s.current, Old: s.old}
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", errors.New("sealed secret is corrupt: its payload is not valid; store the secret again")
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:n], raw[n:], additionalData(ver, id, context))
	if err != nil {
		return "", errors.New("sealed secret failed authentication: it was altered, corrupted or copied from another shop or column; store the secret again")
	}
	return string(plain), nil
}

// UnknownKeyError says a secret was sealed with a key this process does not
// have. Which key is missing cannot be told from here: an older one (a process
// not given COLORME_SYNC_OLD_SECRET_KEYS during a rotation) or a newer one
// (another process already seals with a new COLORME_SYNC_SECRET_KEY that this
// one was not given). The message names the keys by id and says what to do in
// either case.
type UnknownKeyError struct {
	KeyID   string   // the key that sealed the secret
	Current string   // this process's COLORME_SYNC_SECRET_KEY
	Old     []string // this process's COLORME_SYNC_OLD_SECRET_KEYS
}

func (e *UnknownKeyError) Error() string {
	old := "none"
	if len(e.Old) > 0 {
		old = strings.Join(e.Old, ", ")
	}
	return fmt.Sprintf("the secret was sealed with key %s, which this process does not have (its COLORME_SYNC_SECRET_KEY is key %s; COLORME_SYNC_OLD_SECRET_KEYS: %s). "+
		"Give this process key %s and restart it: if %s is the newer key (other processes already use it as COLORME_SYNC_SECRET_KEY), set COLORME_SYNC_SECRET_KEY to it here too "+
		"and put this process's key in COLORME_SYNC_OLD_SECRET_KEYS until `starter secrets rotate` has run; if %s is an older key, add it to COLORME_SYNC_OLD_SECRET_KEYS. "+
		"`starter secrets keys` prints the id of each key in an environment",
		e.KeyID, e.Current, old, e.KeyID, e.KeyID, e.KeyID)
}

// KeyIDs returns the id of the current key and of the old keys, in order.
func (s *Sealer) KeyIDs() (current string, old []string) { return s.current, slices.Clone(s.old) }

// KeyIDOf returns the id of a key (standard base64 of 32 bytes): the first 8
// hex digits of its SHA-256, as sealed values name it.
func KeyIDOf(key string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
	if err != nil || len(raw) != 32 {
		return "", errors.New("not a key: want standard base64 of 32 bytes")
	}
	return keyID(raw), nil
}

// SealedWith returns the id of the key that sealed a value, "" when the value
// is not a sealed secret.
func SealedWith(sealed string) string {
	_, id, _, err := parse(sealed)
	if err != nil {
		return ""
	}
	return id
}

// NeedsRotation reports whether a well-formed sealed value should be re-sealed:
// it was sealed with a key other than the current one, or in the legacy format
// that is bound to no context.
func (s *Sealer) NeedsRotation(sealed string) bool {
	ver, id, _, err := parse(sealed)
	return err == nil && (id != s.current || ver != version)
}

// IsLegacy reports whether a value is a sealed secret in the legacy "v1:" format,
// bound to no context: one that should be re-sealed bound to its context. It
// needs no key, and says nothing of whether the value opens.
func IsLegacy(sealed string) bool {
	ver, _, _, err := parse(sealed)
	return err == nil && ver == legacyVersion
}

// CurrentKeyID returns the id of the current key: the first 8 hex digits of its
// SHA-256.
func (s *Sealer) CurrentKeyID() string { return s.current }

func parse(sealed string) (ver, id, payload string, err error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || (parts[0] != version && parts[0] != legacyVersion) || len(parts[1]) != 8 {
		return "", "", "", fmt.Errorf("value is not a sealed secret (want %q); store the secret again", version+":<keyid>:<data>")
	}
	return parts[0], parts[1], parts[2], nil
}

// additionalData binds the format version, the key id and (from v2 on) the
// context to the ciphertext.
func additionalData(ver, id, context string) []byte {
	if ver == legacyVersion {
		return []byte(legacyVersion + ":" + id)
	}
	return []byte(ver + ":" + id + ":" + context)
}

func keyID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:4])
}
