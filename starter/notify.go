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
	err := func() error {
		st, err := e.db(ctx)
		if err != nil {
			return err
		}
		// Nobody to tell (app.NotifyChange does nothing): Temporal is not dialled.
		if sh, err := st.Shops.Shop(ctx, shopID); err == nil && (!sh.Settings.ExportOnChange || sh.ReconnectNeeded) {
			return nil
		}
		cfg, c, err := e.clientWithConfig()
		if err != nil {
			return err
		}
		return app.NotifyChange(ctx, c, cfg, st, shopID, reason)
	}()
	if err != nil {
		fmt.Fprintf(e.errOut, "warning: the change is stored, but the on-change export was not told (%v); the next export (the next change or the scheduled run) exports it\n", err)
	}
}

// notifyStockChange tells the shop's on-change stock push (自動在庫連携) that
// the available quantities moved (app.NotifyStockChange); a failure is a
// warning, never the command's error.
func (e *env) notifyStockChange(ctx context.Context, shopID, reason string) {
	err := func() error {
		st, err := e.db(ctx)
		if err != nil {
			return err
		}
		if sh, err := st.Shops.Shop(ctx, shopID); err == nil && (!sh.Settings.StockEnabled || sh.ReconnectNeeded) {
			return nil // nobody to tell: Temporal is not dialled
		}
		cfg, c, err := e.clientWithConfig()
		if err != nil {
			return err
		}
		return app.NotifyStockChange(ctx, c, cfg, st, shopID, reason)
	}()
	if err != nil {
		fmt.Fprintf(e.errOut, "warning: the change is stored, but the on-change stock push was not told (%v); the next push (the next change or the scheduled reconcile) carries it\n", err)
	}
}
