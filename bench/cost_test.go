package main

import (
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

func ev(id int64, t enumspb.EventType) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventId: id, EventType: t}
}

func started(id, scheduled int64, attempt int32) *historypb.HistoryEvent {
	e := ev(id, enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED)
	e.Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{
		ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{ScheduledEventId: scheduled, Attempt: attempt}}
	return e
}

func marker(id int64, name string) *historypb.HistoryEvent {
	e := ev(id, enumspb.EVENT_TYPE_MARKER_RECORDED)
	e.Attributes = &historypb.HistoryEvent_MarkerRecordedEventAttributes{
		MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{MarkerName: name}}
	return e
}

func upsert(id int64, keys ...string) *historypb.HistoryEvent {
	f := map[string]*commonpb.Payload{}
	for _, k := range keys {
		f[k] = &commonpb.Payload{}
	}
	e := ev(id, enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
	e.Attributes = &historypb.HistoryEvent_UpsertWorkflowSearchAttributesEventAttributes{
		UpsertWorkflowSearchAttributesEventAttributes: &historypb.UpsertWorkflowSearchAttributesEventAttributes{
			SearchAttributes: &commonpb.SearchAttributes{IndexedFields: f}}}
	return e
}

// TestCostCountsActionsAsCloudBills counts a made-up history: the start, two
// activities (one retried twice, so 3 attempts), one never started, a timer, a
// signal, an upsert, a version upsert (exempt), a version marker (free), and
// three local activities in two workflow tasks (two actions).
func TestCostCountsActionsAsCloudBills(t *testing.T) {
	h := []*historypb.HistoryEvent{
		ev(1, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
		ev(2, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
		ev(3, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED),
		ev(4, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
		upsert(5, "ColorMeShop"),
		marker(6, "Version"),
		upsert(7, "TemporalChangeVersion"),
		ev(8, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
		ev(9, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
		ev(10, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
		started(11, 8, 1),
		started(12, 9, 3),
		ev(13, enumspb.EVENT_TYPE_TIMER_STARTED),
		ev(14, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
		ev(15, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
		marker(16, "LocalActivity"),
		marker(17, "LocalActivity"),
		ev(18, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
		marker(19, "LocalActivity"),
	}
	var c Cost
	c.add(h)
	want := Cost{Events: 19, Starts: 1, ActivityAttempts: 1 + 3 + 1, Retries: 2, Timers: 1, Signals: 1, Upserts: 1, LocalActivityTasks: 2}
	want.Actions = 1 + 5 + 1 + 1 + 1 + 2
	if c != want {
		t.Fatalf("cost = %+v, want %+v", c, want)
	}
}
