// Package schedules keeps each shop's three Temporal Schedules — automatic import
// (自動取得), automatic export (自動書き出し) and the stock reconcile (自動在庫連携)
// — in step with the shop's settings.
//
// A shop's schedules are "colorme-import-<shop>", "colorme-export-<shop>" and
// "colorme-stock-<shop>". Each fires every N minutes (import_interval_minutes,
// export_interval_minutes, stock_interval_minutes) and starts a small wrapper
// workflow (ScheduledImport, ScheduledExport, ScheduledStock) that runs the real
// import, export or stock push under its fixed per-shop workflow ID, so that a
// scheduled run never runs beside a manual one. Overlap policy is Skip; the catch-up window
// is CatchupWindow. A schedule is paused, with a note saying why, when its setting
// is off, when the shop is not connected, or when its token was refused.
package schedules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/settings"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// CatchupWindow is how late a missed scheduled run may still start after Temporal
// was down: a run missed by more is dropped (the next one comes within one
// interval anyway, and the export and import both look back over days).
const CatchupWindow = 5 * time.Minute

// Kinds lists the kinds of schedule, import first: a shop has one of each,
// and they are the run kinds (oms.KindImport, oms.KindExport, oms.KindStock).
var Kinds = []oms.Kind{oms.KindImport, oms.KindExport, oms.KindStock}

// notePrefix starts every note colorme-sync writes. A schedule paused with
// another note was paused by a person (UI, CLI, `starter schedule pause`) and
// stays paused when settings are applied.
const notePrefix = "colorme-sync: "

// ID returns the schedule ID of a shop's import or export schedule.
func ID(kind oms.Kind, shopID string) string { return "colorme-" + string(kind) + "-" + shopID }

// ExportID returns the ID of the shop's export schedule, "colorme-export-<shop>".
func ExportID(shopID string) string { return ID(oms.KindExport, shopID) }

// ImportID returns the ID of the shop's import schedule, "colorme-import-<shop>".
func ImportID(shopID string) string { return ID(oms.KindImport, shopID) }

// Manager creates, updates, pauses and triggers schedules on one task queue.
type Manager struct {
	Client    client.Client
	TaskQueue string // where the scheduled workflows run
	// Namespace is the client's namespace (TEMPORAL_NAMESPACE). Trigger needs
	// it to send a trigger it may repeat safely; "" sends it once.
	Namespace string
	// TriggerWait bounds Trigger; 0 means DefaultTriggerWait.
	TriggerWait time.Duration
}

// New returns a Manager.
func New(c client.Client, taskQueue string) *Manager {
	return &Manager{Client: c, TaskQueue: taskQueue}
}

// Desired is a schedule as the shop's settings want it.
type Desired struct {
	ID     string
	Kind   oms.Kind
	ShopID string
	Every  time.Duration
	Paused bool
	Why    PauseReason // why it is paused; "" when active
	Note   string
}

// PauseReason says why the settings want a schedule paused.
type PauseReason string

// The reasons a schedule is paused.
const (
	PausedReconnect    PauseReason = "reconnect"     // ColorMe refused the shop's token
	PausedNotConnected PauseReason = "not_connected" // no access token yet
	PausedOff          PauseReason = "off"           // automatic import/export is off
)

// kindSetting is the on/off setting of a kind of schedule (its definition and
// its value in st) and its interval.
func kindSetting(st shops.ShopSettings, kind oms.Kind) (enabled bool, minutes int, setting *settings.Def) {
	switch kind {
	case oms.KindImport:
		return st.ImportEnabled, st.ImportIntervalMinutes, settings.ImportEnabled
	case oms.KindStock:
		return st.StockEnabled, st.StockIntervalMinutes, settings.StockEnabled
	}
	return st.ExportEnabled, st.ExportIntervalMinutes, settings.ExportEnabled
}

// Label is the name staff know a kind of schedule by, its on/off setting's
// label: 自動取得, 自動書き出し or 自動在庫連携.
func Label(kind oms.Kind) string {
	_, _, setting := kindSetting(shops.ShopSettings{}, kind)
	return setting.Label
}

