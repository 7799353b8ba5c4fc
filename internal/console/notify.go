package console

import (
	"github.com/colorme-sync/colorme-sync/internal/app"
)

// notifyChange tells the shop's on-change export (変更時にすぐ書き出す) that staff
// changed what the export depends on (app.NotifyChange). The change is stored
// already: a failure is logged as a warning and the staff's edit stands; the
// next export (the next change or the scheduled run) exports it.
func (s *Server) notifyChange(rq *request, reason string) {
	if err := app.NotifyChange(rq.ctx(), s.d.Temporal, s.d.Config, s.d.Store, rq.shop.ID, reason); err != nil {
		s.d.Logger.Warn("console: the on-change export was not told of a change; the next export picks it up",
			"shop", rq.shop.ID, "reason", reason, "error", err.Error())
	}
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
