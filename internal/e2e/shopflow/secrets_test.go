package shopflow_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/proto"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// syncBuffer is a bytes.Buffer safe for the worker's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoSecretInHistoryOrLogs runs a shop's whole life on a worker whose logs
// (the SDK's and the activities', at debug level) are captured: connect through
// OAuth, scheduled and manual exports, a revoked token, a reconnection. Then it
// fetches the history of every workflow in the namespace and searches it, the
// schedules and the logs for the client secret and both access tokens.
func TestNoSecretInHistoryOrLogs(t *testing.T) {
	ctx := context.Background()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// The store is opened with a key this test knows, so the starter command can
	// be run against the same database at the end.
	dsn := testenv.PostgresDSN(t)
	key := secrets.GenerateKey()
	sealer, err := secrets.NewSealer(key)
	require.NoError(t, err)
	st, err := stores.Open(ctx, dsn, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cfg, err := config.Load()
	require.NoError(t, err)
	cfg.TemporalAddress = teststack.DevServer.FrontendHostPort()
	cfg.TaskQueue = randomID("secrets")
	cfg.BudgetPerMinute = 0
	c, err := client.Dial(client.Options{HostPort: cfg.TemporalAddress, Namespace: "default", Logger: tlog.NewStructuredLogger(logger)})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	w := app.NewWorker(c, cfg, app.Activities(cfg, st, srv.Client()))
	require.NoError(t, w.Start())
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			w.Stop()
		}
	}
	t.Cleanup(stop)

	id := randomID("secret")
	secret := "client-secret-" + randomID("cs")
	oauthShop(t, st, sb, srv.URL, id, secret, redirectURL)
	deleteSchedules(t, c, id)
	seedOrders(t, st, sb, id, 15, 850001)
	setSettings(t, st, id, func(s *shops.ShopSettings) { s.ExportIntervalMinutes, s.ImportIntervalMinutes = daily, daily })
	m := schedules.New(c, cfg.TaskQueue)
	flow := &connect.Flow{Store: st, HTTPClient: srv.Client(), AfterConnect: func(ctx context.Context, s shops.Shop) error {
		_, err := m.Apply(ctx, s)
		return err
	}}
	logger.Info("test: connecting") // the logs are live
	_, code1 := connectShop(t, flow, id)
	token1, err := st.Shops.AccessToken(ctx, id)
	require.NoError(t, err)

	// An import, then a scheduled export, then a manual one (which finds nothing left to write).
	imp, err := app.StartImport(ctx, c, cfg, workflows.OrderImportInput{ShopID: id})
	require.NoError(t, err)
	require.NoError(t, imp.Get(ctx, nil))

	r, err := m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	res, err := scheduledExportResult(t, c, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	require.NotNil(t, res.Export)
	run, err := app.StartExport(ctx, c, cfg, workflows.ShippingSyncInput{ShopID: id, Trigger: "manual"})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	// Revoked: the run fails, the shop is marked, the schedules are paused.
	sb.RevokeToken(token1)
	seedOrders(t, st, sb, id, 5, 851001) // something to write, so the token is used
	r, err = m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	_, err = scheduledExportResult(t, c, r.WorkflowID, r.RunID)
	require.Error(t, err)

	// Reconnect and run again with the new token.
	_, code2 := connectShop(t, flow, id)
	token2, err := st.Shops.AccessToken(ctx, id)
	require.NoError(t, err)
	require.NotEqual(t, token1, token2)
	r, err = m.Trigger(ctx, id, oms.KindExport)
	require.NoError(t, err)
	_, err = scheduledExportResult(t, c, r.WorkflowID, r.RunID)
	require.NoError(t, err)
	stop() // flush the worker's logs

	needles := map[string]string{"client secret": secret, "access token 1": token1, "access token 2": token2,
		"authorization code 1": code1, "authorization code 2": code2}

	// Every workflow in the namespace, every event, as raw protobuf (payloads
	// verbatim) and as text.
	workflowsSeen, events, historyBytes, shopHits := 0, 0, 0, 0
	hits := map[string]int{}
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 100, NextPageToken: token})
		require.NoError(t, err)
		for _, ex := range resp.Executions {
			workflowsSeen++
			it := c.GetWorkflowHistory(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				require.NoError(t, err)
				events++
				raw, err := proto.Marshal(ev)
				require.NoError(t, err)
				text := string(raw) + ev.String()
				historyBytes += len(text)
				shopHits += strings.Count(text, `"`+id+`"`) // control: payloads are searched verbatim
				for name, n := range needles {
					hits["history: "+name] += strings.Count(text, n)
				}
			}
			// Memo and search attributes as listed.
			listed, err := proto.Marshal(ex)
			require.NoError(t, err)
			for name, n := range needles {
				hits["workflow list: "+name] += strings.Count(string(listed), n)
			}
		}
		if token = resp.NextPageToken; len(token) == 0 {
			break
		}
	}
	schedText := ""
	for _, kind := range schedules.Kinds {
		d := describe(t, c, schedules.ID(kind, id))
		schedText += d.Schedule.State.Note + d.Memo.String() + d.SearchAttributes.String()
	}
	logText := logs.String()
	for name, n := range needles {
		hits["schedules: "+name] += strings.Count(schedText, n)
		hits["worker logs: "+name] += strings.Count(logText, n)
	}
	// Every text column of every table in the database, read in plain SQL: the
	// secrets live only in their sealed columns.
	columns := plainColumnHits(t, st, needles, hits)
	// What the starter prints about the shop, its runs and schedules.
	starterOut := runStarter(t, dsn, key, cfg, "shop show -shop "+id, "shop list", "runs -shop "+id, "schedule list -shop "+id)
	for name, n := range needles {
		hits["starter output: "+name] += strings.Count(starterOut, n)
	}
	t.Logf("secret search also covered %d text columns of the database and %d bytes of starter output", columns, len(starterOut))
	require.Contains(t, starterOut, "****", "the starter masks the secrets it mentions")

	total := 0
	for k, v := range hits {
		total += v
		assert.Zero(t, v, k)
	}
	t.Logf("secret search: %d workflows, %d history events (%d bytes), 2 schedules, %d worker log lines (%d bytes) searched for the client secret, 2 access tokens and 2 authorization codes: %d hits (control: the shop ID found %d times)",
		workflowsSeen, events, historyBytes, strings.Count(logText, "\n"), len(logText), total, shopHits)
	require.Greater(t, workflowsSeen, 4)
	require.Positive(t, shopHits, "the search sees the JSON payloads (the shop ID appears in them)")
	require.Greater(t, strings.Count(logText, "\n"), 1, "the worker's logs were captured")
	require.Contains(t, logText, "shop needs reconnection", "the revoked-token path was logged")
}

