package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// TestImportReadsMethodsOnceADay: the first import page of a shop whose
// methods were never read reads them (GET /v1/deliveries and /v1/payments)
// and stores them; the next pages and imports that day read none, so that
// unchanged methods cost two calls a day.
func TestImportReadsMethodsOnceADay(t *testing.T) {
	a, sb, env := setup(t)
	ctx := context.Background()
	made := time.Now().Add(-24 * time.Hour).Unix()
	sb.Seed(colorme.Sale{ID: 2, MakeDate: made, SaleDeliveries: []colorme.SaleDelivery{{ID: 21, DeliveryID: 2, Name: "山田", PrefName: "東京都", Address1: "1-1"}}})
	page := func(key string, offset int) {
		t.Helper()
		runID, err := a.Store.StartImport(ctx, oms.Run{ShopID: "s1", RunKey: key, Trigger: "manual", WindowDays: 7, AsOf: time.Now()})
		require.NoError(t, err)
		_, err = env.ExecuteActivity(a.ImportPage, activities.ImportPageInput{ShopID: "s1", RunID: runID,
			Query: activities.ImportQuery{Name: activities.QueryOrdered, After: time.Now().AddDate(0, 0, -7)}, Limit: 100, Offset: offset})
		require.NoError(t, err)
	}
	page("imp-1", 0)
	assert.Equal(t, 2, sb.Counters().MethodReads, "the first import reads both lists")
	m, err := a.Store.Shops.Methods(ctx, "s1")
	require.NoError(t, err)
	assert.Len(t, m.Deliveries, 6)
	assert.Len(t, m.Payments, 4)
	assert.Equal(t, "ゆうパック (日本郵便)", m.DeliveryLabel(2))
	assert.WithinDuration(t, time.Now(), m.ReadAt, time.Minute)

	page("imp-2", 0)
	page("imp-3", 1)
	assert.Equal(t, 2, sb.Counters().MethodReads, "read once a day, not per import")

	// A sale with a delivery method added on ColorMe since: read again, but not
	// within an hour of the last attempt.
	sb.SeedDeliveryMethods(append(sb.DeliveryMethods(), colorme.DeliveryMethod{ID: 8, Name: "西濃運輸", MethodType: "other"})...)
	sb.Seed(colorme.Sale{ID: 3, MakeDate: time.Now().Add(-time.Hour).Unix(), SaleDeliveries: []colorme.SaleDelivery{{ID: 31, DeliveryID: 8, Name: "山田", PrefName: "東京都", Address1: "1-1"}}})
	sb.Seed(colorme.Sale{ID: 4, MakeDate: made, PaymentID: 999, SaleDeliveries: []colorme.SaleDelivery{{ID: 41, DeliveryID: 1, Name: "山田", PrefName: "東京都", Address1: "1-1"}}})
	page("imp-4", 0)
	assert.Equal(t, 2, sb.Counters().MethodReads, "tried less than an hour ago")
	earlier := time.Now().Add(-2 * time.Hour)
	require.NoError(t, a.Store.DB().Exec("UPDATE method_reads SET read_at = ?, tried_at = ?", earlier, earlier).Error)
	page("imp-5", 0)
	assert.Equal(t, 4, sb.Counters().MethodReads, "an unknown method is read within the hour")
	m, err = a.Store.Shops.Methods(ctx, "s1")
	require.NoError(t, err)
	assert.Equal(t, "西濃運輸", m.DeliveryLabel(8))
	page("imp-6", 0)
	assert.Equal(t, 4, sb.Counters().MethodReads, "known now")

	// An older sale naming a method removed since never causes a read.
	require.NoError(t, a.Store.DB().Exec("UPDATE method_reads SET read_at = ?, tried_at = ?", earlier, earlier).Error)
	sb.Seed(colorme.Sale{ID: 3, MakeDate: made, SaleDeliveries: []colorme.SaleDelivery{{ID: 31, DeliveryID: 1, Name: "山田", PrefName: "東京都", Address1: "1-1"}}})
	page("imp-7", 0)
	assert.Equal(t, 4, sb.Counters().MethodReads, "payment 999 of a sale made before the last read")
}
