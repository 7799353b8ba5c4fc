package carrier

// yupackLayout is 日本郵便 ゆうパックプリントR's 発送予定データ, read through a
// 取込フィルタ that the shop makes once from the header row of our file
// (ゆうプリR imports CSV only through a filter that names the columns, so our
// names are the filter's to map; we use the standard layout's names).
// Sources: 速販「【ゆうパックプリントR】発送予定データ入出力項目レイアウト」(2014;
// columns 1–18 with their byte lengths and the codes of 郵便種別, 保冷種別 and
// 元/着払/代引), the standard import layout ‹郵便・ゆうパック標準取込› as quoted
// in the filter manual (お届け先 敬称区分 is a 1-character code, 0;
// 速達・配達日指定種別 then 配達指定日／希望日 yyyymmdd; 配達時間帯区分; 記事名１
// and 記事名２; ご依頼主 郵便番号 8 and 住所１/２ 50), flagship's ゆうプリR
// export (配達時間帯区分 00 指定なし, 52 12:00–14:00; its 代引金額 column), and
// Japan Post's delivery-time page (slots 午前中, 12–14, 14–16, 16–18, 18–20,
// 19–21; no 20–21).
//
// Guessed (no public evidence): 配達時間帯区分 51 午前中, 53 14–16, 54 16–18,
// 55 18–20 and 57 19–21 (only 00 and 52 are confirmed); the codes of
// 速達・配達日指定種別 (left empty: set it in the filter if ゆうプリR asks);
// the length of 品名, 記事名１/２, 代引金額, 代引消費税 and ご依頼主 名称・電話番号.
// A time ゆうパック does not offer (20–21, whose old code 56 has no slot) is
// written 00 指定なし with a warning. 保冷種別 1 チルド is ゆうパック's 冷蔵; 2
// 冷凍 is in the layout's codes, but whether the shop's contract offers it is
// for ゆうプリR to say.
//
// The issued data is exported from 発送履歴 through the user's own output
// filter, so its columns are whatever that filter defines: it is read by
// header names only (ByName): お客様側管理番号 (the reference we wrote),
// お問い合わせ番号 (12 digits), and, when present, 仮引受確定作業年月日 or
// 発送予定日 (the ship date) and お届け先 郵便番号 (checked against the
// delivery). お客様側管理番号 holds 15 bytes: references name the delivery by
// its position (RefPosition).
var yupackLayout = Layout{
	Format: Yupack, Name: "ゆうパックプリントR", NameEn: "Japan Post Yu-Pack Print R",
	LabelHeader: true, DateLayout: "20060102", RefStyle: RefPosition, ByName: true,
	Keys:         []string{"お客様側管理番号", "お問い合わせ番号", "お問合せ番号", "郵便種別", "保冷種別", "元/着払/代引", "発送予定日", "仮引受確定作業年月日"},
	TimeCodes:    map[string]string{"8-12": "51", "12-14": "52", "14-16": "53", "16-18": "54", "18-20": "55", "19-21": "57"},
	NoTimeCode:   "00",
	InvoiceCodes: map[string]string{"standard": "", "standard+cod": ""},
	CoolCodes:    map[Cool]string{CoolNone: "0", CoolChilled: "1", CoolFrozen: "2"},
	PaymentCodes: map[bool]string{false: "0", true: "2"},
	Label:        yupackLabel,
	Issued: []Field{
		{Name: "お問い合わせ番号", Aliases: []string{"お問合せ番号", "お問い合せ番号", "問い合わせ番号", "問合せ番号", "追跡番号"}, Max: 12, Meaning: Tracking},
		{Name: "お客様側管理番号", Max: 15, Meaning: Reference},
		{Name: "仮引受確定作業年月日", Max: 8, Meaning: ShipDate},
		{Name: "発送予定日", Max: 8, Meaning: ShipDate},
		{Name: "お届け先 郵便番号", Aliases: []string{"お届け先郵便番号"}, Max: 8, Meaning: Postal},
	},
}

var yupackLabel = []Field{
	{Name: "お客様側管理番号", Max: 15, Meaning: Reference},
	{Name: "発送予定日", Max: 8, Required: true, Meaning: ShipDate},
	{Name: "発送予定時間区分", Max: 2},
	{Name: "郵便種別", Max: 1, Required: true, Fixed: "0"}, // 0 ゆうパック
	{Name: "保冷種別", Max: 1, Meaning: CoolCode},          // 0 保冷なし, 1 チルド, 2 冷凍
	{Name: "元/着払/代引", Max: 1, Meaning: PaymentType},    // 0 元払い, 2 代引き
	{Name: "お届け先 郵便番号", Aliases: []string{"お届け先郵便番号"}, Max: 8, Required: true, Meaning: Postal},
	{Name: "お届け先 住所1", Aliases: []string{"お届け先住所1"}, Max: 50, Required: true, Meaning: Address},
	{Name: "お届け先 住所2", Aliases: []string{"お届け先住所2"}, Max: 50, Meaning: Address},
	{Name: "お届け先 住所3", Aliases: []string{"お届け先住所3"}, Max: 50, Meaning: Building},
	{Name: "お届け先 名称1", Aliases: []string{"お届け先名称1"}, Max: 50, Required: true, Meaning: Name},
	{Name: "お届け先 名称2", Aliases: []string{"お届け先名称2"}, Max: 50},
	{Name: "お届け先 敬称区分", Aliases: []string{"お届け先敬称区分"}, Max: 1, Fixed: "0"}, // 0 様
	{Name: "お届け先 電話番号", Aliases: []string{"お届け先電話番号"}, Max: 20, Required: true, Meaning: Tel},
	{Name: "速達・配達日指定種別", Max: 1, Guessed: true},
	{Name: "配達指定日／希望日", Aliases: []string{"配達指定日/希望日"}, Max: 8, Meaning: DeliveryDate},
	{Name: "配達時間帯区分", Max: 2, Meaning: DeliveryTime},
	{Name: "品名", Max: 60, Meaning: Item, Guessed: true},
	{Name: "記事名１", Aliases: []string{"記事名1"}, Max: 60, Meaning: Note, Guessed: true},
	{Name: "記事名２", Aliases: []string{"記事名2"}, Max: 60, Guessed: true},
	{Name: "代引金額", Max: 8, Meaning: CODAmount, Guessed: true},
	{Name: "代引消費税", Max: 8, Meaning: CODTax, Guessed: true},
	{Name: "ご依頼主 郵便番号", Aliases: []string{"ご依頼主郵便番号"}, Max: 8, Meaning: ShipperPostal},
	{Name: "ご依頼主 住所1", Aliases: []string{"ご依頼主住所1"}, Max: 50, Meaning: ShipperAddress},
	{Name: "ご依頼主 住所2", Aliases: []string{"ご依頼主住所2"}, Max: 50, Meaning: ShipperAddress},
	{Name: "ご依頼主 名称1", Aliases: []string{"ご依頼主名称1"}, Max: 50, Meaning: ShipperName, Guessed: true},
	{Name: "ご依頼主 電話番号", Aliases: []string{"ご依頼主電話番号"}, Max: 20, Meaning: ShipperTel, Guessed: true},
}
