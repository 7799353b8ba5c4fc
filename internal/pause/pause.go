// Package pause waits without outliving the caller: a sleep that ends early,
// with the context's error, when the context ends first.
package pause

import (
	"context"
	"time"
)

// For sleeps for d, or until ctx ends: nil after d, ctx.Err() when ctx ended
// first. A d of zero or less returns at once (ctx.Err() if ctx has ended).
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
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
