package msg

// The export rules (rules.Exclude): why an order is not a target.
var (
	RuleNew       = Message{"rule 1: status is 新規受付 (new)", "ルール1: ステータスが「新規受付」の受注は書き出しません"}
	RuleCancelled = Message{"rule 1: status is キャンセル (cancelled)", "ルール1: ステータスが「キャンセル」の受注は書き出しません"}
	RuleOld       = Message{"rule 2: ordered %s, more than a year before %s", "ルール2: 注文日時 {1} が {2} の1年より前です"}
	RuleStale     = Message{"rule 3: last updated %s, outside the %d-day window", "ルール3: 最終更新日時 {1} が作成期間 ({2}日) より前です"}
	RuleBundled   = Message{"rule 4: bundled (同梱) into sale %d, which is exported instead", "ルール4: 受注 {1} に同梱されています (親注文の伝票番号が書き出されます)"}
)

// The export's plan and its writes to ColorMe (rules.Evaluate, the workflow, UpdateSale).
var (
	SaleCancelled      = Message{"sale is cancelled on ColorMe", "カラーミーショップでキャンセルされているため書き出していません"}
	UnknownDelivery    = Message{"delivery %s is not on the ColorMe sale: check the OMS delivery ids (re-import the order)", "お届け先 {1} がカラーミーショップの受注にありません。受注を取り込み直して、お届け先を確認してください"}
	MailStateUnknown   = Message{"shipping mail not sent: ColorMe shows delivered_mail_state %s, not not_yet, so whether it went is unknown and it is never sent twice; send it from ColorMe's order screen if the customer should get it", "発送メールは送っていません: カラーミーショップの発送メール状態が {1} で、送信済みかどうか分からないためです (二重には送りません)。お客様に届けるべきときは、カラーミーショップの受注画面から送ってください"}
	NotTarget          = Message{"no longer a target: %s", "書出対象ではなくなりました: {1}"}
	DryRun             = Message{"dry run: nothing written", "プレビューのため書き込んでいません"}
	CancelledMeanwhile = Message{"sale was cancelled on ColorMe meanwhile", "書き込みの途中でカラーミーショップでキャンセルされたため、書き込んでいません"}
	WrittenEarlier     = Message{"written by an earlier attempt whose answer was lost", "前回の試行で書き込み済みでした (応答が届かなかったため確認しました)"}
	NotInOMS           = Message{"the OMS has no order with this sale id", "この受注管理にこの受注番号の受注がありません"}
	TokenRefused       = Message{"ColorMe refused the shop's access token (%s): the merchant revoked it or a scope is missing; reconnect the shop with `starter shop connect`", "カラーミーショップがアクセスキーを受け付けませんでした ({1})。APIアクセス設定で「取得する」を押して接続し直してください"}
	TimedOut           = Message{"timed out: %s", "時間内に終わりませんでした ({1})。もう一度実行してください。続くときはシステム担当者に連絡してください"}
)

