package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// findableChange is the GetVersion change ID of markFindable: runs whose history
// began before it replay without the search attribute and memo commands.
const findableChange = "findable-by-shop"

// markFindable makes a run findable by its shop whatever started it — the
// starter, the console and schedules set the search attribute and memo at start,
// but `temporal workflow start`, tctl or the UI's "Start Workflow" do not: the run
// sets the ColorMeShop search attribute (the UI's filter ColorMeShop="myshop")
// and the memo (shop, trigger) itself when they are missing. The server must have
// ColorMeShop registered, as it must for the schedules.
func markFindable(ctx workflow.Context, shopID string, trigger oms.Trigger) error {
	if shopID == "" || workflow.GetVersion(ctx, findableChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	if v, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(ShopSearchAttribute); !ok || v != shopID {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ShopSearchAttribute.ValueSet(shopID)); err != nil {
			return err
		}
	}
	if memo := workflow.GetInfo(ctx).Memo; memo == nil || memo.GetFields()[MemoShop] == nil {
		return workflow.UpsertMemo(ctx, Memo(shopID, trigger.OrManual()))
	}
	return nil
}
