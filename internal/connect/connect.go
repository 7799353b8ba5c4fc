// Package connect connects a shop to ColorMe with the OAuth2 authorization-code
// flow (the seed's アクセスキー「取得する」 button): Begin makes the authorize URL with a
// random single-use state that expires, the operator approves on ColorMe, and
// Complete checks the state, exchanges the code once, verifies the token with a
// cheap API call and stores it sealed. Every failure is an *Error whose message is
// one sentence telling the operator what to do.
package connect

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// ColorMe's OAuth endpoints, relative to the shop's API base URL.
const (
	AuthorizePath = "/oauth/authorize"
	TokenPath     = "/oauth/token"
)

// AttemptTTL is how long an authorize URL (its state) can be used. ColorMe's codes
// also live 10 minutes.
const AttemptTTL = 10 * time.Minute

// Scopes are the scopes colorme-sync asks for: the sales scopes every shop needs.
var Scopes = []string{"read_sales", "write_sales"}

// StockScopes are the scopes 在庫連携 adds (reading and writing products' stock).
var StockScopes = []string{"read_products", "write_products"}

// ScopesFor returns the scopes the shop's settings need: Scopes, plus
// StockScopes when 自動在庫連携 (stock_enabled) is on.
func ScopesFor(shop shops.Shop) []string {
	out := slices.Clone(Scopes)
	if shop.Settings.StockEnabled {
		out = append(out, StockScopes...)
	}
	return out
}

// Flow connects shops. Its zero HTTPClient is http.DefaultClient.
type Flow struct {
	Store      *stores.Stores
	HTTPClient *http.Client  // token exchange and verification
	Timeout    time.Duration // per HTTP call; 0 = 30s
	// AuthorizeBaseURL, when set, replaces the shop's api_base_url in the
	// authorize URL only: the browser may reach ColorMe (or the sandbox) at
	// another address than the worker does, e.g. localhost vs. a compose service.
	AuthorizeBaseURL string
	// AfterConnect, when set, runs once the token is stored, e.g. to resume the
	// shop's schedules. Its error is reported in Result.AfterConnectErr.
	AfterConnect func(ctx context.Context, shop shops.Shop) error
}

// Attempt is a started connection: the URL the operator opens and its state.
type Attempt struct {
	ShopID      string
	AuthURL     string
	RedirectURL string
	State       string
	ExpiresAt   time.Time
}

// Callback is what ColorMe's redirect carried, or what the operator pasted.
type Callback struct {
	Code             string
	State            string // "" only when Bare
	Error            string // e.g. access_denied
	ErrorDescription string
	// Bare is set (by ParseCallback) when the operator pasted only the code by
	// hand: the one case where no state comes back to check. Every redirect
	// (the local listener, a pasted address, the console) must carry the state.
	Bare bool
}

// Result describes a connected shop.
type Result struct {
	ShopID          string
	ColorMeShop     colorme.ShopInfo // what GET /v1/shop.json answered with the new token
	Scopes          []string
	AfterConnectErr error // AfterConnect's error; the shop is connected anyway
	// Methods is what reading the shop's delivery and payment methods found;
	// MethodsErr why it failed (the shop is connected anyway).
	Methods    shops.MethodsRefresh
	MethodsErr error
}

// Kind classifies a connection failure.
type Kind string

// The kinds of Error.
const (
	KindNotConfigured    Kind = "not_configured"    // client ID, secret or redirect URL missing
	KindDenied           Kind = "denied"            // the merchant pressed Deny (error=access_denied)
	KindAuthorizeError   Kind = "authorize_error"   // another error= in the redirect (invalid_scope, …)
	KindStateMismatch    Kind = "state_mismatch"    // state not issued for this attempt, or already used
	KindStateExpired     Kind = "state_expired"     // the attempt is older than AttemptTTL
	KindCodeRejected     Kind = "code_rejected"     // invalid_grant: code expired, reused or unknown
	KindRedirectMismatch Kind = "redirect_mismatch" // invalid_grant about the redirect URI, or no redirect arrived
	KindInvalidClient    Kind = "invalid_client"    // wrong client ID or secret
	KindTokenRefused     Kind = "token_refused"     // the new token lacks a scope or fails the test call
	KindUnavailable      Kind = "unavailable"       // ColorMe could not be reached
	KindBadInput         Kind = "bad_input"         // the pasted text is neither a code nor a redirect URL
)

