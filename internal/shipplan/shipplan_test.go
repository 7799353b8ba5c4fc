package shipplan_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shipplan"
)

// dest is a delivery of planOrder: its id, postal code and current tracking
// number.
type dest struct {
	id     int64
	postal string
	slip   string
}

// planOrder is an order for Plan: its deliveries by id with postal codes, some
// with a tracking number already.
func planOrder(sale int64, status string, dels ...dest) shipplan.Order {
	o := shipplan.Order{Order: rules.Order{SaleID: sale, Status: status, OrderedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, rules.Tokyo)}}
	for _, d := range dels {
		o.Deliveries = append(o.Deliveries, rules.Delivery{ID: d.id, SlipNumber: d.slip})
		o.Destinations = append(o.Destinations, shipplan.Destination{ID: d.id, Postal: d.postal})
	}
	return o
}

// ordered sets an order's 注文日時 (RFC 3339).
func ordered(o shipplan.Order, at string) shipplan.Order {
	o.OrderedAt, _ = time.Parse(time.RFC3339, at)
	return o
}

// TestPlan: the pure planning of a shipments file, row by row.
func TestPlan(t *testing.T) {
	orders := map[int64]shipplan.Order{
		1: planOrder(1, rules.StatusAwaitingShipment, dest{11, "1500001", ""}),
		2: planOrder(2, rules.StatusAwaitingShipment, dest{21, "5300001", ""}, dest{22, "810-0001", ""}),
		3: planOrder(3, rules.StatusCancelled, dest{31, "", ""}),
		4: planOrder(4, rules.StatusNew, dest{41, "", "OLD-1"}),
		5: ordered(planOrder(5, rules.StatusAwaitingShipment, dest{51, "", ""}), "2025-11-27T23:59:00+09:00"),
		6: ordered(planOrder(6, rules.StatusAwaitingShipment, dest{61, "", ""}), "2025-11-28T00:00:00+09:00"),
	}
	type want struct {
		rejected, note string // a substring of the row's first rejection / note; "" = none
		delivery       int64  // the delivery that changes; 0 = none
		shipDate       string // its new ship date
	}
	cases := []struct {
		name string
		row  shipplan.Shipment
		want want
	}{
		{"by delivery id", shipplan.Shipment{SaleID: 2, DeliveryID: 22, TrackingNumber: "T"}, want{delivery: 22}},
		{"by position", shipplan.Shipment{SaleID: 2, DeliveryPos: 2, TrackingNumber: "T", Postal: "8100001"}, want{delivery: 22}},
		{"the only delivery", shipplan.Shipment{SaleID: 1, TrackingNumber: "T", ShipDate: "2026-11-27"}, want{delivery: 11, shipDate: "2026-11-27"}},
		{"two deliveries, none named", shipplan.Shipment{SaleID: 2, TrackingNumber: "T"}, want{rejected: "sale 2 has 2 deliveries (21, 22)"}},
		{"no such position", shipplan.Shipment{SaleID: 2, DeliveryPos: 3, TrackingNumber: "T"}, want{rejected: "sale 2 has 2 deliveries, not a delivery number 3"}},
		{"no such delivery", shipplan.Shipment{SaleID: 2, DeliveryID: 23, TrackingNumber: "T"}, want{rejected: "sale 2 has no delivery 23 (its deliveries: 21, 22)"}},
		{"another postal code", shipplan.Shipment{SaleID: 2, DeliveryPos: 1, TrackingNumber: "T", Postal: "8100001"}, want{rejected: "sale 2 delivery 21 goes to 〒5300001, but this row's label to 〒8100001"}},
		{"not in the OMS", shipplan.Shipment{SaleID: 9, TrackingNumber: "T"}, want{rejected: "sale 9 is not an order of shop s"}},
		{"cancelled", shipplan.Shipment{SaleID: 3, TrackingNumber: "T"}, want{rejected: "sale 3 is キャンセル"}},
		{"before the order", shipplan.Shipment{SaleID: 1, TrackingNumber: "T", ShipDate: "2026-11-19"}, want{rejected: "ship date 2026-11-19 is before sale 1 was ordered (2026-11-20)"}},
		{"planned today", shipplan.Shipment{SaleID: 1, TrackingNumber: "T", ShipDate: "2026-11-28", Planned: true}, want{delivery: 11, shipDate: "2026-11-28"}},
		{"planned later", shipplan.Shipment{SaleID: 1, TrackingNumber: "T", ShipDate: "2026-11-29", Planned: true}, want{delivery: 11, note: "planned ship date 2026-11-29 is after today"}},
		{"a later actual date is kept", shipplan.Shipment{SaleID: 1, TrackingNumber: "T", ShipDate: "2026-11-29"}, want{delivery: 11, shipDate: "2026-11-29"}},
		{"new order, slip replaced", shipplan.Shipment{SaleID: 4, TrackingNumber: "NEW-1"}, want{delivery: 41, note: "sale 4 is still 新規受付"}},
		{"empty tracking number", shipplan.Shipment{SaleID: 1}, want{rejected: "the tracking number (伝票番号) is empty"}},
		{"ordered more than a year ago", shipplan.Shipment{SaleID: 5, TrackingNumber: "T"},
			want{delivery: 51, note: "sale 5 was ordered on 2025-11-27, more than a year ago: the export never sends it to ColorMe (rule 2)"}},
		{"ordered a year ago today", shipplan.Shipment{SaleID: 6, TrackingNumber: "T"}, want{delivery: 61}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.row.Line = 7
			rep, changes, touched := shipplan.Plan("s", []shipplan.Shipment{c.row}, orders, "2026-11-28")
			if c.want.rejected != "" {
				if assert.Len(t, rep.Rejected, 1) {
					assert.Equal(t, 7, rep.Rejected[0].Line)
					assert.Contains(t, rep.Rejected[0].Message, c.want.rejected)
					assert.NotEmpty(t, rep.Rejected[0].Ja)
				}
				assert.Empty(t, changes)
				return
			}
			assert.Empty(t, rep.Rejected)
			if c.want.note != "" && assert.NotEmpty(t, rep.Notes) {
				assert.Contains(t, rep.Notes[0].Message, c.want.note)
				assert.NotEmpty(t, rep.Notes[0].Ja)
			}
			if c.want.note == "" {
				assert.Empty(t, rep.Notes)
			}
			if assert.Len(t, changes, 1) {
				assert.Equal(t, c.want.delivery, changes[0].DeliveryID)
				assert.Equal(t, c.want.shipDate, changes[0].NewShipDate)
				assert.Equal(t, []int64{c.row.SaleID}, touched)
				assert.Equal(t, 1, rep.Orders)
			}
		})
	}
}

