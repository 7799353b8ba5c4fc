// Package testenv gives tests a real, private PostgreSQL database and OMS
// store, and a quiet Temporal test environment.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// DefaultPostgresURL is the server used when TEST_POSTGRES_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresDSN returns the DSN of a fresh, empty PostgreSQL database for this
// test, dropped at cleanup. The server is TEST_POSTGRES_URL (default
// DefaultPostgresURL). When it is unreachable the test is skipped, or fails
// when CI=true.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err == nil {
		var sqlDB interface{ PingContext(context.Context) error }
		if sqlDB, err = admin.DB(); err == nil {
			err = sqlDB.PingContext(ctx)
		}
	}
	if err != nil {
		msg := "PostgreSQL at " + redact(base) + " is unreachable (" + err.Error() + "): start it or set TEST_POSTGRES_URL"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	name := "cms_" + randomHex(8)
	if err := admin.WithContext(ctx).Exec("CREATE DATABASE " + name).Error; err != nil {
		closeGorm(admin)
		t.Fatalf("creating test database %s on %s: %v", name, redact(base), err)
	}
	t.Cleanup(func() {
		defer closeGorm(admin)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.WithContext(ctx).Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	return withDatabase(t, base, name)
}

// OpenStore opens an oms.Store on a fresh PostgreSQL database (PostgresDSN) with
// a fresh secrets sealer, closed at cleanup.
func OpenStore(t testing.TB) *stores.Stores {
	t.Helper()
	return open(t, PostgresDSN(t))
}

// OpenSQLiteStore opens an oms.Store on a fresh SQLite file in t.TempDir() with
// a fresh secrets sealer, closed at cleanup.
func OpenSQLiteStore(t testing.TB) *stores.Stores {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "oms.db"))
}

// EachDB runs fn as a subtest on the gorm handle of a fresh, migrated store of
// each dialect: PostgreSQL (OpenStore) and SQLite (OpenSQLiteStore).
func EachDB(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Run("postgres", func(t *testing.T) { fn(t, OpenStore(t).DB()) })
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLiteStore(t).DB()) })
}

// WorkflowEnv returns a Temporal test workflow environment that discards the
// SDK's logs (tests that fail activities on purpose make it log errors) and
// times out after 30 s.
func WorkflowEnv() *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	return env
}

// RawDB opens dsn ("sqlite:<path>" or a PostgreSQL DSN) with gorm alone,
// without oms and its schema check, as release 56606a0 did; closed at cleanup.
func RawDB(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	var d gorm.Dialector
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		d = sqlite.Open(p + "?_pragma=busy_timeout(10000)")
	} else {
		d = postgres.Open(dsn)
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("opening %s with gorm: %v", redact(dsn), err)
	}
	t.Cleanup(func() { closeGorm(db) })
	return db
}

func open(t testing.TB, dsn string) *stores.Stores {
	t.Helper()
	sealer, err := secrets.NewSealer(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	// The schema comes from the migrations; their log lines are noise in a test.
	s, err := stores.OpenWith(context.Background(), dsn, sealer, schema.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("opening the OMS store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// withDatabase returns base with its database replaced by name.
func withDatabase(t testing.TB, base, name string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("TEST_POSTGRES_URL is not a valid URL: %v", err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return base + " dbname=" + name // key=value form: the last dbname wins
}

// redact hides a password in a URL DSN.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	if strings.Contains(dsn, "password") {
		return "(TEST_POSTGRES_URL)"
	}
	return dsn
}

func closeGorm(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
