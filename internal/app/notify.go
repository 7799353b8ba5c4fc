package app

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// NotifyTimeout bounds NotifyChange: a staff edit never waits longer for Temporal.
const NotifyTimeout = 5 * time.Second

// NotifyChange tells the shop's on-change export (変更時にすぐ書き出す) that staff
// changed what the export depends on — a status, a bundle, a slip number or ship
// date, a shipping-results or carrier file — so that an incremental export runs
// within seconds. Call it after the change is stored. It does nothing when the
// shop's export_on_change is off or the shop must be reconnected.
//
// An error means Temporal could not be told: the change is stored all the same,
// so report it as a warning, never as the edit's failure. Nothing is lost: the
// order's updated_at is past the shop's export watermark, so the next
// incremental export (the next change) or the scheduled full reconcile exports it.
func NotifyChange(ctx context.Context, c client.Client, cfg config.Config, st *stores.Stores, shopID, reason string) error {
	ctx, cancel := context.WithTimeout(ctx, NotifyTimeout)
	defer cancel()
	shop, err := st.Shops.Shop(ctx, shopID)
	if err != nil {
		return fmt.Errorf("notifying the on-change export of shop %s: %w", shopID, err)
	}
	if !shop.Settings.ExportOnChange || shop.ReconnectNeeded {
		return nil
	}
	if c == nil {
		return fmt.Errorf("notifying the on-change export of shop %s: no Temporal client (TEMPORAL_ADDRESS)", shopID)
	}
	return schedules.New(c, cfg.TaskQueue).NotifyChange(ctx, shopID, reason)
}

// NotifyStockChange tells the shop's on-change stock push (自動在庫連携) that
// the available quantities moved — an on-hand edit or stock file, a status
// change (cancellation, shipment), a shipping-results file — so that a push
// runs within seconds. Call it after the change is stored. It does nothing when
// the shop's stock_enabled is off or the shop must be reconnected. An error is a
// warning: the change is stored, and the next push (the next change or the
// scheduled reconcile, which compares every SKU) carries it.
func NotifyStockChange(ctx context.Context, c client.Client, cfg config.Config, st *stores.Stores, shopID, reason string) error {
	ctx, cancel := context.WithTimeout(ctx, NotifyTimeout)
	defer cancel()
	shop, err := st.Shops.Shop(ctx, shopID)
	if err != nil {
		return fmt.Errorf("notifying the on-change stock push of shop %s: %w", shopID, err)
	}
	if !shop.Settings.StockEnabled || shop.ReconnectNeeded {
		return nil
	}
	if c == nil {
		return fmt.Errorf("notifying the on-change stock push of shop %s: no Temporal client (TEMPORAL_ADDRESS)", shopID)
	}
	return schedules.New(c, cfg.TaskQueue).NotifyStockChange(ctx, shopID, reason)
}
