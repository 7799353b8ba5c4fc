package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/settings"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// flashCookie carries a one-line message across a redirect (post/redirect/get).
const flashCookie = "colorme_console_flash"

type pageTemplate struct{ t *template.Template }

// view is what every page template gets.
type view struct {
	Title string
	Tab   string // the highlighted tab: settings, export, orders, upload, runs, users
	User  accounts.User
	Shop  shops.Shop
	Shops []shops.Shop
	Flash string // a success message from the previous action
	Error string // what went wrong and what to do
	// Notices counts the open problems of every shop (お知らせ).
	Notices int
	Data    any
	// GetURL is set on a page answering a form (POST): the page the form
	// belongs to, which console.js puts in the address bar, so that a reload
	// shows that page instead of sending the form again.
	GetURL string
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"has":     slices.Contains[[]string],
	"setting": settings.Get,
	"jst": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "-"
			}
			return v.In(rules.Tokyo).Format("2006/01/02 15:04")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "-"
			}
			return v.In(rules.Tokyo).Format("2006/01/02 15:04")
		}
		return fmt.Sprint(t)
	},
	"status": func(v string) string {
		if l, ok := rules.StatusLabels[v]; ok {
			return l
		}
		return v
	},
	"dash": func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	},
	"query": func(pairs ...any) template.URL {
		v := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			if s := fmt.Sprint(pairs[i+1]); s != "" && s != "0" {
				v.Set(fmt.Sprint(pairs[i]), s)
			}
		}
		return template.URL(v.Encode())
	},
	"add":   func(a, b int) int { return a + b },
	"args":  args,
	"maxMB": func() int { return app.MaxCSVBytes >> 20 },
}

// args makes the argument of a shared block from name, value pairs:
// {{template "lines" args "ID" "notes" "Class" "warn" "Lines" .Notes}}.
func args(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, errors.New("args: a name without its value")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("args: name %v is not a string", pairs[i])
		}
		m[name] = pairs[i+1]
	}
	return m, nil
}

// sharedTemplates holds the blocks every page may use (parsed with each page,
// not a page itself).
const sharedTemplates = "templates/parts.html"

// parsePages parses each page template with the layout and the shared blocks.
func parsePages() (map[string]*pageTemplate, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || f == sharedTemplates {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", sharedTemplates, f)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", f, err)
		}
		pages[name] = &pageTemplate{t: t}
	}
	return pages, nil
}

// render shows a page with status 200.
func (s *Server) render(rq *request, page, title string, data any) error {
	return s.renderStatus(rq, http.StatusOK, page, title, data, "")
}

// renderStatus shows a page; errMsg, when set, stands out at the top.
func (s *Server) renderStatus(rq *request, status int, page, title string, data any, errMsg string) error {
	pt, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("console: no template %q", page)
	}
	v := view{Title: title, Tab: page, User: rq.user, Shop: rq.shop, Error: errMsg, Data: data}
	if rq.r.Method == http.MethodPost && page != "error" {
		// (The error page, e.g. an unknown shop, is the same for every method.)
		v.GetURL = s.formPage(rq.r)
	}
	if rq.user.ID != 0 {
		shops, err := s.shopsFor(rq.r.Context(), rq.user)
		if err != nil {
			return err
		}
		v.Shops = shops
		v.Notices = s.openNotices(rq)
	}
	if c, err := rq.r.Cookie(flashCookie); err == nil {
		if msg, err := url.QueryUnescape(c.Value); err == nil {
			v.Flash = msg
		}
		http.SetCookie(rq.w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return fmt.Errorf("console: rendering %s: %w", page, err)
	}
	rq.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	rq.w.WriteHeader(status)
	_, err := rq.w.Write(buf.Bytes())
	return err
}

// redirect sends the browser to target (post/redirect/get) with a message for
// the next page.
func (s *Server) redirect(rq *request, target, flash string) error {
	if flash != "" {
		http.SetCookie(rq.w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash), Path: "/", HttpOnly: true,
			Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: 60})
	}
	http.Redirect(rq.w, rq.r, target, http.StatusSeeOther)
	return nil
}

// httpError is a failure with its HTTP status and a message for staff: what went
// wrong and what to do next.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func notFound(msg string) error   { return &httpError{status: http.StatusNotFound, msg: msg} }
func forbidden(msg string) error  { return &httpError{status: http.StatusForbidden, msg: msg} }
func badRequest(msg string) error { return &httpError{status: http.StatusBadRequest, msg: msg} }

