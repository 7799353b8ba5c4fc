// Package oms is the order-management system's database as colorme-sync sees it:
// shops and their (sealed) credentials, orders and deliveries, the run log
// (自動処理ログ), the shipping-mail ledger and the shared API budget. It runs on
// PostgreSQL, or on SQLite for a laptop demo.
package oms

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/utils"

	"github.com/colorme-sync/colorme-sync/internal/secrets"
)

// DefaultSQLitePath is the database file used when the DSN is empty.
const DefaultSQLitePath = "colorme-sync.db"

// ErrNotFound is returned (wrapped with what was looked for) when a row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the OMS database.
type Store struct {
	db      *gorm.DB
	dialect string
	sealer  *secrets.Sealer
	// plainHTTPHosts may serve a shop's API over plain http (AllowPlainHTTP).
	plainHTTPHosts []string
}

// Open connects to the OMS database and migrates its schema. dsn "" (the file
// colorme-sync.db in the working directory), "sqlite:<path>", "file:<path>" or a
// path ending in ".db" opens SQLite; "postgres://…", "postgresql://…" or "host=…"
// opens PostgreSQL. sealer may be nil: storing or reading secrets then fails.
func Open(ctx context.Context, dsn string, sealer *secrets.Sealer) (*Store, error) {
	dialector, dialect, err := dialectorFor(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: quietLogger(), NowFunc: func() time.Time { return utc(time.Now()) }, DisableAutomaticPing: true})
	if err != nil {
		return nil, fmt.Errorf("opening the %s OMS database: %w", dialect, err)
	}
	s := &Store{db: db, dialect: dialect, sealer: sealer}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("opening the %s OMS database: %w", dialect, err)
	}
	if dialect == "sqlite" {
		sqlDB.SetMaxOpenConns(1) // SQLite has one writer; one connection serializes us
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connecting to the %s OMS database: %w (check the database DSN and that the server is running)", dialect, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("migrating the %s OMS database schema: %w", dialect, err)
	}
	return s, nil
}

// Close closes the database connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DB returns the underlying gorm handle.
func (s *Store) DB() *gorm.DB { return s.db }

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

func dialectorFor(dsn string) (gorm.Dialector, string, error) {
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"), strings.HasPrefix(lower, "host="):
		return postgres.Open(dsn), "postgres", nil
	case dsn == "":
		return sqlite.Open(sqliteDSN(DefaultSQLitePath)), "sqlite", nil
	case strings.HasPrefix(lower, "sqlite:"):
		return sqlite.Open(sqliteDSN(strings.TrimPrefix(dsn[len("sqlite:"):], "//"))), "sqlite", nil
	case strings.HasPrefix(lower, "file:"):
		return sqlite.Open(sqliteDSN(dsn[len("file:"):])), "sqlite", nil
	case strings.HasSuffix(lower, ".db"):
		return sqlite.Open(sqliteDSN(dsn)), "sqlite", nil
	}
	return nil, "", fmt.Errorf("database DSN not understood: use postgres://user@host:5432/db, host=… key=value, sqlite:<path>, file:<path> or a path ending in .db")
}

// sqliteDSN adds the pragmas every connection needs: WAL so readers do not block
// the writer, a busy timeout so other processes wait instead of failing, and
// immediate transactions so a transaction never fails upgrading to a writer.
func sqliteDSN(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// quietLogger logs only failed queries, and never their SQL: gorm interpolates
// the bound values, which may be secrets.
func quietLogger() logger.Interface {
	return errorLogger{log.New(os.Stderr, "oms: ", log.LstdFlags)}
}

type errorLogger struct{ l *log.Logger }

// LogMode implements logger.Interface; the level is fixed.
func (e errorLogger) LogMode(logger.LogLevel) logger.Interface { return e }

// Info implements logger.Interface and logs nothing.
func (e errorLogger) Info(context.Context, string, ...any) {}

// Warn implements logger.Interface and logs nothing.
func (e errorLogger) Warn(context.Context, string, ...any) {}

// Error implements logger.Interface.
func (e errorLogger) Error(_ context.Context, msg string, args ...any) { e.l.Printf(msg, args...) }

// Trace implements logger.Interface: it logs where a query failed and why.
func (e errorLogger) Trace(_ context.Context, _ time.Time, _ func() (string, int64), err error) {
	if err == nil || errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	e.l.Printf("query failed at %s: %v", utils.FileWithLineNum(), err)
}

// migrate creates or updates the schema, serialized across processes.
func (s *Store) migrate(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			// Two workers starting together must not both create the tables.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(7315093420117)").Error; err != nil {
				return err
			}
		}
		if err := tx.AutoMigrate(&shopRow{}, &orderRow{}, &deliveryRow{}, &runRow{}, &outcomeRow{}, &mailRow{}, &budgetRow{}, &userRow{}, &sessionRow{}); err != nil {
			return err
		}
		for _, stmt := range []string{
			// The target query (FetchTargets) is a range scan on this index. The
			// predicate is spelled exactly as in the query so the planner can use it.
			`CREATE INDEX IF NOT EXISTS orders_targets ON orders (shop_id, updated_at, sale_id) WHERE status NOT IN ('new', 'cancelled')`,
			`CREATE INDEX IF NOT EXISTS runs_shop ON runs (shop_id, id)`,
			// 受注一覧 (ListOrders) filtered by status, or by 要確認, pages by sale id.
			`CREATE INDEX IF NOT EXISTS orders_status ON orders (shop_id, status, sale_id)`,
			`CREATE INDEX IF NOT EXISTS orders_flagged ON orders (shop_id, sale_id) WHERE flag_reason <> ''`,
			// An order's last export outcome (LastExportOutcome, the console's order page).
			`CREATE INDEX IF NOT EXISTS run_outcomes_sale ON run_outcomes (shop_id, sale_id, run_id)`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// utc normalizes a time for storage: UTC (so SQLite's text timestamps compare in
// order) and microseconds (PostgreSQL's precision).
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utcCeil is utc rounded up: the first storable instant at or after t.
func utcCeil(t time.Time) time.Time {
	u := utc(t)
	if u.Before(t) {
		u = u.Add(time.Microsecond)
	}
	return u
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
