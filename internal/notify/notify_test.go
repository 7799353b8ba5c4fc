package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/notify/mailtest"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// message renders the opened event of a reconnect notification of shop 「青空雑貨店」.
func message(eventID int64) notify.Message {
	ev := notify.EventOf{ID: eventID, Event: notify.EventOpened, Notification: notify.Notification{ID: 7, ShopID: "aozora",
		Kind: notify.KindReconnect, Summary: "カラーミーショップへの再接続が必要です", Detail: "「取得する」を押してください。",
		FixPath: "/shops/aozora/settings", Occurrences: 1}}
	return notify.Render(ev, shops.Shop{ID: "aozora", Name: "青空雑貨店"}, "http://console.test/")
}

// TestSendMail: a message goes through a real SMTP server to every address it
// accepts, in Japanese with the shop's name and the console link; an address
// the server refuses (550) is reported for good, the others still get it.
func TestSendMail(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Refuse("gone@example.com")
	res, err := notify.SendMail(srv.URL(), "sync@example.com", []string{"staff@example.com", "gone@example.com", "ops@example.com"},
		message(41), "notification-41", 10*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []string{"staff@example.com", "ops@example.com"}, res.Sent)
	assert.Contains(t, res.Refused["gone@example.com"], "550")

	msgs := srv.Wait(1, 5*time.Second)
	require.Len(t, msgs, 1)
	m := msgs[0]
	assert.Equal(t, "sync@example.com", m.From)
	assert.Equal(t, []string{"staff@example.com", "ops@example.com"}, m.To)
	assert.Equal(t, "[colorme-sync] 【要対応】青空雑貨店: カラーミーショップへの再接続が必要です", m.Subject)
	assert.Contains(t, m.Body, "「青空雑貨店」のお知らせです。")
	assert.Contains(t, m.Body, "対処する画面: http://console.test/shops/aozora/settings")
	assert.Equal(t, "<notification-41@colorme-sync>", m.ID)
}

// TestSendMailRefusedOrDown: a server that refuses every address is a
// permanent error (not retried); a server that is down is an error worth
// retrying, and the message goes through once it is back.
func TestSendMailRefusedOrDown(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Refuse("gone@example.com")
	_, err := notify.SendMail(srv.URL(), "sync@example.com", []string{"gone@example.com"}, message(1), "n-1", 10*time.Second)
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err), "%v", err)
	assert.Contains(t, err.Error(), "gone@example.com")

	srv.Stop()
	_, err = notify.SendMail(srv.URL(), "sync@example.com", []string{"staff@example.com"}, message(2), "n-2", 5*time.Second)
	require.Error(t, err)
	assert.False(t, notify.IsPermanent(err), "a server that is down is retried: %v", err)

	require.NoError(t, srv.Restart())
	_, err = notify.SendMail(srv.URL(), "sync@example.com", []string{"staff@example.com"}, message(2), "n-2", 10*time.Second)
	require.NoError(t, err)
	assert.Len(t, srv.Wait(1, 5*time.Second), 1)
}

// TestPostWebhook: the payload is JSON with Slack's text and the structured
// fields; 5xx is retried, 4xx and a plain-http URL off this machine are not.
func TestPostWebhook(t *testing.T) {
	var got []map[string]any
	var keys []string
	status := http.StatusOK
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			got = append(got, m)
		}
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		w.WriteHeader(status)
	}))
	t.Cleanup(rcv.Close)
	ctx := context.Background()

	require.NoError(t, notify.PostWebhook(ctx, rcv.Client(), rcv.URL, message(9)))
	require.Len(t, got, 1)
	assert.Equal(t, "reconnect_needed", got[0]["event"])
	assert.Equal(t, "opened", got[0]["state"])
	assert.Equal(t, map[string]any{"id": "aozora", "name": "青空雑貨店"}, got[0]["shop"])
	assert.Equal(t, "http://console.test/shops/aozora/settings", got[0]["console_url"])
	assert.Contains(t, got[0]["text"], "青空雑貨店")
	assert.EqualValues(t, 9, got[0]["event_id"])
	assert.Equal(t, "colorme-sync-notification-event-9", keys[0])

	status = http.StatusBadGateway
	err := notify.PostWebhook(ctx, rcv.Client(), rcv.URL, message(9))
	require.Error(t, err)
	assert.False(t, notify.IsPermanent(err))

	status = http.StatusNotFound
	err = notify.PostWebhook(ctx, rcv.Client(), rcv.URL, message(9))
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err))

	err = notify.PostWebhook(ctx, rcv.Client(), "http://hooks.example.com/secret-path", message(9))
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err))
	assert.NotContains(t, err.Error(), "secret-path", "a webhook URL is a credential: no error repeats it")
}