// Error is a connection failure. Its message is one sentence for the operator; it
// never contains the code, the token or the client secret.
type Error struct {
	Kind Kind
	Msg  string
	Err  error // the cause, when there is one
}

// Error implements error.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or "" when it is not an *Error.
func KindOf(err error) Kind {
	if ce, ok := errors.AsType[*Error](err); ok {
		return ce.Kind
	}
	return ""
}

func fail(kind Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// SameState reports whether got is the attempt's state want (both non-empty),
// in constant time.
func SameState(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// rerun is the command that starts over.
func rerun(shopID string) string { return "`starter shop connect -shop " + shopID + "`" }

// Begin starts a connection of the shop: it issues a random state valid for
// AttemptTTL, records it, and returns the authorize URL.
func (f *Flow) Begin(ctx context.Context, shopID string) (Attempt, error) {
	shop, cfg, err := f.config(ctx, shopID)
	if err != nil {
		return Attempt{}, err
	}
	a := Attempt{ShopID: shop.ID, RedirectURL: shop.RedirectURL, State: rand.Text(), ExpiresAt: time.Now().Add(AttemptTTL)}
	if err := CreateOAuthState(ctx, f.Store.DB(), shop.ID, a.State, a.ExpiresAt); err != nil {
		return Attempt{}, err
	}
	if f.AuthorizeBaseURL != "" {
		cfg.Endpoint.AuthURL = strings.TrimRight(f.AuthorizeBaseURL, "/") + AuthorizePath
	}
	a.AuthURL = cfg.AuthCodeURL(a.State)
	return a, nil
}

// Complete finishes attempt a with what the redirect carried: it checks and
// consumes the state, exchanges the code (once), verifies the token with GET
// /v1/shop.json, stores it sealed (which clears "reconnect needed"), reads the
// shop's delivery and payment methods (Result.Methods) and runs AfterConnect. Only a bare code pasted by hand (Callback.Bare) may come without
// State; it is checked against the attempt's own state, consumed all the same.
func (f *Flow) Complete(ctx context.Context, a Attempt, cb Callback) (Result, error) {
	id := a.ShopID
	// A redirect must carry this attempt's state; only a bare code pasted by hand
	// (Bare) has none. A foreign or missing state neither connects nor ends the
	// attempt: it may come from another web page (login CSRF).
	if !cb.Bare && !SameState(cb.State, a.State) {
		return Result{}, fail(KindStateMismatch, nil, "the redirect does not carry this connection attempt's state (missing or mismatched), so it was not used: paste the whole address ColorMe redirected to (or only the code), or run %s again and use only the newest authorize URL it prints.", rerun(id))
	}
	if cb.Error != "" {
		// The attempt is over either way: use up its state.
		_ = ConsumeOAuthState(ctx, f.Store.DB(), id, a.State)
		if cb.Error == "access_denied" {
			return Result{}, fail(KindDenied, nil, "access was denied on ColorMe's consent page (error=access_denied): run %s again and press 承認する (Approve) this time.", rerun(id))
		}
		return Result{}, fail(KindAuthorizeError, nil, "ColorMe refused the authorization request (error=%s%s): check the shop's client_id and that the app may use the scopes %s, then run %s again.",
			cb.Error, describe(cb.ErrorDescription), strings.Join(Scopes, " "), rerun(id))
	}
	switch err := ConsumeOAuthState(ctx, f.Store.DB(), id, a.State); {
	case errors.Is(err, ErrOAuthStateExpired):
		return Result{}, fail(KindStateExpired, err, "this connection attempt expired (an authorize URL is valid for %d minutes): run %s again and approve within that time.", int(AttemptTTL.Minutes()), rerun(id))
	case errors.Is(err, ErrOAuthStateUnknown):
		return Result{}, fail(KindStateMismatch, err, "this connection attempt was already used or was never issued (state unknown): run %s again and use only the newest authorize URL it prints.", rerun(id))
	case err != nil:
		return Result{}, err
	}
	if strings.TrimSpace(cb.Code) == "" {
		return Result{}, fail(KindBadInput, nil, "the redirect carried no authorization code: run %s again and paste the whole address ColorMe redirected to.", rerun(id))
	}

	shop, cfg, err := f.config(ctx, id)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, f.httpClient()), strings.TrimSpace(cb.Code))
	if err != nil {
		return Result{}, exchangeError(shop, err)
	}
	// ColorMe answers the granted scopes; when it does, they must include ours.
	granted, _ := tok.Extra("scope").(string)
	scopes, need := strings.Fields(granted), cfg.Scopes
	for _, want := range need {
		if granted != "" && !slices.Contains(scopes, want) {
			return Result{}, fail(KindTokenRefused, nil, "ColorMe granted the scopes %q but colorme-sync needs %s: allow them for the app on the ColorMe developer page and run %s again.",
				strings.Join(scopes, " "), strings.Join(need, " "), rerun(id))
		}
	}
	cl := colorme.New(colorme.Config{BaseURL: shop.APIBaseURL, AccessToken: tok.AccessToken, HTTPClient: f.HTTPClient, Timeout: f.timeout()})
	info, err := cl.Shop(ctx)
	if err != nil {
		if ae, ok := colorme.AsAPIError(err); ok && ae.Unauthorized() {
			return Result{}, fail(KindTokenRefused, err, "ColorMe refused the new access token on a test call (%s): check that the app has the scopes %s and run %s again.", ae.Message, strings.Join(Scopes, " "), rerun(id))
		}
		return Result{}, fail(KindUnavailable, err, "the new access token could not be checked because ColorMe did not answer GET /v1/shop.json (%v): check the shop's api_base_url and your network, then run %s again.", err, rerun(id))
	}
	if err := f.Store.Shops.SetAccessToken(ctx, id, tok.AccessToken); err != nil {
		return Result{}, err
	}
	res := Result{ShopID: id, ColorMeShop: info, Scopes: scopes}
	// The shop's delivery and payment methods, so that staff see names from the
	// start; a failure leaves them to the daily refresh or 再取得.
	res.Methods, res.MethodsErr = f.Store.Shops.RefreshMethods(ctx, id, cl, time.Now())
	if f.AfterConnect != nil {
		if shop, err := f.Store.Shops.Shop(ctx, id); err != nil {
			res.AfterConnectErr = err
		} else {
			res.AfterConnectErr = f.AfterConnect(ctx, shop)
		}
	}
	return res, nil
}

