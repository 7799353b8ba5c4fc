package consolerunflow_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestFollowSaysWhenNoWorker: after a change an on-change trigger follows
// (an on-hand edit, 在庫取込: 自動在庫連携; 入金済みにする, a status, 入金取込 and
// データ取込: 変更時の発送情報の更新), the page promises "within seconds" only while a
// worker polls the task queue. With none, the change is stored and the
// trigger is told all the same, and the page says that ColorMe waits for a
// worker and whom to ask. The same holds before the change: the SKU page's
// edit form and 在庫取込's preview say what 「在庫数を修正」 and 「取込」 will do.
func TestFollowSaysWhenNoWorker(t *testing.T) {
	t.Run("worker", func(t *testing.T) {
		s := workerSite(t, "follow-worker") // polls before the first page asks (and keeps the answer)
		p := followChanges(t, s)
		assert.Contains(t, said(p["stock"]), "型番「FOLLOW-1」の在庫数を12にしました。自動在庫連携がオンのため、数秒後に在庫連携が始まり")
		assert.Contains(t, said(p["stock file"]), "自動在庫連携がオンのため、数秒後に在庫連携が始まり")
		assert.Contains(t, said(p["paid"]), "カラーミーショップへの入金連携は自動で行われます (自動処理ログで確認できます)。")
		assert.Contains(t, said(p["payments"]), "数秒以内に入金済みを書き込みます")
		assert.Contains(t, said(p["shipping"]), "書出対象の受注は、数秒以内に自動でカラーミーショップに書き出されます")
		assert.Contains(t, p["shipping"], `id="done-auto"`)
		assert.Contains(t, before(p["stock page"]), "自動在庫連携がオンなら、カラーミーショップの在庫も数秒後に追従します")
		assert.Contains(t, before(p["stock preview"]), "取込の後、自動在庫連携がカラーミーショップの在庫を数秒で合わせます。")
		for name, body := range p {
			assert.NotContains(t, said(body), "ワーカーが動いていない", name)
			assert.NotContains(t, before(body), "ワーカーが動いていない", name)
		}
	})
	t.Run("no worker", func(t *testing.T) {
		s := noWorkerSite(t, "follow-noworker")
		p := followChanges(t, s)
		const waits = "ただし、いま処理を実行するワーカーが動いていないため、カラーミーショップへの送信はワーカーが再開するまで待ちます。" +
			"システム担当者にワーカー (bin/worker) の起動を依頼してください"
		assert.Contains(t, said(p["stock"]), "型番「FOLLOW-1」の在庫数を12にしました。変更は保存し、自動在庫連携に知らせました。"+waits+" (稼働状況で状態を確認できます。再開すると、自動処理ログに在庫連携が表示されます)。")
		assert.Contains(t, p["stock"], `id="push-run"><a href="/shops/follow-noworker/runs?kind=stock"`, "the run shows in 自動処理ログ once a worker runs it")
		assert.Contains(t, said(p["stock file"]), "変更は保存し、自動在庫連携に知らせました。"+waits)
		assert.Contains(t, p["stock file"], `id="push-run"`)
		assert.Contains(t, said(p["paid"]), "受注 9001 を入金済みにしました。")
		assert.Contains(t, said(p["paid"]), "変更は保存し、変更時の発送情報の更新に知らせました。"+waits)
		assert.Contains(t, said(p["status"]), "受注 9004 のステータスを「発送待ち」から「保留」に変更しました。変更は保存し、変更時の発送情報の更新に知らせました。"+waits)
		assert.Contains(t, said(p["payments"]), "変更は保存し、変更時の発送情報の更新に知らせました。"+waits)
		assert.Contains(t, said(p["shipping"]), "変更は保存し、変更時の発送情報の更新に知らせました。"+waits)
		assert.Contains(t, p["shipping"], `id="done-no-worker"`)
		const waitsBefore = "が、いま処理を実行するワーカーが動いていないため、ワーカーが再開するまで送られません。" +
			"システム担当者にワーカー (bin/worker) の起動を依頼してください (稼働状況で状態を確認できます)。"
		assert.Contains(t, before(p["stock page"]), "修正は履歴に残ります。自動在庫連携がオンのため、カラーミーショップの在庫も修正に追従します"+waitsBefore)
		assert.Contains(t, before(p["stock preview"]), "1件の型番の在庫数をすべて更新します (すべて反映するか、何も反映しないかのどちらかです)。"+
			"取込の後、自動在庫連携がカラーミーショップの在庫を合わせます"+waitsBefore)
		for name, body := range p {
			assert.NotContains(t, said(body), "数秒", name)
			assert.NotContains(t, before(body), "数秒", name)
		}

		// Stored, and told: the triggers wait on the queue for a worker.
		ctx := context.Background()
		moves, err := stock.New(s.Store).Movements(ctx, s.Shop, "FOLLOW-1", 2)
		require.NoError(t, err)
		require.Len(t, moves, 2)
		assert.Equal(t, int64(15), moves[0].OnHand, "the stock file is stored after the edit")
		views, err := s.Store.Orders(ctx, s.Shop, 9001, 9002)
		require.NoError(t, err)
		for _, o := range views {
			assert.NotNil(t, o.PaidAt, "sale %d is paid", o.SaleID)
		}
		o, err := s.Store.Order(ctx, s.Shop, 9003)
		require.NoError(t, err)
		assert.Equal(t, "T-9003", o.Deliveries[0].SlipNumber)
		assert.Equal(t, 4, signals(t, s, workflows.ExportOnChangeID(s.Shop)), "入金済みにする, the status, 入金取込, データ取込")
		assert.Equal(t, 4, signals(t, s, workflows.StockOnChangeID(s.Shop)), "the edit, 在庫取込, the status, データ取込")
	})
}

