package chaos_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// Stale reads in the fault table: ColorMe's reads lag its writes by
// staleDelay; the worker's stale-read window (COLORME_STALE_READ_WINDOW) is
// a little longer.
const (
	staleDelay  = 2 * time.Second
	staleWindow = "3s"
)

// TestStaleReadsWorkerKilled: with reads lagging writes, answers lost after
// the write or mail was applied and 5xx, the worker is SIGKILLed mid-export
// and restarted, and a second export starts the moment the first ends (its
// first reads fall inside the lag). Every retry that re-reads to decide what
// an earlier attempt wrote or mailed reads after the window: no PUT repeated,
// no sale mailed twice, none lost.
func TestStaleReadsWorkerKilled(t *testing.T) {
	e := newEnv(t, "")
	n := 300
	e.shop(t, "stale", n)
	e.sandbox.SetStaleReads(staleDelay)
	e.sandbox.SetLatency(10 * time.Millisecond)
	e.sandbox.SetFaults(sandbox.Faults{ErrorRate: 0.05, AfterWriteErrorRate: 0.15, Seed: 21})
	e.workerEnv = []string{"COLORME_STALE_READ_WINDOW=" + staleWindow}
	logFile := filepath.Join(t.TempDir(), "worker.log")
	w := e.startWorkerProcess(t, logFile)
	c := teststack.DevServer.Client()
	start := time.Now()
	run := e.start(t, c, "stale", true)
	e.waitWrites(t, n/3)
	killedAt := e.sandbox.Counters().Writes
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_ = w.Wait()
	e.startWorkerProcess(t, logFile)
	res := result(t, c, run)
	require.Equal(t, n, res.Updated)
	require.Equal(t, n, res.Mails)

	// The next export at once: every sale was written within the lag of its reads.
	again := result(t, c, e.start(t, c, "stale", true))
	e.sandbox.SetFaults(sandbox.Faults{})
	require.Zero(t, again.Updated, "the second export finds everything written")
	require.Zero(t, again.Mails)
	e.checkAllShipped(t, n, true) // no no-op PUT, one mail per sale
	cs := e.sandbox.Counters()
	require.Equal(t, n, cs.WritesApplied, "each sale written once (the other PUTs failed before ColorMe applied them)")
	maxMails := 0
	for _, m := range cs.MailsBySale {
		maxMails = max(maxMails, m)
	}
	logs, err := os.ReadFile(logFile)
	require.NoError(t, err)
	require.NotContains(t, string(logs), token, "the access token must never be logged")
	report(t, fmt.Sprintf("reads lag writes by %s (window %s); 15 %% answers lost after the write or mail, 5 %% 5xx; worker SIGKILLed after %d of %d writes, restarted; a second export at once", staleDelay, staleWindow, killedAt, n),
		"0 double mails; 0 repeated or lost writes; the second export writes and mails nothing",
		fmt.Sprintf("%d sales, %d PUTs (%d applied, %d no-op), %d mails (max %d per sale), %d stale reads served, %d faults; run 2: %d updated, %d mails; %s",
			n, cs.Writes, cs.WritesApplied, cs.NoopWrites, cs.Mails, maxMails, cs.StaleReads, cs.Faults, again.Updated, again.Mails, time.Since(start).Round(time.Second)))
}