// TestReconcile: a problem is sent once; occurrences within the quiet period
// are counted, one after it is sent again; when the condition clears it is
// resolved (復旧) and the open count drops.
func TestReconcile(t *testing.T) {
	ctx := context.Background()
	st := testenv.OpenStore(t)
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "aozora", Name: "青空雑貨店"}))
	notes := notify.NewStore(st.DB())
	kinds := []notify.Kind{notify.KindRunFailed}
	failed := func(run string) []notify.Condition {
		return []notify.Condition{{ShopID: "aozora", Kind: notify.KindRunFailed, Key: "export", Marker: run, Summary: "発送情報の更新が失敗しました"}}
	}
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	quiet := time.Hour
	events := func(at time.Duration, conds []notify.Condition) []notify.Event {
		t.Helper()
		ids, err := notes.Reconcile(ctx, "aozora", kinds, conds, t0.Add(at), quiet)
		require.NoError(t, err)
		var out []notify.Event
		for _, id := range ids {
			ev, err := notes.Event(ctx, id)
			require.NoError(t, err)
			out = append(out, ev.Event)
		}
		return out
	}

	assert.Equal(t, []notify.Event{notify.EventOpened}, events(0, failed("1")))
	assert.Empty(t, events(time.Minute, failed("1")), "the same problem found again is not sent again")
	assert.Empty(t, events(30*time.Minute, failed("2")), "a repeat within the quiet period is folded")
	assert.Equal(t, []notify.Event{notify.EventRepeated}, events(61*time.Minute, failed("2")), "after the quiet period the folded repeat is sent once")
	assert.Empty(t, events(62*time.Minute, failed("2")))

	open, err := notes.Open(ctx, nil)
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Equal(t, 2, open[0].Occurrences)
	counts, err := notes.CountOpen(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"aozora": 1}, counts)

	assert.Equal(t, []notify.Event{notify.EventResolved}, events(70*time.Minute, nil))
	assert.Empty(t, events(71*time.Minute, nil))
	counts, err = notes.CountOpen(ctx)
	require.NoError(t, err)
	assert.Empty(t, counts)

	assert.Equal(t, []notify.Event{notify.EventOpened}, events(80*time.Minute, failed("3")), "a problem back after 復旧 is a new one")

	pending, err := notes.PendingEvents(ctx, 100)
	require.NoError(t, err)
	assert.Len(t, pending, 4)
	require.NoError(t, notes.MarkDispatched(ctx, pending[:3]))
	pending, err = notes.PendingEvents(ctx, 100)
	require.NoError(t, err)
	assert.Len(t, pending, 1)
}

// TestDetect finds a shop's problems from its state: reconnecting, a failed
// run, a sale failing in N consecutive exports, flagged orders.
func TestDetect(t *testing.T) {
	ctx := context.Background()
	st := testenv.OpenStore(t)
	sh := shops.Shop{ID: "aozora", Name: "青空雑貨店", Settings: shops.DefaultSettings()}
	sh.Settings.NotifySaleFailures = 2
	require.NoError(t, st.Shops.CreateShop(ctx, sh))
	require.NoError(t, st.Shops.SetAccessToken(ctx, "aozora", "token-for-detect"))
	run := func(key string, status oms.RunStatus, failedSales ...int64) int64 {
		id, err := st.StartRun(ctx, oms.Run{ShopID: "aozora", Kind: oms.KindExport, RunKey: key, Trigger: oms.TriggerScheduled, WindowDays: 3})
		require.NoError(t, err)
		var outs []oms.Outcome
		for _, s := range failedSales {
			outs = append(outs, oms.Outcome{SaleID: s, Outcome: "failed", Reason: "ColorMe refused the update"})
		}
		require.NoError(t, st.RecordOutcomes(ctx, id, outs))
		require.NoError(t, st.FinishRun(ctx, id, oms.RunTotals{Failed: len(failedSales)}, status, map[bool]string{true: "ColorMe is down"}[status == oms.RunFailed]))
		return id
	}
	kinds := func() map[notify.Kind]notify.Condition {
		shop, err := st.Shops.Shop(ctx, "aozora")
		require.NoError(t, err)
		conds, err := notify.Detect(ctx, st, shop, time.Now(), nil)
		require.NoError(t, err)
		out := map[notify.Kind]notify.Condition{}
		for _, c := range conds {
			out[c.Kind] = c
		}
		return out
	}
	assert.Empty(t, kinds())

	run("r1", oms.RunCompleted, 1001, 1002)
	assert.Empty(t, kinds(), "one failure is not yet N=2 consecutive ones")
	last := run("r2", oms.RunFailed, 1002)
	got := kinds()
	require.Contains(t, got, notify.KindSaleFailing)
	assert.Equal(t, []int64{1002}, got[notify.KindSaleFailing].Sales)
	assert.Contains(t, got[notify.KindSaleFailing].Summary, "1件の受注が2回続けて")
	require.Contains(t, got, notify.KindRunFailed)
	assert.Equal(t, last, got[notify.KindRunFailed].RunID)
	assert.Contains(t, got[notify.KindRunFailed].Detail, "ColorMe is down")

	run("r3", oms.RunCompleted)
	assert.Empty(t, kinds(), "a completed run without failures clears both")

	require.NoError(t, st.Shops.MarkReconnectNeeded(ctx, "aozora", "401010 invalid token"))
	got = kinds()
	require.Contains(t, got, notify.KindReconnect)
	assert.Equal(t, "/shops/aozora/settings", got[notify.KindReconnect].FixPath)
	assert.True(t, strings.Contains(got[notify.KindReconnect].Detail, "「取得する」"))
}
