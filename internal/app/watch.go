package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
)

// Notice kinds of WatchRun.
const (
	NoticeNoWorker = "no-worker" // a task of the run has waited for a worker, and none polls the queue
	NoticeRetrying = "retrying"  // an activity failed and Temporal retries it
	NoticeStuck    = "stuck"     // the run's workflow task keeps failing (see the worker's log)
)

// Notice is something an operator waiting for a run should hear about.
type Notice struct {
	Kind     string
	Activity string    // NoticeRetrying: the activity type
	Attempt  int32     // NoticeRetrying, NoticeStuck: the attempt about to run (or running)
	Failure  string    // NoticeRetrying: the last failure's message
	Next     time.Time // NoticeRetrying: when the next attempt is scheduled, if known
	Text     string    // one line for the operator
}

// WatchOptions tune WatchRun; zero values take the defaults.
type WatchOptions struct {
	Every  time.Duration // how often to look (default 2 s)
	Grace  time.Duration // how long a task may wait for a worker before it is worth a word (default 5 s)
	Repeat time.Duration // how long a repeated notice stays quiet (default 1 min)
}

// WatchRun looks at a running workflow every few seconds until it closes or ctx
// ends, and calls notify with what the operator should know while waiting: no
// worker picks up its tasks, an activity fails and is being retried (with the
// failure, e.g. a secret the worker cannot open), or its workflow task keeps
// failing. A notice is repeated only when it changes or after opts.Repeat. It
// follows the workflow ID's latest run (continue-as-new).
func WatchRun(ctx context.Context, c client.Client, cfg config.Config, workflowID string, opts WatchOptions, notify func(Notice)) {
	if opts.Every <= 0 {
		opts.Every = 2 * time.Second
	}
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Second
	}
	if opts.Repeat <= 0 {
		opts.Repeat = time.Minute
	}
	said := map[string]time.Time{} // notice key → when it was said
	say := func(key string, n Notice) {
		if t, ok := said[key]; ok && time.Since(t) < opts.Repeat {
			return
		}
		said[key] = time.Now()
		notify(n)
	}
	tick := time.NewTicker(opts.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		desc, err := c.DescribeWorkflow(ctx, workflowID, "")
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			continue // a hiccup: look again next time
		}
		d := desc.RawResponse
		if d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return
		}
		for _, n := range runNotices(ctx, c, cfg, d, opts.Grace) {
			key := n.Kind + "|" + n.Activity + "|" + n.Failure
			say(key, n)
		}
	}
}

// runNotices derives the notices of one description of a running workflow.
func runNotices(ctx context.Context, c client.Client, cfg config.Config, d *workflowservice.DescribeWorkflowExecutionResponse, grace time.Duration) []Notice {
	var out []Notice
	waiting := false // a task has waited for a worker longer than grace
	if wt := d.GetPendingWorkflowTask(); wt != nil {
		if wt.GetState() == enumspb.PENDING_WORKFLOW_TASK_STATE_SCHEDULED && time.Since(wt.GetScheduledTime().AsTime()) > grace {
			waiting = true
		}
		if wt.GetAttempt() > 2 {
			out = append(out, Notice{Kind: NoticeStuck, Attempt: wt.GetAttempt(),
				Text: fmt.Sprintf("the workflow's task keeps failing (attempt %d): the worker's log says why (e.g. the ColorMeShop search attribute is not registered, or the worker runs other workflow code)", wt.GetAttempt())})
		}
	}
	for _, a := range d.GetPendingActivities() {
		if a.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED {
			since := a.GetLastAttemptCompleteTime().AsTime()
			if a.GetAttempt() <= 1 || a.GetLastAttemptCompleteTime() == nil {
				since = d.GetWorkflowExecutionInfo().GetExecutionTime().AsTime()
			}
			if next := a.GetScheduledTime(); next != nil && next.AsTime().After(since) {
				since = next.AsTime()
			}
			if time.Since(since) > grace {
				waiting = true
			}
		}
		if f := a.GetLastFailure(); f != nil && a.GetAttempt() > 1 {
			n := Notice{Kind: NoticeRetrying, Activity: a.GetActivityType().GetName(), Attempt: a.GetAttempt(), Failure: failureText(f)}
			next := ""
			if t := a.GetNextAttemptScheduleTime(); t != nil && t.AsTime().After(time.Now()) {
				n.Next = t.AsTime()
				next = fmt.Sprintf(", next try in %s", time.Until(n.Next).Round(time.Second))
			}
			on := ""
			if w := a.GetLastWorkerIdentity(); w != "" {
				on = " on worker " + w
			}
			n.Text = fmt.Sprintf("%s failed%s and is being retried (attempt %d%s): %s", n.Activity, on, n.Attempt, next, n.Failure)
			out = append(out, n)
		}
	}
	if waiting {
		if ok, last, err := WorkerPolling(ctx, c, cfg); err == nil && !ok {
			e := &NoWorkerError{TaskQueue: cfg.TaskQueue, Namespace: cfg.TemporalNamespace, Address: cfg.TemporalAddress, LastSeen: last}
			out = append(out, Notice{Kind: NoticeNoWorker,
				Text: strings.Replace(e.Error(), ", so nothing would run it: start", ": the run waits until one does; start", 1)})
		}
	}
	return out
}

// failureText is a failure's message with its causes, on one line.
func failureText(f *failurepb.Failure) string {
	var parts []string
	for ; f != nil; f = f.GetCause() {
		m := strings.TrimSpace(f.GetMessage())
		if m != "" && !slices.ContainsFunc(parts, func(p string) bool { return strings.Contains(p, m) }) {
			parts = append(parts, m)
		}
	}
	return strings.Join(strings.Fields(strings.Join(parts, ": ")), " ")
}
