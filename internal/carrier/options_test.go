package carrier_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/carrier"
)

// TestDecide: an order's label options from its facts and the export's
// choice: 代金引換 with the order's total and tax when the payment method is
// 代金引換 (by ColorMe's payment method or by its name); ネコポス, コンパクト
// and クール from the delivery method's name (Yamato's kinds only for a
// Yamato method); staff's per-order cool class over the name; the export's
// choice over everything but 代金引換.
func TestDecide(t *testing.T) {
	cod := carrier.Options{COD: true, CODAmount: 3300, CODTax: 300}
	cases := []struct {
		name   string
		facts  carrier.OrderFacts
		choice carrier.Choice
		want   carrier.Options
	}{
		{"prepaid regular parcel", carrier.OrderFacts{Total: 3300, Tax: 300, DeliveryName: "宅急便", DeliveryMethodType: "yamato"}, carrier.Choice{}, carrier.Options{}},
		{"cod by the payment method", carrier.OrderFacts{PaymentCOD: true, Total: 3300, Tax: 300}, carrier.Choice{}, cod},
		{"cod by its name", carrier.OrderFacts{PaymentName: "代金引換（ヤマト）", Total: 3300, Tax: 300}, carrier.Choice{}, cod},
		{"代引き", carrier.OrderFacts{PaymentName: "代引き", Total: 3300, Tax: 300}, carrier.Choice{}, cod},
		{"card is not cod", carrier.OrderFacts{PaymentName: "クレジットカード決済", Total: 3300, Tax: 300}, carrier.Choice{}, carrier.Options{}},
		{"cod without total is still cod", carrier.OrderFacts{PaymentCOD: true}, carrier.Choice{}, carrier.Options{COD: true}},
		{"nekopos", carrier.OrderFacts{DeliveryName: "ネコポス", DeliveryMethodType: "yamato"}, carrier.Choice{}, carrier.Options{Service: carrier.ServiceNekopos}},
		{"クロネコゆうパケット", carrier.OrderFacts{DeliveryName: "クロネコゆうパケット（ポスト投函）"}, carrier.Choice{}, carrier.Options{Service: carrier.ServiceNekopos}},
		{"compact", carrier.OrderFacts{DeliveryName: "宅急便コンパクト", DeliveryMethodType: "yamato"}, carrier.Choice{}, carrier.Options{Service: carrier.ServiceCompact}},
		{"ゆうパケット of Japan Post is not nekopos", carrier.OrderFacts{DeliveryName: "ゆうパケット", DeliveryMethodType: "jp"}, carrier.Choice{}, carrier.Options{}},
		{"another carrier's compact is regular", carrier.OrderFacts{DeliveryName: "コンパクト便", DeliveryMethodType: "sagawa"}, carrier.Choice{}, carrier.Options{}},
		{"frozen by name", carrier.OrderFacts{DeliveryName: "クール便（冷凍）", DeliveryMethodType: "yamato"}, carrier.Choice{}, carrier.Options{Cool: carrier.CoolFrozen}},
		{"chilled by name", carrier.OrderFacts{DeliveryName: "クール宅急便", DeliveryMethodType: "yamato"}, carrier.Choice{}, carrier.Options{Cool: carrier.CoolChilled}},
		{"チルドゆうパック", carrier.OrderFacts{DeliveryName: "チルドゆうパック", DeliveryMethodType: "jp"}, carrier.Choice{}, carrier.Options{Cool: carrier.CoolChilled}},
		{"staff's cool over the name", carrier.OrderFacts{DeliveryName: "クール便（冷凍）", Cool: carrier.CoolNone, CoolSet: true}, carrier.Choice{}, carrier.Options{}},
		{"staff's cool", carrier.OrderFacts{Cool: carrier.CoolChilled, CoolSet: true}, carrier.Choice{}, carrier.Options{Cool: carrier.CoolChilled}},
		{"export's choice over the order", carrier.OrderFacts{DeliveryName: "ネコポス", Cool: carrier.CoolFrozen, CoolSet: true, PaymentCOD: true, Total: 3300, Tax: 300},
			carrier.Choice{ServiceSet: true, CoolSet: true, Cool: carrier.CoolChilled}, carrier.Options{COD: true, CODAmount: 3300, CODTax: 300, Cool: carrier.CoolChilled}},
		{"export's compact", carrier.OrderFacts{DeliveryName: "宅急便"}, carrier.Choice{Service: carrier.ServiceCompact, ServiceSet: true}, carrier.Options{Service: carrier.ServiceCompact}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, carrier.Decide(c.facts, c.choice), c.name)
	}
}

