package workflows_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestSentJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	yes := true
	for name, c := range map[string]struct {
		plan rules.Plan
		want string
	}{
		"nothing written": {rules.Plan{SaleID: 1}, ""},
		"slip, delivered and mail": {rules.Plan{SaleID: 1, SendMail: true,
			Deliveries: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1"), Delivered: &yes}}},
			`{"sale_deliveries":[{"id":1,"slip_number":"A-1","delivered":true}],"mail":true}`},
		"two deliveries, no mail": {rules.Plan{SaleID: 1,
			Deliveries: []colorme.DeliveryUpdate{{ID: 1, Delivered: &yes}, {ID: 2, SlipNumber: str("B-2")}}},
			`{"sale_deliveries":[{"id":1,"delivered":true},{"id":2,"slip_number":"B-2"}]}`},
		"mail only":   {rules.Plan{SaleID: 1, SendMail: true}, `{"sale_deliveries":[],"mail":true}`},
		"not ASCII":   {rules.Plan{SaleID: 1, Deliveries: []colorme.DeliveryUpdate{{ID: 3, SlipNumber: str("伝票\u00a01")}}}, `{"sale_deliveries":[{"id":3,"slip_number":"伝票` + "\u00a0" + `1"}]}`},
		"quote & tag": {rules.Plan{SaleID: 1, Deliveries: []colorme.DeliveryUpdate{{ID: 4, SlipNumber: str(`"<a&b>"`)}}}, `{"sale_deliveries":[{"id":4,"slip_number":"\"<a&b>\""}]}`},
	} {
		t.Run(name, func(t *testing.T) {
			got := workflows.SentJSON(c.plan)
			assert.Equal(t, c.want, got)
			if got != "" {
				var v map[string]any
				require.NoError(t, json.Unmarshal([]byte(got), &v), "real JSON")
				back, ok := workflows.DecodeSent(got)
				require.True(t, ok, "DecodeSent reads what SentJSON wrote")
				assert.Equal(t, c.plan.SendMail, back.Mail)
				assert.Equal(t, len(c.plan.Deliveries), len(back.SaleDeliveries))
				for i, d := range c.plan.Deliveries {
					assert.Equal(t, d, back.SaleDeliveries[i])
				}
			}
		})
	}
}

func TestDecodeSentRefusesWhatIsNotSent(t *testing.T) {
	for _, s := range []string{"", "not json", `["a"]`} {
		_, ok := workflows.DecodeSent(s)
		assert.False(t, ok, "%q", s)
	}
}
