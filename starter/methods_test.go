package main

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// TestShopMethods: `starter shop methods` says when the methods were never
// read; -refresh reads them from ColorMe (two calls) and lists each delivery
// method's label program, 店頭受取 having none, and 代金引換; -cool sets a
// method's クール区分, refused for an unknown method.
func TestShopMethods(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	sb := sandbox.New(sandbox.Options{Tokens: []string{"tok"}})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	t.Setenv("COLORME_PLAIN_HTTP_HOSTS", "127.0.0.1")
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s", Name: "雑貨店", APIBaseURL: srv.URL, Settings: shops.DefaultSettings()}))
	require.NoError(t, st.Shops.SetAccessToken(ctx, "s", "tok"))
	methods := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"shop", "methods", "-shop", "s"}, args...), &out, &errOut)
		return code, out.String() + errOut.String()
	}

	code, msg := methods()
	require.Equal(t, 0, code, msg)
	assert.Contains(t, msg, "were never read from ColorMe: run `starter shop methods -shop s -refresh`")
	assert.Equal(t, 0, sb.Counters().MethodReads)

	code, msg = methods("-refresh")
	require.Equal(t, 0, code, msg)
	assert.Equal(t, 2, sb.Counters().MethodReads)
	assert.Contains(t, msg, "read 6 delivery and 4 payment methods from ColorMe (changed)")
	assert.Regexp(t, `1 +宅急便 \(ヤマト運輸\) +yamato +B2クラウド +なし`, msg)
	assert.Regexp(t, `3 +飛脚宅配便 \(佐川急便\) +sagawa +e飛伝`, msg)
	assert.Regexp(t, `2 +ゆうパック \(日本郵便\) +jp +ゆうパックプリントR`, msg)
	assert.Regexp(t, `6 +店頭受取 +other +none \(left out of split label files\)`, msg)
	assert.Regexp(t, `752 +代金引換 +true +330`, msg)

	code, msg = methods("-cool", "5=frozen")
	require.Equal(t, 0, code, msg)
	assert.Contains(t, msg, "delivery method 5 of shop s: クール区分 冷凍")
	assert.Regexp(t, `5 +宅急便コンパクト +yamato +B2クラウド +冷凍`, msg)
	assert.Equal(t, 2, sb.Counters().MethodReads, "listing reads the OMS, not ColorMe")

	code, msg = methods("-cool", "99=chilled")
	assert.Equal(t, 1, code, msg)
	assert.Contains(t, msg, "no delivery method 99")
	code, msg = methods("-cool", "5=warm")
	assert.Equal(t, 1, code, msg)
	assert.Contains(t, msg, "none, chilled (冷蔵) or frozen (冷凍)")
}

// TestCarrierExportByMethodCLI: `orders carrier-export -format auto` writes
// one zip with a file per program from one selection (ゆうパック and 佐川
// deliveries of one sale in two files) and warns about the 店頭受取 delivery
// it leaves out.
func TestCarrierExportByMethodCLI(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	now := time.Now()
	seedShop(t, st, now, []oms.ImportedSale{{SaleID: 120000002, OrderedAt: now.Add(-48 * time.Hour), Deliveries: []oms.ImportedDelivery{
		{ID: 3500002, MethodID: 2, Name: "佐藤 花子", PrefName: "大阪府", Address1: "大阪市北区梅田2-2-2", Postal: "5300001", Tel: "06-6111-2222"},
		{ID: 3500003, MethodID: 3, Name: "佐藤 一郎", PrefName: "福岡県", Address1: "福岡市中央区天神3-3-3", Postal: "8100001", Tel: "092-711-3333"},
		{ID: 3500004, MethodID: 6, Name: "佐藤 次郎", PrefName: "福岡県", Address1: "福岡市中央区天神3-3-3", Postal: "8100001", Tel: "092-711-3333"}}}})
	_, err := st.SetStatus(ctx, "s", 120000002, rules.StatusAwaitingShipment, now)
	require.NoError(t, err)
	_, err = st.Shops.SaveMethods(ctx, "s", sandbox.DefaultDeliveryMethods(), sandbox.DefaultPaymentMethods(), now)
	require.NoError(t, err)

	var out, errOut bytes.Buffer
	path := filepath.Join(t.TempDir(), "labels.zip")
	code := run(ctx, []string{"orders", "carrier-export", "-shop", "s", "-format", "auto", "-status", "発送待ち", "-o", path}, &out, &errOut)
	require.Equal(t, 0, code, out.String()+errOut.String())
	assert.Contains(t, out.String(), "2 label rows for 1 orders, one file per label program by delivery method (zip)")
	assert.Regexp(t, `ehiden-s-\d{8}\.csv: 1 rows for 1 orders`, out.String())
	assert.Regexp(t, `yupack-s-\d{8}\.csv: 1 rows for 1 orders`, out.String())
	assert.Contains(t, errOut.String(), "warning: sale 120000002 delivery 3500004: delivery method 店頭受取 (6) has no known carrier")
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer func() { _ = zr.Close() }()
	assert.Len(t, zr.File, 2)
}
