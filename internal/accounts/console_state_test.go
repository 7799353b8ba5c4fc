package accounts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"gorm.io/gorm"
)

// TestLoginAttemptCountsAtomically: 40 parallel attempts on one key let
// exactly the free ones through, on both databases; a refund and a clear undo.
func TestLoginAttemptCountsAtomically(t *testing.T) {
	lim := accounts.LoginLimits{Window: 15 * time.Minute, LockFor: func(n int) time.Duration {
		if n < 5 {
			return 0
		}
		return time.Minute
	}}
	testenv.EachDB(t, func(t *testing.T, db *gorm.DB) {
		s := accounts.New(db)
		ctx := context.Background()
		now := time.Now()
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wait, err := s.LoginAttempt(ctx, "login:tanaka|addr:192.0.2.1", now, lim)
				assert.NoError(t, err)
				if wait == 0 {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 5, allowed, "attempts let through out of 40 at once")
		wait, err := s.LoginAttempt(ctx, "login:tanaka|addr:192.0.2.2", now, lim)
		require.NoError(t, err)
		assert.Zero(t, wait, "another address is its own key")

		require.NoError(t, s.RefundLoginAttempt(ctx, "login:tanaka|addr:192.0.2.1", lim))
		wait, err = s.LoginAttempt(ctx, "login:tanaka|addr:192.0.2.1", now, lim)
		require.NoError(t, err)
		assert.Zero(t, wait, "a refunded attempt is given back")
		require.NoError(t, s.ClearLoginAttempts(ctx, "login:tanaka|addr:192.0.2.1"))
		wait, err = s.LoginAttempt(ctx, "login:tanaka|addr:192.0.2.1", now, lim)
		require.NoError(t, err)
		assert.Zero(t, wait)
		wait, err = s.LoginAttempt(ctx, "login:tanaka|addr:192.0.2.1", now.Add(20*time.Minute), lim)
		require.NoError(t, err)
		assert.Zero(t, wait, "after the window the count starts afresh")
	})
}
