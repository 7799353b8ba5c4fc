package schema

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
	gschema "gorm.io/gorm/schema"
	"gorm.io/gorm/utils"
)

// DefaultSQLitePath is the database file used when the DSN is empty.
const DefaultSQLitePath = "colorme-sync.db"

// DB is the database handle and its schema: the connection pool every store
// works on, and the migrations.
type DB struct {
	db      *gorm.DB
	dialect string
	steps   []GoStep // the Go migration steps (Options.Steps)
}

// Open connects to the OMS database and checks its schema version. dsn ""
// (the file colorme-sync.db in the working directory), "sqlite:<path>",
// "file:<path>" or a path ending in ".db" opens SQLite; "postgres://…",
// "postgresql://…" or "host=…" opens PostgreSQL. opts.Steps must hold the Go
// migration steps (GoStepVersions): stores.Open passes them. A
// database newer than this binary is refused (ErrSchemaTooNew), one that is
// behind is migrated or refused (ErrSchemaBehind) as opts.Schema says.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if err := checkSteps(opts.Steps); err != nil {
		return nil, err
	}
	dialector, dialect, err := dialectorFor(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: quietLogger(), NowFunc: func() time.Time { return UTC(time.Now()) }, DisableAutomaticPing: true,
		NamingStrategy: gschema.NamingStrategy{IdentifierMaxLength: 64}})
	if err != nil {
		return nil, fmt.Errorf("opening the %s OMS database: %w", dialect, err)
	}
	s := &DB{db: db, dialect: dialect, steps: opts.Steps}
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
func (s *DB) Close() error { return ClosePool(s.db) }

// ClosePool closes the connection pool of db, a handle Open made: every store
// on it stops working.
func ClosePool(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DB returns the underlying gorm handle.
func (s *DB) DB() *gorm.DB { return s.db }

// Dialect returns "postgres" or "sqlite".
func (s *DB) Dialect() string { return s.dialect }

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