// Want returns the shop's schedules (one per kind) as its settings want them.
func Want(shop shops.Shop) []Desired {
	out := make([]Desired, 0, len(Kinds))
	for _, kind := range Kinds {
		d := Desired{ID: ID(kind, shop.ID), Kind: kind, ShopID: shop.ID}
		enabled, minutes, setting := kindSetting(shop.Settings, kind)
		d.Every = time.Duration(minutes) * time.Minute
		switch {
		case shop.ReconnectNeeded:
			d.Paused, d.Why, d.Note = true, PausedReconnect, ReconnectNote(shop.ID, shop.ReconnectReason)
		case !shop.HasAccessToken:
			d.Paused, d.Why, d.Note = true, PausedNotConnected, fmt.Sprintf("%spaused: shop %s is not connected to ColorMe yet; `starter shop connect -shop %s` resumes it", notePrefix, shop.ID, shop.ID)
		case !enabled:
			d.Paused, d.Why, d.Note = true, PausedOff, fmt.Sprintf("%spaused: automatic %s is off (%s=false); `starter shop set -shop %s %s=true` resumes it", notePrefix, kind, setting.Key, shop.ID, setting.Key)
		default:
			d.Note = fmt.Sprintf("%sactive: automatic %s every %s (shop settings)", notePrefix, kind, FormatEvery(d.Every))
		}
		out = append(out, d)
	}
	return out
}

// ReconnectNote is the note of a schedule paused because ColorMe refused the
// shop's token.
func ReconnectNote(shopID, reason string) string {
	if reason == "" {
		reason = "ColorMe refused its access token"
	}
	return fmt.Sprintf("%spaused: shop %s needs reconnection: %s; `starter shop connect -shop %s` resumes it", notePrefix, shopID, reason, shopID)
}

// FormatEvery writes an interval the short way: 30m, 1h30m, 24h.
func FormatEvery(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Applied says what Apply did to one schedule.
type Applied struct {
	ID     string
	Kind   oms.Kind
	Change string // created | updated | unchanged
	Paused bool
	Note   string
	Every  time.Duration
}

// Apply creates or updates the shop's schedules to match its settings and
// state. It is idempotent: a schedule that already matches is left untouched. A
// schedule a person paused stays paused (with their note) when the settings would
// run it; `starter schedule unpause` resumes it.
func (m *Manager) Apply(ctx context.Context, shop shops.Shop) ([]Applied, error) {
	var out []Applied
	for _, d := range Want(shop) {
		a, err := m.apply(ctx, d)
		if err != nil {
			return out, fmt.Errorf("schedule %s: %w", d.ID, hint(err))
		}
		out = append(out, a)
	}
	return out, nil
}

func (m *Manager) apply(ctx context.Context, d Desired) (Applied, error) {
	a := Applied{ID: d.ID, Kind: d.Kind, Paused: d.Paused, Note: d.Note, Every: d.Every}
	h := m.Client.ScheduleClient().GetHandle(ctx, d.ID)
	if _, err := h.Describe(ctx); isNotFound(err) {
		_, err := m.Client.ScheduleClient().Create(ctx, m.options(d))
		if err == nil {
			a.Change = "created"
			return a, nil
		}
		if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return a, err
		}
		// Created meanwhile by someone else: update it below.
	} else if err != nil {
		return a, err
	}
	a.Change = "updated"
	err := h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		cur := in.Description.Schedule
		if !d.Paused && cur.State != nil && cur.State.Paused && !strings.HasPrefix(cur.State.Note, notePrefix) {
			d.Paused, d.Note = true, cur.State.Note // paused by a person: keep it so
			a.Paused, a.Note = true, cur.State.Note
		}
		if matches(cur, d, m.TaskQueue) {
			a.Change = "unchanged"
			return nil, temporal.ErrSkipScheduleUpdate
		}
		opts := m.options(d)
		sa := opts.TypedSearchAttributes
		return &client.ScheduleUpdate{
			Schedule: &client.Schedule{
				Action: opts.Action,
				Spec:   &opts.Spec,
				Policy: &client.SchedulePolicies{Overlap: opts.Overlap, CatchupWindow: opts.CatchupWindow},
				State:  &client.ScheduleState{Paused: d.Paused, Note: d.Note},
			},
			TypedSearchAttributes: &sa,
		}, nil
	}})
	return a, err
}

// matches reports whether the schedule already is what d wants.
func matches(cur client.Schedule, d Desired, taskQueue string) bool {
	act, ok := cur.Action.(*client.ScheduleWorkflowAction)
	if !ok || cur.Spec == nil || cur.Policy == nil || cur.State == nil {
		return false
	}
	return len(cur.Spec.Intervals) == 1 && cur.Spec.Intervals[0].Every == d.Every && cur.Spec.Intervals[0].Offset == 0 &&
		len(cur.Spec.Calendars) == 0 && len(cur.Spec.CronExpressions) == 0 &&
		fmt.Sprint(act.Workflow) == workflowName(d.Kind) && act.TaskQueue == taskQueue && act.ID == d.ID &&
		cur.Policy.Overlap == enumspb.SCHEDULE_OVERLAP_POLICY_SKIP && cur.Policy.CatchupWindow == CatchupWindow &&
		!cur.Policy.PauseOnFailure && cur.State.Paused == d.Paused && cur.State.Note == d.Note
}

