package shopflow_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// clock is the sandbox's settable clock, so a code can expire without waiting.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

type oauthEnv struct {
	store *stores.Stores
	sb    *sandbox.Server
	url   string
	clock *clock
	flow  *connect.Flow
}

func newOAuthEnv(t *testing.T) *oauthEnv {
	st := testenv.OpenStore(t)
	clk := &clock{}
	sb := sandbox.New(sandbox.Options{Now: clk.Now})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &oauthEnv{store: st, sb: sb, url: srv.URL, clock: clk, flow: &connect.Flow{Store: st, HTTPClient: srv.Client()}}
}

func (e *oauthEnv) shop(t *testing.T, secret string) string {
	id := randomID("oauth")
	oauthShop(t, e.store, e.sb, e.url, id, secret, redirectURL)
	return id
}

// TestConnectHappyPaths connects shops through the sandbox: pasting the whole
// redirect address, pasting only the code, and receiving the redirect on a local
// redirect URL. Each stores a working token, sealed, and clears "reconnect needed".
func TestConnectHappyPaths(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()

	t.Run("pasted redirect address", func(t *testing.T) {
		id := e.shop(t, "s3cret-paste")
		require.NoError(t, e.store.Shops.MarkReconnectNeeded(ctx, id, "token revoked"))
		res, _ := connectShop(t, e.flow, id)
		assert.Equal(t, "sandbox", res.ColorMeShop.ID)
		assert.ElementsMatch(t, []string{"read_sales", "write_sales"}, res.Scopes)
		checkConnected(t, e, id)
	})

	t.Run("pasted bare code", func(t *testing.T) {
		id := e.shop(t, "s3cret-code")
		a, err := e.flow.Begin(ctx, id)
		require.NoError(t, err)
		assert.Contains(t, a.AuthURL, e.url+"/oauth/authorize?")
		assert.Contains(t, a.AuthURL, "scope=read_sales+write_sales")
		loc, _, _ := authorize(t, a.AuthURL, "approve")
		full, err := connect.ParseCallback(loc)
		require.NoError(t, err)
		cb, err := connect.ParseCallback("  " + full.Code + "\n")
		require.NoError(t, err)
		assert.Empty(t, cb.State)
		_, err = e.flow.Complete(ctx, a, cb)
		require.NoError(t, err)
		checkConnected(t, e, id)
	})

	t.Run("local redirect received", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		local := fmt.Sprintf("http://%s/callback", ln.Addr())
		require.NoError(t, ln.Close())
		id := randomID("oauth")
		oauthShop(t, e.store, e.sb, e.url, id, "s3cret-local", local)
		require.True(t, connect.IsLocal(local))
		a, err := e.flow.Begin(ctx, id)
		require.NoError(t, err)
		recv, err := connect.Listen(a, "")
		require.NoError(t, err)
		defer recv.Close()
		// The browser: approve, then follow ColorMe's redirect to the local address.
		resp, err := http.Get(a.AuthURL + "&auto=approve")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		cb, err := recv.Wait(wctx, id)
		require.NoError(t, err)
		assert.Equal(t, a.State, cb.State)
		_, err = e.flow.Complete(ctx, a, cb)
		require.NoError(t, err)
		checkConnected(t, e, id)
	})
}