// fail shows err as a page. Known errors become a sentence for staff; anything
// else is logged and shown with what to try.
func (s *Server) fail(rq *request, err error) {
	status, msg := http.StatusInternalServerError, ""
	var he *httpError
	var running *app.RunningError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.As(err, &running):
		status, msg = http.StatusConflict, s.runningMessage(rq, running)
	case staffmsg.StaffMessage(err) != "":
		status, msg = http.StatusBadRequest, staffmsg.StaffMessage(err)
		if errors.Is(err, oms.ErrNotFound) {
			status = http.StatusNotFound
		}
	case errors.Is(err, oms.ErrNotFound):
		status, msg = http.StatusNotFound, "指定されたデータが見つかりません: "+err.Error()
	default:
		s.d.Logger.Error("console: request failed", "method", rq.r.Method, "path", rq.r.URL.Path, "err", err)
		msg = "処理できませんでした (" + err.Error() + ")。もう一度お試しください。続く場合はシステム担当者に連絡してください。"
	}
	if rerr := s.renderStatus(rq, status, "error", "エラー", nil, msg); rerr != nil {
		http.Error(rq.w, msg, status)
	}
}

// runningMessage says which run is already running: its kind of start
// (変更時 / スケジュール / 手動), who started it, and the shop by its name.
func (s *Server) runningMessage(rq *request, e *app.RunningError) string {
	kind := "発送情報の更新"
	switch e.Kind {
	case oms.KindImport:
		kind = "受注取得"
	case oms.KindStock:
		kind = "在庫連携"
	}
	shop := e.ShopID
	if rq.shop.ID == e.ShopID && rq.shop.Name != "" {
		shop = rq.shop.Name
	}
	started := ""
	if r, ok := s.runningRun(rq, e); ok {
		l := s.lineOf(r)
		started = fmt.Sprintf(" (%s、%sが%sに開始)", l.Trigger, l.By, jstText(r.StartedAt))
		if r.Trigger == oms.TriggerChange {
			started = fmt.Sprintf(" (変更時: データ取込などの変更を受けて%sに自動で開始)", jstText(r.StartedAt))
		}
	}
	return fmt.Sprintf("店舗「%s」の%s%sがすでに実行中です。終わってからもう一度押してください。その変更も含めて書き出す場合は、待つだけで済みます。", shop, kind, started)
}

// jstText is a time as the pages show it (2026/04/01 09:30).
func jstText(t time.Time) string { return t.In(rules.Tokyo).Format("2006/01/02 15:04") }

// getURLOf is the page a form posted to p belongs to: p itself or its nearest
// parent that answers GET (POST /shops/x/orders/5/status → /shops/x/orders/5).
func (s *Server) getURLOf(p string) string {
	for p != "/" && p != "." && p != "" {
		req := &http.Request{Method: http.MethodGet, Host: "console", URL: &url.URL{Path: p}}
		if _, pattern := s.mux.Handler(req); strings.HasPrefix(pattern, "GET ") {
			return p
		}
		p = path.Dir(p)
	}
	return "/"
}

// runningRun finds the run log's entry of the running workflow. A run just
// started records itself within moments: the log is read again for up to
// runningRunWait before the message goes without it.
func (s *Server) runningRun(rq *request, e *app.RunningError) (oms.Run, bool) {
	deadline := time.Now().Add(runningRunWait)
	for {
		runs, err := s.d.Store.Runs(rq.ctx(), e.ShopID, 20)
		if err != nil {
			return oms.Run{}, false
		}
		for _, r := range runs {
			if r.WorkflowID == e.WorkflowID && r.Status == oms.RunRunning {
				return r, true
			}
		}
		if time.Now().After(deadline) {
			return oms.Run{}, false
		}
		select {
		case <-rq.ctx().Done():
			return oms.Run{}, false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runningRunWait bounds how long runningRun waits for a run to record itself.
const runningRunWait = 2 * time.Second

// formPage is the page a form posted in r was on: the Referer when it is this
// console's page that answers GET, else the nearest page above the form's
// action that does (getURLOf).
func (s *Server) formPage(r *http.Request) string {
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" {
		if p := s.getURLOf(ref.Path); p == ref.Path {
			if ref.RawQuery != "" {
				p += "?" + ref.RawQuery
			}
			return p
		}
	}
	return s.getURLOf(r.URL.Path)
}
