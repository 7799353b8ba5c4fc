package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

func TestImportQueries(t *testing.T) {
	// 2026-03-01 08:30 JST is still 2026-02-28 in UTC: the day boundary is Tokyo's.
	asOf := time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC)
	qs := ImportQueries(asOf, 7, nil)
	require.Len(t, qs, 1, "no watermark: the last N days only")
	assert.Equal(t, QueryOrdered, qs[0].Name)
	assert.Equal(t, "2026-02-22 00:00:00", colorme.FormatTime(qs[0].After))
	assert.True(t, qs[0].Before.IsZero() && qs[0].UpdatedMin.IsZero(), "no upper bound: the result only grows while paged")
	assert.LessOrEqual(t, asOf.Sub(qs[0].After), 8*24*time.Hour)
	assert.GreaterOrEqual(t, asOf.Sub(qs[0].After), 7*24*time.Hour)

	wm := time.Date(2026, 2, 28, 23, 0, 0, 500_000_000, time.UTC)
	qs = ImportQueries(asOf, 7, &wm)
	require.Len(t, qs, 2)
	u := qs[1]
	assert.Equal(t, QueryUpdated, u.Name)
	assert.Equal(t, "2025-03-01 08:30:00", colorme.FormatTime(u.After), "a calendar year before, in JST")
	assert.Equal(t, "2026-02-22 00:00:00", colorme.FormatTime(u.Before))
	assert.Equal(t, qs[0].After, u.OrderedTo, "the searches are disjoint")
	assert.Equal(t, "2026-03-01 08:00:00", colorme.FormatTime(u.UpdatedMin), "the watermark, rounded down to ColorMe's seconds")
	assert.True(t, u.UpdatedMin.Before(wm) || u.UpdatedMin.Equal(wm))

	assert.Len(t, ImportQueries(asOf, 365, &wm), 1, "N days covering the year: one search")
}

func TestImportedSale(t *testing.T) {
	slip := "X"
	s := colorme.Sale{ID: 7, MakeDate: 1772323200, Canceled: true, Segment: &colorme.Segment{ParentSaleID: 5},
		SaleDeliveries: []colorme.SaleDelivery{{ID: 71, DeliveryID: 3, Name: "山田", PrefName: "東京都", Address1: "1-1", SlipNumber: &slip}}}
	got := ImportedSale(s)
	assert.Equal(t, oms.ImportedSale{SaleID: 7, OrderedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, rules.Tokyo).UTC(), Canceled: true, ParentSaleID: 5,
		Deliveries: []oms.ImportedDelivery{{ID: 71, MethodID: 3, Name: "山田", PrefName: "東京都", Address1: "1-1"}}}, got)
}