// exchangeError turns a failed token exchange into one sentence.
func exchangeError(shop shops.Shop, err error) error {
	id := shop.ID
	re, ok := errors.AsType[*oauth2.RetrieveError](err)
	if !ok {
		return fail(KindUnavailable, err, "could not reach ColorMe's token endpoint at %s (%v): check the shop's api_base_url and your network, then run %s again.", shop.APIBaseURL+TokenPath, err, rerun(id))
	}
	desc := strings.ToLower(re.ErrorDescription)
	switch {
	case re.ErrorCode == "invalid_client":
		return fail(KindInvalidClient, nil, "ColorMe rejected the client ID or client secret (invalid_client): copy both again from the app's page on the ColorMe developer site, store them with `starter shop set -shop %s client_id=…` and `starter shop set-secret -shop %s`, then run %s again.", id, id, rerun(id))
	case re.ErrorCode == "invalid_grant" && strings.Contains(desc, "redirect"):
		return fail(KindRedirectMismatch, nil, "ColorMe says the redirect URL does not match the one the code was issued for (invalid_grant%s): make the shop's redirect_url exactly the app's リダイレクトURL with `starter shop set -shop %s redirect_url=…` and run %s again.",
			describe(re.ErrorDescription), id, rerun(id))
	case re.ErrorCode == "invalid_grant":
		return fail(KindCodeRejected, nil, "ColorMe rejected the authorization code because it expired (codes live 10 minutes), was already used or is mistyped (invalid_grant%s): run %s again and finish right away.",
			describe(re.ErrorDescription), rerun(id))
	case re.ErrorCode != "":
		return fail(KindAuthorizeError, nil, "ColorMe refused the token exchange (%s%s): check the shop's client_id, client secret and redirect_url, then run %s again.", re.ErrorCode, describe(re.ErrorDescription), rerun(id))
	}
	status := "no response"
	if re.Response != nil {
		status = re.Response.Status
	}
	return fail(KindUnavailable, nil, "ColorMe's token endpoint answered %s: check the shop's api_base_url (%s) and try %s again later.", status, shop.APIBaseURL, rerun(id))
}

