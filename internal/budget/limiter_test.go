package budget_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/budget"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

func TestLimiterSharedBudget(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Two stores on one database stand for two worker processes.
		a := budget.NewLimiter(openDB(t, dsn), "token:myshop", 6000) // 10ms apart
		b := budget.NewLimiter(openDB(t, dsn), "token:myshop", 6000)

		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range 10 {
			l := a
			if i%2 == 1 {
				l = b
			}
			wg.Go(func() { errs[i] = l.Wait(ctx) })
		}
		wg.Wait()
		elapsed := time.Since(start)
		for _, err := range errs {
			require.NoError(t, err)
		}
		// Slots are 10ms apart: the tenth is 90ms after the first. Two separate
		// budgets would take only 40ms.
		assert.GreaterOrEqual(t, elapsed, 9*10*time.Millisecond)
		assert.Less(t, elapsed, 2*time.Second)
		t.Logf("10 waits across two limiters took %s", elapsed)
	})
}

func TestLimiterKeysAndOptions(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		// Sequential waits on one limiter are spaced too.
		l := budget.NewLimiter(db, "k1", 600) // 100ms apart
		start := time.Now()
		for range 3 {
			require.NoError(t, l.Wait(ctx))
		}
		assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)

		// Another key has its own budget.
		other := budget.NewLimiter(db, "k2", 600)
		start = time.Now()
		require.NoError(t, other.Wait(ctx))
		assert.Less(t, time.Since(start), 80*time.Millisecond)

		// No budget: never waits.
		free := budget.NewLimiter(db, "k3", 0)
		start = time.Now()
		for range 100 {
			require.NoError(t, free.Wait(ctx))
		}
		assert.Less(t, time.Since(start), 50*time.Millisecond)

		// A cancelled wait returns the context's error.
		slow := budget.NewLimiter(db, "k4", 1) // one a minute
		require.NoError(t, slow.Wait(ctx))
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		start = time.Now()
		assert.ErrorIs(t, slow.Wait(cctx), context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
		done, cancelDone := context.WithCancel(ctx)
		cancelDone()
		assert.ErrorIs(t, slow.Wait(done), context.Canceled)
	})
}

// eachDialect runs fn on a fresh PostgreSQL database and a fresh SQLite file.
func eachDialect(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("postgres", func(t *testing.T) { fn(t, testenv.PostgresDSN(t)) })
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "oms.db")) })
}

// openDB opens (and migrates) the database dsn and returns its gorm handle.
func openDB(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	s, err := stores.Open(context.Background(), dsn, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s.DB()
}