// followChanges turns on 自動在庫連携 and 変更時の発送情報の更新 for s's shop, seeds
// a SKU and four orders, and makes the six changes an on-change trigger
// follows. It returns each change's page: stock, stock file, paid, status,
// payments, shipping; and the pages before the stock changes: stock page
// (the SKU's edit form), stock preview (在庫取込's preview).
func followChanges(t *testing.T, s *site) map[string]string {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { // the triggers would outlive the stack
		for _, id := range []string{workflows.StockOnChangeID(s.Shop), workflows.ExportOnChangeID(s.Shop)} {
			_ = s.Client.TerminateWorkflow(context.Background(), id, "", "test over")
		}
	})
	sh, err := s.Store.Shops.Shop(ctx, s.Shop)
	require.NoError(t, err)
	sh.Settings.StockEnabled, sh.Settings.ExportOnChange = true, true
	require.NoError(t, s.Store.Shops.UpdateShop(ctx, sh))
	_, err = stock.New(s.Store).SetOnHand(ctx, s.Shop, map[string]int64{"FOLLOW-1": 10}, "倉庫", stock.ReasonFile)
	require.NoError(t, err)
	ordered := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	var orders []rules.Order
	var sales []oms.ImportedSale
	for _, id := range []int64{9001, 9002} {
		orders = append(orders, rules.Order{SaleID: id, Status: rules.StatusAwaitingPayment, OrderedAt: ordered, UpdatedAt: ordered,
			Deliveries: []rules.Delivery{{ID: id * 10}}})
		sales = append(sales, oms.ImportedSale{SaleID: id, OrderedAt: ordered, PaymentID: 753, Totals: oms.SaleTotals{Total: 5400},
			Customer: oms.ImportedCustomer{Name: "振込 花子"}, Deliveries: []oms.ImportedDelivery{{ID: id * 10, Name: "振込 花子", PrefName: "東京都"}}})
	}
	for _, id := range []int64{9003, 9004} {
		orders = append(orders, rules.Order{SaleID: id, Status: rules.StatusAwaitingShipment, OrderedAt: ordered, UpdatedAt: ordered,
			Deliveries: []rules.Delivery{{ID: id*10 + 1}}})
	}
	require.NoError(t, s.Store.UpsertOrders(ctx, s.Shop, orders))
	require.NoError(t, s.Store.SeedFromColorMe(ctx, s.Shop, sales))
	today := time.Now().In(rules.Tokyo).Format(time.DateOnly)
	shop := "/shops/" + s.Shop
	pages := map[string]string{}

	p := s.get(shop + "/stock/sku?sku=FOLLOW-1")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	pages["stock page"] = p.Body
	p = s.post(shop+"/stock/sku", url.Values{"sku": {"FOLLOW-1"}, "on_hand": {"12"}, "reason": {"棚卸しの差異"}})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	pages["stock"] = p.Body
	pages["stock preview"], pages["stock file"] = s.applyFile(shop+"/stock/upload", "在庫.csv", "型番,在庫数\nFOLLOW-1,15\n")
	p = s.post(shop+"/orders/9001/paid", url.Values{"paid_on": {today}})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	pages["paid"] = p.Body
	p = s.post(shop+"/orders/9004/status", url.Values{"status": {rules.StatusOnHold}})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	pages["status"] = p.Body
	_, pages["payments"] = s.applyFile(shop+"/payments", "入金.csv", "売上ID,入金日,金額\n9002,"+today+",5400\n")
	_, pages["shipping"] = s.applyFile(shop+"/upload", "出荷.csv", "受注番号,お届け先ID,伝票番号,出荷日\n9003,,T-9003,"+today+"\n")
	return pages
}

