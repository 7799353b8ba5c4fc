package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/notify"
)

// TestNotices: お知らせ lists the open problems of every shop with a link to
// where each is fixed, and the header counts them; a resolved one leaves.
func TestNotices(t *testing.T) {
	h := newHarness(t, withShop("myshop", "マイショップ"))
	h.addShop("other", "となりの店")
	ctx := context.Background()
	notes := notify.NewStore(h.st.DB())
	_, err := notes.Reconcile(ctx, "myshop", notify.ShopKinds, []notify.Condition{{ShopID: "myshop", Kind: notify.KindReconnect,
		Summary: "カラーミーショップへの再接続が必要です", Detail: "「取得する」を押してください。", FixPath: "/shops/myshop/settings"}}, time.Now(), time.Hour)
	require.NoError(t, err)
	op := h.session("staff", accounts.RoleStaff)

	status, page := op.get("/notices")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "マイショップ")
	assert.Contains(t, page, "カラーミーショップへの再接続が必要です")
	assert.Contains(t, page, `<a href="/shops/myshop/settings">対処する</a>`)
	assert.NotContains(t, page, "となりの店</td>", "a shop without problems is not listed")
	_, page = op.get("/shops")
	assert.Contains(t, page, `お知らせ <span class="badge bad">1</span>`)

	_, err = notes.Reconcile(ctx, "myshop", notify.ShopKinds, nil, time.Now(), time.Hour)
	require.NoError(t, err)
	_, page = op.get("/notices")
	assert.Contains(t, page, "現在、対応が必要なお知らせはありません。")
}

// TestSettingsNotify: APIアクセス設定 saves the notification settings; the
// webhook URL is write-only (never shown, an empty field keeps it); a bad
// address or a plain-http webhook is refused in staff's words.
func TestSettingsNotify(t *testing.T) {
	h := newHarness(t, withShop("myshop", "マイショップ"))
	op := h.session("admin", accounts.RoleAdmin)
	form := func(extra map[string]string) url.Values {
		v := url.Values{"api_base_url": {"https://colorme.test"}, "window_days": {"3"}, "import_days": {"7"},
			"import_interval_minutes": {"30"}, "export_interval_minutes": {"30"}, "export_enabled": {"on"}, "export_on_change": {"on"},
			"notify_sale_failures": {"5"}, "notify_lag_minutes": {"20"}}
		for k, x := range extra {
			v.Set(k, x)
		}
		return v
	}
	status, page := op.post("/shops/myshop/settings", form(map[string]string{"notify_email": "a@example.com, b@example.com",
		"notify_webhook_url": "https://hooks.example.com/services/T000/B000/secretpart"}))
	require.Equal(t, http.StatusOK, status, page)
	sh, err := h.st.Shops.Shop(context.Background(), "myshop")
	require.NoError(t, err)
	assert.Equal(t, "a@example.com, b@example.com", sh.Settings.NotifyEmail)
	assert.Equal(t, "https://hooks.example.com/services/T000/B000/secretpart", sh.Settings.NotifyWebhookURL)
	assert.Equal(t, 5, sh.Settings.NotifySaleFailures)
	assert.Equal(t, 20, sh.Settings.NotifyLagMinutes)
	_, page = op.get("/shops/myshop/settings")
	assert.NotContains(t, page, "secretpart")
	assert.Contains(t, page, "保存済み (変更するときだけ入力)")

	status, page = op.post("/shops/myshop/settings", form(map[string]string{"notify_email": "not an address",
		"notify_webhook_url": "http://hooks.example.com/x"}))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "エラー通知メールはメールアドレスをカンマ区切りで入力してください")
	assert.Contains(t, page, "エラー通知Webhookは https:// で始まるURLを入力してください")

	_, _ = op.post("/shops/myshop/settings", form(map[string]string{"notify_email": "a@example.com"}))
	sh, err = h.st.Shops.Shop(context.Background(), "myshop")
	require.NoError(t, err)
	assert.Equal(t, "https://hooks.example.com/services/T000/B000/secretpart", sh.Settings.NotifyWebhookURL, "an empty field keeps it")
	_, _ = op.post("/shops/myshop/settings", form(map[string]string{"notify_email": "a@example.com", "notify_webhook_clear": "on"}))
	sh, err = h.st.Shops.Shop(context.Background(), "myshop")
	require.NoError(t, err)
	assert.Empty(t, sh.Settings.NotifyWebhookURL)
}
