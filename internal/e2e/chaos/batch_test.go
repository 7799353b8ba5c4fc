package chaos_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// TestBatchHalfWrittenWorkerKilled kills the worker (SIGKILL) while a page's
// UpdateSales batch is half-written: 150 of 300 sales written means the
// second page of 100 is in the middle of its batch. The batch is retried on
// the new worker from its last heartbeat; the sales the heartbeat did not yet
// record are re-read first, so none is written twice, none is lost and no sale
// gets a second mail.
func TestBatchHalfWrittenWorkerKilled(t *testing.T) {
	e := newEnv(t, "")
	n := 300
	e.shop(t, "halfbatch", n)
	e.sandbox.SetLatency(40 * time.Millisecond)
	logFile := filepath.Join(t.TempDir(), "worker.log")
	w := e.startWorkerProcess(t, logFile)
	c := teststack.DevServer.Client()
	start := time.Now()
	run := e.start(t, c, "halfbatch", true)
	e.waitWrites(t, n/2)
	killedAt := e.sandbox.Counters().Writes
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_ = w.Wait()
	e.startWorkerProcess(t, logFile)
	res := result(t, c, run)
	e.checkAllShipped(t, n, true)
	require.Equal(t, n, res.Updated)
	require.Equal(t, n, res.Mails)
	c2 := e.sandbox.Counters()
	for id, mails := range c2.MailsBySale {
		require.LessOrEqual(t, mails, 1, "sale %d got %d mails", id, mails)
	}
	batches, retried, singles := batchAttempts(t, c, run)
	require.Positive(t, retried, "the batch under way at the kill was retried")
	report(t, fmt.Sprintf("worker SIGKILLed mid-batch (after %d of %d writes: page 2 of 100 half-written; send_mail on), restarted", killedAt, n),
		"the half-written batch resumes from its heartbeat; every sale delivered; 0 repeated writes; 0 losses; one mail per sale",
		fmt.Sprintf("%d sales, %d PUTs, %d no-op PUTs, %d mails (max 1 per sale); %d UpdateSales batches, %d retried after the kill, %d single UpdateSale; %s",
			n, c2.Writes, c2.NoopWrites, c2.Mails, batches, retried, singles, time.Since(start).Round(time.Second)))
}

// batchAttempts counts the export's UpdateSales batches, those that ran more
// than one attempt, and the UpdateSale activities of single sales.
func batchAttempts(t *testing.T, c client.Client, run client.WorkflowRun) (batches, retried, singles int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, run.GetID(), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	types := map[int64]string{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			types[ev.GetEventId()] = a.GetActivityType().GetName()
			switch a.GetActivityType().GetName() {
			case "UpdateSales":
				batches++
			case "UpdateSale":
				singles++
			}
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && types[a.GetScheduledEventId()] == "UpdateSales" && a.GetAttempt() > 1 {
			retried++
		}
	}
	return batches, retried, singles
}
