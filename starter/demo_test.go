package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stock"
)

// TestDemoSeedRefusesRealShop: demo-seed never overwrites the token of a shop
// whose api_base_url is not the sandbox, nor seeds a URL that is not a sandbox;
// it seeds a sandbox shop.
func TestDemoSeedRefusesRealShop(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)

	sb := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer sb.Close()
	notSandbox := httptest.NewServer(http.NotFoundHandler()) // answers like ColorMe: no /_sandbox
	defer notSandbox.Close()

	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "real", APIBaseURL: shops.DefaultAPIBaseURL}))
	require.NoError(t, st.Shops.SetAccessToken(ctx, "real", "real-token"))
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "other", APIBaseURL: notSandbox.URL}))
	require.NoError(t, st.Shops.SetAccessToken(ctx, "other", "other-token"))

	seed := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"demo-seed", "-orders", "5"}, args...), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	code, msg := seed("-shop", "real", "-sandbox", sb.URL)
	assert.Equal(t, 1, code, msg)
	assert.Contains(t, msg, "refusing to seed shop real: its api_base_url is https://api.shop-pro.jp, not the sandbox")
	code, msg = seed("-shop", "other", "-sandbox", notSandbox.URL)
	assert.Equal(t, 1, code, msg)
	assert.Contains(t, msg, "is not a ColorMe sandbox")
	assert.Contains(t, msg, "-sandbox")
	code, msg = seed("-shop", "fresh", "-sandbox", notSandbox.URL)
	assert.Equal(t, 1, code, msg)
	_, err := st.Shops.Shop(ctx, "fresh")
	assert.ErrorIs(t, err, oms.ErrNotFound, "no shop is created for a URL that is not a sandbox")

	for id, want := range map[string]string{"real": "real-token", "other": "other-token"} {
		tok, err := st.Shops.AccessToken(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, tok, "shop %s keeps its token", id)
		orders, err := st.Orders(ctx, id)
		require.NoError(t, err)
		assert.Empty(t, orders, "no demo orders added to shop %s", id)
	}

	code, msg = seed("-shop", "demo", "-sandbox", sb.URL+"/")
	require.Equal(t, 0, code, msg)
	assert.Contains(t, msg, "seeded shop demo: 5 orders")
	code, msg = seed("-shop", "demo", "-sandbox", sb.URL)
	require.Equal(t, 0, code, "seeding the same sandbox shop again is fine: %s", msg)
	tok, err := st.Shops.AccessToken(ctx, "demo")
	require.NoError(t, err)
	assert.Equal(t, "demo-token", tok)
}

// TestDemoSeedCatalogue: demo-seed gives the shop a catalogue with options on
// the sandbox and on-hand counts, so 在庫一覧 shows real numbers: the demo's
// order lines map to its SKUs (引当), and two units show what cannot be mapped.
func TestDemoSeedCatalogue(t *testing.T) {
	ctx := context.Background()
	st := starterStore(t)
	sb := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer sb.Close()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"demo-seed", "-orders", "60", "-shop", "demo", "-sandbox", sb.URL}, &out, &errOut)
	require.Equal(t, 0, code, out.String()+errOut.String())
	assert.Contains(t, out.String(), "seeded the catalogue of shop demo: 7 products, 11 sellable units (9 mapped by 型番, 2 not), on-hand set for 9 SKUs")

	s := stock.New(st)
	units, err := s.Catalogue(ctx, "demo")
	require.NoError(t, err)
	variants := 0
	for _, u := range units {
		if u.PerOption {
			variants++
		}
	}
	assert.Equal(t, 7, variants, "units kept per option")
	levels, err := s.Levels(ctx, "demo")
	require.NoError(t, err)
	require.Len(t, levels, 9)
	open := int64(0)
	for sku, l := range levels {
		assert.Equal(t, max(l.OnHand-l.Open, 0), l.Available, sku)
		open += l.Open
	}
	assert.Positive(t, open, "the demo's open orders hold units of its SKUs")
	rep, err := s.Report(ctx, "demo")
	require.NoError(t, err)
	problems := map[string]bool{}
	for _, u := range rep.Unmapped {
		problems[u.Problem] = true
	}
	assert.Equal(t, map[string]bool{stock.ProblemNoModelNumber: true, stock.ProblemNotManaged: true}, problems)
}
