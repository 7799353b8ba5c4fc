package oms_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

func TestClaimMail(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Two stores on one database stand for two worker processes.
		stores := []*oms.Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
		var wg sync.WaitGroup
		prevs := make([]oms.MailState, 20)
		errs := make([]error, 20)
		for i := range 20 {
			wg.Go(func() { prevs[i], errs[i] = stores[i%2].ClaimMail(ctx, "myshop", 42, int64(i)) })
		}
		wg.Wait()
		winners := 0
		for i := range 20 {
			require.NoError(t, errs[i])
			switch prevs[i] {
			case "":
				winners++
			default:
				assert.Equal(t, oms.MailClaimed, prevs[i])
			}
		}
		assert.Equal(t, 1, winners, "exactly one claim wins")

		require.NoError(t, stores[0].MarkMailSent(ctx, "myshop", 42))
		prev, err := stores[1].ClaimMail(ctx, "myshop", 42, 99)
		require.NoError(t, err)
		assert.Equal(t, oms.MailSent, prev)

		// Another sale and another shop are independent.
		prev, err = stores[0].ClaimMail(ctx, "myshop", 43, 1)
		require.NoError(t, err)
		assert.Equal(t, oms.MailState(""), prev)
		prev, err = stores[0].ClaimMail(ctx, "other", 42, 1)
		require.NoError(t, err)
		assert.Equal(t, oms.MailState(""), prev)

		// Sent without a claim is still recorded.
		require.NoError(t, stores[0].MarkMailSent(ctx, "myshop", 44))
		prev, err = stores[0].ClaimMail(ctx, "myshop", 44, 1)
		require.NoError(t, err)
		assert.Equal(t, oms.MailSent, prev)
	})
}
