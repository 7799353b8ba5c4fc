package consolerunflow_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatusSaysWorker: 稼働状況 says once, at the top, whether a worker polls
// the task queue: 稼働中 with the last poll while the stack's worker runs, and
// prominently, with whom to ask, when none polls the console's queue.
func TestStatusSaysWorker(t *testing.T) {
	t.Run("worker", func(t *testing.T) {
		s := workerSite(t, "status-worker")
		p := s.get("/status")
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		w := workerLine(t, p.Body)
		assert.Regexp(t, `^<p class="card" id="worker" data-state="polling">処理を実行するワーカー: <span class="ok">稼働中</span> <span class="muted">\(最終確認 [0-9]+秒前\)</span></p>$`, w)
		assert.NotContains(t, p.Body, "ワーカーが動いていません")
		assert.Less(t, strings.Index(p.Body, `id="worker"`), strings.Index(p.Body, `id="status-status-worker"`), "at the top, before the shop")
	})
	t.Run("no worker", func(t *testing.T) {
		s := noWorkerSite(t, "status-noworker")
		start := time.Now()
		p := s.get("/status")
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		assert.Less(t, time.Since(start), 10*time.Second, "answers within seconds")
		assert.Equal(t, `<p class="error" id="worker" role="alert" data-state="stopped">ワーカーが動いていません (最後の応答: 応答なし)。`+
			`自動処理 (受注取得・発送情報の更新・在庫連携) は実行されません。システム担当者にワーカー (bin/worker) の起動を依頼してください。</p>`,
			workerLine(t, p.Body))
		assert.NotContains(t, p.Body, "稼働中")
		assert.Contains(t, p.Body, `id="status-status-noworker"`, "the shops show all the same")
	})
}

// workerLine is the worker's line at the top of 稼働状況, exactly once.
func workerLine(t *testing.T, body string) string {
	t.Helper()
	m := workerP.FindAllString(body, -1)
	require.Len(t, m, 1, "the worker is said once, not per shop: %s", body)
	return m[0]
}

var workerP = regexp.MustCompile(`(?s)<p [^>]*id="worker"[^>]*>.*?</p>`)
