package schedules

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	schedulepb "go.temporal.io/api/schedule/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/pause"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// DefaultTriggerWait bounds how long Trigger keeps trying, and waits for the
// schedule and then its scheduled run to act, when Manager.TriggerWait is 0. A
// server that just took a large batch of schedules was seen to start a
// triggered run some 40 s late.
const DefaultTriggerWait = 90 * time.Second

// triggerCallTimeout bounds one call to Temporal within Trigger: a call that
// hangs is given up and tried again while the wait lasts.
const triggerCallTimeout = 10 * time.Second

// TriggerResult says what a manual trigger did.
type TriggerResult struct {
	ScheduleID string
	Skipped    bool   // nothing ran: see Reason
	Reason     string // why it was skipped, or what it waits for (Decision.State waiting)
	WorkflowID string // the wrapper run the schedule started (ScheduledExport / ScheduledImport)
	RunID      string
	Decision   workflows.Decision // the wrapper's decision: started the export/import, waiting, or skipped
	// WaitingRunID is the run of Decision.WorkflowID the scheduled export waits
	// for when Decision.State is waiting: the change-triggered export running
	// (empty when it ended meanwhile: the scheduled export starts within
	// workflows.ScheduledYieldRetry).
	WaitingRunID string
}

// Waiting reports whether the scheduled run waits for a change-triggered
// export of the shop before it starts.
func (r TriggerResult) Waiting() bool { return r.Decision.State == workflows.DecisionWaiting }

// Stages of a trigger that Trigger could not confirm (TriggerUnconfirmedError).
const (
	StageNotSent   = "not sent"  // Temporal did not answer before the trigger was sent: nothing ran
	StageSent      = "sent"      // the trigger was sent, Temporal did not confirm it
	StageNoRun     = "no run"    // confirmed, but the schedule did not start a run within the wait
	StageUndecided = "undecided" // the schedule started its run, which did not decide within the wait
	StageStopped   = "stopped"   // the caller stopped waiting (Ctrl-C, closed page) after sending
)

// TriggerUnconfirmedError says Trigger could not see, within its wait, what the
// trigger did: Temporal was slow or unreachable, or no worker picked the
// scheduled run up. Except at StageNotSent the run may still start.
type TriggerUnconfirmedError struct {
	ScheduleID, ShopID string
	Kind               oms.Kind
	Stage              string        // StageNotSent, StageSent, StageNoRun, StageUndecided or StageStopped
	Wait               time.Duration // how long Trigger tried
	WorkflowID, RunID  string        // the scheduled run, from StageUndecided on
	TaskQueue          string
	Err                error // the last error from Temporal, if any
}

// Error implements error: what happened and what to do, the last error last.
func (e *TriggerUnconfirmedError) Error() string {
	check := fmt.Sprintf("check `starter runs -shop %s` or the Temporal UI (Schedules → %s; Workflows with ColorMeShop=%q) before triggering again",
		e.ShopID, e.ScheduleID, e.ShopID)
	var msg string
	switch e.Stage {
	case StageNotSent:
		msg = fmt.Sprintf("schedule %s was NOT triggered: Temporal did not answer within %s; nothing was run — try again in a minute (`temporal operator cluster health` shows whether the server is serving)",
			e.ScheduleID, waitText(e.Wait))
	case StageSent:
		msg = fmt.Sprintf("the trigger of schedule %s was sent but Temporal did not confirm it within %s; the %s may still start — %s",
			e.ScheduleID, waitText(e.Wait), e.Kind, check)
	case StageNoRun:
		msg = fmt.Sprintf("schedule %s was triggered but no run was seen within %s (the server is slow to act); it may still start — %s",
			e.ScheduleID, waitText(e.Wait), check)
	case StageUndecided:
		msg = fmt.Sprintf("schedule %s started %s (run %s), but it did not start the %s within %s: is a worker running on task queue %s (`starter worker`)? It starts as soon as a worker picks it up — %s",
			e.ScheduleID, e.WorkflowID, e.RunID, e.Kind, waitText(e.Wait), e.TaskQueue, check)
	default:
		msg = fmt.Sprintf("stopped waiting: schedule %s was triggered and the %s may still start — %s", e.ScheduleID, e.Kind, check)
	}
	if e.Err != nil {
		msg += " (last error from Temporal: " + e.Err.Error() + ")"
	}
	return msg
}

// Unwrap returns the last error from Temporal.
func (e *TriggerUnconfirmedError) Unwrap() error { return e.Err }

// MayStillRun reports whether the triggered run may still start.
func (e *TriggerUnconfirmedError) MayStillRun() bool { return e.Stage != StageNotSent }

func waitText(d time.Duration) string {
	return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
}

