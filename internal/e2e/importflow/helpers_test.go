package importflow_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
	"github.com/colorme-sync/colorme-sync/internal/shipplan"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

var prefs = []string{"東京都", "大阪府", "北海道", "福岡県", "愛知県", "神奈川県", "京都府", "沖縄県"}

// genSales returns n ColorMe sales with ids from firstID, ordered at random in
// the 6 days before now (inside the default 7-day import), one delivery each or
// two for every tenth, as the sandbox will serve them.
func genSales(n int, firstID int64, now time.Time, seed int64) []colorme.Sale {
	rnd := rand.New(rand.NewSource(seed))
	sales := make([]colorme.Sale, n)
	for i := range sales {
		id := firstID + int64(i)
		made := now.Add(-time.Duration(rnd.Intn(6*24*60)+1) * time.Minute).Unix()
		s := colorme.Sale{ID: id, MakeDate: made, UpdateDate: made, Segment: &colorme.Segment{ParentSaleID: id}}
		nd := 1
		if i%10 == 9 {
			nd = 2
		}
		for d := 0; d < nd; d++ {
			s.SaleDeliveries = append(s.SaleDeliveries, colorme.SaleDelivery{ID: id*10 + int64(d) + 1, DeliveryID: int64(1 + rnd.Intn(3)),
				Name: fmt.Sprintf("購入者 %d", id), PrefName: prefs[rnd.Intn(len(prefs))], Address1: fmt.Sprintf("%d-%d", rnd.Intn(9)+1, d+1)})
		}
		sales[i] = s
	}
	return sales
}

// changeSale edits a sandbox sale as ColorMe's admin screen would: its
// update_date becomes now.
func changeSale(t *testing.T, stack *teststack.Stack, id int64, edit func(*colorme.Sale)) {
	t.Helper()
	s, ok := stack.Sandbox.Sale(id)
	require.True(t, ok, "sale %d is not in the sandbox", id)
	edit(&s)
	s.UpdateDate = time.Now().Unix()
	stack.Sandbox.Seed(s)
}

func importNow(t *testing.T, stack *teststack.Stack, in workflows.OrderImportInput) workflows.OrderImportResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run, err := app.StartImport(ctx, stack.Client, stack.Config, in)
	require.NoError(t, err)
	var res workflows.OrderImportResult
	require.NoError(t, run.Get(ctx, &res))
	return res
}

func exportNow(t *testing.T, stack *teststack.Stack, shopID string, asOf time.Time) workflows.ShippingSyncResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: shopID, AsOf: &asOf, Trigger: "manual"})
	require.NoError(t, err)
	var res workflows.ShippingSyncResult
	require.NoError(t, run.Get(ctx, &res))
	return res
}

func orders(t *testing.T, st *stores.Stores, shopID string) []oms.OrderView {
	t.Helper()
	vs, err := st.Orders(context.Background(), shopID)
	require.NoError(t, err)
	return vs
}

func order(t *testing.T, st *stores.Stores, shopID string, saleID int64) oms.OrderView {
	t.Helper()
	vs, err := st.Orders(context.Background(), shopID, saleID)
	require.NoError(t, err)
	require.Len(t, vs, 1, "order %d", saleID)
	return vs[0]
}

func setStatus(t *testing.T, st *stores.Stores, shopID string, saleID int64, status string) {
	t.Helper()
	_, err := st.SetStatus(context.Background(), shopID, saleID, status, time.Now())
	require.NoError(t, err)
}

// applyCSV does what `starter orders csv` does: parse, then validate against the
// OMS and apply all rows or none. It returns the report and every problem.
func applyCSV(t *testing.T, st *stores.Stores, shopID string, data []byte, dryRun bool) (shipplan.Report, []staffmsg.LineMessage) {
	t.Helper()
	parsed := shipcsv.Parse(data)
	rows := make([]shipplan.Shipment, len(parsed.Rows))
	for i, r := range parsed.Rows {
		rows[i] = shipplan.Shipment{Line: r.Line, SaleID: r.SaleID, DeliveryID: r.DeliveryID, TrackingNumber: r.TrackingNumber, ShipDate: r.ShipDate}
	}
	rep, err := st.ApplyShipments(context.Background(), shopID, rows, dryRun || len(parsed.Errors) > 0, time.Now())
	require.NoError(t, err)
	var problems []staffmsg.LineMessage
	for _, e := range parsed.Errors {
		problems = append(problems, staffmsg.LineMessage{Line: e.Line, Message: e.Message})
	}
	return rep, append(problems, rep.Rejected...)
}

func isImportRunning(err error) bool {
	var running *app.RunningError
	return errors.As(err, &running)
}

// expectedExport computes, independently of the workflow, what ColorMe must
// show after an export at asOf (DESIGN §2, spelled out here rule by rule) and
// how many sales get a write. It cross-checks each sale with rules.Evaluate.
func expectedExport(t *testing.T, views []oms.OrderView, sales []colorme.Sale, asOf time.Time, opt rules.Options) (map[int64]colorme.Sale, int) {
	t.Helper()
	byID := map[int64]colorme.Sale{}
	for _, s := range sales {
		byID[s.ID] = s
	}
	writes := 0
	orderedSince := asOf.In(rules.Tokyo).AddDate(-1, 0, 0)
	updatedSince := asOf.Add(-time.Duration(opt.WindowDays) * 24 * time.Hour)
	for _, v := range views {
		o := v.Order
		target := o.Status != rules.StatusNew && o.Status != rules.StatusCancelled &&
			!o.OrderedAt.Before(orderedSince) && !o.UpdatedAt.Before(updatedSince) &&
			(o.BundleParentSaleID == 0 || o.BundleParentSaleID == o.SaleID)
		require.Equal(t, target, rules.IsTarget(o, asOf, opt.WindowDays), "sale %d", o.SaleID)
		s, ok := byID[o.SaleID]
		require.True(t, ok, "sale %d is not on ColorMe", o.SaleID)
		if !target || s.Canceled {
			continue
		}
		want := s
		want.SaleDeliveries = append([]colorme.SaleDelivery(nil), s.SaleDeliveries...)
		changed := false
		for _, d := range o.Deliveries {
			for i := range want.SaleDeliveries {
				cd := &want.SaleDeliveries[i]
				if cd.ID != d.ID {
					continue
				}
				if d.SlipNumber != "" && d.SlipNumber != cd.Slip() {
					slip := d.SlipNumber
					cd.SlipNumber = &slip
					changed = true
				}
				if d.SlipNumber != "" && (!opt.RequireShipDate || d.ShippedOn != "") && !cd.Delivered {
					cd.Delivered = true
					changed = true
				}
			}
		}
		p := rules.Evaluate(o, s, opt)
		require.Equal(t, changed, p.NeedsWrite(), "sale %d: rules.Evaluate disagrees", o.SaleID)
		if changed {
			writes++
			want.Delivered = want.AllDelivered()
		}
		byID[o.SaleID] = want
	}
	return byID, writes
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// today is today's date in Japan, as ship dates are written.
func today() string { return time.Now().In(rules.Tokyo).Format(time.DateOnly) }
