package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// codeTTL is how long an authorization code can be exchanged (ColorMe: 10 minutes).
const codeTTL = 10 * time.Minute

// defaultScope is granted when the authorize request names none (as ColorMe does).
const defaultScope = "read_products"

// knownScopes are the scopes ColorMe's spec lists that the observations name
// (the spec lists 9; the ninth is not in the evidence).
var knownScopes = map[string]bool{"read_products": true, "write_products": true, "read_sales": true, "write_sales": true,
	"write_shop_coupons": true, "read_templates": true, "write_templates": true, "read_analytics": true}

// deniedDescription is ColorMe's error_description of a denied authorization
// (Japanese, as observed).
const deniedDescription = "リソースオーナーまたは認可サーバーが要求を拒否しました。"

type authCode struct {
	clientID    string
	redirectURI string
	scopes      []string
	issued      time.Time
	used        bool
}

// authRequest is a validated /oauth/authorize request.
type authRequest struct {
	ClientID, RedirectURI, Scope, State string
	scopes                              []string
	errCode                             string // OAuth error to send back to the client, if any
}

// checkAuthorize validates an authorize request. A bad client or redirect_uri
// gives a message for a 400 page (never redirect to an unregistered URI); other
// problems are returned in errCode, to be sent to the redirect URI.
func (s *Server) checkAuthorize(v url.Values) (authRequest, string) {
	ar := authRequest{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), Scope: v.Get("scope"), State: v.Get("state")}
	s.mu.Lock()
	c, ok := s.clients[ar.ClientID]
	s.mu.Unlock()
	switch {
	case !ok:
		return ar, "不明なクライアントです (unknown client_id)"
	case ar.RedirectURI != c.RedirectURI:
		return ar, "リダイレクトURLが登録されたものと一致しません (redirect_uri mismatch)"
	case v.Get("response_type") != "code":
		ar.errCode = "unsupported_response_type"
		return ar, ""
	}
	ar.scopes = strings.Fields(ar.Scope)
	if len(ar.scopes) == 0 {
		ar.scopes = []string{defaultScope}
	}
	for _, sc := range ar.scopes {
		if !knownScopes[sc] {
			ar.errCode = "invalid_scope"
		}
	}
	return ar, ""
}

func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ar, msg := s.checkAuthorize(q)
	switch {
	case msg != "":
		oauthPage(w, http.StatusBadRequest, msg)
	case ar.errCode != "":
		s.redirectBack(w, r, ar, url.Values{"error": {ar.errCode}})
	case q.Get("auto") == "approve":
		s.approve(w, r, ar)
	case q.Get("auto") == "deny":
		s.redirectBack(w, r, ar, url.Values{"error": {"access_denied"}, "error_description": {deniedDescription}})
	case q.Get("auto") != "":
		oauthPage(w, http.StatusBadRequest, "auto must be approve or deny")
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = approvePage.Execute(w, ar)
	}
}

func (s *Server) authorizeDecision(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthPage(w, http.StatusBadRequest, "bad form")
		return
	}
	ar, msg := s.checkAuthorize(r.PostForm)
	switch {
	case msg != "":
		oauthPage(w, http.StatusBadRequest, msg)
	case ar.errCode != "":
		s.redirectBack(w, r, ar, url.Values{"error": {ar.errCode}})
	case r.PostForm.Get("decision") == "approve":
		s.approve(w, r, ar)
	default:
		s.redirectBack(w, r, ar, url.Values{"error": {"access_denied"}, "error_description": {deniedDescription}})
	}
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request, ar authRequest) {
	code := rand.Text()
	s.mu.Lock()
	s.codes[code] = &authCode{clientID: ar.ClientID, redirectURI: ar.RedirectURI, scopes: ar.scopes, issued: s.now()}
	s.mu.Unlock()
	s.redirectBack(w, r, ar, url.Values{"code": {code}})
}

// redirectBack sends the browser to the registered redirect URI with params and state.
func (s *Server) redirectBack(w http.ResponseWriter, r *http.Request, ar authRequest, params url.Values) {
	u, err := url.Parse(ar.RedirectURI)
	if err != nil {
		oauthPage(w, http.StatusBadRequest, "registered redirect_uri is not a URL")
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if ar.State != "" {
		q.Set("state", ar.State)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// token exchanges an authorization code for an access token. Client credentials
// come from HTTP basic auth (URL-encoded, RFC 6749 §2.3.1) or the form body.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form body")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "クライアント認証に失敗しました (client authentication failed)")
		return
	}
	switch gt := r.Form.Get("grant_type"); {
	case gt == "password": // observed: 403 with an empty body
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusForbidden)
		return
	case gt != "authorization_code":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code")
		return
	case r.Form.Get("code") == "": // observed: 400 invalid_request
		oauthError(w, http.StatusBadRequest, "invalid_request", "code is missing")
		return
	}
	code := s.codes[r.Form.Get("code")]
	problem := ""
	switch {
	case code == nil || code.clientID != id:
		problem = "unknown authorization code"
	case code.used:
		problem = "authorization code already used"
	case !s.now().Before(code.issued.Add(codeTTL)):
		problem = "authorization code expired"
	case r.Form.Get("redirect_uri") != code.redirectURI:
		problem = "redirect_uri does not match the authorization request"
	}
	if problem != "" {
		oauthError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	code.used = true
	token := rand.Text() + rand.Text()
	scopes := map[string]bool{}
	for _, sc := range code.scopes {
		scopes[sc] = true
	}
	s.tokens[token] = scopes
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"scope":        strings.Join(code.scopes, " "),
		"created_at":   s.now().Unix(),
	})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func oauthPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorPage.Execute(w, msg)
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>ColorMe sandbox — エラー</title></head>
<body><h1>認可エラー</h1><p>{{.}}</p></body></html>
`))

var approvePage = template.Must(template.New("approve").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>ColorMe sandbox — アプリの認可</title></head>
<body>
<h1>カラーミーショップ (sandbox)</h1>
<p>アプリケーション <b>{{.ClientID}}</b> が次の権限を求めています: <code>{{.Scope}}</code></p>
<form method="post" action="authorize">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="response_type" value="code">
<input type="hidden" name="scope" value="{{.Scope}}">
<input type="hidden" name="state" value="{{.State}}">
<button type="submit" name="decision" value="approve">承認する (Approve)</button>
<button type="submit" name="decision" value="deny">拒否する (Deny)</button>
</form>
</body></html>
`))
