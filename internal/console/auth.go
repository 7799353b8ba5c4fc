package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// sessionCookie holds the session token. It is HttpOnly, SameSite=Lax (ColorMe's
// redirect back to the callback is a top-level navigation, which Lax allows) and
// Secure when the console is served over https.
const sessionCookie = "colorme_console_session"

// request is one request to a page, with who made it and, on shop pages, the shop.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	user accounts.User
	shop shops.Shop // zero outside /shops/{shop}/…
}

// ctx returns the request's context.
func (rq *request) ctx() context.Context { return rq.r.Context() }

// handler is a page handler; an error it returns is shown as a page that says
// what to do (see httpError).
type handler func(rq *request) error

// user wraps h so that it needs a session: without one the browser goes to the
// login page and comes back afterwards.
func (s *Server) user(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie(sessionCookie)
		var token string
		if c != nil {
			token = c.Value
		}
		u, err := s.acc.SessionUser(r.Context(), token, s.d.Now())
		if err != nil {
			if !errors.Is(err, accounts.ErrNoSession) {
				s.d.Logger.Error("console: reading the session failed", "err", err)
			}
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		rq := &request{w: w, r: r, user: u}
		if id := r.PathValue("shop"); id != "" {
			sh, err := s.d.Store.Shops.Shop(r.Context(), id)
			if err == nil {
				// A shop this user was not given answers as an unknown one does.
				var ok bool
				if ok, err = s.acc.MayReachShop(r.Context(), u, id); err == nil && !ok {
					s.d.Logger.Warn("console: shop not given to the user", "shop", id, "by", u.Login)
					err = fmt.Errorf("shop %q: %w", id, oms.ErrNotFound)
				}
			}
			if err != nil {
				if errors.Is(err, oms.ErrNotFound) {
					err = notFound(fmt.Sprintf("店舗「%s」は登録されていません。店舗一覧から選んでください。", id))
				}
				s.fail(rq, err)
				return
			}
			rq.shop = sh
		}
		if err := h(rq); err != nil {
			s.fail(rq, err)
		}
	})
}

// shop wraps a /shops/{shop}/… page: it needs a session and loads the shop.
func (s *Server) shop(h handler) http.Handler { return s.user(h) }

// admin wraps h so that only admins reach it; staff get 403 with what to do.
func (s *Server) admin(h handler) http.Handler {
	return s.user(func(rq *request) error {
		if !rq.user.IsAdmin() {
			return forbidden("この操作は管理者 (admin) だけができます。管理者に依頼してください。")
		}
		return h(rq)
	})
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	rq := &request{w: w, r: r}
	_ = s.renderStatus(rq, status, "login", "ログイン", map[string]any{"Next": safeNext(r.FormValue("next")), "Login": r.FormValue("login")}, msg)
}

// loginQueueWait is how long a login waits for a password-check slot before
// it is refused as busy.
const loginQueueWait = time.Second

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	login := strings.ToLower(strings.TrimSpace(r.FormValue("login")))
	now := s.d.Now()
	addr := s.clientAddr(r)
	key := "login:" + login + "|addr:" + addr
	// The attempt is counted before the password is checked, so parallel
	// attempts cannot all pass the check.
	wait, err := s.acc.LoginAttempt(r.Context(), key, now, loginLimits)
	if err != nil {
		s.d.Logger.Error("console: counting a login attempt failed", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, "データベースに接続できませんでした。しばらくしてからもう一度お試しください。")
		return
	}
	if wait > 0 {
		s.d.Logger.Warn("console: login throttled", "login", login, "addr", addr)
		s.renderLogin(w, r, http.StatusTooManyRequests,
			fmt.Sprintf("ログインの失敗が続いたため、%d秒間ログインできません。時間をおいてもう一度お試しください。", int(wait.Round(time.Second).Seconds())))
		return
	}
	if !acquire(r.Context(), s.loginSlots, loginQueueWait) {
		if err := s.acc.RefundLoginAttempt(r.Context(), key, loginLimits); err != nil {
			s.d.Logger.Warn("console: taking back a login attempt failed", "err", err)
		}
		s.d.Logger.Warn("console: login refused, every password-check slot busy", "login", login, "addr", addr)
		s.renderLogin(w, r, http.StatusServiceUnavailable, "ログインが混み合っています。数秒待ってからもう一度お試しください。")
		return
	}
	u, err := s.acc.Authenticate(r.Context(), login, r.FormValue("password"))
	<-s.loginSlots
	if errors.Is(err, accounts.ErrBadLogin) {
		s.d.Logger.Info("console: login failed", "login", login, "addr", addr)
		s.renderLogin(w, r, http.StatusUnauthorized, "ログインIDまたはパスワードが違います。確かめてもう一度入力してください。")
		return
	}
	if err != nil {
		s.d.Logger.Error("console: login failed", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, "データベースに接続できませんでした。しばらくしてからもう一度お試しください。")
		return
	}
	if err := s.acc.ClearLoginAttempts(r.Context(), key); err != nil {
		s.d.Logger.Warn("console: clearing the login throttle failed", "err", err)
	}
	token, err := s.acc.CreateSession(r.Context(), u.ID, now)
	if err != nil {
		s.d.Logger.Error("console: creating a session failed", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, "ログインを記録できませんでした。しばらくしてからもう一度お試しください。")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, Expires: now.Add(accounts.SessionTTL)})
	s.d.Logger.Info("console: login", "login", u.Login, "role", u.Role)
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
}

// acquire takes a slot of sem, waiting at most wait; false when none came free.
func acquire(ctx context.Context, sem chan struct{}, wait time.Duration) bool {
	select {
	case sem <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case sem <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (s *Server) logout(rq *request) error {
	if c, _ := rq.r.Cookie(sessionCookie); c != nil {
		if err := s.acc.DeleteSession(rq.ctx(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(rq.w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(rq.w, rq.r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login destination on this site: a path (and query)
// of this site, or "/". A value with a control character, a space or a
// backslash is refused whole (browsers drop or turn them into slashes), and
// only the parsed path and query are kept.
func safeNext(next string) string {
	if next == "" || strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' || r == 0xfffd }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// shopsFor lists the shops the user may reach, by id: an admin every shop, a
// staff user the shops given to it.
func (s *Server) shopsFor(ctx context.Context, u accounts.User) ([]shops.Shop, error) {
	all, err := s.d.Store.Shops.Shops(ctx)
	if err != nil || u.IsAdmin() {
		return all, err
	}
	mine, err := s.acc.UserShops(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(sh shops.Shop) bool { return !slices.Contains(mine, sh.ID) }), nil
}