// Trigger runs the schedule now and reports whether anything ran: the schedule
// skips the trigger when its previous run is still going (overlap Skip), and the
// wrapper skips when a manual run of the same shop holds the fixed workflow ID,
// or waits for a change-triggered export. It waits until one of those has
// decided, not for the run to finish.
//
// Calls that fail for a passing reason (Unavailable, DeadlineExceeded,
// Canceled by the server, ResourceExhausted) are tried again with backoff for
// up to TriggerWait in all; the trigger itself is sent with one request ID, so
// a retry never triggers twice (Namespace must be set for that; without it the
// trigger is sent once). When Trigger still has not seen the outcome it
// returns a *TriggerUnconfirmedError saying what it saw and what to check.
func (m *Manager) Trigger(ctx context.Context, shopID string, kind oms.Kind) (TriggerResult, error) {
	res := TriggerResult{ScheduleID: ID(kind, shopID)}
	t := &tries{ctx: ctx, wait: m.triggerWait()}
	t.deadline = time.Now().Add(t.wait)
	unconfirmed := func(stage string, err error) error {
		var g *gaveUp
		if errors.As(err, &g) {
			err = g.last
		}
		if ctx.Err() != nil && stage != StageNotSent {
			stage = StageStopped
		}
		return &TriggerUnconfirmedError{ScheduleID: res.ScheduleID, ShopID: shopID, Kind: kind, Stage: stage, Wait: t.wait,
			WorkflowID: res.WorkflowID, RunID: res.RunID, TaskQueue: m.TaskQueue, Err: err}
	}
	h := m.Client.ScheduleClient().GetHandle(ctx, res.ScheduleID)
	var before *client.ScheduleDescription
	err := t.do(func(c context.Context) (err error) { before, err = h.Describe(c); return err })
	switch {
	case isNotFound(err):
		return res, fmt.Errorf("schedule %s does not exist: create it with `starter schedule apply -shop %s`", res.ScheduleID, shopID)
	case isGaveUp(err):
		return res, unconfirmed(StageNotSent, err)
	case err != nil:
		return res, fmt.Errorf("schedule %s: %w", res.ScheduleID, err)
	}
	if err := m.sendTrigger(t, h, res.ScheduleID); err != nil {
		if isGaveUp(err) || transient(err) || ctx.Err() != nil {
			return res, unconfirmed(StageSent, err)
		}
		return res, fmt.Errorf("triggering schedule %s: %w", res.ScheduleID, err)
	}
	if err := awaitAction(t, h, before, &res); err != nil {
		return res, unconfirmed(StageNoRun, err)
	}
	if res.Skipped {
		return res, nil
	}
	if err := m.awaitDecision(t, &res); err != nil {
		return res, unconfirmed(StageUndecided, err)
	}
	return res, nil
}

// awaitAction waits until the schedule has acted on the trigger: started its
// run (res.WorkflowID, res.RunID) or skipped it (res.Skipped).
func awaitAction(t *tries, h client.ScheduleHandle, before *client.ScheduleDescription, res *TriggerResult) error {
	for {
		var now *client.ScheduleDescription
		if err := t.do(func(c context.Context) (err error) { now, err = h.Describe(c); return err }); err != nil {
			return err
		}
		if now.Info.NumActionsSkippedOverlap > before.Info.NumActionsSkippedOverlap {
			res.Skipped = true
			res.Reason = "skipped by the schedule (overlap policy Skip): its previous run is still going (" + running(now) + ")"
			return nil
		}
		if now.Info.NumActions > before.Info.NumActions && len(now.Info.RecentActions) > 0 {
			if last := now.Info.RecentActions[len(now.Info.RecentActions)-1]; last.StartWorkflowResult != nil {
				res.WorkflowID, res.RunID = last.StartWorkflowResult.WorkflowID, last.StartWorkflowResult.FirstExecutionRunID
			}
			return nil
		}
		if !t.pause() {
			return t.giveUp()
		}
	}
}

// awaitDecision asks the scheduled run for its Decision until it has one.
// Any error is tried again: the run may not have had its first workflow task
// yet (no worker, or a busy one).
func (m *Manager) awaitDecision(t *tries, res *TriggerResult) error {
	for {
		err := t.call(func(c context.Context) error {
			v, err := m.Client.QueryWorkflow(c, res.WorkflowID, res.RunID, workflows.DecisionQuery)
			if err != nil {
				return err
			}
			return v.Get(&res.Decision)
		})
		if err == nil && res.Decision.State != workflows.DecisionPending {
			break
		}
		if err != nil {
			t.last = err
		}
		if t.ctx.Err() != nil || !t.pause() {
			return t.giveUp()
		}
	}
	switch res.Decision.State {
	case workflows.DecisionSkipped:
		res.Skipped, res.Reason = true, res.Decision.Reason
	case workflows.DecisionWaiting: // it starts when the change-triggered export ends
		res.Reason = res.Decision.Reason
		_ = t.call(func(c context.Context) error { // best effort: the reason names the run too
			r, err := m.RunningWorkflow(c, res.Decision.WorkflowID)
			res.WaitingRunID = r.RunID
			return err
		})
	}
	return nil
}