func workflowName(kind oms.Kind) string {
	switch kind {
	case oms.KindImport:
		return workflows.ScheduledImportType
	case oms.KindStock:
		return workflows.ScheduledStockType
	}
	return workflows.ScheduledExportType
}

// options builds the whole schedule. Its input, memo and search attribute hold
// the shop ID only, never a credential.
func (m *Manager) options(d Desired) client.ScheduleOptions {
	var arg any = workflows.ScheduledExportInput{ShopID: d.ShopID}
	switch d.Kind {
	case oms.KindImport:
		arg = workflows.ScheduledImportInput{ShopID: d.ShopID}
	case oms.KindStock:
		arg = workflows.ScheduledStockInput{ShopID: d.ShopID}
	}
	sa := workflows.ShopAttributes(d.ShopID)
	return client.ScheduleOptions{
		ID:   d.ID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: d.Every}}},
		Action: &client.ScheduleWorkflowAction{
			ID:                    d.ID, // Temporal appends the time: colorme-export-myshop-2026-05-01T09:30:00Z
			Workflow:              workflowName(d.Kind),
			Args:                  []any{arg},
			TaskQueue:             m.TaskQueue,
			Memo:                  workflows.Memo(d.ShopID, oms.TriggerScheduled),
			TypedSearchAttributes: sa,
			StaticSummary:         fmt.Sprintf("scheduled %s of shop %s", d.Kind, d.ShopID),
		},
		Overlap:               enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow:         CatchupWindow,
		Paused:                d.Paused,
		Note:                  d.Note,
		Memo:                  map[string]any{workflows.MemoShop: d.ShopID, workflows.MemoKind: d.Kind},
		TypedSearchAttributes: sa,
	}
}

// Pause pauses the shop's schedules of the given kinds (nil = all) with note.
// A schedule that does not exist yet is skipped.
func (m *Manager) Pause(ctx context.Context, shopID string, kinds []oms.Kind, note string) error {
	return m.each(ctx, shopID, kinds, func(h client.ScheduleHandle) error {
		return h.Pause(ctx, client.SchedulePauseOptions{Note: note})
	})
}

// Unpause resumes the shop's schedules of the given kinds (nil = all).
func (m *Manager) Unpause(ctx context.Context, shopID string, kinds []oms.Kind) error {
	return m.each(ctx, shopID, kinds, func(h client.ScheduleHandle) error {
		return h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: notePrefix + "unpaused by the operator (`starter schedule unpause`)"})
	})
}

// PauseForReconnect pauses all of the shop's schedules with ReconnectNote; it
// implements activities.Temporal for the activity that marks a shop "reconnect
// needed". Apply leaves them so until the shop is connected again.
func (m *Manager) PauseForReconnect(ctx context.Context, shopID, reason string) error {
	return m.Pause(ctx, shopID, nil, ReconnectNote(shopID, reason))
}

func (m *Manager) each(ctx context.Context, shopID string, kinds []oms.Kind, fn func(client.ScheduleHandle) error) error {
	if len(kinds) == 0 {
		kinds = Kinds
	}
	var errs []error
	for _, kind := range kinds {
		id := ID(kind, shopID)
		if err := fn(m.Client.ScheduleClient().GetHandle(ctx, id)); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("schedule %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// RunningWorkflow describes the open run of workflowID; it implements
// activities.Temporal.
func (m *Manager) RunningWorkflow(ctx context.Context, workflowID string) (activities.RunningWorkflowResult, error) {
	desc, err := m.Client.DescribeWorkflow(ctx, workflowID, "")
	if isNotFound(err) {
		return activities.RunningWorkflowResult{}, nil
	}
	if err != nil {
		return activities.RunningWorkflowResult{}, err
	}
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return activities.RunningWorkflowResult{}, nil
	}
	r := activities.RunningWorkflowResult{Running: true, RunID: info.GetExecution().GetRunId(), StartTime: info.GetStartTime().AsTime()}
	if p := info.GetMemo().GetFields()[workflows.MemoTrigger]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &r.Trigger)
	}
	return r, nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// hint adds what to do to the errors an operator can fix.
func hint(err error) error {
	if err != nil && strings.Contains(err.Error(), "ColorMeShop") {
		return fmt.Errorf("%w (register the search attribute: `temporal operator search-attribute create --name ColorMeShop --type Keyword`, or start the dev server with --search-attribute ColorMeShop=Keyword)", err)
	}
	return err
}

// SystemNote reports whether a schedule's note was written by colorme-sync
// (a pause colorme-sync made, not a person's).
func SystemNote(note string) bool { return strings.HasPrefix(note, notePrefix) }
