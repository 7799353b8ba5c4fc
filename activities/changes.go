package activities

import (
	"context"

	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// NotifyExportChangeInput names the shop whose export targets changed and why.
type NotifyExportChangeInput struct {
	ShopID string `json:"shop_id"`
	Reason string `json:"reason"` // e.g. "order import: 3 created, 5 updated"
}

// NotifyExportChangeResult says whether the shop's on-change trigger was
// signalled; it is not when the shop's export_on_change is off or the shop must
// be reconnected.
type NotifyExportChangeResult struct {
	Notified bool   `json:"notified"`
	Why      string `json:"why,omitempty"` // why not
	// StockNotified says whether the shop's on-change stock push was signalled
	// too (stock_enabled on): imported orders move the available quantities.
	StockNotified bool `json:"stock_notified,omitempty"`
}

// stockNotifier is the part of Temporal that signals the on-change stock push
// (schedules.Manager has it); a Temporal without it tells no stock push.
type stockNotifier interface {
	NotifyStockChange(ctx context.Context, shopID, reason string) error
}

// NotifyExportChange tells the shop's on-change export trigger that an import
// changed what the export depends on (app.NotifyChange does the same for staff
// edits), and, with stock_enabled on, the shop's on-change stock push: new,
// cancelled and shipped orders move the available quantities.
func (a *Activities) NotifyExportChange(ctx context.Context, in NotifyExportChangeInput) (NotifyExportChangeResult, error) {
	shop, err := a.Store.Shops.Shop(ctx, in.ShopID)
	if err != nil {
		return NotifyExportChangeResult{}, shopError(in.ShopID, err)
	}
	res, err := a.notifyExport(ctx, shop, in.Reason)
	if err != nil {
		return res, err
	}
	if sn, ok := a.Temporal.(stockNotifier); ok && shop.Settings.StockEnabled && !shop.ReconnectNeeded {
		if err := sn.NotifyStockChange(ctx, in.ShopID, in.Reason); err != nil {
			return res, err
		}
		res.StockNotified = true
	}
	return res, nil
}

func (a *Activities) notifyExport(ctx context.Context, shop shops.Shop, reason string) (NotifyExportChangeResult, error) {
	switch {
	case !shop.Settings.ExportOnChange:
		return NotifyExportChangeResult{Why: "export_on_change is off"}, nil
	case shop.ReconnectNeeded:
		return NotifyExportChangeResult{Why: "the shop must be reconnected"}, nil
	case a.Temporal == nil:
		return NotifyExportChangeResult{Why: "no Temporal client"}, nil
	}
	if err := a.Temporal.NotifyChange(ctx, shop.ID, reason); err != nil {
		return NotifyExportChangeResult{}, err
	}
	return NotifyExportChangeResult{Notified: true}, nil
}
