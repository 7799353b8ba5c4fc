// Package testenv gives tests a real, private PostgreSQL database and OMS
// store, and a quiet Temporal test environment.
package testenv

import (
	"context"
	"errors"
	"io"
	"log/slog"
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
	db, err := CreateDatabase(context.Background(), base, "cms_")
	if errors.Is(err, ErrUnreachable) {
		msg := err.Error() + ": start it or set TEST_POSTGRES_URL"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return db.DSN
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
