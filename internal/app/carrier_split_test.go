package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// TestProgramOf: each ColorMe method_type that names a carrier maps to its
// program; the others have none.
func TestProgramOf(t *testing.T) {
	for typ, want := range map[string]carrier.Format{"yamato": carrier.B2, "yamato_pickup": carrier.B2, "sagawa": carrier.Ehiden,
		"jp": carrier.Yupack, "japanpost": carrier.Yupack, "JP": carrier.Yupack} {
		got, ok := app.ProgramOf(typ)
		assert.True(t, ok, typ)
		assert.Equal(t, want, got, typ)
	}
	for _, typ := range []string{"other", "", "seino", "fukuyama"} {
		_, ok := app.ProgramOf(typ)
		assert.False(t, ok, typ)
	}
	assert.Equal(t, "B2クラウド", app.ProgramName(shops.DeliveryMethod{MethodType: "yamato"}))
	assert.Equal(t, "", app.ProgramName(shops.DeliveryMethod{MethodType: "other"}))
}

// TestExportLabelsByCarrier: one selection of 発送待ち orders shipped with
// ヤマト, 日本郵便 and 佐川 methods becomes one file per program in one zip,
// each delivery in its own carrier's file (a sale with two deliveries by two
// carriers in two files); 店頭受取 (no carrier) and a method the OMS does not
// know are left out, each with its reason in Japanese.
func TestExportLabelsByCarrier(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, rules.Tokyo)
	st := testenv.OpenStore(t)
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s", Name: "雑貨店", APIBaseURL: "https://colorme.test", Settings: shops.DefaultSettings()}))
	_, err := st.Shops.SaveMethods(ctx, "s", sandbox.DefaultDeliveryMethods(), sandbox.DefaultPaymentMethods(), now)
	require.NoError(t, err)
	ordered := now.Add(-48 * time.Hour)
	dest := func(id, method int64) oms.ImportedDelivery {
		return oms.ImportedDelivery{ID: id, MethodID: method, Name: "山田 太郎", PrefName: "東京都", Address1: "渋谷区神宮前1-1-1", Postal: "1500001", Tel: "090-1111-2222"}
	}
	sales := []oms.ImportedSale{
		{SaleID: 130000001, OrderedAt: ordered, Deliveries: []oms.ImportedDelivery{dest(4100001, 1)}},                   // 宅急便
		{SaleID: 130000002, OrderedAt: ordered, Deliveries: []oms.ImportedDelivery{dest(4100002, 2), dest(4100003, 3)}}, // ゆうパック + 飛脚宅配便
		{SaleID: 130000003, OrderedAt: ordered, Deliveries: []oms.ImportedDelivery{dest(4100004, 4)}},                   // ネコポス (Yamato)
		{SaleID: 130000004, OrderedAt: ordered, Deliveries: []oms.ImportedDelivery{dest(4100005, 6)}},                   // 店頭受取
		{SaleID: 130000005, OrderedAt: ordered, Deliveries: []oms.ImportedDelivery{dest(4100006, 77)}},                  // unknown method
	}
	run, err := st.StartImport(ctx, oms.Run{ShopID: "s", RunKey: "seed", Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	_, err = st.ApplyImport(ctx, "s", run, sales, now.Add(-time.Hour))
	require.NoError(t, err)
	for _, s := range sales {
		_, err := st.SetStatus(ctx, "s", s.SaleID, rules.StatusAwaitingShipment, now.Add(-time.Hour))
		require.NoError(t, err)
	}

	ex, err := app.ExportLabelsByCarrier(ctx, st, "s", app.LabelSelection{Statuses: []string{rules.StatusAwaitingShipment}},
		carrier.Shipper{Tel: "03-1234-5678", Postal: "1000001", Address: "東京都千代田区1-1", BillingCode: "0123456789", FreightNo: "01"}, "", now)
	require.NoError(t, err)
	assert.Equal(t, "labels-s-20261201.zip", ex.FileName)
	assert.Equal(t, 5, ex.Orders)
	assert.Equal(t, 4, ex.Rows)

	zr, err := zip.NewReader(bytes.NewReader(ex.Data), int64(len(ex.Data)))
	require.NoError(t, err)
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		text, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
		require.NoError(t, err)
		files[f.Name] = string(text)
	}
	require.ElementsMatch(t, []string{"b2-s-20261201.csv", "ehiden-s-20261201.csv", "yupack-s-20261201.csv"}, slices.Collect(maps.Keys(files)))
	has := func(file string, sales ...string) {
		for _, s := range []string{"130000001", "130000002", "130000003", "130000004", "130000005"} {
			assert.Equal(t, slices.Contains(sales, s), strings.Contains(files[file], s), "%s holds sale %s", file, s)
		}
	}
	has("b2-s-20261201.csv", "130000001", "130000003")
	has("yupack-s-20261201.csv", "130000002")
	has("ehiden-s-20261201.csv", "130000002")
	for _, f := range ex.Files {
		assert.Equal(t, files[f.FileName], mustSJIS(t, f.Data), "the zip holds each file as written")
	}

	var excluded []string
	for _, w := range ex.Warnings {
		if w.Excluded {
			excluded = append(excluded, w.Ja)
		}
	}
	require.Len(t, excluded, 2)
	assert.Contains(t, excluded[0], "受注番号 130000004")
	assert.Contains(t, excluded[0], "配送方法「店頭受取」は対応する運送会社がない")
	assert.Contains(t, excluded[1], "受注番号 130000005")
	assert.Contains(t, excluded[1], "配送方法ID 77 がわからない")
}

