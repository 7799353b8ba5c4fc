package console

import (
	"net/http"

	"github.com/colorme-sync/colorme-sync/internal/metrics"
)

// routes is the console's one route table. Every page but login, the static
// files and the health check needs a session; admin-only actions say so.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(s.staticDir)))
	mux.HandleFunc("GET /healthz", metrics.Alive)
	mux.HandleFunc("GET /readyz", metrics.Ready(metrics.DatabaseCheck(s.d.Store.DB()), metrics.TemporalCheck(s.d.Temporal)))

	// ログイン
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("POST /logout", s.user(s.logout))

	// 店舗一覧 / APIアクセス設定 (shops.go)
	mux.Handle("GET /{$}", s.user(s.home))
	mux.Handle("GET /shops", s.user(s.shopList))
	mux.Handle("GET /status", s.user(s.statusPage)) // 稼働状況 (status.go)
	mux.Handle("GET /notices", s.user(s.notices))   // お知らせ (notices.go)
	mux.Handle("POST /shops", s.admin(s.addShop))
	mux.Handle("GET /shops/{shop}/settings", s.shop(s.settingsForm))
	mux.Handle("POST /shops/{shop}/settings", s.admin(s.saveSettings))
	mux.Handle("POST /shops/{shop}/connect", s.admin(s.connectShop))
	mux.Handle("GET "+CallbackPath, s.user(s.connectCallback))
	mux.Handle("POST /shops/{shop}/schedules/{kind}/{action}", s.shop(s.scheduleAction))

	// 配送・決済方法 (methods.go): the methods, 「再取得」 and each delivery method's クール区分.
	mux.Handle("GET /shops/{shop}/methods", s.shop(s.methodsPage))
	mux.Handle("POST /shops/{shop}/methods/refresh", s.shop(s.methodsRefresh))
	mux.Handle("POST /shops/{shop}/methods/{method}/cool", s.shop(s.methodsCool))

	// データ書出 (export.go): the form, 「プレビュー」 (a dry run), 「発送情報の更新」 (the
	// export), and the page of a started run with its progress (also as JSON).
	mux.Handle("GET /shops/{shop}/export", s.shop(s.exportForm))
	mux.Handle("POST /shops/{shop}/export/preview", s.shop(s.exportPreview))
	mux.Handle("POST /shops/{shop}/export/start", s.shop(s.exportStart))
	mux.Handle("GET /shops/{shop}/export/runs/{wf}/{run}", s.shop(s.exportRun))
	mux.Handle("GET /shops/{shop}/export/runs/{wf}/{run}/progress", s.shop(s.exportProgress))

	// 受注一覧 (orders.go): the list, an order's page and its changes.
	mux.Handle("GET /shops/{shop}/orders", s.shop(s.orderList))
	mux.Handle("GET /shops/{shop}/orders/{sale}", s.shop(s.orderPage))
	mux.Handle("POST /shops/{shop}/orders/{sale}/status", s.shop(s.orderSetStatus))
	// 入金連携 (payments.go, payment_upload.go): 入金済みにする, and 入金取込 (a
	// bank-statement CSV: preview, 「この内容で取り込む」, its summary).
	mux.Handle("POST /shops/{shop}/orders/{sale}/paid", s.shop(s.orderMarkPaid))
	mux.Handle("GET /shops/{shop}/payments", s.shop(s.paymentsForm))
	mux.Handle("POST /shops/{shop}/payments", s.shop(s.paymentsPreview))
	mux.Handle("POST /shops/{shop}/payments/apply", s.shop(s.paymentsApply))
	mux.Handle("GET /shops/{shop}/payments/done/{token}", s.shop(s.paymentsDone))
	mux.Handle("POST /shops/{shop}/orders/{sale}/bundle", s.shop(s.orderBundle))
	mux.Handle("POST /shops/{shop}/orders/{sale}/unbundle", s.shop(s.orderUnbundle))
	mux.Handle("POST /shops/{shop}/orders/{sale}/deliveries/{delivery}", s.shop(s.orderShipment))

	// 在庫連携 (stock.go, stock_upload.go): 在庫一覧, a SKU's page with its
	// movements and the on-hand edit, 「在庫を今すぐ送る」, 「商品情報を取得」, a
	// started run, and 在庫取込 (preview, 取込, its summary).
	mux.Handle("GET /shops/{shop}/stock", s.shop(s.stockList))
	mux.Handle("GET /shops/{shop}/stock/sku", s.shop(s.stockSKU))
	mux.Handle("POST /shops/{shop}/stock/sku", s.shop(s.stockEdit))
	mux.Handle("POST /shops/{shop}/stock/push", s.shop(s.stockPush))
	mux.Handle("POST /shops/{shop}/stock/catalogue", s.shop(s.stockCatalogue))
	mux.Handle("GET /shops/{shop}/stock/runs/{run}", s.shop(s.stockRun))
	mux.Handle("GET /shops/{shop}/stock/upload", s.shop(s.stockUploadForm))
	mux.Handle("POST /shops/{shop}/stock/upload", s.shop(s.stockUploadPreview))
	mux.Handle("POST /shops/{shop}/stock/upload/apply", s.shop(s.stockUploadApply))
	mux.Handle("GET /shops/{shop}/stock/upload/done/{token}", s.shop(s.stockUploadDone))

	// 同梱候補一覧 (bundles.go): orders that could ship together, and 「同梱する」.
	mux.Handle("GET /shops/{shop}/bundles", s.shop(s.bundleCandidates))
	mux.Handle("POST /shops/{shop}/bundles", s.shop(s.bundleCandidate))

	// データ取込 (upload.go)
	mux.Handle("GET /shops/{shop}/upload", s.shop(s.uploadForm))
	mux.Handle("GET /shops/{shop}/upload/sample.csv", s.shop(s.uploadSample))
	mux.Handle("POST /shops/{shop}/upload", s.shop(s.uploadPreview))
	mux.Handle("POST /shops/{shop}/upload/apply", s.shop(s.uploadApply))
	mux.Handle("GET /shops/{shop}/upload/done/{token}", s.shop(s.uploadDone))

	// 送り状データ出力 (labels.go)
	mux.Handle("GET /shops/{shop}/labels", s.shop(s.labelForm))
	mux.Handle("POST /shops/{shop}/labels", s.shop(s.labelPost))

	// 自動処理ログ (runs.go): the run log, one run with every order's outcome,
	// and 「失敗分を再実行」.
	mux.Handle("GET /shops/{shop}/runs", s.shop(s.runList))
	mux.Handle("GET /shops/{shop}/runs/{id}", s.shop(s.runPage))
	mux.Handle("POST /shops/{shop}/runs/{id}/retry", s.shop(s.retryFailed))

	// ユーザー管理 (users.go), admin only.
	mux.Handle("GET /users", s.admin(s.userList))
	mux.Handle("POST /users", s.admin(s.userAdd))
	mux.Handle("POST /users/{login}/role", s.admin(s.userRole))
	mux.Handle("POST /users/{login}/password", s.admin(s.userPassword))
	mux.Handle("POST /users/{login}/delete", s.admin(s.userDelete))
	mux.Handle("POST /users/{login}/shops", s.admin(s.userShops))

	return s.secured(mux)
}
