package console

import (
	"github.com/colorme-sync/colorme-sync/internal/app"
)

// notifyChange tells the shop's on-change export (変更時にすぐ書き出す) that staff
// changed what the export depends on (app.NotifyChange). The change is stored
// already: a failure is logged as a warning and the staff's edit stands; the
// next export (the next change or the scheduled run) exports it. It reports
// whether the export was told (the shop listens and Temporal took the signal).
func (s *Server) notifyChange(rq *request, reason string) bool {
	if err := app.NotifyChange(rq.ctx(), s.d.Temporal, s.d.Config, s.d.Store, rq.shop.ID, reason); err != nil {
		s.d.Logger.Warn("console: the on-change export was not told of a change; the next export picks it up",
			"shop", rq.shop.ID, "reason", reason, "error", err.Error())
		return false
	}
	return app.ExportListener.Listens(rq.shop)
}

// notifyStockChange tells the shop's on-change stock push (自動在庫連携) that
// the available quantities moved (app.NotifyStockChange). As with
// notifyChange, a failure is a warning: the next push carries the change.
func (s *Server) notifyStockChange(rq *request, reason string) {
	if err := app.NotifyStockChange(rq.ctx(), s.d.Temporal, s.d.Config, s.d.Store, rq.shop.ID, reason); err != nil {
		s.d.Logger.Warn("console: the on-change stock push was not told of a change; the next push picks it up",
			"shop", rq.shop.ID, "reason", reason, "error", err.Error())
	}
}

// workerIdle reports, after an on-change trigger was told of a stored change,
// that no worker polls the task queue: the signal waits in Temporal and
// nothing reaches ColorMe until a worker polls again, so a page must not
// promise "within seconds". It asks Temporal afresh (workerNow, which also
// refreshes the answer the pages reuse). When Temporal cannot say, workerNow
// logs and it reports false: the page keeps its usual wording (the signal was
// just taken, so Temporal is up).
func (s *Server) workerIdle(rq *request, reason string) bool {
	w := s.workerNow(rq.ctx())
	if w.State != workerStopped {
		return false
	}
	s.d.Logger.Warn("console: a change was told to its on-change trigger but no worker polls the task queue; it waits for a worker",
		"shop", rq.shop.ID, "reason", reason, "task_queue", s.d.Config.TaskQueue, "last_poll", w.Ago)
	return true
}

// followExport tells the shop's on-change export of a stored change
// (notifyChange) and returns what staff must be told when it waits for a
// worker (noWorkerNote), or "" when the export was not told or a worker polls.
func (s *Server) followExport(rq *request, reason string) string {
	if s.notifyChange(rq, reason) && s.workerIdle(rq, reason) {
		return noWorkerNote("変更時の発送情報の更新", "発送情報の更新")
	}
	return ""
}

// noWorkerNote is what staff are told when trigger (自動在庫連携, 変更時の発送情報の更新)
// was told of a stored change but no worker runs it (workerIdle); it points to
// 稼働状況, which shows whether a worker polls (statusPage), and run names what
// 自動処理ログ shows once a worker is back.
func noWorkerNote(trigger, run string) string {
	return "変更は保存し、" + trigger + "に知らせました。ただし、いま処理を実行するワーカーが動いていないため、" +
		"カラーミーショップへの送信はワーカーが再開するまで待ちます。システム担当者にワーカー (bin/worker) の起動を依頼してください " +
		"(稼働状況で状態を確認できます。再開すると、自動処理ログに" + run + "が表示されます)。"
}
