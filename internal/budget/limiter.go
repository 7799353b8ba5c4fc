// Package budget is the ColorMe API budget shared through the database: a
// limiter every process using the same key takes its call slots from.
package budget

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/pause"
)

// NewLimiter returns a colorme.Limiter on the database db whose budget is shared through the
// database by every process using the same key: calls are spaced
// 1min/perMinute apart plus 3 % headroom (GCRA with a burst of 1), so that the
// jitter between taking a slot and the request reaching ColorMe never puts
// perMinute+1 calls into one minute: an export keeps up to max_in_flight (16)
// slots reserved ahead, and a loaded worker that wakes late sends them close
// together; 3 % of 600/min is 18 calls of slack for that. perMinute <= 0 never waits. Hosts sharing a
// key must have synchronized clocks (NTP).
func NewLimiter(db *gorm.DB, key string, perMinute int) colorme.Limiter {
	if perMinute <= 0 {
		return noLimit{}
	}
	interval := time.Minute / time.Duration(perMinute)
	return &dbLimiter{db: db, dialect: db.Dialector.Name(), key: key, interval: interval + interval*3/100}
}

// row is a budget's next free slot (table api_budgets).
type row struct {
	Key    string `gorm:"primaryKey;column:key;size:200"`
	NextAt int64  `gorm:"not null"` // unix microseconds of the next free slot
}

// TableName is the table of row.
func (row) TableName() string { return "api_budgets" }

// Models returns a value of each gorm model of the package, for the schema
// drift test.
func Models() []any { return []any{&row{}} }

type noLimit struct{}

// Wait implements colorme.Limiter.
func (noLimit) Wait(ctx context.Context) error { return ctx.Err() }

type dbLimiter struct {
	db       *gorm.DB
	dialect  string
	key      string
	interval time.Duration
}

// Wait reserves the next free slot of the shared budget and sleeps until it. If
// ctx ends first the slot is lost.
func (l *dbLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	slot, err := l.reserve(ctx)
	if err != nil {
		return fmt.Errorf("reserving an API call slot (budget %q): %w", l.key, err)
	}
	if d := time.Until(slot); d > 0 {
		return pause.For(ctx, d)
	}
	return nil
}

// reserving holds, per budget key, the one reservation of this process that is
// in the database at a time (a channel of capacity 1 per key).
var reserving sync.Map

// reserve moves the budget's next free slot one interval past max(next, now)
// and returns the slot it took. Within a process the calls of one key take
// turns before they reach the database: an export's batch asks for 16 slots at
// once, and 16 UPDATEs of the same row would each hold a pooled connection
// while waiting for the row's lock, leaving the other shops of the worker
// without connections (bench row 9: a shop's first read waited 5 s).
func (l *dbLimiter) reserve(ctx context.Context) (time.Time, error) {
	turn, _ := reserving.LoadOrStore(l.key, make(chan struct{}, 1))
	select {
	case turn.(chan struct{}) <- struct{}{}:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	defer func() { <-turn.(chan struct{}) }()
	return l.reserveRow(ctx)
}

// reserveRow is reserve's database statement.
func (l *dbLimiter) reserveRow(ctx context.Context) (time.Time, error) {
	greatest := "GREATEST"
	if l.dialect == "sqlite" {
		greatest = "MAX"
	}
	interval := l.interval.Microseconds()
	db := l.db.WithContext(ctx)
	for attempt := 0; attempt < 2; attempt++ {
		var next []int64
		err := db.Raw(`UPDATE api_budgets SET next_at = `+greatest+`(next_at, ?) + ? WHERE "key" = ? RETURNING next_at`,
			time.Now().UnixMicro(), interval, l.key).Scan(&next).Error
		if err != nil {
			return time.Time{}, err
		}
		if len(next) == 1 {
			return time.UnixMicro(next[0] - interval), nil
		}
		// First use of the key: create its row, then reserve.
		if err := db.Exec(`INSERT INTO api_budgets ("key", next_at) VALUES (?, 0) ON CONFLICT DO NOTHING`, l.key).Error; err != nil {
			return time.Time{}, err
		}
	}
	return time.Time{}, fmt.Errorf("the api_budgets row could not be created")
}
