package carrier

// ehidenLayout is 佐川急便 e飛伝Ⅱ's 出荷データ CSV (取込パターン: 標準パターン), which
// e飛伝Ⅲ's 共通テンプレート also reads. Sources: 速販「【e飛伝Ⅱ 便種対応版】出荷データ
// CSV入力項目レイアウト」(2016; columns 1–12 with their lengths) and the
// たてんぽガイド e飛伝 CSV list (lengths of the お届け先 columns: 全角16 = 32
// bytes). Columns 19–42 follow e飛伝Ⅱ's standard pattern as shop systems
// (e-shops カートS, 速販) write it: their names and lengths are Guessed.
//
// The issued data is e飛伝's 出荷履歴 / 出荷実績 export: Guessed entirely (no
// public layout found) as お問合せ送り状No., 出荷日, お客様管理ナンバー and the
// お届け先 columns; Detect also accepts e飛伝Ⅲ's names (お客様管理番号,
// お問合せ送り状NO).
//
// お客様管理ナンバー holds 16 characters, too few for a sale id and a delivery
// id: references name the delivery by its position (RefPosition).
//
// 配達指定時間帯: 01 午前中, 12 12–14時, 14 14–16時, 16 16–18時, 18 18–20時,
// 19 19–21時 (04 18–21時 is not offered by ColorMe); 配達日 is yyyymmdd.
var ehidenLayout = Layout{
	Format: Ehiden, Name: "e飛伝", NameEn: "Sagawa e-Hiden",
	LabelHeader: true, DateLayout: "20060102", RefStyle: RefPosition,
	Keys:      []string{"お客様管理ナンバー", "お問合せ送り状No", "お問い合せ送り状No", "住所録コード", "荷姿コード", "お届け先名称１", "お届け先名称1", "便種(商品)", "元着区分"},
	TimeCodes: map[string]string{"8-12": "01", "12-14": "12", "14-16": "14", "16-18": "16", "18-20": "18", "19-21": "19"},
	Label:     ehidenLabel,
	Issued:    ehidenIssued,
}

