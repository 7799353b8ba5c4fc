package connect_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

func TestOAuthStates(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		later := time.Now().Add(10 * time.Minute)
		require.NoError(t, connect.CreateOAuthState(ctx, db, "a", "state-1", later))
		assert.ErrorIs(t, connect.ConsumeOAuthState(ctx, db, "b", "state-1"), connect.ErrOAuthStateUnknown, "another shop's state")
		require.NoError(t, connect.ConsumeOAuthState(ctx, db, "a", "state-1"))
		assert.ErrorIs(t, connect.ConsumeOAuthState(ctx, db, "a", "state-1"), connect.ErrOAuthStateUnknown, "single use")
		assert.ErrorIs(t, connect.ConsumeOAuthState(ctx, db, "a", "never-issued"), connect.ErrOAuthStateUnknown)

		require.NoError(t, connect.CreateOAuthState(ctx, db, "a", "state-2", time.Now().Add(-time.Second)))
		assert.ErrorIs(t, connect.ConsumeOAuthState(ctx, db, "a", "state-2"), connect.ErrOAuthStateExpired)

		// Of concurrent consumers exactly one wins.
		require.NoError(t, connect.CreateOAuthState(ctx, db, "a", "state-3", later))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if connect.ConsumeOAuthState(ctx, db, "a", "state-3") == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})
}
