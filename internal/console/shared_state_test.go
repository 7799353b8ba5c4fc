package console_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// twoConsoles starts two consoles, each with its own store (connection pool),
// on one PostgreSQL database: two console processes behind a load balancer.
func twoConsoles(t *testing.T) (*harness, *harness) {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	key := secrets.GenerateKey()
	open := func() *stores.Stores {
		sealer, err := secrets.NewSealer(key)
		require.NoError(t, err)
		st, err := stores.OpenWith(context.Background(), dsn, sealer, schema.Options{Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	return newHarness(t, onStore(open())), newHarness(t, onStore(open()))
}

// TestTwoConsolesShareTheThrottle: failures counted on one console lock the
// account (from that address) on the other.
func TestTwoConsolesShareTheThrottle(t *testing.T) {
	a, b := twoConsoles(t)
	_, err := a.st.Accounts.CreateUser(context.Background(), "tanaka", "correct-horse-battery", accounts.RoleAdmin)
	require.NoError(t, err)
	for i := range 5 {
		h := a
		if i%2 == 1 {
			h = b
		}
		code, _ := h.postLogin("tanaka", fmt.Sprintf("wrong-password-%d", i), "", "")
		assert.Equal(t, http.StatusUnauthorized, code)
	}
	code, _ := b.postLogin("tanaka", "correct-horse-battery", "", "")
	assert.Equal(t, http.StatusTooManyRequests, code, "the second console knows the first one's failures")
	code, _ = a.postLogin("tanaka", "correct-horse-battery", "", "")
	assert.Equal(t, http.StatusTooManyRequests, code)
}

// TestTwoConsolesShareUploads: a file previewed on one console is applied on
// the other (the load balancer sent 「取込」 elsewhere), exactly once.
func TestTwoConsolesShareUploads(t *testing.T) {
	a, b := twoConsoles(t)
	const shop = "up"
	a.addShopWithOrders(shop, map[int64][]int64{2001: {20011}})
	staff := a.addUser("staff1", accounts.RoleStaff, "staff-password-1")
	status, page := staff.upload(shop, "results.csv", []byte("2001,,S-2001,"+dataToday()+"\r\n"))
	require.Equal(t, http.StatusOK, status, page)
	form := dataApplyForm(t, page)
	onB := &operator{h: b, c: staff.c, noFollow: staff.noFollow} // the same browser, the other console
	status, page = onB.post("/shops/"+shop+"/upload/apply", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込が完了しました")
	assert.Equal(t, []string{"S-2001 " + dataToday()}, b.slips(shop, 2001))
	status, page = staff.post("/shops/"+shop+"/upload/apply", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "すでに取り込み済み", "the first console knows the file was applied")
}
