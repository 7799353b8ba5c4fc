package workflows

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
)

// n is the nil receiver used to name the notification activities.
var n *activities.Notify

// NotifyMonitorID is the workflow ID of the one notification monitor of a task queue.
func NotifyMonitorID(taskQueue string) string { return "notify-monitor-" + taskQueue }

// DeliverNotificationID is the workflow ID of an event's delivery: one per
// event, so an event is never delivered by two workflows. The task queue and
// the event's creation time keep apart equal event ids of another deployment
// on the namespace, or of a database made anew.
func DeliverNotificationID(taskQueue string, eventID int64, created time.Time) string {
	return "notify-event-" + taskQueue + "-" + strconv.FormatInt(eventID, 10) + "-" + strconv.FormatInt(created.UnixMicro(), 10)
}

// NotifyMonitorInput says how often the monitor checks.
type NotifyMonitorInput struct {
	Interval time.Duration `json:"interval"` // between checks; 0 = 20 s
	// Checks is how many checks one run makes before it continues as new; 0 = 200.
	Checks int `json:"checks,omitempty"`
}

// NotifyMonitorResult is what a run did before it continued as new.
type NotifyMonitorResult struct {
	Checks int `json:"checks"`
	Events int `json:"events"`
}

// NotifyMonitor checks every shop for problems every Interval (the
// CheckNotifications activity records them and starts their deliveries). It
// runs for ever, continuing as new every Checks checks; a check that fails is
// logged and the next one comes at the next interval.
func NotifyMonitor(ctx workflow.Context, in NotifyMonitorInput) (NotifyMonitorResult, error) {
	interval := orDefault(in.Interval, 20*time.Second)
	checks := in.Checks
	if checks <= 0 {
		checks = 200
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumAttempts: 3},
	})
	var res NotifyMonitorResult
	for res.Checks < checks {
		var r activities.CheckNotificationsResult
		if err := workflow.ExecuteActivity(actx, n.CheckNotifications, activities.CheckNotificationsInput{}).Get(ctx, &r); err != nil {
			workflow.GetLogger(ctx).Warn("notification check failed; the next check comes at the next interval", "error", err)
		}
		res.Checks++
		res.Events += r.Events
		if err := workflow.Sleep(ctx, interval); err != nil {
			return res, err
		}
	}
	return res, workflow.NewContinueAsNewError(ctx, NotifyMonitor, in)
}

// DeliverNotificationInput names the event to deliver.
type DeliverNotificationInput struct {
	EventID int64 `json:"event_id"`
}

// DeliverNotificationResult is what each channel did; a channel that failed
// for good has its error (also shown in お知らせ).
type DeliverNotificationResult struct {
	Mail         activities.DeliverResult `json:"mail"`
	Webhook      activities.DeliverResult `json:"webhook"`
	MailError    string                   `json:"mail_error,omitempty"`
	WebhookError string                   `json:"webhook_error,omitempty"`
}

// deliveryRetry retries a mail server or webhook that is down for about a
// day (30 attempts, backing off to 1 h); a refusal for good is not retried.
var deliveryRetry = &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2,
	MaximumInterval: time.Hour, MaximumAttempts: 30,
	NonRetryableErrorTypes: activities.NonRetryableErrorTypes()}

// DeliverNotification sends one event by mail and webhook, both at once, each
// retried on its own. It completes when both are done, sent or refused.
func DeliverNotification(ctx workflow.Context, in DeliverNotificationInput) (DeliverNotificationResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: 26 * time.Hour, RetryPolicy: deliveryRetry,
	})
	var res DeliverNotificationResult
	mail := workflow.ExecuteActivity(actx, n.DeliverMail, activities.DeliverInput(in))
	hook := workflow.ExecuteActivity(actx, n.DeliverWebhook, activities.DeliverInput(in))
	if err := mail.Get(ctx, &res.Mail); err != nil {
		res.MailError = errMessage(err)
	}
	if err := hook.Get(ctx, &res.Webhook); err != nil {
		res.WebhookError = errMessage(err)
	}
	return res, nil
}
