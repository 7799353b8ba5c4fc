package connect_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/connect"
)

func TestParseCallback(t *testing.T) {
	for in, want := range map[string]connect.Callback{
		"https://oms.example.com/cb?code=ABC&state=S1":              {Code: "ABC", State: "S1"},
		"  http://127.0.0.1:8765/callback?state=S2&code=X%2BY#frag": {Code: "X+Y", State: "S2"},
		"?error=access_denied&state=S3":                             {Error: "access_denied", State: "S3"},
		"code=Z&state=S4":                                           {Code: "Z", State: "S4"},
		"RAWCODE123\n":                                              {Code: "RAWCODE123", Bare: true},
	} {
		got, err := connect.ParseCallback(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "   ", "two words", "https://oms.example.com/cb?foo=bar"} {
		_, err := connect.ParseCallback(in)
		assert.Equal(t, connect.KindBadInput, connect.KindOf(err), in)
	}
}

func TestIsLocal(t *testing.T) {
	assert.True(t, connect.IsLocal("http://localhost:8765/callback"))
	assert.True(t, connect.IsLocal("http://127.0.0.1/cb"))
	assert.True(t, connect.IsLocal("http://[::1]:9000/cb"))
	assert.False(t, connect.IsLocal("https://localhost/cb"), "we serve plain http only")
	assert.False(t, connect.IsLocal("https://oms.example.com/cb"))
}

// TestListenerRequiresState: a request to the local listener's /callback without
// the attempt's state (a code from another web page, a stray ?error=) is refused
// and neither handed over nor allowed to end the wait; the redirect carrying the
// state is.
func TestListenerRequiresState(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	local := fmt.Sprintf("http://%s/callback", ln.Addr())
	require.NoError(t, ln.Close())
	a := connect.Attempt{ShopID: "s", RedirectURL: local, State: "the-right-state"}
	recv, err := connect.Listen(a, "")
	require.NoError(t, err)
	defer recv.Close()

	get := func(query string) (int, string) {
		resp, err := http.Get(local + "?" + query)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, q := range []string{
		"code=ATTACKER",                          // login CSRF: no state
		"code=ATTACKER&state=",                   // empty state
		"code=ATTACKER&state=forged",             // foreign state
		"code=ATTACKER&state=the-right-state-no", // prefix is not enough
		"error=access_denied",                    // a stray error must not abort
		"error=access_denied&state=forged",
	} {
		status, body := get(q)
		assert.Equal(t, http.StatusBadRequest, status, q)
		assert.Contains(t, body, "state", q)
	}
	assert.Equal(t, 6, recv.Ignored())

	wctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err = recv.Wait(wctx, "s")
	cancel()
	require.Error(t, err, "nothing was handed over")
	assert.Equal(t, connect.KindStateMismatch, connect.KindOf(err))
	assert.Contains(t, err.Error(), "6 request(s) without it were ignored")

	status, _ := get("code=GOOD&state=the-right-state")
	assert.Equal(t, http.StatusOK, status)
	wctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cb, err := recv.Wait(wctx, "s")
	require.NoError(t, err)
	assert.Equal(t, connect.Callback{Code: "GOOD", State: "the-right-state"}, cb)

	_, err = connect.Listen(connect.Attempt{RedirectURL: local}, "127.0.0.1:0")
	assert.Error(t, err, "a listener needs the attempt's state")
}
