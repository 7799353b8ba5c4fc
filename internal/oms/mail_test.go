package oms_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

func TestClaimMail(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Two stores on one database stand for two worker processes.
		stores := []*stores.Stores{openStore(t, dsn, nil), openStore(t, dsn, nil)}
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

// TestMailOwed: an export records the mail owed before its write; the claim
// turns it claimed (exactly once); a mail owed or claimed but not sent is
// reported by MailsOwed and by FetchTargets (Order.MailOwed) until it is sent.
func TestMailOwed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		asOf := time.Now().UTC().Truncate(time.Second)
		var orders []rules.Order
		for i := range 3 {
			orders = append(orders, rules.Order{SaleID: int64(61 + i), Status: rules.StatusShipped, OrderedAt: asOf.AddDate(0, 0, -5),
				UpdatedAt: asOf.Add(-time.Hour), Deliveries: []rules.Delivery{{ID: int64(610 + i), SlipNumber: "S"}}})
		}
		createShop(t, s, "myshop")
		require.NoError(t, s.UpsertOrders(ctx, "myshop", orders))
		owedTargets := func() map[int64]bool {
			page, err := s.FetchTargets(ctx, oms.TargetQuery{ShopID: "myshop", AsOf: asOf, WindowDays: 3})
			require.NoError(t, err)
			require.Len(t, page.Orders, 3)
			out := map[int64]bool{}
			for _, o := range page.Orders {
				if o.MailOwed {
					out[o.SaleID] = true
				}
			}
			return out
		}
		assert.Empty(t, owedTargets())

		require.NoError(t, s.MarkMailOwed(ctx, "myshop", 61, 1))
		require.NoError(t, s.MarkMailOwed(ctx, "myshop", 61, 2), "again: no change")
		require.NoError(t, s.MarkMailOwed(ctx, "myshop", 62, 1))
		owed, err := s.MailsOwed(ctx, "myshop", []int64{61, 62, 63})
		require.NoError(t, err)
		assert.Equal(t, map[int64]bool{61: true, 62: true}, owed)
		assert.Equal(t, map[int64]bool{61: true, 62: true}, owedTargets())

		prev, err := s.ClaimMail(ctx, "myshop", 61, 3)
		require.NoError(t, err)
		assert.Equal(t, oms.MailState(""), prev, "an owed mail is claimed by the first claim")
		prev, err = s.ClaimMail(ctx, "myshop", 61, 4)
		require.NoError(t, err)
		assert.Equal(t, oms.MailClaimed, prev, "and only by it")
		assert.Equal(t, map[int64]bool{61: true, 62: true}, owedTargets(), "claimed but not sent: still owed")

		require.NoError(t, s.MarkMailSent(ctx, "myshop", 61))
		require.NoError(t, s.MarkMailOwed(ctx, "myshop", 61, 5), "a sent mail is never owed again")
		assert.Equal(t, map[int64]bool{62: true}, owedTargets())
		prev, err = s.ClaimMail(ctx, "myshop", 61, 6)
		require.NoError(t, err)
		assert.Equal(t, oms.MailSent, prev)
	})
}
