package oms_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

func TestLimiterSharedBudget(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Two stores on one database stand for two worker processes.
		a := openStore(t, dsn, nil).NewLimiter("token:myshop", 6000) // 10ms apart
		b := openStore(t, dsn, nil).NewLimiter("token:myshop", 6000)

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
	eachStore(t, func(t *testing.T, s *oms.Store) {
		ctx := context.Background()
		// Sequential waits on one limiter are spaced too.
		l := s.NewLimiter("k1", 600) // 100ms apart
		start := time.Now()
		for range 3 {
			require.NoError(t, l.Wait(ctx))
		}
		assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)

		// Another key has its own budget.
		other := s.NewLimiter("k2", 600)
		start = time.Now()
		require.NoError(t, other.Wait(ctx))
		assert.Less(t, time.Since(start), 80*time.Millisecond)

		// No budget: never waits.
		free := s.NewLimiter("k3", 0)
		start = time.Now()
		for range 100 {
			require.NoError(t, free.Wait(ctx))
		}
		assert.Less(t, time.Since(start), 50*time.Millisecond)

		// A cancelled wait returns the context's error.
		slow := s.NewLimiter("k4", 1) // one a minute
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
