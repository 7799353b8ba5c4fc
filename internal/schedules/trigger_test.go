package schedules_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/api/serviceerror"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
)

func TestTransient(t *testing.T) {
	for _, err := range []error{
		serviceerror.NewUnavailable("busy"), serviceerror.NewDeadlineExceeded("slow"), serviceerror.NewCanceled("cancelled by the server"),
		serviceerror.NewResourceExhausted(0, "rps"), context.DeadlineExceeded, fmt.Errorf("describe: %w", serviceerror.NewUnavailable("x")),
	} {
		assert.True(t, schedules.Transient(err), "%v", err)
	}
	for _, err := range []error{serviceerror.NewNotFound("gone"), serviceerror.NewInvalidArgument("bad"), serviceerror.NewPermissionDenied("no", ""), errors.New("other")} {
		assert.False(t, schedules.Transient(err), "%v", err)
	}
}

// TestTriggerUnconfirmedMessages: every stage says what happened and what to
// do, with the last error from Temporal last.
func TestTriggerUnconfirmedMessages(t *testing.T) {
	base := schedules.TriggerUnconfirmedError{ScheduleID: "colorme-export-myshop", ShopID: "myshop", Kind: oms.KindExport,
		Wait: 90 * time.Second, TaskQueue: "colorme-sync", Err: serviceerror.NewCanceled("context canceled")}
	for stage, want := range map[string][]string{
		schedules.StageNotSent:   {"was NOT triggered", "within 90 s", "nothing was run"},
		schedules.StageSent:      {"was sent but Temporal did not confirm it within 90 s", "may still start", "starter runs -shop myshop"},
		schedules.StageNoRun:     {"was triggered but no run was seen within 90 s", "it may still start", "starter runs -shop myshop", "Temporal UI"},
		schedules.StageUndecided: {"started colorme-export-myshop-x (run r1)", "task queue colorme-sync", "starter runs -shop myshop"},
		schedules.StageStopped:   {"stopped waiting", "may still start"},
	} {
		e := base
		e.Stage, e.WorkflowID, e.RunID = stage, "colorme-export-myshop-x", "r1"
		msg := e.Error()
		for _, w := range want {
			assert.Contains(t, msg, w, stage)
		}
		assert.Contains(t, msg, "(last error from Temporal: context canceled)", stage)
		assert.Equal(t, stage != schedules.StageNotSent, e.MayStillRun(), stage)
		assert.ErrorIs(t, &e, base.Err)
	}
}