// TestConnectListenerRequiresState: while starter waits on the local redirect
// URL, another web page makes the browser request /callback with a valid code of
// its own but no state (login CSRF), with a forged state, or with a stray
// ?error=. None of them is exchanged, none aborts the connect, and a redirect
// without the state is refused by Complete too; the operator's own approval then
// connects the shop. Only a bare code pasted by hand may come without state.
func TestConnectListenerRequiresState(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	local := fmt.Sprintf("http://%s/callback", ln.Addr())
	require.NoError(t, ln.Close())
	id := randomID("oauth")
	oauthShop(t, e.store, e.sb, e.url, id, "s3cret-csrf", local)
	a, err := e.flow.Begin(ctx, id)
	require.NoError(t, err)
	recv, err := connect.Listen(a, "")
	require.NoError(t, err)
	defer recv.Close()

	// The attacker's code: a real, unused code of another attempt.
	other, err := e.flow.Begin(ctx, id)
	require.NoError(t, err)
	loc, _, page := authorize(t, other.AuthURL, "approve")
	require.NotEmpty(t, loc, page)
	stolen, err := connect.ParseCallback(loc)
	require.NoError(t, err)
	for _, q := range []string{"code=" + stolen.Code, "code=" + stolen.Code + "&state=" + other.State, "error=access_denied", "error=server_error&state=x"} {
		resp, err := http.Get(local + "?" + q)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = recv.Wait(wctx, id)
	cancel()
	require.Error(t, err)
	assert.Equal(t, connect.KindStateMismatch, connect.KindOf(err), "%v", err)
	s, err := e.store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	assert.False(t, s.HasAccessToken, "nothing was exchanged")

	// The same code handed to Complete as a redirect without state is refused,
	// and does not use up the attempt.
	_, err = e.flow.Complete(ctx, a, connect.Callback{Code: stolen.Code})
	assert.Equal(t, connect.KindStateMismatch, connect.KindOf(err), "%v", err)
	_, err = e.flow.Complete(ctx, a, connect.Callback{Error: "access_denied"})
	assert.Equal(t, connect.KindStateMismatch, connect.KindOf(err), "a stray error without state does not end the attempt: %v", err)

	// The operator approves: the browser follows ColorMe's redirect to the listener.
	resp, err := http.Get(a.AuthURL + "&auto=approve")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	wctx, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cb, err := recv.Wait(wctx, id)
	require.NoError(t, err)
	assert.Equal(t, a.State, cb.State)
	_, err = e.flow.Complete(ctx, a, cb)
	require.NoError(t, err)
	checkConnected(t, e, id)
}

func checkConnected(t *testing.T, e *oauthEnv, id string) {
	t.Helper()
	ctx := context.Background()
	s, err := e.store.Shops.Shop(ctx, id)
	require.NoError(t, err)
	assert.True(t, s.HasAccessToken)
	assert.False(t, s.ReconnectNeeded)
	tok, err := e.store.Shops.AccessToken(ctx, id)
	require.NoError(t, err)
	_, err = colorme.New(colorme.Config{BaseURL: e.url, AccessToken: tok}).Shop(ctx)
	assert.NoError(t, err, "the stored token works")
}

// TestConnectErrors drives every failure against the sandbox and checks that each
// gives its own kind and one sentence saying what to do, and stores no token.
func TestConnectErrors(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()

	// approved returns an attempt of a fresh shop and the approved redirect.
	approved := func(t *testing.T, secret string) (string, connect.Attempt, connect.Callback) {
		id := e.shop(t, secret)
		a, err := e.flow.Begin(ctx, id)
		require.NoError(t, err)
		loc, _, page := authorize(t, a.AuthURL, "approve")
		require.NotEmpty(t, loc, page)
		cb, err := connect.ParseCallback(loc)
		require.NoError(t, err)
		return id, a, cb
	}

	cases := []struct {
		name string
		kind connect.Kind
		run  func(t *testing.T) (string, error)
	}{
		{"denied", connect.KindDenied, func(t *testing.T) (string, error) {
			id := e.shop(t, "s")
			a, err := e.flow.Begin(ctx, id)
			require.NoError(t, err)
			loc, _, _ := authorize(t, a.AuthURL, "deny")
			require.Contains(t, loc, "error=access_denied")
			cb, err := connect.ParseCallback(loc)
			require.NoError(t, err)
			_, err = e.flow.Complete(ctx, a, cb)
			return id, err
		}},
		{"state mismatch", connect.KindStateMismatch, func(t *testing.T) (string, error) {
			id, a, cb := approved(t, "s")
			cb.State = "forged-state"
			_, err := e.flow.Complete(ctx, a, cb)
			return id, err
		}},
		{"state already used", connect.KindStateMismatch, func(t *testing.T) (string, error) {
			id, a, cb := approved(t, "s")
			_, err := e.flow.Complete(ctx, a, cb)
			require.NoError(t, err)
			require.NoError(t, e.store.Shops.MarkReconnectNeeded(ctx, id, "x")) // so "no token change" is visible below
			_, err = e.flow.Complete(ctx, a, cb)
			return id, err
		}},
		{"state expired", connect.KindStateExpired, func(t *testing.T) (string, error) {
			id, a, cb := approved(t, "s")
			// The attempt's state, issued 11 minutes ago.
			a.State = "state-issued-11-minutes-ago"
			require.NoError(t, connect.CreateOAuthState(ctx, e.store.DB(), id, a.State, time.Now().Add(-time.Minute)))
			cb.State = a.State
			_, err := e.flow.Complete(ctx, a, cb)
			return id, err
		}},
		{"code expired", connect.KindCodeRejected, func(t *testing.T) (string, error) {
			id, a, cb := approved(t, "s")
			e.clock.Advance(11 * time.Minute) // ColorMe codes live 10 minutes
			defer e.clock.Advance(-11 * time.Minute)
			_, err := e.flow.Complete(ctx, a, cb)
			return id, err
		}},
		{"code reused", connect.KindCodeRejected, func(t *testing.T) (string, error) {
			id, a, cb := approved(t, "s")
			_, err := e.flow.Complete(ctx, a, cb)
			require.NoError(t, err)
			require.NoError(t, e.store.Shops.MarkReconnectNeeded(ctx, id, "x"))
			// A new attempt, and the operator pastes the old code.
			a2, err := e.flow.Begin(ctx, id)
			require.NoError(t, err)
			_, err = e.flow.Complete(ctx, a2, connect.Callback{Code: cb.Code, Bare: true})
			return id, err
		}},
		{"wrong client secret", connect.KindInvalidClient, func(t *testing.T) (string, error) {
			id, a, cb := approved(t, "right-secret")
			require.NoError(t, e.store.Shops.SetClientSecret(ctx, id, "wrong-secret"))
			_, err := e.flow.Complete(ctx, a, cb)
			return id, err
		}},
		{"redirect URL differs from the app's (authorize)", connect.KindRedirectMismatch, func(t *testing.T) (string, error) {
			id := e.shop(t, "s")
			s, err := e.store.Shops.Shop(ctx, id)
			require.NoError(t, err)
			s.RedirectURL = "https://oms.example.com/other/callback"
			require.NoError(t, e.store.Shops.UpdateShop(ctx, s))
			a, err := e.flow.Begin(ctx, id)
			require.NoError(t, err)
			loc, status, page := authorize(t, a.AuthURL, "approve")
			require.Empty(t, loc, "ColorMe never redirects to an unregistered URL")
			require.Equal(t, http.StatusBadRequest, status)
			require.Contains(t, page, "redirect_uri mismatch")
			// So no redirect ever arrives: the wait ends with the explanation.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			local := fmt.Sprintf("http://%s/callback", ln.Addr())
			require.NoError(t, ln.Close())
			a.RedirectURL = local
			recv, err := connect.Listen(a, "")
			require.NoError(t, err)
			defer recv.Close()
			wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			_, err = recv.Wait(wctx, id)
			return id, err
		}},
		{"redirect URL changed before the exchange (token)", connect.KindRedirectMismatch, func(t *testing.T) (string, error) {
			id, a, cb := approved(t, "s")
			s, err := e.store.Shops.Shop(ctx, id)
			require.NoError(t, err)
			s.RedirectURL = "https://oms.example.com/other/callback"
			require.NoError(t, e.store.Shops.UpdateShop(ctx, s))
			_, err = e.flow.Complete(ctx, a, cb)
			return id, err
		}},
		{"no client secret stored", connect.KindNotConfigured, func(t *testing.T) (string, error) {
			id := randomID("oauth")
			require.NoError(t, e.store.Shops.CreateShop(ctx, shops.Shop{ID: id, APIBaseURL: e.url, ClientID: "app", RedirectURL: redirectURL}))
			_, err := e.flow.Begin(ctx, id)
			return id, err
		}},
		{"pasted text is not a code", connect.KindBadInput, func(t *testing.T) (string, error) {
			_, err := connect.ParseCallback("https://oms.example.com/colorme/callback?foo=bar")
			return "", err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, err := c.run(t)
			require.Error(t, err)
			assert.Equal(t, c.kind, connect.KindOf(err), "error: %v", err)
			msg := err.Error()
			assert.Regexp(t, `^[^\n]+[.]$`, msg, "one sentence")
			assert.NotContains(t, msg, "s3cret")
			assert.NotContains(t, msg, "right-secret")
			t.Logf("%-48s → %s: %s", c.name, connect.KindOf(err), msg)
			if id != "" {
				s, err := e.store.Shops.Shop(ctx, id)
				require.NoError(t, err)
				if c.name != "state already used" && c.name != "code reused" {
					assert.False(t, s.HasAccessToken, "no token stored")
				} else {
					assert.True(t, s.ReconnectNeeded, "the failed attempt changed nothing")
				}
			}
		})
	}
}