// TestPlanAcrossRows: duplicates are applied once, conflicts reject
// both rows, a row the OMS already shows is unchanged, and a replaced slip is
// noted.
func TestPlanAcrossRows(t *testing.T) {
	orders := map[int64]shipplan.Order{
		1: planOrder(1, rules.StatusAwaitingShipment, dest{11, "", "A-1"}),
		2: planOrder(2, rules.StatusAwaitingShipment, dest{21, "", ""}, dest{22, "", ""}),
		3: planOrder(3, rules.StatusAwaitingShipment, dest{31, "", "C-0"}),
	}
	rows := []shipplan.Shipment{
		{Line: 2, SaleID: 1, TrackingNumber: "A-1"},                 // unchanged
		{Line: 3, SaleID: 2, DeliveryPos: 1, TrackingNumber: "B-1"}, // changes 21
		{Line: 4, SaleID: 2, DeliveryID: 21, TrackingNumber: "B-1"}, // the same delivery again: a duplicate
		{Line: 5, SaleID: 2, DeliveryID: 22, TrackingNumber: "B-2"}, // changes 22
		{Line: 6, SaleID: 2, DeliveryPos: 2, TrackingNumber: "B-3"}, // conflicts with line 5
		{Line: 7, SaleID: 3, TrackingNumber: "C-1"},                 // replaces C-0
	}
	rep, changes, touched := shipplan.Plan("s", rows, orders, "2026-11-28")
	if assert.Len(t, rep.Rejected, 2) {
		assert.Equal(t, []int{5, 6}, []int{rep.Rejected[0].Line, rep.Rejected[1].Line})
	}
	assert.Equal(t, 1, rep.Unchanged)
	assert.Equal(t, 1, rep.Duplicates)
	var got []int64
	for _, c := range changes {
		got = append(got, c.DeliveryID)
	}
	assert.Equal(t, []int64{21, 31}, got)
	assert.True(t, changes[1].OverwritingSlip)
	assert.Equal(t, []int64{2, 3}, touched)
}
