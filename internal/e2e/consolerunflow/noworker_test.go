package consolerunflow_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoWorkerSaysSo: with no worker polling the task queue, 「発送情報の更新」,
// 「プレビュー」 and 今すぐ実行 start nothing and say within seconds what to do,
// instead of leaving staff waiting on a run nobody picks up.
func TestNoWorkerSaysSo(t *testing.T) {
	s := noWorkerSite(t, "noworker")
	shop := s.Shop

	for _, path := range []string{"/shops/" + shop + "/export/start", "/shops/" + shop + "/export/preview"} {
		start := time.Now()
		res := s.post(path, exportForm(3, true))
		assert.Equal(t, http.StatusServiceUnavailable, res.Status, path)
		assert.Contains(t, res.Body, "ワーカーが動いていない", path)
		assert.Less(t, time.Since(start), 20*time.Second, "%s answers within seconds", path)
	}
	runs, err := s.Store.Runs(context.Background(), shop, 10)
	require.NoError(t, err)
	assert.Empty(t, runs, "nothing was started")

	res := s.post("/shops/"+shop+"/schedules/export/run", url.Values{})
	assert.Contains(t, res.Body, "ワーカーが動いていない")
}
