package app_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// TestExplainStoreError: migration 3's refusals, which state only the fact in
// the store, get the command that goes on from them; the chain still matches.
func TestExplainStoreError(t *testing.T) {
	noKey := fmt.Errorf("migration 3 (00003_reseal_secrets (Go)) failed, the database stays at version 2: %w, and migration 3 must re-seal 1 stored secret(s) sealed by an earlier release: set it to the key that sealed them for the process that migrates",
		shops.ErrMigrationNeedsSecretKey)
	err := app.ExplainStoreError(noKey)
	assert.ErrorIs(t, err, shops.ErrMigrationNeedsSecretKey)
	assert.Equal(t, noKey.Error()+" (the worker, or `starter db migrate`)", err.Error())

	corrupt := errors.New("sealed secret failed authentication")
	for column, cmd := range map[string]string{
		"access_token_sealed":  "`starter shop connect -shop a`",
		"client_secret_sealed": "`starter shop set-secret -shop a`",
	} {
		unresealable := fmt.Errorf("migration 3 failed: %w", &shops.UnresealableSecretError{Shop: "a", Column: column, Err: corrupt})
		err = app.ExplainStoreError(unresealable)
		assert.ErrorIs(t, err, corrupt)
		assert.Equal(t, unresealable.Error()+" with "+cmd, err.Error())
		assert.Contains(t, err.Error(), "then store it again with "+cmd)
	}

	other := errors.New("connection refused")
	assert.Equal(t, other, app.ExplainStoreError(other))
	assert.NoError(t, app.ExplainStoreError(nil))
}
