// Package oms is the order-management system's orders as colorme-sync sees
// them: orders and deliveries, import storage, the run log (自動処理ログ) and the
// shipping-mail ledger, which share transactions. The shops are internal/shops',
// the console's users internal/accounts', the schema internal/schema's.
package oms

import (
	"errors"
	"time"

	"gorm.io/gorm"
)

// ErrNotFound is returned (wrapped with what was looked for) when a row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the orders' database: orders and shipments, import storage, the
// run log and the mail ledger.
type Store struct {
	db      *gorm.DB
	dialect string
}

// New returns the orders store on the (migrated) database db (schema.Open).
func New(db *gorm.DB) *Store { return &Store{db: db, dialect: db.Dialector.Name()} }

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
