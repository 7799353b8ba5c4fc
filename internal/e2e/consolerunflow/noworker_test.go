package consolerunflow_test

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/console"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
)

// TestNoWorkerSaysSo: with no worker polling the task queue, 「発送情報の更新」,
// 「プレビュー」 and 今すぐ実行 start nothing and say within seconds what to do,
// instead of leaving staff waiting on a run nobody picks up.
func TestNoWorkerSaysSo(t *testing.T) {
	stack := teststack.New(t)
	shop := stack.AddShop(t, "noworker")
	cfg := stack.Config
	cfg.TaskQueue = "nobody-polls-" + shop // the stack's worker polls another queue
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	srv, err := console.New(console.Deps{Config: cfg, Store: stack.Store, Temporal: stack.Client, PublicURL: base})
	require.NoError(t, err)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	s := &site{Stack: stack, t: t, URL: base, Shop: shop, Login: "jiro", client: &http.Client{Jar: jar, Timeout: time.Minute}}
	_, err = stack.Store.CreateUser(context.Background(), s.Login, "pass-jiro-0123456789", oms.RoleStaff)
	require.NoError(t, err)
	res := s.post("/login", url.Values{"login": {s.Login}, "password": {"pass-jiro-0123456789"}})
	require.Equal(t, http.StatusOK, res.Status, res.Body)

	for _, path := range []string{"/shops/" + shop + "/export/start", "/shops/" + shop + "/export/preview"} {
		start := time.Now()
		res = s.post(path, exportForm(3, true))
		assert.Equal(t, http.StatusServiceUnavailable, res.Status, path)
		assert.Contains(t, res.Body, "ワーカーが動いていない", path)
		assert.Less(t, time.Since(start), 20*time.Second, "%s answers within seconds", path)
	}
	runs, err := stack.Store.Runs(context.Background(), shop, 10)
	require.NoError(t, err)
	assert.Empty(t, runs, "nothing was started")

	res = s.post("/shops/"+shop+"/schedules/export/run", url.Values{})
	assert.Contains(t, res.Body, "ワーカーが動いていない")
}