func mustSJIS(t *testing.T, b []byte) string {
	t.Helper()
	text, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	require.NoError(t, err)
	return string(text)
}

// TestExportLabelsTakesOptionsFromMethods: with the shop's methods read from
// ColorMe, a B2 label is コレクト (送り状種類 2, the order's total and tax) when
// the sale is paid 代金引換, ネコポス (7) when its delivery method is ネコポス,
// and takes the クール区分 the shop set for the delivery method (冷凍: 1).
func TestExportLabelsTakesOptionsFromMethods(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, rules.Tokyo)
	st := testenv.OpenStore(t)
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s", Name: "雑貨店", APIBaseURL: "https://colorme.test", Settings: shops.DefaultSettings()}))
	_, err := st.Shops.SaveMethods(ctx, "s", sandbox.DefaultDeliveryMethods(), sandbox.DefaultPaymentMethods(), now)
	require.NoError(t, err)
	ordered := now.Add(-48 * time.Hour)
	dest := func(id, method int64) oms.ImportedDelivery {
		return oms.ImportedDelivery{ID: id, MethodID: method, Name: "山田 太郎", PrefName: "東京都", Address1: "渋谷区神宮前1-1-1", Postal: "1500001", Tel: "090-1111-2222"}
	}
	sales := []oms.ImportedSale{
		{SaleID: 140000001, OrderedAt: ordered, PaymentID: 752, Totals: oms.SaleTotals{Total: 5500, Tax: 500}, Deliveries: []oms.ImportedDelivery{dest(4200001, 1)}}, // 代金引換, 宅急便
		{SaleID: 140000002, OrderedAt: ordered, PaymentID: 751, Totals: oms.SaleTotals{Total: 1100, Tax: 100}, Deliveries: []oms.ImportedDelivery{dest(4200002, 4)}}, // カード, ネコポス
	}
	run, err := st.StartImport(ctx, oms.Run{ShopID: "s", RunKey: "seed", Trigger: "manual", WindowDays: 7, AsOf: now})
	require.NoError(t, err)
	_, err = st.ApplyImport(ctx, "s", run, sales, now.Add(-time.Hour))
	require.NoError(t, err)
	shipper := carrier.Shipper{Tel: "03-1234-5678", Postal: "1000001", Address: "東京都千代田区1-1", BillingCode: "0123456789", FreightNo: "01"}
	sel := app.LabelSelection{SaleIDs: []int64{140000001, 140000002}}

	rows := func() map[string]map[string]string {
		ex, err := app.ExportLabels(ctx, st, "s", "b2", sel, shipper, "", now)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimRight(mustSJIS(t, ex.Data), "\r\n"), "\r\n")
		require.Len(t, lines, 3, "a header and one row per sale")
		header := strings.Split(lines[0], ",")
		out := map[string]map[string]string{}
		for _, line := range lines[1:] {
			cells := strings.Split(line, ",")
			row := map[string]string{}
			for i, name := range header {
				row[strings.Trim(name, `"`)] = strings.Trim(cells[i], `"`)
			}
			for id := range map[string]bool{"140000001": true, "140000002": true} {
				if strings.Contains(line, id) {
					out[id] = row
				}
			}
		}
		return out
	}
	got := rows()
	assert.Equal(t, "2", got["140000001"]["送り状種類"], "代金引換: コレクト")
	assert.Equal(t, "5500", got["140000001"]["ｺﾚｸﾄ代金引換額（税込)"])
	assert.Equal(t, "500", got["140000001"]["内消費税額等"])
	assert.Equal(t, "0", got["140000001"]["クール区分"])
	assert.Equal(t, "7", got["140000002"]["送り状種類"], "ネコポス by its delivery method")

	require.NoError(t, st.Shops.SetDeliveryCool(ctx, "s", 1, shops.CoolFrozen))
	got = rows()
	assert.Equal(t, "1", got["140000001"]["クール区分"], "the shop's クール区分 for 宅急便: 冷凍")
	assert.Equal(t, "2", got["140000001"]["送り状種類"])
}
