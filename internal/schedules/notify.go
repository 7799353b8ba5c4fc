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
	return m.signalTrigger(ctx, workflows.ExportOnChangeID(shopID), shopID, reason, "export", "export",
		workflows.ExportOnChange, workflows.ExportOnChangeInput{ShopID: shopID})
}

// NotifyStockChange tells the shop's on-change stock trigger (StockOnChange, ID
// workflows.StockOnChangeID) that the shop's available quantities moved: it
// signals the trigger, starting it when none runs (SignalWithStart). The
// trigger then pushes the stock within seconds. It does not read the shop's
// settings: app.NotifyStockChange does.
func (m *Manager) NotifyStockChange(ctx context.Context, shopID, reason string) error {
	return m.signalTrigger(ctx, workflows.StockOnChangeID(shopID), shopID, reason, "stock", "stock push",
		workflows.StockOnChange, workflows.StockOnChangeInput{ShopID: shopID})
}

// signalTrigger signals the on-change trigger id of the shop (workflow wf with
// input in), starting it when none runs; what and job name it in its summary
// ("on-change <what> trigger") and in errors ("the on-change <job>").
func (m *Manager) signalTrigger(ctx context.Context, id, shopID, reason, what, job string, wf, in any) error {
	_, err := m.Client.SignalWithStartWorkflow(ctx, id, workflows.ChangeSignal, workflows.ChangeNotice{Reason: reason},
		workflows.StartOptions(id, m.TaskQueue, shopID, oms.TriggerChange, fmt.Sprintf("on-change %s trigger of shop %s", what, shopID)),
		wf, in)
	if err != nil {
		return fmt.Errorf("notifying the on-change %s of shop %s: %w", job, shopID, hint(err))
	}
	return nil
}
