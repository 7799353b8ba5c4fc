package schema

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Helpers every store uses on the shared handle.

// ErrNotFound is returned (wrapped with what was looked for) when a row does not exist.
var ErrNotFound = errors.New("not found")

// UTC normalizes a time for storage: UTC (so SQLite's text timestamps compare in
// order) and microseconds (PostgreSQL's precision).
func UTC(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// UTCCeil is UTC rounded up: the first storable instant at or after t.
func UTCCeil(t time.Time) time.Time {
	u := UTC(t)
	if u.Before(t) {
		u = u.Add(time.Microsecond)
	}
	return u
}

// UTCPtr is t in UTC; nil stays nil.
func UTCPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// One reads the first row the query db selects. what names the row in the
// error: "reading <what>: …" when the query fails, "<what>: <missing>" when
// there is no such row (missing is ErrNotFound or a package's own error).
func One[R any](db *gorm.DB, missing error, what string) (row R, err error) {
	var rows []R
	switch err = db.Limit(1).Find(&rows).Error; {
	case err != nil:
		err = fmt.Errorf("reading %s: %w", what, err)
	case len(rows) == 0:
		err = fmt.Errorf("%s: %w", what, missing)
	default:
		row = rows[0]
	}
	return row, err
}

// FindAll reads every row the query db selects, in its order, converted by conv.
func FindAll[R, T any](db *gorm.DB, conv func(R) T) ([]T, error) {
	out, _, err := FindPage(db, 0, -1, conv)
	return out, err
}

// PageSize is the size of a page asked for as limit: def when limit is not
// positive, at most most.
func PageSize(limit, def, most int) int {
	if limit <= 0 {
		return def
	}
	return min(limit, most)
}

// FindPage reads a page of the rows the query db selects, in its order, from
// offset (negative = 0), at most limit of them (negative = every one),
// converted by conv, and whether more follow.
func FindPage[R, T any](db *gorm.DB, offset, limit int, conv func(R) T) ([]T, bool, error) {
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