func describe(desc string) string {
	if desc == "" {
		return ""
	}
	return ": " + desc
}

// config loads the shop and builds its OAuth2 configuration; a missing client ID,
// secret or redirect URL is a KindNotConfigured error.
func (f *Flow) config(ctx context.Context, shopID string) (shops.Shop, *oauth2.Config, error) {
	shop, err := f.Store.Shops.Shop(ctx, shopID)
	if err != nil {
		if errors.Is(err, oms.ErrNotFound) {
			return shops.Shop{}, nil, fail(KindNotConfigured, err, "shop %q does not exist: add it with `starter shop add -id %s -client-id … -redirect-url …`.", shopID, shopID)
		}
		return shops.Shop{}, nil, err
	}
	switch {
	case shop.ClientID == "":
		return shop, nil, fail(KindNotConfigured, nil, "shop %s has no client ID: set the app's クライアントID with `starter shop set -shop %s client_id=…`.", shopID, shopID)
	case shop.RedirectURL == "":
		return shop, nil, fail(KindNotConfigured, nil, "shop %s has no redirect URL: set the app's リダイレクトURL with `starter shop set -shop %s redirect_url=…`.", shopID, shopID)
	case !shop.HasClientSecret:
		return shop, nil, noClientSecret(shopID, nil)
	}
	secret, err := f.Store.Shops.ClientSecret(ctx, shopID)
	if errors.Is(err, shops.ErrNoClientSecret) {
		return shop, nil, noClientSecret(shopID, err) // removed since Shop was read
	}
	if err != nil {
		return shop, nil, err
	}
	return shop, &oauth2.Config{
		ClientID:     shop.ClientID,
		ClientSecret: secret,
		RedirectURL:  shop.RedirectURL,
		Scopes:       ScopesFor(shop),
		Endpoint: oauth2.Endpoint{
			AuthURL:   shop.APIBaseURL + AuthorizePath,
			TokenURL:  shop.APIBaseURL + TokenPath,
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}, nil
}

// noClientSecret says what to do about a shop without a client secret.
func noClientSecret(shopID string, cause error) *Error {
	return fail(KindNotConfigured, cause, "shop %s has no client secret: store the app's クライアントシークレット with `starter shop set-secret -shop %s` (it reads stdin).", shopID, shopID)
}

func (f *Flow) httpClient() *http.Client {
	if f.HTTPClient != nil {
		return f.HTTPClient
	}
	return http.DefaultClient
}

func (f *Flow) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return 30 * time.Second
}
