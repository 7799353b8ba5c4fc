package main

import (
	"context"
	"fmt"

	"github.com/colorme-sync/colorme-sync/internal/app"
)

// notifyChange tells the shop's on-change export that an orders command changed
// what the export depends on (app.NotifyChange). The change is stored already:
// a failure is a warning, never the command's error.
func (e *env) notifyChange(ctx context.Context, shopID, reason string) {
	e.notify(ctx, app.ExportListener, shopID, reason,
		"the next export (the next change or the scheduled run) exports it")
}

// notifyStockChange tells the shop's on-change stock push (自動在庫連携) that
// the available quantities moved (app.NotifyStockChange); a failure is a
// warning, never the command's error.
func (e *env) notifyStockChange(ctx context.Context, shopID, reason string) {
	e.notify(ctx, app.StockListener, shopID, reason,
		"the next push (the next change or the scheduled reconcile) carries it")
}

// notify tells the shop's listener l of a stored change; a failure is a
// warning that says what carries the change instead (later).
func (e *env) notify(ctx context.Context, l app.Listener, shopID, reason, later string) {
	err := func() error {
		st, err := e.db(ctx)
		if err != nil {
			return err
		}
		// Nobody to tell (l.Notify does nothing): Temporal is not dialled.
		if sh, err := st.Shops.Shop(ctx, shopID); err == nil && !l.Listens(sh) {
			return nil
		}
		cfg, c, err := e.clientWithConfig()
		if err != nil {
			return err
		}
		return l.Notify(ctx, c, cfg, st, shopID, reason)
	}()
	if err != nil {
		fmt.Fprintf(e.errOut, "warning: the change is stored, but the %s was not told (%v); %s\n", l, err, later)
	}
}
