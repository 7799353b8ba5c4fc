package workflows_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/notify/mailtest"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// notifyWorld is a shop whose token was refused, with its notification
// channels: a real SMTP server and a webhook receiver that fails the first
// failHook posts with 503.
type notifyWorld struct {
	st    *stores.Stores
	mail  *mailtest.Server
	posts atomic.Int32 // posts the receiver accepted
	tries atomic.Int32 // posts it received
	acts  *activities.Notify
	event int64
}

func newNotifyWorld(t *testing.T, failHook int32, emails string) *notifyWorld {
	t.Helper()
	ctx := context.Background()
	w := &notifyWorld{st: testenv.OpenStore(t), mail: mailtest.Start(t)}
	rcv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		if w.tries.Add(1) <= failHook {
			rw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.posts.Add(1)
	}))
	t.Cleanup(rcv.Close)
	sh := shops.Shop{ID: "aozora", Name: "青空雑貨店", Settings: shops.DefaultSettings()}
	sh.Settings.NotifyEmail, sh.Settings.NotifyWebhookURL = emails, rcv.URL
	require.NoError(t, w.st.Shops.CreateShop(ctx, sh))
	require.NoError(t, w.st.Shops.SetAccessToken(ctx, "aozora", "token-notify-test"))
	require.NoError(t, w.st.Shops.MarkReconnectNeeded(ctx, "aozora", "401010"))
	notes := notify.NewStore(w.st.DB())
	shop, err := w.st.Shops.Shop(ctx, "aozora")
	require.NoError(t, err)
	conds, err := notify.Detect(ctx, w.st, shop, time.Now(), nil)
	require.NoError(t, err)
	evs, err := notes.Reconcile(ctx, "aozora", notify.ShopKinds, conds, time.Now(), time.Hour)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	w.event = evs[0]
	w.acts = &activities.Notify{Store: w.st, Notes: notes, HTTPClient: rcv.Client(),
		Config: notify.Config{SMTPURL: w.mail.URL(), From: "sync@example.com", ConsoleURL: "http://console.test", Quiet: time.Hour}}
	return w
}

func (w *notifyWorld) deliver(t *testing.T) workflows.DeliverNotificationResult {
	t.Helper()
	env := testenv.WorkflowEnv()
	env.RegisterActivity(w.acts)
	env.ExecuteWorkflow(workflows.DeliverNotification, workflows.DeliverNotificationInput{EventID: w.event})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.DeliverNotificationResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

// TestDeliverNotification: one mail and one webhook post; a webhook that is
// down is retried until it takes the post; delivering the same event again
// (a retried workflow) sends nothing twice.
func TestDeliverNotification(t *testing.T) {
	w := newNotifyWorld(t, 2, "staff@example.com")
	res := w.deliver(t)
	assert.Equal(t, activities.DeliverResult{Sent: 1}, res.Mail)
	assert.Equal(t, activities.DeliverResult{Sent: 1}, res.Webhook)
	assert.Empty(t, res.MailError+res.WebhookError)
	assert.EqualValues(t, 3, w.tries.Load(), "two 503s, then the post")
	assert.EqualValues(t, 1, w.posts.Load())
	msgs := w.mail.Wait(1, 5*time.Second)
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0].Subject, "青空雑貨店")
	assert.Contains(t, msgs[0].Body, "「取得する」")

	again := w.deliver(t)
	assert.Equal(t, activities.DeliverResult{Already: 1}, again.Mail)
	assert.Equal(t, activities.DeliverResult{Already: 1}, again.Webhook)
	assert.EqualValues(t, 1, w.posts.Load())
	assert.Len(t, w.mail.Messages(), 1)
}

// TestDeliverNotificationBadAddress: an address the mail server refuses is
// reported once, not retried, and shown with the open notification; the
// webhook still goes out.
func TestDeliverNotificationBadAddress(t *testing.T) {
	w := newNotifyWorld(t, 0, "gone@example.com")
	w.mail.Refuse("gone@example.com")
	res := w.deliver(t)
	assert.Contains(t, res.MailError, "gone@example.com")
	assert.Equal(t, activities.DeliverResult{Sent: 1}, res.Webhook)
	assert.Empty(t, w.mail.Messages())

	open, err := notify.NewStore(w.st.DB()).Open(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Contains(t, open[0].Failed, "gone@example.com")
}

// TestNotifyMonitor: the monitor checks every interval and continues as new
// after its checks; its check records the shop's problem and dispatches it.
func TestNotifyMonitor(t *testing.T) {
	w := newNotifyWorld(t, 0, "")
	var dispatched []int64
	w.acts.Dispatch = func(_ context.Context, ids []int64) ([]int64, error) {
		dispatched = append(dispatched, ids...)
		return ids, nil
	}
	env := testenv.WorkflowEnv()
	env.RegisterActivity(w.acts)
	env.ExecuteWorkflow(workflows.NotifyMonitor, workflows.NotifyMonitorInput{Interval: time.Minute, Checks: 3})
	require.True(t, env.IsWorkflowCompleted())
	require.Error(t, env.GetWorkflowError())
	assert.Contains(t, env.GetWorkflowError().Error(), "continue as new")
	assert.Equal(t, []int64{w.event}, dispatched, "the event is dispatched once, not at every check")
}
