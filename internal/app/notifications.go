package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/pause"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// NotifyActivities returns the notification activities: they read the store,
// describe the shop's schedules and start deliveries with c.
func NotifyActivities(cfg config.Config, ncfg notify.Config, st *stores.Stores, c client.Client, httpClient *http.Client) *activities.Notify {
	m := schedules.New(c, cfg.TaskQueue)
	return &activities.Notify{Store: st, Notes: notify.NewStore(st.DB()), Config: ncfg, HTTPClient: httpClient,
		PausedBySystem: func(ctx context.Context, sh shops.Shop) ([]oms.Kind, error) { return pausedBySystem(ctx, m, sh) },
		Dispatch:       Dispatcher(c, cfg.TaskQueue, notify.NewStore(st.DB()))}
}

// pausedBySystem returns the kinds of the shop's schedules that colorme-sync
// paused and that its settings want running.
func pausedBySystem(ctx context.Context, m *schedules.Manager, sh shops.Shop) ([]oms.Kind, error) {
	want := map[oms.Kind]bool{}
	for _, d := range schedules.Want(sh) {
		want[d.Kind] = !d.Paused
	}
	got, err := m.Describe(ctx, sh.ID)
	if err != nil {
		return nil, err
	}
	var out []oms.Kind
	for _, s := range got {
		if s.Exists && s.Paused && schedules.SystemNote(s.Note) && want[s.Kind] {
			out = append(out, s.Kind)
		}
	}
	return out, nil
}

// Dispatcher returns the function that starts each event's DeliverNotification
// workflow on the notification task queue: once per event (its workflow ID),
// an event already started or delivered counting as started.
func Dispatcher(c client.Client, taskQueue string, notes *notify.Store) func(context.Context, []int64) ([]int64, error) {
	return func(ctx context.Context, ids []int64) ([]int64, error) {
		var started []int64
		for _, id := range ids {
			ev, err := notes.Event(ctx, id)
			if err != nil {
				return started, err
			}
			_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: workflows.DeliverNotificationID(taskQueue, id, ev.At), TaskQueue: notify.TaskQueue(taskQueue),
				WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
				WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
			}, workflows.DeliverNotification, workflows.DeliverNotificationInput{EventID: id})
			if _, dup := errors.AsType[*serviceerror.WorkflowExecutionAlreadyStarted](err); err != nil && !dup {
				return started, fmt.Errorf("starting the delivery of notification event %d: %w", id, err)
			}
			started = append(started, id)
		}
		return started, nil
	}
}

// NewNotifyWorker returns a worker on the notification task queue
// (notify.TaskQueue) that delivers notifications. The worker process and the
// console both run one, so that a message about a stopped worker still goes out.
func NewNotifyWorker(c client.Client, cfg config.Config, acts *activities.Notify) worker.Worker {
	w := worker.New(c, notify.TaskQueue(cfg.TaskQueue), worker.Options{WorkerStopTimeout: 30 * time.Second})
	w.RegisterWorkflow(workflows.DeliverNotification)
	w.RegisterActivity(acts)
	return w
}

// RegisterNotifyMonitor registers the monitor workflow and the notification
// activities on the main worker.
func RegisterNotifyMonitor(w worker.Registry, acts *activities.Notify) {
	w.RegisterWorkflow(workflows.NotifyMonitor)
	w.RegisterActivity(acts)
}

// StartNotifyMonitor starts the task queue's NotifyMonitor workflow unless it
// runs already.
func StartNotifyMonitor(ctx context.Context, c client.Client, cfg config.Config, ncfg notify.Config) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.NotifyMonitorID(cfg.TaskQueue), TaskQueue: cfg.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.NotifyMonitor, workflows.NotifyMonitorInput{Interval: ncfg.Interval})
	if err != nil {
		return fmt.Errorf("starting the notification monitor: %w", err)
	}
	return nil
}

