package carrier

// b2Layout is ヤマト運輸 B2クラウド's 送り状発行データ (外部データから発行 →
// 基本レイアウト, CSV, 取込開始行 2). Sources: ヤマト運輸「B2クラウド 送り状発行データ
// レイアウト 入出力用」(new_exchange1.pdf; columns 1–7 with lengths, formats and
// codes as quoted in public copies), the column numbers used by the
// yamato_b2_cloud gem (labocho), and the aiship and flagship B2 CSV manuals.
// Columns 1–7 (names, lengths, formats, codes) are as the quoted specification
// gives them; the names and places of 8–42 are the gem's and the manuals'
// column numbers, but their lengths are the specification's as we know it, not
// checked against a copy: Guessed. The issued data (発行済データ出力) is the same
// layout with 伝票番号 filled in.
//
// 配達時間帯: 0812 午前中, 1416, 1618, 1820, 1921 (the 2017 revision dropped 1214
// and replaced 2021 by 1921; the older codes are no longer accepted).
//
// お客様管理番号 is 半角英数字 20 characters: "<sale id>D<sale_delivery id>"
// (RefDeliveryID) fits a 9-digit sale id with a delivery id of up to 10 digits.
var b2Layout = Layout{
	Format: B2, Name: "B2クラウド", NameEn: "Yamato B2 Cloud",
	LabelHeader: true, DateLayout: "2006/01/02", RefStyle: RefDeliveryID,
	Keys:      []string{"送り状種類", "送り状種別", "クール区分", "お届け先名(ｶﾅ)", "ご依頼主名", "請求先顧客コード", "運賃管理番号", "お届け先アパートマンション名"},
	TimeCodes: map[string]string{"8-12": "0812", "14-16": "1416", "16-18": "1618", "18-20": "1820", "19-21": "1921"},
	Label:     b2Fields,
	Issued:    b2Fields,
}

var b2Fields = []Field{
	{Name: "お客様管理番号", Max: 20, Meaning: Reference},
	{Name: "送り状種類", Aliases: []string{"送り状種別"}, Max: 1, Required: true, Fixed: "0"}, // 0 発払い
	{Name: "クール区分", Max: 1},
	{Name: "伝票番号", Aliases: []string{"送り状番号", "問い合わせ番号"}, Max: 12, Meaning: Tracking},
	{Name: "出荷予定日", Max: 10, Required: true, Meaning: ShipDate},
	{Name: "お届け予定日", Aliases: []string{"お届け予定（指定）日", "お届け予定(指定)日"}, Max: 10, Meaning: DeliveryDate},
	{Name: "配達時間帯", Max: 4, Meaning: DeliveryTime},
	{Name: "お届け先コード", Max: 20, Guessed: true},
	{Name: "お届け先電話番号", Max: 15, Required: true, Meaning: Tel, Guessed: true},
	{Name: "お届け先電話番号枝番", Max: 2, Guessed: true},
	{Name: "お届け先郵便番号", Max: 8, Required: true, Meaning: Postal, Guessed: true},
	{Name: "お届け先住所", Max: 64, Required: true, Meaning: Address, Guessed: true},
	{Name: "お届け先アパートマンション名", Max: 32, Meaning: Building, Guessed: true},
	{Name: "お届け先会社・部門１", Aliases: []string{"お届け先会社・部門1"}, Max: 50, Guessed: true},
	{Name: "お届け先会社・部門２", Aliases: []string{"お届け先会社・部門2"}, Max: 50, Guessed: true},
	{Name: "お届け先名", Max: 32, Required: true, Meaning: Name, Guessed: true},
	{Name: "お届け先名(ｶﾅ)", Aliases: []string{"お届け先名(カナ)"}, Max: 50, Meaning: NameKana, Guessed: true},
	{Name: "敬称", Max: 4, Meaning: Honorific, Guessed: true},
	{Name: "ご依頼主コード", Max: 20, Guessed: true},
	{Name: "ご依頼主電話番号", Max: 15, Required: true, Meaning: ShipperTel, Guessed: true},
	{Name: "ご依頼主電話番号枝番", Max: 2, Guessed: true},
	{Name: "ご依頼主郵便番号", Max: 8, Required: true, Meaning: ShipperPostal, Guessed: true},
	{Name: "ご依頼主住所", Max: 64, Required: true, Meaning: ShipperAddress, Guessed: true},
	{Name: "ご依頼主アパートマンション", Max: 32, Guessed: true},
	{Name: "ご依頼主名", Max: 32, Required: true, Meaning: ShipperName, Guessed: true},
	{Name: "ご依頼主名(ｶﾅ)", Aliases: []string{"ご依頼主名(カナ)"}, Max: 50, Guessed: true},
	{Name: "品名コード１", Aliases: []string{"品名コード1"}, Max: 30, Guessed: true},
	{Name: "品名１", Aliases: []string{"品名1"}, Max: 50, Required: true, Meaning: Item, Guessed: true},
	{Name: "品名コード２", Aliases: []string{"品名コード2"}, Max: 30, Guessed: true},
	{Name: "品名２", Aliases: []string{"品名2"}, Max: 50, Guessed: true},
	{Name: "荷扱い１", Aliases: []string{"荷扱い1"}, Max: 20, Guessed: true},
	{Name: "荷扱い２", Aliases: []string{"荷扱い2"}, Max: 20, Guessed: true},
	{Name: "記事", Max: 44, Meaning: Note, Guessed: true},
	{Name: "ｺﾚｸﾄ代金引換額（税込)", Aliases: []string{"コレクト代金引換額(税込)"}, Max: 7, Guessed: true},
	{Name: "内消費税額等", Max: 7, Guessed: true},
	{Name: "止置き", Max: 1, Guessed: true},
	{Name: "営業所コード", Max: 6, Guessed: true},
	{Name: "発行枚数", Max: 2, Guessed: true},
	{Name: "個数口表示フラグ", Max: 1, Guessed: true},
	{Name: "請求先顧客コード", Max: 12, Required: true, Meaning: BillingCode, Guessed: true},
	{Name: "請求先分類コード", Max: 3, Guessed: true},
	{Name: "運賃管理番号", Max: 2, Required: true, Meaning: FreightNo, Guessed: true},
}
