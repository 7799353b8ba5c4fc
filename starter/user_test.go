package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// TestUserShops: `starter user shops` gives a staff user its shops, which
// `starter user list` shows; an unknown shop is refused and nothing changes.
func TestUserShops(t *testing.T) {
	st := starterStore(t)
	ctx := context.Background()
	for _, id := range []string{"alpha", "beta"} {
		require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: id, Name: id, APIBaseURL: "https://colorme.test", Settings: shops.DefaultSettings()}))
	}
	u, err := st.Accounts.CreateUser(ctx, "suzuki", "staff-password-1", accounts.RoleStaff)
	require.NoError(t, err)
	_, err = st.Accounts.CreateUser(ctx, "tanaka", "admin-password-1", accounts.RoleAdmin)
	require.NoError(t, err)
	starter := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := starter("user", "shops", "-login", "suzuki", "-shops", "alpha")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "user suzuki: shops alpha\n", out)
	code, _, errOut = starter("user", "shops", "-login", "suzuki", "-shops", "alpha,nosuch")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "not found")
	mine, err := st.Accounts.UserShops(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha"}, mine)
	code, out, _ = starter("user", "list")
	require.Equal(t, 0, code)
	assert.Regexp(t, `suzuki\s+staff\s+alpha\s`, out)
	assert.Regexp(t, `tanaka\s+admin\s+\(all\)\s`, out)
}