// Watchdog tells every shop's staff when no worker has polled the task queue
// for NoWorkerAfter, and that it is back when one polls again. It runs in the
// console, not in the worker it watches, and sends through the notification
// task queue, which the console serves too.
type Watchdog struct {
	Client client.Client
	Config config.Config
	Notify notify.Config
	Store  *stores.Stores
	Logger *slog.Logger

	downSince time.Time // when it first found no worker polling; zero: one polls
}

// Run checks every Notify.Interval until ctx ends.
func (w *Watchdog) Run(ctx context.Context) {
	for {
		if err := w.Check(ctx, time.Now()); err != nil && ctx.Err() == nil {
			w.Logger.Warn("notifications: the worker watchdog could not check; it tries again", "error", err)
		}
		if pause.For(ctx, w.Notify.Interval) != nil {
			return
		}
	}
}

// Check looks once: it opens or resolves each shop's KindNoWorker
// notification and starts the deliveries not yet started.
func (w *Watchdog) Check(ctx context.Context, now time.Time) error {
	polling, last, err := WorkerPolling(ctx, w.Client, w.Config)
	if err != nil {
		return err // Temporal is unreachable: that is not a stopped worker
	}
	switch {
	case polling:
		w.downSince = time.Time{}
	case w.downSince.IsZero() && !last.IsZero():
		w.downSince = last
	case w.downSince.IsZero():
		w.downSince = now
	}
	down := !polling && now.Sub(w.downSince) >= w.Notify.NoWorkerAfter
	shops, err := w.Store.Shops.Shops(ctx)
	if err != nil {
		return err
	}
	notes := notify.NewStore(w.Store.DB())
	var errs []error
	for _, sh := range shops {
		var conds []notify.Condition
		if down {
			conds = append(conds, notify.NoWorker(sh.ID, w.Notify.NoWorkerAfter, last))
		}
		if _, err := notes.Reconcile(ctx, sh.ID, []notify.Kind{notify.KindNoWorker}, conds, now, w.Notify.Quiet); err != nil {
			errs = append(errs, err)
		}
	}
	_, err = activities.DispatchPending(ctx, notes, Dispatcher(w.Client, w.Config.TaskQueue, notes))
	return errors.Join(append(errs, err)...)
}

// StartNotifications is the worker process's part of notifications: it
// registers the monitor on the main worker w (call before w runs), starts the
// delivery worker on the notification task queue and the monitor workflow.
// Call the returned stop when the process ends.
func StartNotifications(ctx context.Context, c client.Client, cfg config.Config, st *stores.Stores, w worker.Registry) (stop func(), err error) {
	ncfg, err := notify.LoadConfig()
	if err != nil {
		return nil, err
	}
	acts := NotifyActivities(cfg, ncfg, st, c, nil)
	RegisterNotifyMonitor(w, acts)
	nw := NewNotifyWorker(c, cfg, acts)
	if err := nw.Start(); err != nil {
		return nil, fmt.Errorf("starting the notification worker: %w", err)
	}
	if err := StartNotifyMonitor(ctx, c, cfg, ncfg); err != nil {
		nw.Stop()
		return nil, err
	}
	return nw.Stop, nil
}

// StartConsoleNotifications is the console's part: the delivery worker on the
// notification task queue and the worker watchdog, until ctx ends. Call the
// returned stop when the process ends.
func StartConsoleNotifications(ctx context.Context, c client.Client, cfg config.Config, st *stores.Stores, logger *slog.Logger) (stop func(), err error) {
	ncfg, err := notify.LoadConfig()
	if err != nil {
		return nil, err
	}
	nw := NewNotifyWorker(c, cfg, NotifyActivities(cfg, ncfg, st, c, nil))
	if err := nw.Start(); err != nil {
		return nil, fmt.Errorf("starting the notification worker: %w", err)
	}
	wd := &Watchdog{Client: c, Config: cfg, Notify: ncfg, Store: st, Logger: logger}
	go wd.Run(ctx)
	return nw.Stop, nil
}
