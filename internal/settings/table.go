// Package settings is the one definition of a shop's settings: their keys,
// fields, defaults, bounds, units and labels. The store's validation, the
// console's form, `starter shop set` and the activities all read this table;
// a new setting is one row here plus its use (a field of shops.ShopSettings
// whose json tag is the row's key).
package settings

import "github.com/colorme-sync/colorme-sync/internal/rules"

// maxMinutes bounds every setting in minutes: one day.
const maxMinutes = 1440

// The shop settings, one row each. Default's type is the field's (bool, int or
// string); Min and Max bound an int setting.
var (
	ImportEnabled = &Def{Key: "import_enabled", Field: "ImportEnabled", Default: false,
		Label: "自動取得", LabelEN: "automatic import on a schedule"}
	ImportIntervalMinutes = &Def{Key: "import_interval_minutes", Field: "ImportIntervalMinutes", Default: 30,
		Min: 1, Max: maxMinutes, Unit: "分", UnitEN: "minutes", Label: "自動取得の間隔", LabelEN: "minutes between automatic imports"}
	ImportDays = &Def{Key: "import_days", Field: "ImportDays", Default: 7,
		Min: rules.MinDays, Max: rules.MaxDays, Unit: "日", UnitEN: "days", Label: "受注を取得する日数", LabelEN: "days of orders an import reads"}
	ExportEnabled = &Def{Key: "export_enabled", Field: "ExportEnabled", Default: true,
		Label: "自動書き出し", LabelEN: "automatic export on a schedule"}
	ExportIntervalMinutes = &Def{Key: "export_interval_minutes", Field: "ExportIntervalMinutes", Default: 30,
		Min: 1, Max: maxMinutes, Unit: "分", UnitEN: "minutes", Label: "自動書き出しの間隔", LabelEN: "minutes between automatic exports"}
	StockEnabled = &Def{Key: "stock_enabled", Field: "StockEnabled", Default: false,
		Label: "自動在庫連携", LabelEN: "push stock to ColorMe on change and on a schedule",
		Help: "在庫数・受注・キャンセル・出荷の変更を数十秒後にカラーミーショップの在庫数へ反映し、この間隔で全商品を照合します。商品の権限が要るため、オンにしたら「取得する」で接続し直してください。"}
	StockIntervalMinutes = &Def{Key: "stock_interval_minutes", Field: "StockIntervalMinutes", Default: 60,
		Min: 1, Max: maxMinutes, Unit: "分", UnitEN: "minutes", Label: "自動在庫連携の間隔", LabelEN: "minutes between full stock reconciles"}
	ExportOnChange = &Def{Key: "export_on_change", Field: "ExportOnChange", Default: true,
		Label: "変更時にすぐ書き出す", LabelEN: "export a change within seconds",
		Help: "伝票番号・出荷日・ステータス・同梱の変更を数秒後に変更分だけ書き出します。定期の自動書き出しは全件の照合です。"}
	WindowDays = &Def{Key: "window_days", Field: "WindowDays", Default: 3,
		Min: rules.MinDays, Max: rules.MaxDays, Unit: "日", UnitEN: "days", Label: "作成期間", LabelEN: "days of orders an export covers",
		Help: "(※注文日時が1年以内の注文が対象となります)"}
	RequireShipDate = &Def{Key: "require_ship_date", Field: "RequireShipDate", Default: true,
		Label: "配送済み", LabelEN: "mark delivered only orders with a ship date",
		Help: "出荷日が入力された注文のみ「配送済み」に更新"}
	SendMail = &Def{Key: "send_mail", Field: "SendMail", Default: false,
		Label: "商品発送メール", LabelEN: "send ColorMe's shipping mail",
		Help: "「配送済み」に更新した注文に商品発送メールを送る"}
	SendPaidMail = &Def{Key: "send_paid_mail", Field: "SendPaidMail", Default: false,
		Label: "入金確認メール", LabelEN: "send ColorMe's payment confirmation mail",
		Help: "入金済みにした注文に入金確認メールを送る (1回だけ)"}
	NotifyEmail = &Def{Key: "notify_email", Field: "NotifyEmail", Default: "",
		Label: "エラー通知メール", LabelEN: "mail addresses for notifications, comma-separated",
		Help:    "再接続が必要なとき・処理が失敗したときなどに通知します。複数はカンマ区切り。",
		Invalid: "エラー通知メールはメールアドレスをカンマ区切りで入力してください (例: staff@example.com, ops@example.com)",
		Check:   func(v string) error { _, err := NotifyEmails(v); return err }}
	NotifyWebhookURL = &Def{Key: "notify_webhook_url", Field: "NotifyWebhookURL", Default: "", Secret: true, Clear: "notify_webhook_clear",
		Label: "エラー通知Webhook", LabelEN: "webhook URL for notifications (https)",
		Help:    "Slack の Incoming Webhook などに JSON で送ります。保存した値は画面に表示しません。",
		Invalid: "エラー通知Webhookは https:// で始まるURLを入力してください",
		Check:   CheckWebhookURL}
	NotifySaleFailures = &Def{Key: "notify_sale_failures", Field: "NotifySaleFailures", Default: 3,
		Min: 1, Max: 100, Unit: "回", UnitEN: "failures", Label: "通知する失敗の回数", LabelEN: "consecutive failed exports of a sale that notify"}
	NotifyLagMinutes = &Def{Key: "notify_lag_minutes", Field: "NotifyLagMinutes", Default: 15,
		Min: 1, Max: maxMinutes, Unit: "分", UnitEN: "minutes", Label: "通知する反映の遅れ", LabelEN: "minutes an on-change export may lag before it notifies"}
)

// Table is every shop setting, in the order shown to staff.
var Table = []*Def{
	ImportEnabled, ImportIntervalMinutes, ImportDays,
	ExportEnabled, ExportIntervalMinutes, ExportOnChange, StockEnabled, StockIntervalMinutes, WindowDays, RequireShipDate, SendMail, SendPaidMail,
	NotifyEmail, NotifyWebhookURL, NotifySaleFailures, NotifyLagMinutes,
}