var ehidenLabel = []Field{
	{Name: "住所録コード", Max: 12},
	{Name: "お届け先電話番号", Max: 14, Required: true, Meaning: Tel},
	{Name: "お届け先郵便番号", Max: 8, Required: true, Meaning: Postal},
	{Name: "お届け先住所１", Aliases: []string{"お届け先住所1"}, Max: 32, Required: true, Meaning: Address},
	{Name: "お届け先住所２", Aliases: []string{"お届け先住所2"}, Max: 32, Meaning: Address},
	{Name: "お届け先住所３", Aliases: []string{"お届け先住所3"}, Max: 32, Meaning: Building},
	{Name: "お届け先名称１", Aliases: []string{"お届け先名称1"}, Max: 32, Required: true, Meaning: Name},
	{Name: "お届け先名称２", Aliases: []string{"お届け先名称2"}, Max: 32},
	{Name: "お客様管理ナンバー", Aliases: []string{"お客様管理番号"}, Max: 16, Meaning: Reference},
	{Name: "お客様コード", Max: 12},
	{Name: "部署・担当者", Max: 32, Guessed: true},
	{Name: "荷送人電話番号", Max: 14},
	{Name: "ご依頼主電話番号", Max: 14, Meaning: ShipperTel, Guessed: true},
	{Name: "ご依頼主郵便番号", Max: 8, Meaning: ShipperPostal, Guessed: true},
	{Name: "ご依頼主住所１", Aliases: []string{"ご依頼主住所1"}, Max: 32, Meaning: ShipperAddress, Guessed: true},
	{Name: "ご依頼主住所２", Aliases: []string{"ご依頼主住所2"}, Max: 32, Meaning: ShipperAddress, Guessed: true},
	{Name: "ご依頼主名称１", Aliases: []string{"ご依頼主名称1"}, Max: 32, Meaning: ShipperName, Guessed: true},
	{Name: "ご依頼主名称２", Aliases: []string{"ご依頼主名称2"}, Max: 32, Guessed: true},
	{Name: "荷姿コード", Max: 3, Fixed: "001"}, // 001 箱類
	{Name: "品名１", Aliases: []string{"品名1"}, Max: 32, Meaning: Item, Guessed: true},
	{Name: "品名２", Aliases: []string{"品名2"}, Max: 32, Meaning: Note, Guessed: true},
	{Name: "品名３", Aliases: []string{"品名3"}, Max: 32, Guessed: true},
	{Name: "品名４", Aliases: []string{"品名4"}, Max: 32, Guessed: true},
	{Name: "品名５", Aliases: []string{"品名5"}, Max: 32, Guessed: true},
	{Name: "出荷個数", Max: 3, Fixed: "1", Guessed: true},
	{Name: "便種(スピードで選択)", Max: 3, Fixed: "000", Guessed: true}, // 000 飛脚宅配便
	{Name: "便種(商品)", Max: 3, Fixed: "001", Guessed: true},
	{Name: "配達日", Max: 8, Meaning: DeliveryDate, Guessed: true},
	{Name: "配達指定時間帯", Max: 2, Meaning: DeliveryTime, Guessed: true},
	{Name: "配達指定時間（時分）", Aliases: []string{"配達指定時間(時分)"}, Max: 4, Guessed: true},
	{Name: "代引金額", Max: 7, Guessed: true},
	{Name: "消費税", Max: 7, Guessed: true},
	{Name: "決済種別", Max: 1, Guessed: true},
	{Name: "保険金額", Max: 7, Guessed: true},
	{Name: "保険金額印字", Max: 1, Guessed: true},
	{Name: "指定シール１", Aliases: []string{"指定シール1"}, Max: 3, Guessed: true},
	{Name: "指定シール２", Aliases: []string{"指定シール2"}, Max: 3, Guessed: true},
	{Name: "指定シール３", Aliases: []string{"指定シール3"}, Max: 3, Guessed: true},
	{Name: "営業店止め", Max: 1, Guessed: true},
	{Name: "ＳＲＣ区分", Aliases: []string{"SRC区分"}, Max: 1, Guessed: true},
	{Name: "営業店コード", Max: 4, Guessed: true},
	{Name: "元着区分", Max: 1, Fixed: "1", Guessed: true}, // 1 元払
}

var ehidenIssued = []Field{
	{Name: "お問合せ送り状No.", Aliases: []string{"お問合せ送り状No", "お問い合せ送り状No", "お問合せ送り状NO", "送り状番号", "お問合せ番号"}, Max: 12, Meaning: Tracking, Guessed: true},
	{Name: "出荷日", Aliases: []string{"出荷予定日"}, Max: 10, Meaning: ShipDate, Guessed: true},
	{Name: "お客様管理ナンバー", Aliases: []string{"お客様管理番号"}, Max: 16, Meaning: Reference, Guessed: true},
	{Name: "お届け先電話番号", Max: 14, Guessed: true},
	{Name: "お届け先郵便番号", Max: 8, Meaning: Postal, Guessed: true},
	{Name: "お届け先住所１", Aliases: []string{"お届け先住所1"}, Max: 32, Guessed: true},
	{Name: "お届け先住所２", Aliases: []string{"お届け先住所2"}, Max: 32, Guessed: true},
	{Name: "お届け先住所３", Aliases: []string{"お届け先住所3"}, Max: 32, Guessed: true},
	{Name: "お届け先名称１", Aliases: []string{"お届け先名称1"}, Max: 32, Guessed: true},
	{Name: "お届け先名称２", Aliases: []string{"お届け先名称2"}, Max: 32, Guessed: true},
	{Name: "出荷個数", Max: 3, Guessed: true},
	{Name: "配達日", Max: 8, Guessed: true},
	{Name: "配達指定時間帯", Max: 2, Guessed: true},
}
