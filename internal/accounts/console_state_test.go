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

// TestUploadsPerScreen: a session's waiting files of two screens for one shop
// coexist (a preview in one tab leaves the other tab's file), a preview
// replaces only the same screen's file, and a screen claims, and shows the
// summary of, only its own files; a row of before migration 12 (screen ”)
// reads as expired.
func TestUploadsPerScreen(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, db *gorm.DB) {
		s := accounts.New(db)
		ctx := context.Background()
		now := time.Now()
		same := func(a, b string) bool { return a == b }
		put := func(screen, name string) string {
			t.Helper()
			tok, err := s.PutUpload(ctx, accounts.Upload{Session: "sess", ShopID: "shop", Screen: screen, Name: name, Data: []byte(name),
				SHA256: "sum-" + name, ExpiresAt: now.Add(30 * time.Minute)}, now, 1<<20)
			require.NoError(t, err)
			return tok
		}
		claim := func(tok, screen, name string) (accounts.Upload, error) {
			return s.ClaimUpload(ctx, tok, "sess", "shop", screen, "sum-"+name, now, same)
		}

		stockTok := put("stock", "zaiko.csv")
		payTok := put("payments", "nyukin.csv")

		_, err := claim(payTok, "stock", "nyukin.csv")
		assert.ErrorIs(t, err, accounts.ErrUploadOtherScreen, "在庫取込 does not take 入金取込's file")
		_, err = claim(stockTok, "", "zaiko.csv")
		assert.ErrorIs(t, err, accounts.ErrUploadGone, "no screen, no file")
		u, err := claim(stockTok, "stock", "zaiko.csv")
		require.NoError(t, err, "the 入金取込 preview left 在庫取込's waiting file")
		assert.Equal(t, "zaiko.csv", u.Name)
		assert.Equal(t, "stock", u.Screen)
		u, err = claim(payTok, "payments", "nyukin.csv")
		require.NoError(t, err, "a refused claim on another screen left the file waiting")
		assert.Equal(t, []byte("nyukin.csv"), u.Data)

		// The applied file's summary is its screen's alone.
		require.NoError(t, s.FinishUpload(ctx, stockTok, `{"ok":true}`, now.Add(30*time.Minute)))
		_, ok, err := s.AppliedUpload(ctx, stockTok, "sess", "shop", "payments", now)
		require.NoError(t, err)
		assert.False(t, ok, "入金取込 does not show 在庫取込's summary")
		sum, ok, err := s.AppliedUpload(ctx, stockTok, "sess", "shop", "stock", now)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, `{"ok":true}`, sum)
		_, err = claim(stockTok, "payments", "zaiko.csv")
		assert.ErrorIs(t, err, accounts.ErrUploadOtherScreen, "nor redirects to it as already applied")
		_, err = claim(stockTok, "stock", "zaiko.csv")
		assert.ErrorIs(t, err, accounts.ErrUploadApplied)

		// A second preview on the same screen replaces the first.
		first := put("shipping", "a.csv")
		other := put("stock", "b.csv")
		second := put("shipping", "c.csv")
		_, err = claim(first, "shipping", "a.csv")
		assert.ErrorIs(t, err, accounts.ErrUploadGone, "replaced by the same screen's preview")
		_, err = claim(second, "shipping", "c.csv")
		assert.NoError(t, err)
		_, err = claim(other, "stock", "b.csv")
		assert.NoError(t, err, "another screen's file stays")

		// A row written before migration 12 has no screen: no screen takes it.
		legacy := put("stock", "old.csv")
		require.NoError(t, db.Exec("UPDATE uploads SET screen = '' WHERE token = ?", legacy).Error)
		for _, screen := range []string{"shipping", "stock", "payments"} {
			_, err = claim(legacy, screen, "old.csv")
			assert.ErrorIs(t, err, accounts.ErrUploadGone, "a row of before migration 12 on %s", screen)
		}
		_, err = s.PutUpload(ctx, accounts.Upload{Session: "sess", ShopID: "shop", Name: "x.csv", Data: []byte("x"), ExpiresAt: now.Add(time.Minute)}, now, 1<<20)
		assert.ErrorContains(t, err, "no screen")
	})
}
