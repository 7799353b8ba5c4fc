package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// Row 19: what the export costs Temporal per changed order.
//
// Actions are counted the way Temporal Cloud bills them
// (https://docs.temporal.io/cloud/actions): a workflow started (client start
// and continue-as-new), every activity attempt (start and each retry), every
// activity heartbeat that reaches the server, timers, signals, child workflow
// starts, updates, side effects, search-attribute upserts (not the
// TemporalChangeVersion one of workflow.GetVersion), and the local activities
// of one workflow task as one action. Everything but heartbeats is read from
// the event histories; heartbeats never enter a history, so they come from the
// server's own `action` metric (action_type grpc_RecordActivityTaskHeartbeat),
// which the dev server serves on its metrics port.

// Cost is the Temporal cost of a set of workflow runs, from their histories.
type Cost struct {
	Events  int64 // history events
	Actions int64 // billable actions found in the histories (no heartbeats)

	Starts, ActivityAttempts, Retries, Timers, Signals, Upserts, LocalActivityTasks, Other int64
}

// add counts one run's history into c.
func (c *Cost) add(events []*historypb.HistoryEvent) {
	attempts := map[int64]int64{} // scheduled event id -> attempts started
	var scheduled []int64
	localTask := int64(-1) // the workflow task whose local activities were counted last
	lastTask := int64(0)
	for _, e := range events {
		c.Events++
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			c.Starts++
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			lastTask = e.GetEventId()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled = append(scheduled, e.GetEventId())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := e.GetActivityTaskStartedEventAttributes()
			attempts[a.GetScheduledEventId()] = int64(max(a.GetAttempt(), 1))
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			c.Timers++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			c.Signals++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			f := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, v := f["TemporalChangeVersion"]; !v || len(f) > 1 {
				c.Upserts++
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			switch e.GetMarkerRecordedEventAttributes().GetMarkerName() {
			case "LocalActivity":
				if localTask != lastTask { // all of one workflow task's local activities: one action
					c.LocalActivityTasks++
					localTask = lastTask
				}
			case "SideEffect", "MutableSideEffect":
				c.Other++
			}
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			c.Other++
		}
	}
	for _, id := range scheduled {
		n := attempts[id]
		if n == 0 { // scheduled, never (or not yet) started
			n = 1
		}
		c.ActivityAttempts += n
		c.Retries += n - 1
	}
	c.Actions = c.Starts + c.ActivityAttempts + c.Timers + c.Signals + c.Upserts + c.LocalActivityTasks + c.Other
}

// chainCost reads the full history of every run of a workflow's
// continue-as-new chain, from its first run, and counts it.
func chainCost(ctx context.Context, c client.Client, workflowID, runID string) (Cost, int, error) {
	var cost Cost
	for runs := 1; runs < 100000; runs++ {
		it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var events []*historypb.HistoryEvent
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return Cost{}, 0, fmt.Errorf("reading the history of run %s of %s: %w", runID, workflowID, err)
			}
			events = append(events, ev)
		}
		cost.add(events)
		if len(events) == 0 {
			return Cost{}, 0, fmt.Errorf("run %s of %s has no history", runID, workflowID)
		}
		next := events[len(events)-1].GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId()
		if next == "" {
			return cost, runs, nil
		}
		runID = next
	}
	return Cost{}, 0, errors.New("the continue-as-new chain does not end")
}

// serverActions reads the Temporal server's `action` counters of the default
// namespace from its Prometheus endpoint: the heartbeats that reached the
// server, and all actions the server counted.
func serverActions(ctx context.Context, metricsURL string) (heartbeats, all float64, err error) {
	if metricsURL == "" {
		return 0, 0, errors.New("no metrics endpoint")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "action{") || !strings.Contains(line, `namespace="default"`) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			continue
		}
		all += v
		if strings.Contains(line, `action_type="grpc_RecordActivityTaskHeartbeat`) {
			heartbeats += v
		}
	}
	return heartbeats, all, sc.Err()
}

// row19: Temporal cost per changed order of an export of Row3 changed orders:
// history events and billable actions per order, server CPU per 1,000 orders.
func (b *bench) row19(ctx context.Context) *Row {
	r := &Row{N: 19, What: "Temporal cost per changed order: history events, billable actions (as Temporal Cloud counts them), server CPU per 1,000 orders",
		Target: "events ≤ 1.0, actions ≤ 0.5 per changed order; server CPU ≤ 5 s per 1,000 (dev server)"}
	n := b.sz.Row3
	shop := "bench-r19"
	if _, _, _, err := b.exportSetup(ctx, shop, 15_000_000, n, true, sandbox.Options{}); err != nil {
		return r.fail(err)
	}
	hb0, all0, mErr := serverActions(ctx, b.s.metricsURL)
	cpu0 := b.s.cpu()
	start := time.Now()
	run, err := b.export(ctx, workflows.ShippingSyncInput{ShopID: shop})
	if err != nil {
		return r.fail(err)
	}
	cpu1 := b.s.cpu()
	wall := time.Since(start)
	if err := checkExport(run.res, n, n, 0); err != nil {
		return r.fail(err)
	}
	hb1, all1, mErr2 := serverActions(ctx, b.s.metricsURL)
	cost, runs, err := chainCost(ctx, b.s.tc, workflows.ShippingSyncID(shop), run.firstRunID)
	if err != nil {
		return r.fail(err)
	}
	k := float64(n)
	serverCPU := (cpu1.temporal - cpu0.temporal).Seconds() / (k / 1000)
	heartbeats, hbText := 0.0, "heartbeats not counted (no server metrics)"
	if mErr == nil && mErr2 == nil {
		heartbeats = hb1 - hb0
		hbText = fmt.Sprintf("%.0f heartbeats (server metric); the server's own `action` counter: %.0f", heartbeats, all1-all0)
	}
	actions := float64(cost.Actions) + heartbeats
	r.Figures = fmt.Sprintf("%s changed orders in %.1f s, %d run(s): **%.2f events per order** (%s events); **%.3f actions per order** (%s: %d starts, %d activity attempts of which %d retries, %d timers, %d signals, %d upserts, %d local-activity tasks, %s); **%s %.1f CPU s per 1,000 orders** (worker %.1f)",
		commas(int64(n)), wall.Seconds(), runs, float64(cost.Events)/k, commas(cost.Events),
		actions/k, commas(int64(actions)), cost.Starts, cost.ActivityAttempts, cost.Retries, cost.Timers, cost.Signals, cost.Upserts, cost.LocalActivityTasks, hbText,
		cpu1.temporalName, serverCPU, (cpu1.worker-cpu0.worker).Seconds()/(k/1000))
	ok := float64(cost.Events)/k <= 1.0 && actions/k <= 0.5
	if b.s.cluster == nil {
		ok = ok && serverCPU <= 5
	}
	r.judge(ok)
	return r
}
