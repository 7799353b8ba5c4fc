package schedules

import (
	"context"
	"fmt"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// NotifyChange tells the shop's on-change trigger (ExportOnChange, ID
// workflows.ExportOnChangeID) that what the export depends on changed: it
// signals the trigger, starting it when none runs (SignalWithStart). The
// trigger then runs an incremental export within seconds. It does not read the
// shop's settings: app.NotifyChange does.
func (m *Manager) NotifyChange(ctx context.Context, shopID, reason string) error {
	id := workflows.ExportOnChangeID(shopID)
	_, err := m.Client.SignalWithStartWorkflow(ctx, id, workflows.ChangeSignal, workflows.ChangeNotice{Reason: reason},
		workflows.StartOptions(id, m.TaskQueue, shopID, oms.TriggerChange, fmt.Sprintf("on-change export trigger of shop %s", shopID)),
		workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: shopID})
	if err != nil {
		return fmt.Errorf("notifying the on-change export of shop %s: %w", shopID, hint(err))
	}
	return nil
}

// NotifyStockChange tells the shop's on-change stock trigger (StockOnChange, ID
// workflows.StockOnChangeID) that the shop's available quantities moved: it
// signals the trigger, starting it when none runs (SignalWithStart). The
// trigger then pushes the stock within seconds. It does not read the shop's
// settings: app.NotifyStockChange does.
func (m *Manager) NotifyStockChange(ctx context.Context, shopID, reason string) error {
	id := workflows.StockOnChangeID(shopID)
	_, err := m.Client.SignalWithStartWorkflow(ctx, id, workflows.ChangeSignal, workflows.ChangeNotice{Reason: reason},
		workflows.StartOptions(id, m.TaskQueue, shopID, oms.TriggerChange, fmt.Sprintf("on-change stock trigger of shop %s", shopID)),
		workflows.StockOnChange, workflows.StockOnChangeInput{ShopID: shopID})
	if err != nil {
		return fmt.Errorf("notifying the on-change stock push of shop %s: %w", shopID, hint(err))
	}
	return nil
}