// applyFile previews data on the upload screen at path (「プレビュー」), then
// applies it (「取込」) and returns the preview and the page after.
func (s *site) applyFile(path, name, data string) (preview, after string) {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(s.t, err)
	_, err = fw.Write([]byte(data))
	require.NoError(s.t, err)
	require.NoError(s.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, s.URL+path, &body)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	p := s.do(req)
	require.Equal(s.t, http.StatusOK, p.Status, p.Body)
	tok, sum := applyToken.FindStringSubmatch(p.Body), applySHA.FindStringSubmatch(p.Body)
	require.NotNil(s.t, tok, "the preview offers 「取込」: %s", p.Body)
	require.NotNil(s.t, sum)
	preview = p.Body
	p = s.post(path+"/apply", url.Values{"token": {tok[1]}, "sha256": {sum[1]}})
	require.Equal(s.t, http.StatusOK, p.Status, p.Body)
	return preview, p.Body
}

// said is what a page tells staff about the change just made: its flash and
// the follow-up lines of an upload's result (not the screen's standing help).
func said(body string) string {
	var out []string
	for _, m := range saidLines.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, "\n")
}

var saidLines = regexp.MustCompile(`(?s)<p (?:class="flash"[^>]*|id="follow"|id="done-[a-z-]+")>(.*?)</p>`)

// before is what a page tells staff an action will do: the SKU page's edit
// help and an upload preview's 「取込」 text.
func before(body string) string {
	var out []string
	for _, m := range beforeLines.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+m[2])
	}
	return strings.Join(out, "\n")
}

var beforeLines = regexp.MustCompile(`(?s)<p id="edit-help">(.*?)</p>|<form [^>]*id="apply-form">.*?<p>(.*?)</p>`)

// applyToken and applySHA find the hidden fields of an upload's 「取込」 form.
var (
	applyToken = regexp.MustCompile(`name="token" value="([^"]+)"`)
	applySHA   = regexp.MustCompile(`name="sha256" value="([0-9a-f]{64})"`)
)

// signals counts the signals in the history of workflow id (its latest run).
func signals(t *testing.T, s *site, id string) int {
	t.Helper()
	it := s.Client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED {
			n++
		}
	}
	return n
}
