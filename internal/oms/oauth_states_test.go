package oms_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

func TestOAuthStates(t *testing.T) {
	eachStore(t, func(t *testing.T, s *oms.Store) {
		ctx := context.Background()
		later := time.Now().Add(10 * time.Minute)
		require.NoError(t, s.CreateOAuthState(ctx, "a", "state-1", later))
		assert.ErrorIs(t, s.ConsumeOAuthState(ctx, "b", "state-1"), oms.ErrOAuthStateUnknown, "another shop's state")
		require.NoError(t, s.ConsumeOAuthState(ctx, "a", "state-1"))
		assert.ErrorIs(t, s.ConsumeOAuthState(ctx, "a", "state-1"), oms.ErrOAuthStateUnknown, "single use")
		assert.ErrorIs(t, s.ConsumeOAuthState(ctx, "a", "never-issued"), oms.ErrOAuthStateUnknown)

		require.NoError(t, s.CreateOAuthState(ctx, "a", "state-2", time.Now().Add(-time.Second)))
		assert.ErrorIs(t, s.ConsumeOAuthState(ctx, "a", "state-2"), oms.ErrOAuthStateExpired)

		// Of concurrent consumers exactly one wins.
		require.NoError(t, s.CreateOAuthState(ctx, "a", "state-3", later))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s.ConsumeOAuthState(ctx, "a", "state-3") == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})
}