// The order import (受注取得): what it changed, and the flags (要確認) it set.
var (
	ImportCreatedCancelled = Message{"already cancelled on ColorMe: created as キャンセル", "カラーミーショップでキャンセル済みのため「キャンセル」で登録しました"}
	ImportSplitFrom        = Message{"split from sale %d (分割受注)", "受注 {1} から分割されました (分割受注)"}
	ImportNoLongerSplit    = Message{"no longer split from another sale", "分割受注ではなくなりました"}
	ImportDetails          = Message{"order details imported (customer, line items, totals, payment, memo, full destinations)", "受注の詳細 (購入者、商品、金額、決済方法、備考、お届け先) を取り込みました"}
	ImportDetailsChanged   = Message{"order details changed on ColorMe: %s", "カラーミーショップで受注の詳細が変わりました: {1}"}
	ImportOrderDate        = Message{"order date %s → %s", "注文日時 {1} → {2}"}
	ImportDeliveryAdded    = Message{"delivery %d added (%s %s)", "お届け先 {1} が追加されました ({2} {3})"}
	ImportDeliveryChanged  = Message{"delivery %d: %s", "お届け先 {1}: {2}"}
	ImportDeliveryRemoved  = Message{"delivery %d removed on ColorMe", "お届け先 {1} がカラーミーショップで削除されました"}
	ImportCancelledAlready = Message{"cancelled on ColorMe (already キャンセル in the OMS)", "カラーミーショップでキャンセルされました (この受注管理でもキャンセル済み)"}
	ImportCancelled        = Message{"cancelled on ColorMe: %s → キャンセル", "カラーミーショップでキャンセルされました: {1} → キャンセル"}
	ImportUncancelled      = Message{"the cancellation was withdrawn on ColorMe", "カラーミーショップでキャンセルが取り消されました"}

	FlagMovedAfterShipping = Message{"address changed after shipping: delivery %d: %s (the order was shipped: %s): check with the customer and the carrier where the parcel went", "出荷後にお届け先が変わりました: お届け先 {1}: {2} (出荷済みの理由: {3})。荷物がどこへ届くか、お客様と配送業者に確認してください"}
	FlagRemovedHolding     = Message{"delivery %d was removed on ColorMe but holds tracking number %q / ship date %q in the OMS: check the sale on ColorMe; the export fails for this order until the delivery ids agree", "お届け先 {1} がカラーミーショップで削除されましたが、この受注管理には伝票番号 {2} / 出荷日 {3} があります。カラーミーショップの受注を確認してください。お届け先が一致するまで、この受注の書き出しは失敗します"}
	FlagCancelledShipped   = Message{"cancelled on ColorMe after the OMS shipped it (%s): the order was kept; check with the customer and the carrier, then set its status", "出荷済み ({1}) の受注がカラーミーショップでキャンセルされました。受注はそのまま残しています。お客様と配送業者に確認して、ステータスを変更してください"}
	FlagUncancelledKept    = Message{"the cancellation was withdrawn on ColorMe but the order stays キャンセル in the OMS: set its status if it should ship", "カラーミーショップでキャンセルが取り消されましたが、この受注管理では「キャンセル」のままです。発送するときはステータスを変更してください"}

	FieldChange    = Message{"%s %q → %q", "{1} {2} → {3}"}
	PrefChange     = Message{"prefecture %s → %s", "都道府県 {1} → {2}"}
	MethodChange   = Message{"delivery method %s → %s", "配送方法 {1} → {2}"}
	MethodNone     = Message{"none", "なし"}
	MethodNumbered = Message{"method #%d", "配送方法 #{1}"}
	ShippedStatus  = Message{"status %s", "ステータス {1}"}
	ShippedSlip    = Message{"delivery %d has tracking number %s", "お届け先 {1} に伝票番号 {2}"}
	ShippedOn      = Message{"delivery %d has ship date %s", "お届け先 {1} に出荷日 {2}"}
	LineItems      = Message{"line items", "商品"}

	InvalidTail     = Message{"this sale was not imported (the rest of the import went on): check it on ColorMe, and report it to ColorMe support if its data stays so; the next import reads it again", "この受注は取り込んでいません (ほかの受注は取り込みました)。カラーミーショップで受注を確認し、直らないときはカラーミーショップのサポートに連絡してください。次の受注取得で読み直します"}
	InvalidSaleID   = Message{"ColorMe sent a sale with the invalid id %d (sale ids are positive)", "カラーミーショップから受注番号が正しくない受注 ({1}) が届きました"}
	InvalidNoDate   = Message{"ColorMe sent this sale without an order date (make_date)", "カラーミーショップから注文日時のない受注が届きました"}
	InvalidDelivery = Message{"ColorMe sent this sale with an invalid sale_delivery id %d", "カラーミーショップからお届け先の番号が正しくない受注 ({1}) が届きました"}
	DupDelivery     = Message{"ColorMe sent this sale with the sale_delivery id %d twice", "カラーミーショップからお届け先 {1} が2回ある受注が届きました"}
)

// Field names of a destination change (FieldChange's first argument) and of
// the order details (ImportDetailsChanged's list).
var (
	FieldName      = Message{"name", "氏名"}
	FieldAddress   = Message{"address", "住所"}
	FieldAddress2  = Message{"address2", "住所2"}
	FieldPostal    = Message{"postal code", "郵便番号"}
	FieldTel       = Message{"tel", "電話番号"}
	FieldFurigana  = Message{"furigana", "フリガナ"}
	FieldPrefDate  = Message{"preferred date", "お届け希望日"}
	FieldPrefTime  = Message{"preferred time", "お届け希望時間帯"}
	DetailFurigana = Message{"customer_furigana", "購入者フリガナ"}
	DetailMail     = Message{"customer_mail", "購入者メールアドレス"}
	DetailName     = Message{"customer_name", "購入者氏名"}
	DetailTel      = Message{"customer_tel", "購入者電話番号"}
	DetailDelivery = Message{"delivery_total_charge", "送料"}
	DetailFee      = Message{"fee", "手数料"}
	DetailMemo     = Message{"memo", "備考"}
	DetailPayment  = Message{"payment_id", "決済方法"}
	DetailProducts = Message{"product_total_price", "商品合計"}
	DetailTax      = Message{"tax", "消費税"}
	DetailTotal    = Message{"total_price", "合計金額"}
)

// All is every message of the catalogue, the most specific first (Ja tries
// them in this order).
var All = []Message{
	RuleNew, RuleCancelled, RuleOld, RuleStale, RuleBundled,
	SaleCancelled, UnknownDelivery, MailStateUnknown, NotTarget, DryRun, CancelledMeanwhile, WrittenEarlier, NotInOMS, TokenRefused, TimedOut,
	ImportCreatedCancelled, ImportSplitFrom, ImportNoLongerSplit, ImportDetails, ImportDetailsChanged, ImportOrderDate,
	ImportDeliveryAdded, ImportDeliveryRemoved, ImportCancelledAlready, ImportCancelled, ImportUncancelled,
	FlagMovedAfterShipping, FlagRemovedHolding, FlagCancelledShipped, FlagUncancelledKept,
	InvalidTail, InvalidSaleID, InvalidNoDate, InvalidDelivery, DupDelivery,
	ImportDeliveryChanged, PrefChange, MethodChange, ShippedSlip, ShippedOn, MethodNumbered, ShippedStatus,
	FieldChange, MethodNone, LineItems,
	FieldName, FieldAddress, FieldAddress2, FieldPostal, FieldTel, FieldFurigana, FieldPrefDate, FieldPrefTime,
	DetailFurigana, DetailMail, DetailName, DetailTel, DetailDelivery, DetailFee, DetailMemo, DetailPayment,
	DetailProducts, DetailTax, DetailTotal,
}