// plainColumnHits counts the needles in every text column of the database.
func plainColumnHits(t *testing.T, st *stores.Stores, needles map[string]string, hits map[string]int) int {
	t.Helper()
	type col struct{ Table, Column string }
	var cols []col
	require.NoError(t, st.DB().Raw(`SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json')`).Scan(&cols).Error)
	require.NotEmpty(t, cols)
	for _, c := range cols {
		for name, n := range needles {
			var count int64
			require.NoError(t, st.DB().Raw(fmt.Sprintf(`SELECT count(*) FROM %q WHERE position(? in %q::text) > 0`, c.Table, c.Column), n).Scan(&count).Error)
			hits["database "+c.Table+"."+c.Column+": "+name] += int(count)
		}
	}
	return len(cols)
}

// runStarter builds the starter command and runs each argument line against the
// test's database and Temporal, returning everything it printed.
func runStarter(t *testing.T, dsn, key string, cfg config.Config, lines ...string) string {
	t.Helper()
	root, err := teststack.RepoRoot()
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "starter")
	build := exec.Command("go", "build", "-o", bin, "./starter")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	var all strings.Builder
	for _, line := range lines {
		cmd := exec.Command(bin, strings.Fields(line)...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "COLORME_SYNC_SECRET_KEY="+key,
			"TEMPORAL_ADDRESS="+cfg.TemporalAddress, "TEMPORAL_TASK_QUEUE="+cfg.TaskQueue)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "starter %s: %s", line, out)
		all.Write(out)
	}
	return all.String()
}
