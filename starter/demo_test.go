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
