package record_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/notify/mailtest"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func init() {
	scenarios = append(scenarios,
		// 在庫連携: the catalogue imports (one SKU mapped, one without 型番),
		// a stock file sets the on-hand quantity, a push writes it to ColorMe.
		scenario{"stock", func(r *rec) {
			r.stack.AddShop(r.t, "stk")
			r.stack.Sandbox.SeedProducts(
				colorme.Product{ID: 201, Name: "Tシャツ", ModelNumber: "TS-001", StockManaged: true, Stocks: 3},
				colorme.Product{ID: 202, Name: "型番なし", StockManaged: true, Stocks: 1})
			ctx := r.ctx()
			cat, err := app.StartStockCatalogue(ctx, r.stack.Client, r.stack.Config, workflows.StockCatalogueInput{ShopID: "stk"})
			require.NoError(r.t, err)
			r.finish(cat, false)
			r.save("-catalogue", cat.GetID(), cat.GetRunID())
			_, err = stock.New(r.stack.Store).SetOnHand(ctx, "stk", map[string]int64{"TS-001": 10}, "recorder", stock.ReasonFile)
			require.NoError(r.t, err)
			push, err := app.StartStockPush(ctx, r.stack.Client, r.stack.Config, workflows.StockPushInput{ShopID: "stk", StaleWindow: time.Second})
			require.NoError(r.t, err)
			r.finish(push, false)
			r.save("-push", push.GetID(), push.GetRunID())
		}},
		// A push of a shop whose token ColorMe refuses fails.
		scenario{"stock-revoked", func(r *rec) {
			r.stack.AddShop(r.t, "stkrevoked")
			r.stack.Sandbox.RevokeToken(r.ownToken("stkrevoked"))
			push, err := app.StartStockPush(r.ctx(), r.stack.Client, r.stack.Config, workflows.StockPushInput{ShopID: "stkrevoked", StaleWindow: time.Second})
			require.NoError(r.t, err)
			r.finish(push, true)
			r.save("", push.GetID(), push.GetRunID())
		}},
		scenario{"notify", recordNotify},
	)
}

// recordNotify: a shop to reconnect; the monitor (two checks a run) finds it
// and starts its delivery, which mails it and posts it to a webhook that
// answers 503 once (a retried activity).
func recordNotify(r *rec) {
	ctx := context.Background()
	mail := mailtest.Start(r.t)
	var posts atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if posts.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	r.t.Cleanup(hook.Close)
	r.stack.AddShop(r.t, "note")
	r.settings("note", func(s *shops.ShopSettings) { s.NotifyEmail, s.NotifyWebhookURL = "staff@example.com", hook.URL })
	require.NoError(r.t, r.stack.Store.Shops.MarkReconnectNeeded(ctx, "note", "401010"))

	cfg := r.stack.Config
	cfg.TaskQueue += "-notify"
	ncfg := notify.Config{SMTPURL: mail.URL(), From: "sync@example.com", ConsoleURL: "http://console.test", Quiet: time.Hour}
	acts := app.NotifyActivities(cfg, ncfg, r.stack.Store, r.stack.Client, hook.Client())
	mw := worker.New(r.stack.Client, cfg.TaskQueue, worker.Options{})
	app.RegisterNotifyMonitor(mw, acts)
	nw := app.NewNotifyWorker(r.stack.Client, cfg, acts)
	for _, w := range []worker.Worker{mw, nw} {
		require.NoError(r.t, w.Start())
		r.t.Cleanup(w.Stop)
	}
	id := workflows.NotifyMonitorID(cfg.TaskQueue)
	run := r.start(client.StartWorkflowOptions{ID: id, TaskQueue: cfg.TaskQueue}, workflows.NotifyMonitor,
		workflows.NotifyMonitorInput{Interval: 500 * time.Millisecond, Checks: 2})
	first := run.GetRunID()
	r.t.Cleanup(func() { _ = r.stack.Client.TerminateWorkflow(context.Background(), id, "", "recorded") })
	require.Eventually(r.t, func() bool {
		d, err := r.stack.Client.DescribeWorkflow(ctx, id, first)
		return err == nil && d.RawResponse.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
	}, time.Minute, 100*time.Millisecond, "the monitor never continued as new")
	r.write("notify-monitor.json", r.history(id, first))

	var ids []int64
	require.NoError(r.t, r.stack.Store.DB().Table("notification_events").Order("id").Pluck("id", &ids).Error)
	require.NotEmpty(r.t, ids, "the monitor recorded no event")
	ev, err := notify.NewStore(r.stack.Store.DB()).Event(ctx, ids[0])
	require.NoError(r.t, err)
	del := r.stack.Client.GetWorkflow(r.ctx(), workflows.DeliverNotificationID(cfg.TaskQueue, ids[0], ev.At), "")
	var res workflows.DeliverNotificationResult
	require.NoError(r.t, del.Get(r.ctx(), &res))
	require.Equal(r.t, 1, res.Mail.Sent, "%+v", res)
	require.Equal(r.t, 1, res.Webhook.Sent, "%+v", res)
	r.save("-delivery", del.GetID(), del.GetRunID())
}

// write writes one run's history into the scenario's directory.
func (r *rec) write(file string, h *historypb.History) {
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(r.t, err)
	require.NoError(r.t, os.WriteFile(filepath.Join(r.dir, file), append(b, '\n'), 0o644))
	r.t.Logf("%s: %d events", file, len(h.Events))
}
