// Package notifyflow_test runs staff notifications end to end on the real
// stack (Temporal dev server, PostgreSQL, ColorMe sandbox): the worker's
// monitor and delivery worker as bin/worker starts them, mail through a real
// SMTP server, webhooks to a local receiver, and the console's watchdog.
package notifyflow_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/notify/mailtest"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// receiver is a local webhook receiver keeping every JSON post.
type receiver struct {
	mu    sync.Mutex
	posts []map[string]any
	srv   *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			r.mu.Lock()
			r.posts = append(r.posts, m)
			r.mu.Unlock()
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// wait returns the posts once there are n, or what there is after timeout.
func (r *receiver) wait(n int, timeout time.Duration) []map[string]any {
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		out := append([]map[string]any(nil), r.posts...)
		r.mu.Unlock()
		if len(out) >= n || time.Now().After(deadline) {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// notifyEnv points the notification settings of the processes at the test's
// SMTP server, with short intervals.
func notifyEnv(t *testing.T, mail *mailtest.Server) {
	t.Setenv("SMTP_URL", mail.URL())
	t.Setenv("NOTIFY_FROM", "colorme-sync@example.com")
	t.Setenv("CONSOLE_PUBLIC_URL", "http://console.example.test")
	t.Setenv("NOTIFY_CHECK_INTERVAL", "1s")
	t.Setenv("NOTIFY_NO_WORKER_AFTER", "3s")
}

// shopWithChannels adds a connected shop 「青空雑貨店」 notifying mail and receiver.
func shopWithChannels(t *testing.T, stack *teststack.Stack, id string, rcv *receiver) {
	t.Helper()
	ctx := context.Background()
	stack.AddShop(t, id)
	sh, err := stack.Store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	sh.Name = "青空雑貨店"
	for k, v := range map[string]string{"notify_email": "staff@example.com", "notify_webhook_url": rcv.srv.URL} {
		require.NoError(t, sh.Set(k, v))
	}
	require.NoError(t, stack.Store.Shops.UpdateShop(ctx, sh))
}

// TestReconnectNotification: the sandbox revokes the shop's token; within a
// minute of the failed export, one mail and one webhook name the shop and
// say what to do; after reconnecting, the 復旧 message follows on both, and
// nothing is sent twice.
func TestReconnectNotification(t *testing.T) {
	stack := teststack.New(t)
	mail := mailtest.Start(t)
	rcv := newReceiver(t)
	notifyEnv(t, mail)
	shopWithChannels(t, stack, "aozora", rcv)
	orders, sales := demo.Generate(20, 42, 700001, time.Now())
	require.NoError(t, stack.Store.UpsertOrders(context.Background(), "aozora", orders))
	stack.Sandbox.Seed(sales...)

	// The worker as bin/worker starts it: the main worker with the monitor,
	// and the delivery worker.
	stack.Worker.Stop()
	w := app.NewWorker(stack.Client, stack.Config, app.Activities(stack.Config, stack.Store, nil))
	stop, err := app.StartNotifications(context.Background(), stack.Client, stack.Config, stack.Store, w)
	require.NoError(t, err)
	t.Cleanup(stop)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	stack.Sandbox.RevokeToken(teststack.Token)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: "aozora"})
	require.NoError(t, err)
	require.Error(t, run.Get(ctx, nil))
	failedAt := time.Now()

	msgs := mail.Wait(1, time.Minute)
	posts := rcv.wait(1, time.Until(failedAt.Add(time.Minute)))
	require.Len(t, msgs, 1, "one mail within a minute")
	require.Len(t, posts, 1, "one webhook within a minute")
	assert.Less(t, time.Since(failedAt), time.Minute)
	t.Logf("mail and webhook %s after the failed export", time.Since(failedAt).Round(100*time.Millisecond))
	assert.Equal(t, []string{"staff@example.com"}, msgs[0].To)
	assert.Contains(t, msgs[0].Subject, "青空雑貨店")
	assert.Contains(t, msgs[0].Subject, "再接続が必要です")
	assert.Contains(t, msgs[0].Body, "「取得する」を押して接続し直してください")
	assert.Contains(t, msgs[0].Body, "http://console.example.test/shops/aozora/settings")
	assert.Equal(t, "reconnect_needed", posts[0]["event"])
	assert.Equal(t, "opened", posts[0]["state"])
	assert.Equal(t, map[string]any{"id": "aozora", "name": "青空雑貨店"}, posts[0]["shop"])
	assert.Contains(t, posts[0]["text"], "「取得する」")
	assert.NotContains(t, msgs[0].Body, teststack.Token)

	// Reconnect (as 「取得する」 or `starter shop set-token` stores a new token).
	const fresh = "sandbox-token-after-reconnect-7d1e"
	stack.Sandbox.AddToken(fresh)
	require.NoError(t, stack.Store.Shops.SetAccessToken(ctx, "aozora", fresh))

	msgs = mail.Wait(2, time.Minute)
	posts = rcv.wait(2, time.Minute)
	require.Len(t, msgs, 2)
	require.Len(t, posts, 2)
	assert.Contains(t, msgs[1].Subject, "【復旧】青空雑貨店")
	assert.Contains(t, msgs[1].Body, "復旧しました")
	assert.Equal(t, "resolved", posts[1]["state"])
	assert.Equal(t, posts[0]["notification_id"], posts[1]["notification_id"])

	// Nothing more: no duplicate, and the failed 401 run is not a second problem.
	time.Sleep(4 * time.Second)
	assert.Len(t, mail.Messages(), 2)
	assert.Len(t, rcv.wait(3, 0), 2)
}

// TestNoWorkerWatchdog: the console's watchdog, on a task queue no worker
// polls, tells staff after NOTIFY_NO_WORKER_AFTER through its own delivery
// worker, and sends 復旧 once a worker polls again.
func TestNoWorkerWatchdog(t *testing.T) {
	stack := teststack.New(t)
	mail := mailtest.Start(t)
	rcv := newReceiver(t)
	notifyEnv(t, mail)
	shopWithChannels(t, stack, "aozora", rcv)
	// The console watches a task queue whose worker is not running.
	cfg := stack.Config
	cfg.TaskQueue = "no-worker-" + time.Now().Format("150405.000000")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stop, err := app.StartConsoleNotifications(ctx, stack.Client, cfg, stack.Store, logger)
	require.NoError(t, err)
	t.Cleanup(stop)

	msgs := mail.Wait(1, 2*time.Minute)
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0].Subject, "ワーカー")
	assert.Contains(t, msgs[0].Body, "bin/worker")
	posts := rcv.wait(1, 30*time.Second)
	require.Len(t, posts, 1)
	assert.Equal(t, "no_worker", posts[0]["event"])

	w := worker.New(stack.Client, cfg.TaskQueue, worker.Options{})
	app.Register(w, app.Activities(cfg, stack.Store, nil))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	msgs = mail.Wait(2, 2*time.Minute)
	require.Len(t, msgs, 2)
	assert.Contains(t, msgs[1].Subject, "【復旧】")
	assert.Equal(t, "resolved", rcv.wait(2, 30*time.Second)[1]["state"])
}
