package console

import (
	"net/http"
)

// routes is the console's one route table. Every page but login, the static
// files and the health check needs a session; admin-only actions say so.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(s.staticDir)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })

	// ログイン
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("POST /logout", s.user(s.logout))

	// 店舗一覧 / APIアクセス設定 (shops.go)
	mux.Handle("GET /{$}", s.user(s.home))
	mux.Handle("GET /shops", s.user(s.shopList))
	mux.Handle("POST /shops", s.admin(s.addShop))
	mux.Handle("GET /shops/{shop}/settings", s.shop(s.settingsForm))
	mux.Handle("POST /shops/{shop}/settings", s.admin(s.saveSettings))
	mux.Handle("POST /shops/{shop}/connect", s.admin(s.connectShop))
	mux.Handle("GET "+CallbackPath, s.user(s.connectCallback))
	mux.Handle("POST /shops/{shop}/schedules/{kind}/{action}", s.shop(s.scheduleAction))

	s.exportRoutes(mux) // データ書出 (export.go)
	s.orderRoutes(mux)  // 受注一覧 (orders.go)
	s.uploadRoutes(mux) // データ取込 (upload.go)
	s.labelRoutes(mux)  // 送り状データ出力 (labels.go)
	s.runRoutes(mux)    // 自動処理ログ (runs.go)
	s.userRoutes(mux)   // ユーザー管理 (users.go)

	return s.secured(mux)
}
