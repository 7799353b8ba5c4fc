package activities

import (
	"context"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/pause"
)

// DefaultStaleReadWindow is how long a ColorMe read may show a sale as it was
// before a write, unless the worker says otherwise (COLORME_STALE_READ_WINDOW).
// A product's old value was observed right after a PUT and the new one 5 s
// later; twice that is assumed.
const DefaultStaleReadWindow = 10 * time.Second

// staleWindow is the worker's stale-read window: StaleReadWindow, 0 =
// DefaultStaleReadWindow, negative = reads are trusted at once.
func (a *Activities) staleWindow() time.Duration {
	switch {
	case a.StaleReadWindow < 0:
		return 0
	case a.StaleReadWindow == 0:
		return DefaultStaleReadWindow
	}
	return a.StaleReadWindow
}

// waitFresh waits until the stale-read window has passed since since. The
// rule: a read that decides whether an earlier write or mail landed is made
// only once that write can no longer be hidden by a stale read. Every earlier
// attempt of an activity ended before the attempt started (since), so a read
// made the window after it shows what they did. The activity heartbeats
// meanwhile (keepAlive), so the wait is durable across worker loss: a new
// attempt waits again from its own start.
func (a *Activities) waitFresh(ctx context.Context, since time.Time) error {
	return pause.For(ctx, time.Until(since.Add(a.staleWindow())))
}

// afterLastExport waits until the stale-read window has passed since the
// shop's last export ended, so that an export following another at once does
// not read the sales the earlier one wrote as they were before, and write
// them again.
func (a *Activities) afterLastExport(ctx context.Context, shopID string) error {
	runs, err := a.Store.Runs(ctx, shopID, 10)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.Kind != oms.KindExport || r.FinishedAt == nil || r.DryRun {
			continue
		}
		if t := r.Totals; t.Updated == 0 && t.Mails == 0 && t.Failed == 0 {
			return nil // it wrote nothing a read could show stale
		}
		return a.waitFresh(ctx, *r.FinishedAt)
	}
	return nil
}
