package testenv_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

func TestPostgresDSNIsFreshAndDropped(t *testing.T) {
	var dsn string
	t.Run("use", func(t *testing.T) {
		dsn = testenv.PostgresDSN(t)
		assert.Contains(t, dsn, "/cms_")
		s := testenv.OpenStore(t)
		assert.Equal(t, "postgres", s.Dialect())
		list, err := s.Shops.Shops(context.Background())
		require.NoError(t, err)
		assert.Empty(t, list)
		require.NoError(t, s.Shops.CreateShop(context.Background(), shops.Shop{ID: "myshop"}))
		require.NoError(t, s.Shops.SetAccessToken(context.Background(), "myshop", "tok"))
	})
	if dsn == "" {
		t.Skip("PostgreSQL is not available")
	}
	name := dsn[strings.LastIndex(dsn, "/")+1:]
	name = strings.SplitN(name, "?", 2)[0]
	base := os.Getenv("TEST_POSTGRES_URL")
	if base == "" {
		base = testenv.DefaultPostgresURL
	}
	admin := testenv.RawDB(t, base)
	var n int64
	require.NoError(t, admin.Raw("SELECT COUNT(*) FROM pg_database WHERE datname = ?", name).Scan(&n).Error)
	assert.Zero(t, n, "database %s is dropped at cleanup", name)
}

// fakeTB records Skip and Fatal instead of ending the real test.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
}

func (f *fakeTB) Skip(args ...any) {
	f.mu.Lock()
	f.skipped = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Fatal(args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func runFake(t *testing.T) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		testenv.PostgresDSN(f)
	}()
	<-done
	return f
}

func TestPostgresDSNUnreachable(t *testing.T) {
	t.Setenv("TEST_POSTGRES_URL", "postgres://postgres:hunter2@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")

	t.Setenv("CI", "")
	f := runFake(t)
	assert.Contains(t, f.skipped, "is unreachable")
	assert.Contains(t, f.skipped, "TEST_POSTGRES_URL")
	assert.NotContains(t, f.skipped, "hunter2", "the password is not shown")
	assert.Empty(t, f.fatal)
	t.Log(f.skipped)

	t.Setenv("CI", "true")
	f = runFake(t)
	assert.Contains(t, f.fatal, "is unreachable")
	assert.Empty(t, f.skipped)
}

func TestOpenSQLiteStore(t *testing.T) {
	s := testenv.OpenSQLiteStore(t)
	assert.Equal(t, "sqlite", s.Dialect())
	require.NoError(t, s.Shops.CreateShop(context.Background(), shops.Shop{ID: "myshop"}))
	require.NoError(t, s.Shops.SetClientSecret(context.Background(), "myshop", "secret"))
}