// TestForParcel: 代金引換 is collected once, with an order's first parcel.
func TestForParcel(t *testing.T) {
	o := carrier.Options{COD: true, CODAmount: 3300, CODTax: 300, Cool: carrier.CoolChilled}
	first, moved := o.ForParcel(0)
	assert.Equal(t, o, first)
	assert.False(t, moved)
	second, moved := o.ForParcel(1)
	assert.Equal(t, carrier.Options{Cool: carrier.CoolChilled}, second, "the cool class stays")
	assert.True(t, moved)
	prepaid, moved := carrier.Options{}.ForParcel(2)
	assert.Equal(t, carrier.Options{}, prepaid)
	assert.False(t, moved)
}

func TestParseChoice(t *testing.T) {
	c, err := carrier.ParseChoice("", "auto")
	require.NoError(t, err)
	assert.Equal(t, carrier.Choice{}, c)
	c, err = carrier.ParseChoice("standard", "none")
	require.NoError(t, err)
	assert.Equal(t, carrier.Choice{ServiceSet: true, CoolSet: true}, c)
	c, err = carrier.ParseChoice("Nekopos", "frozen")
	require.NoError(t, err)
	assert.Equal(t, carrier.Choice{Service: carrier.ServiceNekopos, ServiceSet: true, Cool: carrier.CoolFrozen, CoolSet: true}, c)
	_, err = carrier.ParseChoice("yupacket", "")
	assert.ErrorContains(t, err, `parcel kind "yupacket": use auto (per order), standard, compact`)
	_, err = carrier.ParseChoice("", "warm")
	assert.ErrorContains(t, err, `cool class "warm": use auto (per order), none, chilled`)
}

