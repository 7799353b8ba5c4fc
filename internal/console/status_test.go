package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// TestStatusPage shows 稼働状況 from the run log: per shop the last import and
// export, failures, the change → ColorMe latency and the budget used, with
// charts drawn on the server as inline SVG; a shop whose export schedule is on
// but never completed is shown as late.
func TestStatusPage(t *testing.T) {
	h := newHarness(t, withShop("myshop", "マイショップ"))
	h.addShop("quiet", "静かな店")
	ctx := context.Background()
	st := h.st
	n := 0
	run := func(kind oms.Kind, trigger oms.Trigger, status oms.RunStatus, totals oms.RunTotals) int64 {
		n++
		id, err := st.StartRun(ctx, oms.Run{ShopID: "myshop", Kind: kind, RunKey: "status-" + string(rune('a'+n)), Trigger: trigger, AsOf: time.Now()})
		require.NoError(t, err)
		require.NoError(t, st.FinishRun(ctx, id, totals, status, ""))
		return id
	}
	run(oms.KindImport, oms.TriggerScheduled, oms.RunCompleted, oms.RunTotals{Targets: 250, Updated: 12})
	run(oms.KindExport, oms.TriggerScheduled, oms.RunFailed, oms.RunTotals{Targets: 30, Updated: 10, Failed: 2})
	change := run(oms.KindExport, oms.TriggerChange, oms.RunCompleted, oms.RunTotals{Targets: 1, Updated: 1})
	changed := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	require.NoError(t, st.UpsertOrders(ctx, "myshop", []rules.Order{{SaleID: 5, Status: rules.StatusShipped, OrderedAt: changed, UpdatedAt: changed}}))
	require.NoError(t, st.RecordOutcomes(ctx, change, []oms.Outcome{{SaleID: 5, Outcome: rules.OutcomeUpdated, At: changed.Add(7 * time.Second)}}))

	op := h.session("hanako", accounts.RoleStaff)
	code, page := op.get("/shops")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, `<a href="/status" id="nav-status">稼働状況</a>`, "稼働状況 is in the navigation")

	code, page = op.get("/status")
	require.Equal(t, http.StatusOK, code, page)
	mine := section(t, page, "status-myshop")
	require.Contains(t, mine, "マイショップ")
	require.Contains(t, mine, "実行 1件 / 受注 2件")
	require.Contains(t, mine, `href="/shops/myshop/runs?status=failed"`)
	require.Contains(t, mine, "1件: 中央値 7秒、最大 7秒")
	require.Contains(t, mine, "上限 毎分120回に対する推定")
	require.Equal(t, 3, strings.Count(mine, `<svg class="chart"`), "runs, latency and budget charts")
	require.Contains(t, mine, "<title>受注 5: ")
	require.NotContains(t, mine, "遅れています")

	quiet := section(t, page, "status-quiet")
	require.Contains(t, quiet, "まだありません")
	require.Contains(t, quiet, "遅れています", "export schedule on, never exported")
	require.Contains(t, quiet, "自動取得は停止中")
	require.NotContains(t, quiet, "<svg")
	require.Equal(t, 1, strings.Count(page, "<script"), "only the console's own script file")

	// The package runs without a Temporal dev server: the worker's state is
	// unknown, said once at the top, and the page shows all the same.
	require.Equal(t, 1, strings.Count(page, `id="worker"`), "once, not per shop")
	require.Less(t, strings.Index(page, `id="worker"`), strings.Index(page, `id="status-myshop"`), "at the top")
	require.Contains(t, page, `<p class="error" id="worker" role="alert" data-state="unknown">ワーカーの状態を確認できません (Temporal に接続できません)。`)
	require.NotContains(t, page, "稼働中")
	require.Contains(t, h.logs.String(), "could not ask Temporal whether a worker polls")
}

// section returns the <section id="id"> of page.
func section(t *testing.T, page, id string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `id="`+id+`"`)
	require.True(t, ok, "no section %s", id)
	body, _, _ := strings.Cut(rest, "</section>")
	return body
}

// TestConsoleReadyz answers /readyz with what is down: here Temporal (the
// package runs without a dev server), while /healthz says the console is alive.
func TestConsoleReadyz(t *testing.T) {
	h := newHarness(t)
	op := h.newOperator()
	code, page := op.get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, page, "temporal: unreachable")
	require.NotContains(t, page, "database")
	code, _ = op.get("/healthz")
	require.Equal(t, http.StatusOK, code)
}
