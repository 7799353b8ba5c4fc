package carrier

// b2Layout is ヤマト運輸 B2クラウド's 送り状発行データ (外部データから発行 →
// 基本レイアウト, CSV, 取込開始行 2). Sources: ヤマト運輸「B2クラウド 送り状発行データ
// レイアウト 入出力用」(new_exchange1.pdf, as cited by the yamato_b2_cloud gem),
// two independent transcriptions of that sheet, which agree on the positions,
// byte lengths and required flags of every column (1–42), and the gem's column
// numbers, which match. Every column is confirmed: none is Guessed. B2 reads
// by position from line 2, so the header names (which vary between tools) do
// not matter on import. The issued data (発行済データ) is the same layout with
// 伝票番号 (column 4) filled in; there is no evidence for its header names,
// which Detect reads with aliases.
//
// 送り状種類: 0 発払い, 2 コレクト (代金引換: ｺﾚｸﾄ代金引換額 tax included in
// column 34 and 内消費税額等 in 35), 7 ネコポス (now クロネコゆうパケット), 8
// 宅急便コンパクト, 9 宅急便コンパクトコレクト (flagship's B2 export writes 2, 7
// and 8; 9 is from the sheet). クール区分: 0 普通, 1 冷凍, 2 冷蔵, only with
// 発払い and コレクト among the kinds we write.
//
// 配達時間帯: 0812 午前中, 1416, 1618, 1820, 1921 (the 2017 revision dropped 1214
// and replaced 2021 by 1921; the older codes are no longer accepted).
//
// お客様管理番号 is 半角英数字 20 characters in the old sheet (50 in the current
// template): "<sale id>D<sale_delivery id>" (RefDeliveryID) fits a 9-digit
// sale id with a delivery id of up to 10 digits.
var b2Layout = Layout{
	Format: B2, Name: "B2クラウド", NameEn: "Yamato B2 Cloud",
	LabelHeader: true, DateLayout: "2006/01/02", RefStyle: RefDeliveryID,
	Keys:         []string{"送り状種類", "送り状種別", "クール区分", "お届け先名(ｶﾅ)", "ご依頼主名", "請求先顧客コード", "運賃管理番号", "お届け先アパートマンション名"},
	TimeCodes:    map[string]string{"8-12": "0812", "14-16": "1416", "16-18": "1618", "18-20": "1820", "19-21": "1921"},
	InvoiceCodes: map[string]string{"standard": "0", "standard+cod": "2", "nekopos": "7", "compact": "8", "compact+cod": "9"},
	CoolCodes:    map[Cool]string{CoolNone: "0", CoolFrozen: "1", CoolChilled: "2"},
	Label:        b2Fields,
	Issued:       b2Fields,
}

var b2Fields = []Field{
	{Name: "お客様管理番号", Max: 20, Meaning: Reference},
	{Name: "送り状種類", Aliases: []string{"送り状種別"}, Max: 1, Required: true, Meaning: InvoiceType},
	{Name: "クール区分", Max: 1, Meaning: CoolCode},
	{Name: "伝票番号", Aliases: []string{"送り状番号", "問い合わせ番号"}, Max: 12, Meaning: Tracking},
	{Name: "出荷予定日", Max: 10, Required: true, Meaning: ShipDate},
	{Name: "お届け予定日", Aliases: []string{"お届け予定（指定）日", "お届け予定(指定)日"}, Max: 10, Meaning: DeliveryDate},
	{Name: "配達時間帯", Max: 4, Meaning: DeliveryTime},
	{Name: "お届け先コード", Max: 20},
	{Name: "お届け先電話番号", Max: 15, Required: true, Meaning: Tel},
	{Name: "お届け先電話番号枝番", Max: 2},
	{Name: "お届け先郵便番号", Max: 8, Required: true, Meaning: Postal},
	{Name: "お届け先住所", Max: 64, Required: true, Meaning: Address},
	{Name: "お届け先アパートマンション名", Max: 32, Meaning: Building},
	{Name: "お届け先会社・部門１", Aliases: []string{"お届け先会社・部門1"}, Max: 50},
	{Name: "お届け先会社・部門２", Aliases: []string{"お届け先会社・部門2"}, Max: 50},
	{Name: "お届け先名", Max: 32, Required: true, Meaning: Name},
	{Name: "お届け先名(ｶﾅ)", Aliases: []string{"お届け先名(カナ)"}, Max: 50, Meaning: NameKana},
	{Name: "敬称", Max: 4, Meaning: Honorific},
	{Name: "ご依頼主コード", Max: 20},
	{Name: "ご依頼主電話番号", Max: 15, Required: true, Meaning: ShipperTel},
	{Name: "ご依頼主電話番号枝番", Max: 2},
	{Name: "ご依頼主郵便番号", Max: 8, Required: true, Meaning: ShipperPostal},
	{Name: "ご依頼主住所", Max: 64, Required: true, Meaning: ShipperAddress},
	{Name: "ご依頼主アパートマンション", Max: 32},
	{Name: "ご依頼主名", Max: 32, Required: true, Meaning: ShipperName},
	{Name: "ご依頼主名(ｶﾅ)", Aliases: []string{"ご依頼主名(カナ)"}, Max: 50},
	{Name: "品名コード１", Aliases: []string{"品名コード1"}, Max: 30},
	{Name: "品名１", Aliases: []string{"品名1"}, Max: 50, Required: true, Meaning: Item},
	{Name: "品名コード２", Aliases: []string{"品名コード2"}, Max: 30},
	{Name: "品名２", Aliases: []string{"品名2"}, Max: 50},
	{Name: "荷扱い１", Aliases: []string{"荷扱い1"}, Max: 20},
	{Name: "荷扱い２", Aliases: []string{"荷扱い2"}, Max: 20},
	{Name: "記事", Max: 44, Meaning: Note},
	{Name: "ｺﾚｸﾄ代金引換額（税込)", Aliases: []string{"コレクト代金引換額(税込)"}, Max: 7, Meaning: CODAmount},
	{Name: "内消費税額等", Max: 7, Meaning: CODTax},
	{Name: "止置き", Max: 1},
	{Name: "営業所コード", Max: 6},
	{Name: "発行枚数", Max: 2},
	{Name: "個数口表示フラグ", Max: 1},
	{Name: "請求先顧客コード", Max: 12, Required: true, Meaning: BillingCode},
	{Name: "請求先分類コード", Max: 3},
	{Name: "運賃管理番号", Max: 2, Required: true, Meaning: FreightNo},
}
