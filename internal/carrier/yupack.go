package carrier

// yupackLayout is 日本郵便 ゆうパックプリントR's 発送予定データ, read through a
// 取込フィルタ (ゆうプリR imports CSV only through a filter that names the
// columns; set it up once from the header row of our file). Source: 速販
// 「【ゆうパックプリントR】発送予定データ入出力項目レイアウト」(2014; columns 1–18
// and their byte lengths), flagship's ゆうパックプリントR manual (時間帯 codes
// "00 指定なし, 52 12:00-14:00"). 配達希望日 / 配達希望時間帯 / 品名 / ご依頼主
// columns and their place after お届け先 are Guessed: the layout we found lists
// their lengths without names. お客様側管理番号 holds 15 bytes: references name
// the delivery by its position (RefPosition).
//
// The issued data is ゆうプリR's 発送済みデータ export: Guessed as the same
// columns with お問い合わせ番号 added (the tracking number, 11–12 digits).
//
// 配達希望時間帯: 51 午前中, 52 12–14時, 53 14–16時, 54 16–18時, 55 18–20時,
// 57 19–21時, 56 20–21時 (51–55 per the sources, 56/57 Guessed); dates are
// yyyymmdd.
var yupackLayout = Layout{
	Format: Yupack, Name: "ゆうパックプリントR", NameEn: "Japan Post Yu-Pack Print R",
	LabelHeader: true, DateLayout: "20060102", RefStyle: RefPosition,
	Keys:      []string{"お客様側管理番号", "お問い合わせ番号", "お問合せ番号", "郵便種別", "保冷種別", "元/着払/代引", "発送予定日"},
	TimeCodes: map[string]string{"8-12": "51", "12-14": "52", "14-16": "53", "16-18": "54", "18-20": "55", "20-21": "56", "19-21": "57"},
	Label:     yupackLabel,
	Issued:    append([]Field{{Name: "お問い合わせ番号", Aliases: []string{"お問合せ番号", "問い合わせ番号", "追跡番号"}, Max: 12, Meaning: Tracking, Guessed: true}}, yupackLabel...),
}

var yupackLabel = []Field{
	{Name: "お客様側管理番号", Max: 15, Meaning: Reference},
	{Name: "発送予定日", Max: 8, Required: true, Meaning: ShipDate},
	{Name: "発送予定時間区分", Max: 2},
	{Name: "郵便種別", Max: 1, Required: true, Fixed: "0"}, // 0 ゆうパック
	{Name: "保冷種別", Max: 1, Fixed: "0"},                 // 0 保冷なし
	{Name: "元/着払/代引", Max: 1, Fixed: "0"},              // 0 元払い
	{Name: "お届け先 郵便番号", Aliases: []string{"お届け先郵便番号"}, Max: 8, Required: true, Meaning: Postal},
	{Name: "お届け先 住所1", Aliases: []string{"お届け先住所1"}, Max: 50, Required: true, Meaning: Address},
	{Name: "お届け先 住所2", Aliases: []string{"お届け先住所2"}, Max: 50, Meaning: Address},
	{Name: "お届け先 住所3", Aliases: []string{"お届け先住所3"}, Max: 50, Meaning: Building},
	{Name: "お届け先 名称1", Aliases: []string{"お届け先名称1"}, Max: 50, Required: true, Meaning: Name},
	{Name: "お届け先 名称2", Aliases: []string{"お届け先名称2"}, Max: 50},
	{Name: "お届け先 敬称", Aliases: []string{"お届け先敬称"}, Max: 4, Meaning: Honorific, Guessed: true},
	{Name: "お届け先 電話番号", Aliases: []string{"お届け先電話番号"}, Max: 20, Required: true, Meaning: Tel},
	{Name: "配達希望日", Max: 8, Meaning: DeliveryDate, Guessed: true},
	{Name: "配達希望時間帯", Max: 2, Meaning: DeliveryTime, Guessed: true},
	{Name: "品名", Max: 60, Meaning: Item, Guessed: true},
	{Name: "記事", Max: 60, Meaning: Note, Guessed: true},
	{Name: "ご依頼主 郵便番号", Aliases: []string{"ご依頼主郵便番号"}, Max: 8, Meaning: ShipperPostal, Guessed: true},
	{Name: "ご依頼主 住所1", Aliases: []string{"ご依頼主住所1"}, Max: 50, Meaning: ShipperAddress, Guessed: true},
	{Name: "ご依頼主 住所2", Aliases: []string{"ご依頼主住所2"}, Max: 50, Meaning: ShipperAddress, Guessed: true},
	{Name: "ご依頼主 名称1", Aliases: []string{"ご依頼主名称1"}, Max: 50, Meaning: ShipperName, Guessed: true},
	{Name: "ご依頼主 電話番号", Aliases: []string{"ご依頼主電話番号"}, Max: 20, Meaning: ShipperTel, Guessed: true},
}
