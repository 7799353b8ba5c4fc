package app

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// NotifyTimeout bounds NotifyChange: a staff edit never waits longer for Temporal.
const NotifyTimeout = 5 * time.Second

// A Listener is a shop's run that a stored change wakes within seconds: the
// on-change export (ExportListener) or the on-change stock push
// (StockListener).
type Listener struct {
	name   string                        // in errors: "on-change export"
	wanted func(shops.ShopSettings) bool // the setting that turns it on
	signal func(m *schedules.Manager, ctx context.Context, shopID, reason string) error
}

var (
	// ExportListener is the on-change export (変更時にすぐ書き出す, export_on_change).
	ExportListener = Listener{"on-change export", func(s shops.ShopSettings) bool { return s.ExportOnChange }, (*schedules.Manager).NotifyChange}
	// StockListener is the on-change stock push (自動在庫連携, stock_enabled).
	StockListener = Listener{"on-change stock push", func(s shops.ShopSettings) bool { return s.StockEnabled }, (*schedules.Manager).NotifyStockChange}
)

// String names the listener: "on-change export", "on-change stock push".
func (l Listener) String() string { return l.name }

// Listens reports whether shop has the listener: its setting is on and the shop
// need not be reconnected. Notify does nothing for a shop that has not.
func (l Listener) Listens(shop shops.Shop) bool {
	return l.wanted(shop.Settings) && !shop.ReconnectNeeded
}

// Notify tells the shop's listener that staff changed what it depends on (the
// change is stored); see NotifyChange and NotifyStockChange.
func (l Listener) Notify(ctx context.Context, c client.Client, cfg config.Config, st *stores.Stores, shopID, reason string) error {
	ctx, cancel := context.WithTimeout(ctx, NotifyTimeout)
	defer cancel()
	shop, err := st.Shops.Shop(ctx, shopID)
	if err != nil {
		return fmt.Errorf("notifying the %s of shop %s: %w", l.name, shopID, err)
	}
	if !l.Listens(shop) {
		return nil
	}
	if c == nil {
		return fmt.Errorf("notifying the %s of shop %s: no Temporal client (TEMPORAL_ADDRESS)", l.name, shopID)
	}
	return l.signal(schedules.New(c, cfg.TaskQueue), ctx, shopID, reason)
}

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
	return ExportListener.Notify(ctx, c, cfg, st, shopID, reason)
}

// NotifyStockChange tells the shop's on-change stock push (自動在庫連携) that
// the available quantities moved — an on-hand edit or stock file, a status
// change (cancellation, shipment), a shipping-results file — so that a push
// runs within seconds. Call it after the change is stored. It does nothing when
// the shop's stock_enabled is off or the shop must be reconnected. An error is a
// warning: the change is stored, and the next push (the next change or the
// scheduled reconcile, which compares every SKU) carries it.
func NotifyStockChange(ctx context.Context, c client.Client, cfg config.Config, st *stores.Stores, shopID, reason string) error {
	return StockListener.Notify(ctx, c, cfg, st, shopID, reason)
}
