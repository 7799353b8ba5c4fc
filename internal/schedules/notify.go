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
