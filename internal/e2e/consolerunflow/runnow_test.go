package consolerunflow_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestRunNowWaitsForChangeExport: 自動書き出しの「今すぐ実行」 while a
// change-triggered export runs tells staff the export runs after it, on the
// 自動処理ログ, where both runs then show.
func TestRunNowWaitsForChangeExport(t *testing.T) {
	s := newSite(t, "runnow-waits", 4)
	ctx := context.Background()
	s.seed(880001, 30)
	sh, err := s.Store.Shops.Shop(ctx, s.Shop)
	require.NoError(t, err)
	sh.Settings.ExportIntervalMinutes, sh.Settings.ExportOnChange = 1440, false // only the test runs it
	require.NoError(t, s.Store.Shops.UpdateShop(ctx, sh))
	sh, err = s.Store.Shops.Shop(ctx, s.Shop)
	require.NoError(t, err)
	_, err = schedules.New(s.Client, s.Config.TaskQueue).Apply(ctx, sh)
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, kind := range schedules.Kinds {
			_ = s.Client.ScheduleClient().GetHandle(context.Background(), schedules.ID(kind, s.Shop)).Delete(context.Background())
		}
	})

	s.Sandbox.SetLatency(2 * time.Second)
	change, err := app.StartExport(ctx, s.Client, s.Config, workflows.ShippingSyncInput{ShopID: s.Shop, Trigger: oms.TriggerChange, Changes: true})
	require.NoError(t, err)
	res := s.post("/shops/"+s.Shop+"/schedules/export/run", url.Values{})
	assert.True(t, strings.HasSuffix(res.URL, "/shops/"+s.Shop+"/runs"), res.URL)
	assert.Contains(t, res.Body, "自動書き出しを受け付けました。変更時の書き出しが実行中のため、それが終わってから実行します。")
	s.Sandbox.SetLatency(0)
	require.NoError(t, change.Get(ctx, nil))
}

// TestRunNowPausedAsksAndNamesWhoRan: 「今すぐ実行」 of a paused schedule runs
// nothing and asks first, as `starter schedule trigger` refuses without -force;
// 「今回だけ実行する」 runs it once, leaves it paused, and the run log names the
// operator who pressed it, not スケジュール.
func TestRunNowPausedAsksAndNamesWhoRan(t *testing.T) {
	s := newSite(t, "runnow-paused", 4)
	ctx := context.Background()
	s.seed(890001, 3)
	sh, err := s.Store.Shops.Shop(ctx, s.Shop)
	require.NoError(t, err)
	sh.Settings.ExportIntervalMinutes, sh.Settings.ExportOnChange = 1440, false // only the test runs it
	require.NoError(t, s.Store.Shops.UpdateShop(ctx, sh))
	sh, err = s.Store.Shops.Shop(ctx, s.Shop)
	require.NoError(t, err)
	m := schedules.New(s.Client, s.Config.TaskQueue)
	_, err = m.Apply(ctx, sh)
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, kind := range schedules.Kinds {
			_ = s.Client.ScheduleClient().GetHandle(context.Background(), schedules.ID(kind, s.Shop)).Delete(context.Background())
		}
	})
	res := s.post("/shops/"+s.Shop+"/schedules/export/pause", url.Values{})
	require.Contains(t, res.Body, "一時停止しました")
	before, err := s.Store.Runs(ctx, s.Shop, 50)
	require.NoError(t, err)

	res = s.post("/shops/"+s.Shop+"/schedules/export/run", url.Values{})
	assert.Contains(t, res.Body, `id="schedule-confirm"`)
	assert.Contains(t, res.Body, "一時停止されています")
	assert.Contains(t, res.Body, "paused by hanako in the console")
	assert.Contains(t, res.Body, `name="force" value="1"`)
	time.Sleep(2 * time.Second)
	after, err := s.Store.Runs(ctx, s.Shop, 50)
	require.NoError(t, err)
	assert.Equal(t, len(before), len(after), "asking ran nothing")

	res = s.post("/shops/"+s.Shop+"/schedules/export/run", url.Values{"force": {"1"}})
	assert.True(t, strings.HasSuffix(res.URL, "/shops/"+s.Shop+"/runs"), res.URL)
	assert.Contains(t, res.Body, "自動書き出しを今すぐ実行しました。")
	assert.Contains(t, res.Body, "一時停止は解除していません。")
	runs, err := s.Store.Runs(ctx, s.Shop, 50)
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	assert.Equal(t, oms.TriggerScheduled, runs[0].Trigger)
	assert.Equal(t, "hanako", runs[0].StartedBy, "the run log names who pressed 今すぐ実行")
	sts, err := m.Describe(ctx, s.Shop)
	require.NoError(t, err)
	for _, x := range sts {
		if x.Kind == oms.KindExport {
			assert.True(t, x.Paused, "a forced run leaves the schedule paused")
		}
	}
}
