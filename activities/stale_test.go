package activities_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// staleDelay is how long the sandbox's reads lag its writes in these tests;
// staleWindow the activities' window, a little longer.
const (
	staleDelay  = 1500 * time.Millisecond
	staleWindow = 2 * time.Second
)

// TestUpdateSale_StaleReads: ColorMe's reads lag its writes (observed). The
// answer of an applied request is lost and the retry starts at once (the
// test environment skips the backoff), so a read made right away shows the
// sale as it was. The rule: a read that decides whether an earlier attempt's
// write or mail landed is made only the stale-read window after the attempt
// started. With it: one PUT and one mail. Without it (window off) the same
// faults repeat the PUT and mail the customer twice — the hazard is real.
func TestUpdateSale_StaleReads(t *testing.T) {
	for _, tc := range []struct {
		name          string
		method, path  string
		window        time.Duration
		writes, mails int
		note          string
	}{
		{"LostMailAnswerConfirmedAfterWindow", http.MethodPost, "/v1/sales/1/mails.json", staleWindow, 1, 1, "shipping mail sent by an earlier attempt"},
		{"LostWriteAnswerConfirmedAfterWindow", http.MethodPut, "/v1/sales/1.json", staleWindow, 1, 1, ""},
		{"WithoutWindowMailedTwice", http.MethodPost, "/v1/sales/1/mails.json", -1, 2, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := setupRetry(t, colorme.MailNotYet)
			r.sb.SetStaleReads(staleDelay)
			r.a.StaleReadWindow = tc.window
			r.proxy.fail(tc.method, tc.path, true, nil) // applied, answer lost
			res, attempts := r.run(t, r.input(true))

			require.Equal(t, 2, attempts)
			require.True(t, res.Written)
			require.True(t, res.Mailed)
			c := r.sb.Counters()
			require.Equal(t, tc.writes, c.Writes, "PUTs")
			require.Equal(t, tc.mails, c.MailsBySale[retrySale], "mails sent")
			require.False(t, r.mailOwed(t), "the ledger records the mail as sent")
			r.requireWritten(t)
			if tc.window > 0 {
				require.Zero(t, c.NoopWrites, "no write repeated")
				require.Zero(t, c.StaleReads, "the deciding read came after the window")
				require.Equal(t, tc.note, res.Note)
			} else {
				require.NotZero(t, c.StaleReads, "the retry read the sale as it was")
			}
		})
	}
}

// TestUpdateSale_ServerErrorCapped: ColorMe answers every PUT 500 with code
// 500000, as it answers a body it cannot parse: the activity stops after
// MaxServerErrorAttempts attempts, not the policy's 30 (~13 min), and fails
// non-retryable with a message for staff.
func TestUpdateSale_ServerErrorCapped(t *testing.T) {
	r := setupRetry(t, colorme.MailNotYet)
	for range 40 {
		r.proxy.fail(http.MethodPut, "/v1/sales/1.json", false, nil)
	}
	env := testenv.WorkflowEnv()
	env.RegisterActivity(r.a)
	attempts := 0
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in activities.UpdateSaleInput) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
				MaximumAttempts: 30, NonRetryableErrorTypes: activities.NonRetryableErrorTypes()},
		})
		return workflow.ExecuteActivity(ctx, r.a.UpdateSale, in).Get(ctx, nil)
	}, workflow.RegisterOptions{Name: "UpdateSaleCapped"})
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { attempts++ })
	env.ExecuteWorkflow("UpdateSaleCapped", r.input(false))
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, activities.ErrColorMeRejected, ae.Type())
	require.True(t, ae.NonRetryable())
	require.Contains(t, ae.Error(), "再試行を止めました")
	require.Equal(t, activities.MaxServerErrorAttempts, attempts)
	require.Zero(t, r.sb.Counters().Writes, "no PUT reached ColorMe")
}
