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
	"gorm.io/gorm/schema"
	"gorm.io/gorm/utils"
)

// DefaultSQLitePath is the database file used when the DSN is empty.
const DefaultSQLitePath = "colorme-sync.db"

// ErrNotFound is returned (wrapped with what was looked for) when a row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the OMS database.
type Store struct {
	db      *gorm.DB
	dialect string
	steps   []GoStep // the Go migration steps (Options.Steps)
}

// OpenWith connects to the OMS database and checks its schema version: a
// database newer than this binary is refused (ErrSchemaTooNew), one that is
// behind is migrated or refused (ErrSchemaBehind) as opts.Schema says.
func OpenWith(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if err := checkSteps(opts.Steps); err != nil {
		return nil, err
	}
	dialector, dialect, err := dialectorFor(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: quietLogger(), NowFunc: func() time.Time { return utc(time.Now()) }, DisableAutomaticPing: true,
		NamingStrategy: tableNamer{schema.NamingStrategy{IdentifierMaxLength: 64}}})
	if err != nil {
		return nil, fmt.Errorf("opening the %s OMS database: %w", dialect, err)
	}
	s := &Store{db: db, dialect: dialect, steps: opts.Steps}
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
	if err := s.checkSchema(ctx, opts); err != nil {
		_ = sqlDB.Close()
		return nil, err
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

// findAll reads every row the query db selects, in its order, converted by conv.
func findAll[R, T any](db *gorm.DB, conv func(R) T) ([]T, error) {
	out, _, err := findPage(db, 0, -1, conv)
	return out, err
}

// pageSize is the size of a page asked for as limit: def when limit is not
// positive, at most most.
func pageSize(limit, def, most int) int {
	if limit <= 0 {
		return def
	}
	return min(limit, most)
}

// findPage reads a page of the rows the query db selects, in its order, from
// offset (negative = 0), at most limit of them (negative = every one),
// converted by conv, and whether more follow.
func findPage[R, T any](db *gorm.DB, offset, limit int, conv func(R) T) ([]T, bool, error) {
	if offset > 0 {
		db = db.Offset(offset)
	}
	if limit >= 0 {
		db = db.Limit(limit + 1)
	}
	var rows []R
	if err := db.Find(&rows).Error; err != nil {
		return nil, false, err
	}
	more := limit >= 0 && len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = conv(r)
	}
	return out, more, nil
}