// TestExportOptions: each program writes the options it offers in its own
// columns and codes, and leaves out, with the reason, a label it cannot print
// so: ネコポス / コンパクト anywhere but B2, クール where no column is known
// (e飛伝Ⅱ/Ⅲ) or with ネコポス / コンパクト, ネコポス as 代金引換, and 代金引換
// without an amount.
func TestExportOptions(t *testing.T) {
	with := func(o carrier.Options) carrier.Label {
		lb := label(120000001, 3500001, 1)
		lb.Options = o
		return lb
	}
	cod := carrier.Options{COD: true, CODAmount: 3300, CODTax: 300}
	type cols map[string]string
	cases := []struct {
		format string
		opts   carrier.Options
		want   cols   // columns of the written row
		left   string // the reason the row is left out (Japanese), "" = written
	}{
		{"b2", carrier.Options{}, cols{"送り状種類": "0", "クール区分": "0", "ｺﾚｸﾄ代金引換額（税込)": "", "内消費税額等": ""}, ""},
		{"b2", cod, cols{"送り状種類": "2", "ｺﾚｸﾄ代金引換額（税込)": "3300", "内消費税額等": "300"}, ""},
		{"b2", carrier.Options{Service: carrier.ServiceNekopos}, cols{"送り状種類": "7"}, ""},
		{"b2", carrier.Options{Service: carrier.ServiceCompact}, cols{"送り状種類": "8"}, ""},
		{"b2", carrier.Options{COD: true, CODAmount: 3300, CODTax: 300, Service: carrier.ServiceCompact}, cols{"送り状種類": "9", "ｺﾚｸﾄ代金引換額（税込)": "3300"}, ""},
		{"b2", carrier.Options{Cool: carrier.CoolFrozen}, cols{"送り状種類": "0", "クール区分": "1"}, ""},
		{"b2", carrier.Options{COD: true, CODAmount: 3300, CODTax: 300, Cool: carrier.CoolChilled}, cols{"送り状種類": "2", "クール区分": "2"}, ""},
		{"b2", carrier.Options{COD: true, CODAmount: 3300, Service: carrier.ServiceNekopos}, nil, "ネコポスを代金引換にできないため"},
		{"b2", carrier.Options{Service: carrier.ServiceCompact, Cool: carrier.CoolChilled}, nil, "宅急便コンパクトはクール冷蔵にできないため"},
		{"b2", carrier.Options{COD: true}, nil, "合計金額 (0円、うち消費税0円) を代引金額にできないため"},
		{"ehiden", cod, cols{"代引金額": "3300", "消費税": "300", "決済種別": ""}, ""},
		{"ehiden", carrier.Options{Service: carrier.ServiceNekopos}, nil, "ネコポスの荷物ですが、e飛伝Ⅱでは発行できないため"},
		{"ehiden", carrier.Options{Cool: carrier.CoolChilled}, nil, "e飛伝Ⅱの送り状データにはクール区分を書けないため"},
		{"ehiden3", cod, nil, ""},
		{"ehiden3", carrier.Options{Service: carrier.ServiceCompact}, nil, "宅急便コンパクトの荷物ですが、e飛伝Ⅲでは発行できないため"},
		{"ehiden3", carrier.Options{Cool: carrier.CoolFrozen}, nil, "e飛伝Ⅲの送り状データにはクール区分を書けないため"},
		{"yupack", carrier.Options{}, cols{"元/着払/代引": "0", "保冷種別": "0", "代引金額": ""}, ""},
		{"yupack", cod, cols{"元/着払/代引": "2", "代引金額": "3300", "代引消費税": "300"}, ""},
		{"yupack", carrier.Options{Cool: carrier.CoolChilled}, cols{"保冷種別": "1"}, ""},
		{"yupack", carrier.Options{Cool: carrier.CoolFrozen}, cols{"保冷種別": "2"}, ""},
		{"yupack", carrier.Options{Service: carrier.ServiceNekopos}, nil, "ネコポスの荷物ですが、ゆうパックプリントRでは発行できないため"},
	}
	for _, c := range cases {
		l := layout(t, c.format)
		ex := l.Export([]carrier.Label{with(c.opts)}, shipper, "2026-11-27")
		if c.left != "" {
			assert.Zero(t, ex.Rows, "%s %+v", c.format, c.opts)
			require.NotEmpty(t, ex.Warnings)
			assert.True(t, ex.Warnings[0].Excluded)
			assert.Contains(t, ex.Warnings[0].Ja, c.left)
			continue
		}
		require.Equal(t, 1, ex.Rows, "%s %+v: %v", c.format, c.opts, ex.Warnings)
		recs := readSJIS(t, ex.Data)
		if !l.LabelHeader { // e飛伝Ⅲ: by position
			assert.Equal(t, "3300", recs[0][47], "代引金額")
			assert.Equal(t, "300", recs[0][48], "消費税")
			continue
		}
		for name, want := range c.want {
			assert.Equal(t, want, column(t, recs[0], recs[1], name), "%s %+v: %s", c.format, c.opts, name)
		}
	}
}

// TestExportYupackTimes: ゆうプリR's 配達時間帯区分 is 00 (指定なし) without a
// time; a time ゆうパック does not offer (20–21: the old code 56 has no slot)
// is written 00, never a code of its own, with a warning saying so.
func TestExportYupackTimes(t *testing.T) {
	l := layout(t, "yupack")
	none, late := label(1, 11, 1), label(2, 21, 1)
	none.PreferredPeriod, late.PreferredPeriod = "", "20時～21時"
	ex := l.Export([]carrier.Label{none, late}, shipper, "2026-11-27")
	recs := readSJIS(t, ex.Data)
	require.Len(t, recs, 3)
	assert.Equal(t, "00", column(t, recs[0], recs[1], "配達時間帯区分"))
	assert.Equal(t, "00", column(t, recs[0], recs[2], "配達時間帯区分"))
	assert.Equal(t, "0", column(t, recs[0], recs[1], "お届け先 敬称区分"))
	require.Len(t, ex.Warnings, 1)
	assert.Equal(t, 2, ex.Warnings[0].Row)
	assert.False(t, ex.Warnings[0].Excluded)
	assert.Contains(t, ex.Warnings[0].Ja, "お届け希望時間帯「20時～21時」はゆうパックプリントRで指定できない時間帯のため、配達時間帯を「指定なし」(00) にしました")
}