// sendTrigger asks the schedule to run now. With the namespace known, every
// try carries the same request ID, which Temporal uses to drop a repeated
// trigger; without it a failed send is not tried again.
func (m *Manager) sendTrigger(t *tries, h client.ScheduleHandle, scheduleID string) error {
	if m.Namespace == "" {
		return t.call(func(c context.Context) error { return h.Trigger(c, client.ScheduleTriggerOptions{}) })
	}
	req := &workflowservice.PatchScheduleRequest{
		Namespace:  m.Namespace,
		ScheduleId: scheduleID,
		Patch:      &schedulepb.SchedulePatch{TriggerImmediately: &schedulepb.TriggerImmediatelyRequest{}},
		Identity:   "colorme-sync",
		RequestId:  "colorme-sync-trigger-" + rand.Text(),
	}
	return t.do(func(c context.Context) error {
		_, err := m.Client.WorkflowService().PatchSchedule(c, req)
		return err
	})
}

func (m *Manager) triggerWait() time.Duration {
	if m.TriggerWait > 0 {
		return m.TriggerWait
	}
	return DefaultTriggerWait
}

// tries runs calls to Temporal within one overall deadline, with backoff
// between tries.
type tries struct {
	ctx      context.Context // the caller's
	wait     time.Duration
	deadline time.Time
	backoff  time.Duration
	last     error // the last passing error seen
}

// gaveUp is tries' error when the deadline passed; last is the last passing
// error (nil when it only polled).
type gaveUp struct{ last error }

func (g *gaveUp) Error() string {
	if g.last == nil {
		return "gave up waiting"
	}
	return "gave up waiting: " + g.last.Error()
}

func (g *gaveUp) Unwrap() error { return g.last }

func isGaveUp(err error) bool {
	var g *gaveUp
	return errors.As(err, &g)
}

func (t *tries) giveUp() error { return &gaveUp{last: t.last} }

// call makes one call, given at most triggerCallTimeout and what is left of
// the deadline.
func (t *tries) call(fn func(context.Context) error) error {
	left := time.Until(t.deadline)
	if left <= 0 {
		return t.giveUp()
	}
	c, cancel := context.WithTimeout(t.ctx, min(left, triggerCallTimeout))
	defer cancel()
	return fn(c)
}

// do calls fn until it succeeds, fails for good, or the deadline passes
// (a *gaveUp holding the last error).
func (t *tries) do(fn func(context.Context) error) error {
	for {
		err := t.call(fn)
		if err == nil || isGaveUp(err) {
			return err
		}
		if t.ctx.Err() != nil || !transient(err) {
			return err
		}
		t.last = err
		if !t.pause() {
			return t.giveUp()
		}
	}
}

// pause waits before the next try: 250 ms, doubling up to 4 s. It reports
// false when the deadline passed or the caller gave up.
func (t *tries) pause() bool {
	t.backoff = min(max(2*t.backoff, 250*time.Millisecond), 4*time.Second)
	d := min(t.backoff, time.Until(t.deadline))
	if d <= 0 {
		return false
	}
	return pause.For(t.ctx, d) == nil && time.Now().Before(t.deadline)
}

// transient reports whether a call to Temporal failed for a passing reason:
// the server unavailable, overloaded or too slow, or a call it cancelled.
func transient(err error) bool {
	var (
		unavailable *serviceerror.Unavailable
		deadline    *serviceerror.DeadlineExceeded
		canceled    *serviceerror.Canceled
		exhausted   *serviceerror.ResourceExhausted
		nsBusy      *serviceerror.NamespaceUnavailable
	)
	switch {
	case errors.As(err, &unavailable), errors.As(err, &deadline), errors.As(err, &canceled),
		errors.As(err, &exhausted), errors.As(err, &nsBusy):
		return true
	case errors.Is(err, context.DeadlineExceeded): // one call's timeout (the caller's context is checked apart)
		return true
	}
	return false
}

func running(d *client.ScheduleDescription) string {
	var ids []string
	for _, r := range d.Info.RunningWorkflows {
		ids = append(ids, r.WorkflowID)
	}
	if len(ids) == 0 {
		return "it has just finished"
	}
	return "workflow " + strings.Join(ids, ", ")
}
