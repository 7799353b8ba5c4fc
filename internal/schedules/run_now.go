package schedules

import (
	"context"
	"fmt"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// PausedError is RunNow's refusal of a paused schedule without force: nothing
// was run. A schedule is paused for a reason (an operator's note such as 棚卸し,
// or the shop's settings), so running it once must be asked for
// (`starter schedule trigger -force`, the console's confirmation).
type PausedError struct {
	ScheduleID, ShopID string
	Kind               oms.Kind
	Note               string // the schedule's note: why it is paused
}

// Error implements error: what happened and what to do.
func (e *PausedError) Error() string {
	note := e.Note
	if note == "" {
		note = "-"
	}
	return fmt.Sprintf("schedule %s is PAUSED (note: %q): nothing was run; `starter schedule trigger -shop %s -kind %s -force` runs it once anyway (it stays paused), `starter schedule unpause -shop %s -kind %s` resumes it",
		e.ScheduleID, note, e.ShopID, e.Kind, e.ShopID, e.Kind)
}

// RunNow is 今すぐ実行 (`starter schedule trigger`): it triggers the shop's
// schedule of kind like Trigger, but refuses a paused schedule with a
// *PausedError unless force. A forced run of a paused schedule leaves it paused;
// paused then holds its note ("" and false when it was not paused).
func (m *Manager) RunNow(ctx context.Context, shopID string, kind oms.Kind, force bool) (res TriggerResult, paused *PausedError, err error) {
	sts, err := m.Describe(ctx, shopID)
	if err != nil {
		return res, nil, err
	}
	for _, x := range sts {
		if x.Kind != kind || !x.Paused {
			continue
		}
		paused = &PausedError{ScheduleID: x.ID, ShopID: shopID, Kind: kind, Note: x.Note}
		if !force {
			return TriggerResult{ScheduleID: x.ID}, paused, paused
		}
	}
	res, err = m.Trigger(ctx, shopID, kind)
	return res, paused, err
}
