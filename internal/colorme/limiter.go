package colorme

import (
	"context"
	"sync"
	"time"
)

// NewSpacingLimiter returns an in-process Limiter allowing perMinute calls per minute,
// spaced evenly (one every minute/perMinute, no burst); perMinute <= 0 means
// unlimited. Safe for concurrent use.
func NewSpacingLimiter(perMinute int) Limiter {
	if perMinute <= 0 {
		return unlimited{}
	}
	return &spacingLimiter{interval: time.Minute / time.Duration(perMinute)}
}

// unlimited is the Limiter of perMinute <= 0.
type unlimited struct{}

// Wait returns at once (ctx.Err() when ctx already ended).
func (unlimited) Wait(ctx context.Context) error { return ctx.Err() }

// spacingLimiter lets one call through every interval.
type spacingLimiter struct {
	interval time.Duration
	mu       sync.Mutex
	next     time.Time // earliest time the next call may go
}

// Wait reserves the next free slot and sleeps until it. A slot whose wait is
// cancelled stays used: the limiter errs on the side of fewer calls.
func (l *spacingLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()

	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
