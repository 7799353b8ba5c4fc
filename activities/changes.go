package activities

import (
	"context"
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
}

// NotifyExportChange tells the shop's on-change export trigger that an import
// changed what the export depends on (app.NotifyChange does the same for staff
// edits).
func (a *Activities) NotifyExportChange(ctx context.Context, in NotifyExportChangeInput) (NotifyExportChangeResult, error) {
	shop, err := a.Store.Shops.Shop(ctx, in.ShopID)
	if err != nil {
		return NotifyExportChangeResult{}, shopError(in.ShopID, err)
	}
	switch {
	case !shop.Settings.ExportOnChange:
		return NotifyExportChangeResult{Why: "export_on_change is off"}, nil
	case shop.ReconnectNeeded:
		return NotifyExportChangeResult{Why: "the shop must be reconnected"}, nil
	case a.Temporal == nil:
		return NotifyExportChangeResult{Why: "no Temporal client"}, nil
	}
	if err := a.Temporal.NotifyChange(ctx, in.ShopID, in.Reason); err != nil {
		return NotifyExportChangeResult{}, err
	}
	return NotifyExportChangeResult{Notified: true}, nil
}
