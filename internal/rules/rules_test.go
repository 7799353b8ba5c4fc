package rules_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// ---- helpers ----------------------------------------------------------------

func tm(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err, s)
	return v
}

func str(s string) *string { return &s }
func yes() *bool           { b := true; return &b }

// asOf is the instant the scenarios use.
const asOfS = "2026-11-20T12:00:00+09:00"

// target returns an order that passes rules 1–4 at asOfS, to be varied by a case.
func target(t *testing.T) rules.Order {
	return rules.Order{
		SaleID:    5001,
		Status:    rules.StatusAwaitingShipment,
		OrderedAt: tm(t, "2026-11-18T09:00:00+09:00"),
		UpdatedAt: tm(t, "2026-11-19T15:00:00+09:00"),
	}
}

// cmd is a ColorMe delivery.
func cmd(id int64, slip *string, delivered bool) colorme.SaleDelivery {
	return colorme.SaleDelivery{ID: id, SlipNumber: slip, Delivered: delivered}
}

// sale is a ColorMe sale with the given deliveries; Delivered follows them.
func sale(ds ...colorme.SaleDelivery) colorme.Sale {
	s := colorme.Sale{ID: 5001, DeliveredMailState: colorme.MailNotYet, SaleDeliveries: ds}
	s.Delivered = s.AllDelivered()
	return s
}

// apply returns the sale as ColorMe shows it after the plan's PUT (and mail).
func apply(t *testing.T, s colorme.Sale, p rules.Plan) colorme.Sale {
	t.Helper()
	out := s
	out.SaleDeliveries = append([]colorme.SaleDelivery(nil), s.SaleDeliveries...)
	for _, u := range p.Deliveries {
		found := false
		for i := range out.SaleDeliveries {
			d := &out.SaleDeliveries[i]
			if d.ID != u.ID {
				continue
			}
			found = true
			if u.SlipNumber != nil {
				d.SlipNumber = str(*u.SlipNumber)
			}
			if u.Delivered != nil {
				d.Delivered = *u.Delivered
			}
		}
		require.True(t, found, "plan updates delivery %d that the sale lacks", u.ID)
	}
	out.Delivered = out.AllDelivered()
	if p.SendMail {
		out.DeliveredMailState = colorme.MailSent
	}
	return out
}

// ---- rule 1 -------------------------------------------------------------------

func TestRule1Statuses(t *testing.T) {
	cases := []struct {
		status   string
		label    string
		excluded bool
	}{
		{rules.StatusNew, "新規受付", true},
		{rules.StatusProcessing, "処理中", false},
		{rules.StatusAwaitingPayment, "入金待ち", false},
		{rules.StatusAwaitingShipment, "発送待ち", false},
		{rules.StatusShipped, "出荷済み", false},
		{rules.StatusCompleted, "完了", false},
		{rules.StatusOnHold, "保留", false},
		{rules.StatusCancelled, "キャンセル", true},
	}
	require.Len(t, rules.Statuses, len(cases), "every OMS status is covered")
	asOf := tm(t, asOfS)
	for i, c := range cases {
		t.Run(c.status, func(t *testing.T) {
			assert.Equal(t, c.status, rules.Statuses[i], "workflow order")
			assert.True(t, rules.ValidStatus(c.status))
			assert.Equal(t, c.label, rules.StatusLabels[c.status])

			o := target(t)
			o.Status = c.status
			why := rules.Exclusion(o, asOf, 3)
			assert.Equal(t, !c.excluded, rules.IsTarget(o, asOf, 3))
			if c.excluded {
				assert.True(t, strings.HasPrefix(why, "rule 1:"), why)
				assert.Contains(t, why, c.label)
				assert.Contains(t, why, c.status)
			} else {
				assert.Empty(t, why)
			}
		})
	}
	assert.False(t, rules.ValidStatus("shipping"))
	assert.False(t, rules.ValidStatus(""))
	assert.False(t, rules.ValidStatus("New"))
}

// ---- rule 2 -------------------------------------------------------------------

func TestRule2Window(t *testing.T) {
	// Window's first bound is as_of one calendar year back (AddDate(-1,0,0)),
	// taken on the Tokyo calendar. Where the day does not exist a year earlier
	// Go normalises it: 2028-02-29 minus one year is "2027-02-29", i.e. 2027-03-01.
	cases := []struct {
		name, asOf, want string
	}{
		{"plain", "2026-11-20T12:00:00+09:00", "2025-11-20T12:00:00+09:00"},
		{"leap day normalises to 1 March", "2028-02-29T12:00:00+09:00", "2027-03-01T12:00:00+09:00"},
		{"1 March after a leap day", "2028-03-01T12:00:00+09:00", "2027-03-01T12:00:00+09:00"},
		{"28 Feb of a leap year", "2028-02-28T12:00:00+09:00", "2027-02-28T12:00:00+09:00"},
		{"into a leap year", "2029-03-01T00:00:00+09:00", "2028-03-01T00:00:00+09:00"},
		{"year boundary", "2027-01-01T00:00:00+09:00", "2026-01-01T00:00:00+09:00"},
		// The same instants given in UTC: the bound is the same instant.
		{"plain, as_of in UTC", "2026-11-20T03:00:00Z", "2025-11-20T12:00:00+09:00"},
		{"leap day, as_of in UTC", "2028-02-29T03:00:00Z", "2027-03-01T12:00:00+09:00"},
		// 2028-03-01 05:00 JST is 2028-02-29 20:00 UTC: a year before on the Tokyo
		// calendar is 2027-03-01 05:00 JST, whatever zone as_of is written in.
		{"Tokyo calendar, as_of in JST", "2028-03-01T05:00:00+09:00", "2027-03-01T05:00:00+09:00"},
		{"Tokyo calendar, as_of in UTC", "2028-02-29T20:00:00Z", "2027-03-01T05:00:00+09:00"},
		{"Tokyo calendar, as_of in -05:00", "2028-02-29T15:00:00-05:00", "2027-03-01T05:00:00+09:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asOf, want := tm(t, c.asOf), tm(t, c.want)
			since, _ := rules.Window(asOf, 3)
			assert.True(t, since.Equal(want), "Window(%s) = %s, want %s", c.asOf, since.Format(time.RFC3339), c.want)

			// ordered exactly at the bound: inside (inclusive); one second earlier: outside.
			o := target(t)
			o.UpdatedAt = asOf
			o.OrderedAt = want
			assert.Empty(t, rules.Exclusion(o, asOf, 3), "exactly at the bound is inside")
			o.OrderedAt = want.Add(time.Second)
			assert.Empty(t, rules.Exclusion(o, asOf, 3), "after the bound is inside")
			o.OrderedAt = want.Add(-time.Second)
			why := rules.Exclusion(o, asOf, 3)
			assert.True(t, strings.HasPrefix(why, "rule 2:"), why)
			assert.False(t, rules.IsTarget(o, asOf, 3))
		})
	}
}

func TestRule2Cases(t *testing.T) {
	cases := []struct {
		name, asOf, ordered string
		inside              bool
	}{
		{"exactly a year", "2026-11-20T12:00:00+09:00", "2025-11-20T12:00:00+09:00", true},
		{"a year and a second", "2026-11-20T12:00:00+09:00", "2025-11-20T11:59:59+09:00", false},
		{"scenario 06: 13 months", "2026-11-20T12:00:00+09:00", "2025-10-16T12:00:00+09:00", false},
		{"yesterday", "2026-11-20T12:00:00+09:00", "2026-11-19T12:00:00+09:00", true},
		// as_of in +09:00, ordered_at in UTC: compared as instants.
		{"UTC ordered_at at the bound", "2026-11-20T12:00:00+09:00", "2025-11-20T03:00:00Z", true},
		{"UTC ordered_at a second before", "2026-11-20T12:00:00+09:00", "2025-11-20T02:59:59Z", false},
		{"UTC ordered_at same wall clock, 9h later", "2026-11-20T12:00:00+09:00", "2025-11-20T12:00:00Z", true},
		{"UTC wall clock after the bound but instant before", "2026-11-20T12:00:00+09:00", "2025-11-20T02:00:00Z", false},
		// leap day: the bound is 2027-03-01 (AddDate normalisation), so 28 Feb is out.
		{"leap as_of, ordered 2027-02-28", "2028-02-29T12:00:00+09:00", "2027-02-28T12:00:00+09:00", false},
		{"leap as_of, ordered 2027-03-01 11:59:59", "2028-02-29T12:00:00+09:00", "2027-03-01T11:59:59+09:00", false},
		{"leap as_of, ordered 2027-03-01 12:00", "2028-02-29T12:00:00+09:00", "2027-03-01T12:00:00+09:00", true},
		{"leap as_of, ordered 2027-03-01 03:00Z", "2028-02-29T12:00:00+09:00", "2027-03-01T03:00:00Z", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asOf := tm(t, c.asOf)
			o := target(t)
			o.OrderedAt = tm(t, c.ordered)
			o.UpdatedAt = asOf
			why := rules.Exclusion(o, asOf, 3)
			if c.inside {
				assert.Empty(t, why)
			} else {
				assert.True(t, strings.HasPrefix(why, "rule 2:"), why)
			}
			assert.Equal(t, c.inside, rules.IsTarget(o, asOf, 3))
		})
	}
}

// ---- rule 3 -------------------------------------------------------------------

func TestRule3UpdatedWindow(t *testing.T) {
	asOf := tm(t, asOfS)
	assert.Equal(t, 3, rules.DefaultWindowDays, "作成期間 defaults to 3")
	for _, days := range []int{1, 3, 30} {
		t.Run(fmt.Sprintf("%d days", days), func(t *testing.T) {
			bound := asOf.Add(-time.Duration(days) * 24 * time.Hour)
			_, since := rules.Window(asOf, days)
			assert.True(t, since.Equal(bound), "%s != %s", since, bound)

			cases := []struct {
				name    string
				updated time.Time
				inside  bool
			}{
				{"exactly window×24h", bound, true},
				{"one second earlier", bound.Add(-time.Second), false},
				{"one second later", bound.Add(time.Second), true},
				{"at as_of", asOf, true},
				{"exactly, in UTC", bound.UTC(), true},
				{"one second earlier, in UTC", bound.Add(-time.Second).UTC(), false},
				{"a day before the window", bound.Add(-24 * time.Hour), false},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					o := target(t)
					o.OrderedAt = asOf.AddDate(0, -1, 0)
					o.UpdatedAt = c.updated
					why := rules.Exclusion(o, asOf, days)
					if c.inside {
						assert.Empty(t, why)
					} else {
						assert.True(t, strings.HasPrefix(why, "rule 3:"), why)
						assert.Contains(t, why, fmt.Sprintf("%d-day", days))
					}
					assert.Equal(t, c.inside, rules.IsTarget(o, asOf, days))
				})
			}
		})
	}
	// scenario 05 shape: updated 4 days before, window 3 → out; window 30 → in.
	o := target(t)
	o.UpdatedAt = tm(t, "2026-11-16T12:00:00+09:00")
	assert.False(t, rules.IsTarget(o, asOf, 3))
	assert.True(t, rules.IsTarget(o, asOf, 30))
}

// Window's second bound is exact hours, not calendar days (no DST in JST anyway,
// but as_of given in a DST zone must still be window×24h of elapsed time).
func TestRule3IsElapsedHours(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	asOf := time.Date(2026, 11, 2, 12, 0, 0, 0, ny) // the day after the DST change
	_, since := rules.Window(asOf, 3)
	assert.Equal(t, 72*time.Hour, asOf.Sub(since))
}

// ---- rule 4 -------------------------------------------------------------------

func TestRule4Bundle(t *testing.T) {
	asOf := tm(t, asOfS)
	cases := []struct {
		name   string
		parent int64
		inside bool
	}{
		{"not bundled (null)", 0, true},
		{"parent points to itself", 5001, true},
		{"child of another sale", 5002, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := target(t)
			o.BundleParentSaleID = c.parent
			why := rules.Exclusion(o, asOf, 3)
			if c.inside {
				assert.Empty(t, why)
			} else {
				assert.True(t, strings.HasPrefix(why, "rule 4:"), why)
				assert.Contains(t, why, "5002")
			}
			assert.Equal(t, c.inside, rules.IsTarget(o, asOf, 3))
		})
	}
}

// Each exclusion message names the rule it comes from, the first that fails.
func TestExclusionNamesRule(t *testing.T) {
	asOf := tm(t, asOfS)
	old := tm(t, "2024-01-01T00:00:00+09:00")
	cases := []struct {
		name string
		edit func(*rules.Order)
		want string
	}{
		{"target", func(*rules.Order) {}, ""},
		{"rule 1", func(o *rules.Order) { o.Status = rules.StatusNew }, "rule 1:"},
		{"rule 2", func(o *rules.Order) { o.OrderedAt = old }, "rule 2:"},
		{"rule 3", func(o *rules.Order) { o.UpdatedAt = old.AddDate(1, 0, 0) }, "rule 3:"},
		{"rule 4", func(o *rules.Order) { o.BundleParentSaleID = 7 }, "rule 4:"},
		{"1 before 2,3,4", func(o *rules.Order) {
			o.Status, o.OrderedAt, o.UpdatedAt, o.BundleParentSaleID = rules.StatusCancelled, old, old, 7
		}, "rule 1:"},
		{"2 before 3,4", func(o *rules.Order) { o.OrderedAt, o.UpdatedAt, o.BundleParentSaleID = old, old, 7 }, "rule 2:"},
		{"3 before 4", func(o *rules.Order) { o.UpdatedAt, o.BundleParentSaleID = old.AddDate(1, 0, 0), 7 }, "rule 3:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := target(t)
			c.edit(&o)
			why := rules.Exclusion(o, asOf, 3)
			if c.want == "" {
				assert.Empty(t, why)
				return
			}
			assert.True(t, strings.HasPrefix(why, c.want), why)
		})
	}
}

// ---- DeliveredWanted ----------------------------------------------------------

func TestDeliveredWanted(t *testing.T) {
	cases := []struct {
		slip, shipped string
		on, off       bool // wanted with the checkbox ON / OFF
	}{
		{"4912-1", "2026-11-19", true, true},
		{"4912-1", "", false, true},
		{"4912-1", "  ", false, true},
		{"", "2026-11-19", false, false},
		{"   ", "2026-11-19", false, false},
		{"", "", false, false},
		{" 4912-1 ", "2026-11-19", true, true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q/%q", c.slip, c.shipped), func(t *testing.T) {
			d := rules.Delivery{ID: 1, SlipNumber: c.slip, ShippedOn: c.shipped}
			assert.Equal(t, c.on, rules.DeliveredWanted(d, true), "checkbox ON")
			assert.Equal(t, c.off, rules.DeliveredWanted(d, false), "checkbox OFF")
		})
	}
}

// ---- Evaluate -----------------------------------------------------------------

func TestEvaluate(t *testing.T) {
	on := rules.Options{WindowDays: 3, RequireShipDate: true}
	off := rules.Options{WindowDays: 3, RequireShipDate: false}
	const day = "2026-11-19"
	cases := []struct {
		name    string
		oms     []rules.Delivery
		cm      colorme.Sale
		opt     rules.Options
		outcome rules.Outcome
		want    []colorme.DeliveryUpdate
		reason  string // substring of the reason, when set
	}{
		// slip number
		{name: "slip pushed, ColorMe has none (nil)",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1")}}},
		{name: "slip pushed, ColorMe has empty string",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, str(""), false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1")}}},
		{name: "slip pushed, ColorMe has another value",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-2"}}, cm: sale(cmd(1, str("A-1"), false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-2")}}},
		{name: "slip pushed trimmed",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "  A-1 \t"}}, cm: sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1")}}},
		{name: "padded OMS slip equal to ColorMe's is in sync",
			oms: []rules.Delivery{{ID: 1, SlipNumber: " A-1 "}}, cm: sale(cmd(1, str("A-1"), false)), opt: on,
			outcome: rules.OutcomeUnchanged},
		{name: "empty OMS slip never clears ColorMe's",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "", ShippedOn: day}}, cm: sale(cmd(1, str("A-1"), false)), opt: on,
			outcome: rules.OutcomeUnchanged},
		{name: "empty OMS slip never clears ColorMe's (checkbox OFF)",
			oms: []rules.Delivery{{ID: 1}}, cm: sale(cmd(1, str("A-1"), false)), opt: off,
			outcome: rules.OutcomeUnchanged},
		{name: "whitespace-only OMS slip counts as empty",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "   ", ShippedOn: day}}, cm: sale(cmd(1, str("A-1"), false)), opt: on,
			outcome: rules.OutcomeUnchanged},
		{name: "whitespace-only OMS slip is not a tracking number (checkbox OFF)",
			oms: []rules.Delivery{{ID: 1, SlipNumber: " \t "}}, cm: sale(cmd(1, nil, false)), opt: off,
			outcome: rules.OutcomeUnchanged},

		// delivered, checkbox ON
		{name: "ON: slip and ship date → slip and delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, cm: sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1"), Delivered: yes()}}},
		{name: "ON: slip already there, ship date → only delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, cm: sale(cmd(1, str("A-1"), false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, Delivered: yes()}}},
		{name: "ON: slip without ship date → slip pushed, not delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1")}}},
		{name: "ON: slip with blank ship date → slip pushed, not delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: " "}}, cm: sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1")}}},
		{name: "ON: ship date but no slip → nothing",
			oms: []rules.Delivery{{ID: 1, ShippedOn: day}}, cm: sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeUnchanged},

		// delivered, checkbox OFF
		{name: "OFF: slip alone → slip and delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, nil, false)), opt: off,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1"), Delivered: yes()}}},
		{name: "OFF: slip and ship date → slip and delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, cm: sale(cmd(1, nil, false)), opt: off,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1"), Delivered: yes()}}},
		{name: "OFF: slip already there → only delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, str("A-1"), false)), opt: off,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, Delivered: yes()}}},
		{name: "OFF: ship date but no slip → nothing",
			oms: []rules.Delivery{{ID: 1, ShippedOn: day}}, cm: sale(cmd(1, nil, false)), opt: off,
			outcome: rules.OutcomeUnchanged},

		// never un-deliver
		{name: "never delivered=false: ColorMe delivered, OMS has no slip (ON)",
			oms: []rules.Delivery{{ID: 1}}, cm: sale(cmd(1, nil, true)), opt: on,
			outcome: rules.OutcomeUnchanged},
		{name: "never delivered=false: ColorMe delivered, OMS has no slip (OFF)",
			oms: []rules.Delivery{{ID: 1}}, cm: sale(cmd(1, str("A-1"), true)), opt: off,
			outcome: rules.OutcomeUnchanged},
		{name: "never delivered=false: ColorMe delivered, OMS slip without date (ON)",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, str("A-1"), true)), opt: on,
			outcome: rules.OutcomeUnchanged},
		{name: "ColorMe delivered, new slip without date (ON) → only slip",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-2"}}, cm: sale(cmd(1, str("A-1"), true)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-2")}}},
		{name: "ColorMe delivered, slip differs (ON, shipped) → only slip, Delivered nil",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-2", ShippedOn: day}}, cm: sale(cmd(1, str("A-1"), true)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-2")}}},
		{name: "ColorMe delivered, slip differs (OFF) → only slip, Delivered nil",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-2"}}, cm: sale(cmd(1, nil, true)), opt: off,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-2")}}},

		// already in sync
		{name: "in sync (ON)",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, cm: sale(cmd(1, str("A-1"), true)), opt: on,
			outcome: rules.OutcomeUnchanged},
		{name: "in sync (OFF)",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, str("A-1"), true)), opt: off,
			outcome: rules.OutcomeUnchanged},
		{name: "in sync, slip not yet shipped (ON)",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, cm: sale(cmd(1, str("A-1"), false)), opt: on,
			outcome: rules.OutcomeUnchanged},
		{name: "OMS order with no deliveries",
			oms: nil, cm: sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeUnchanged},

		// cancelled on ColorMe
		{name: "ColorMe cancelled → skipped",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}},
			cm:  func() colorme.Sale { s := sale(cmd(1, nil, false)); s.Canceled = true; return s }(), opt: on,
			outcome: rules.OutcomeSkipped, reason: "cancelled"},
		{name: "ColorMe cancelled with send_mail → skipped, no mail",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1"}},
			cm:  func() colorme.Sale { s := sale(cmd(1, nil, false)); s.Canceled = true; return s }(),
			opt: rules.Options{WindowDays: 3, SendMail: true}, outcome: rules.OutcomeSkipped, reason: "cancelled"},
		{name: "ColorMe cancelled and unknown delivery → still skipped",
			oms: []rules.Delivery{{ID: 99, SlipNumber: "A-1"}},
			cm:  func() colorme.Sale { s := sale(cmd(1, nil, false)); s.Canceled = true; return s }(), opt: on,
			outcome: rules.OutcomeSkipped, reason: "cancelled"},

		// several deliveries
		{name: "two deliveries, one shipped one not (ON) → both slips, one delivered",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}, {ID: 2, SlipNumber: "A-2"}},
			cm:  sale(cmd(1, nil, false), cmd(2, nil, false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{
				{ID: 1, SlipNumber: str("A-1"), Delivered: yes()},
				{ID: 2, SlipNumber: str("A-2")},
			}},
		{name: "two deliveries, one with slip one without (OFF) → one update",
			oms: []rules.Delivery{{ID: 1}, {ID: 2, SlipNumber: "A-2"}},
			cm:  sale(cmd(1, nil, false), cmd(2, nil, false)), opt: off,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 2, SlipNumber: str("A-2"), Delivered: yes()}}},
		{name: "two deliveries, one in sync → only the other",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}, {ID: 2, SlipNumber: "A-2", ShippedOn: day}},
			cm:  sale(cmd(1, str("A-1"), true), cmd(2, nil, false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 2, SlipNumber: str("A-2"), Delivered: yes()}}},

		// ids that do not match
		{name: "OMS delivery ColorMe lacks → failed, nothing written",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}, {ID: 77, SlipNumber: "A-7", ShippedOn: day}},
			cm:  sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeFailed, reason: "77"},
		{name: "two OMS deliveries ColorMe lacks → both named",
			oms: []rules.Delivery{{ID: 77, SlipNumber: "A-7"}, {ID: 78}},
			cm:  sale(cmd(1, nil, false)), opt: on,
			outcome: rules.OutcomeFailed, reason: "77, 78"},
		{name: "ColorMe delivery the OMS lacks is left alone",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}},
			cm:  sale(cmd(1, nil, false), cmd(2, str("Z-9"), false)), opt: on,
			outcome: rules.OutcomeUpdated, want: []colorme.DeliveryUpdate{{ID: 1, SlipNumber: str("A-1"), Delivered: yes()}}},
		{name: "ColorMe delivery the OMS lacks, rest in sync → unchanged",
			oms: []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}},
			cm:  sale(cmd(1, str("A-1"), true), cmd(2, nil, false)), opt: on,
			outcome: rules.OutcomeUnchanged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := target(t)
			o.Deliveries = c.oms
			p := rules.Evaluate(o, c.cm, c.opt)
			assert.Equal(t, o.SaleID, p.SaleID)
			assert.Equal(t, c.outcome, p.Outcome, p.Reason)
			if len(c.want) == 0 {
				assert.Empty(t, p.Deliveries)
			} else {
				assert.Equal(t, c.want, p.Deliveries)
			}
			assert.False(t, p.SendMail, "send_mail is off or not applicable")
			assert.Equal(t, c.outcome == rules.OutcomeUpdated, p.NeedsWrite())
			if c.reason != "" {
				assert.Contains(t, p.Reason, c.reason)
			}
			for _, u := range p.Deliveries {
				if u.Delivered != nil {
					assert.True(t, *u.Delivered, "never sends delivered=false")
				}
				if u.SlipNumber != nil {
					assert.NotEmpty(t, strings.TrimSpace(*u.SlipNumber), "never clears a slip")
				}
			}
		})
	}
}

// ---- send_mail ----------------------------------------------------------------

func TestSendMail(t *testing.T) {
	const day = "2026-11-19"
	mailOn := rules.Options{WindowDays: 3, RequireShipDate: true, SendMail: true}
	mailOff := rules.Options{WindowDays: 3, RequireShipDate: true, SendMail: false}
	withState := func(s colorme.Sale, st string) colorme.Sale { s.DeliveredMailState = st; return s }
	shipped := []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}
	cases := []struct {
		name    string
		oms     []rules.Delivery
		cm      colorme.Sale
		opt     rules.Options
		mail    bool
		outcome rules.Outcome
	}{
		{"run delivers the sale, not_yet → mail", shipped, sale(cmd(1, nil, false)), mailOn, true, rules.OutcomeUpdated},
		{"run delivers the sale, only delivered flag → mail", shipped, sale(cmd(1, str("A-1"), false)), mailOn, true, rules.OutcomeUpdated},
		{"mail state null is unknown → delivered, no mail", shipped, withState(sale(cmd(1, nil, false)), ""), mailOn, false, rules.OutcomeUpdated},
		{"unknown mail state value → delivered, no mail", shipped, withState(sale(cmd(1, nil, false)), "queued"), mailOn, false, rules.OutcomeUpdated},
		{"checkbox OFF, slip alone delivers → mail", []rules.Delivery{{ID: 1, SlipNumber: "A-1"}}, sale(cmd(1, nil, false)),
			rules.Options{WindowDays: 3, SendMail: true}, true, rules.OutcomeUpdated},
		{"last delivery of two delivered by the run → mail",
			[]rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}, {ID: 2, SlipNumber: "A-2", ShippedOn: day}},
			sale(cmd(1, str("A-1"), true), cmd(2, nil, false)), mailOn, true, rules.OutcomeUpdated},
		{"both deliveries delivered by the run → mail",
			[]rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}, {ID: 2, SlipNumber: "A-2", ShippedOn: day}},
			sale(cmd(1, nil, false), cmd(2, nil, false)), mailOn, true, rules.OutcomeUpdated},

		{"option off → no mail", shipped, sale(cmd(1, nil, false)), mailOff, false, rules.OutcomeUpdated},
		{"mail state sent → no mail", shipped, withState(sale(cmd(1, nil, false)), colorme.MailSent), mailOn, false, rules.OutcomeUpdated},
		{"mail state pass → no mail", shipped, withState(sale(cmd(1, nil, false)), colorme.MailPass), mailOn, false, rules.OutcomeUpdated},
		{"already fully delivered, slip changes → no mail",
			[]rules.Delivery{{ID: 1, SlipNumber: "A-2", ShippedOn: day}}, sale(cmd(1, str("A-1"), true)), mailOn, false, rules.OutcomeUpdated},
		{"already fully delivered and in sync → no mail, no write", shipped, sale(cmd(1, str("A-1"), true)), mailOn, false, rules.OutcomeUnchanged},
		{"one delivery stays undelivered (no ship date) → no mail",
			[]rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}, {ID: 2, SlipNumber: "A-2"}},
			sale(cmd(1, nil, false), cmd(2, nil, false)), mailOn, false, rules.OutcomeUpdated},
		{"ColorMe delivery the OMS lacks stays undelivered → no mail", shipped,
			sale(cmd(1, nil, false), cmd(2, nil, false)), mailOn, false, rules.OutcomeUpdated},
		{"slip pushed but not delivered → no mail", []rules.Delivery{{ID: 1, SlipNumber: "A-1"}},
			sale(cmd(1, nil, false)), mailOn, false, rules.OutcomeUpdated},
		{"nothing to deliver → no mail", []rules.Delivery{{ID: 1}}, sale(cmd(1, nil, false)), mailOn, false, rules.OutcomeUnchanged},
		{"sale with no deliveries → no mail", nil, sale(), mailOn, false, rules.OutcomeUnchanged},
		{"cancelled → no mail", shipped,
			func() colorme.Sale { s := sale(cmd(1, nil, false)); s.Canceled = true; return s }(), mailOn, false, rules.OutcomeSkipped},
		{"failed → no mail", []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}, {ID: 9, SlipNumber: "A-9", ShippedOn: day}},
			sale(cmd(1, nil, false)), mailOn, false, rules.OutcomeFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := target(t)
			o.Deliveries = c.oms
			p := rules.Evaluate(o, c.cm, c.opt)
			assert.Equal(t, c.mail, p.SendMail)
			assert.Equal(t, c.outcome, p.Outcome, p.Reason)
			if p.SendMail {
				after := apply(t, c.cm, p)
				assert.False(t, c.cm.AllDelivered(), "not delivered before")
				assert.True(t, after.AllDelivered(), "delivered after")
				// the mail goes once: the rerun sends none.
				p2 := rules.Evaluate(o, after, c.opt)
				assert.False(t, p2.SendMail)
				assert.False(t, p2.NeedsWrite())
			}
		})
	}
}

// TestMailStateNull: ColorMe's documented example sale shows
// delivered_mail_state null. It is read as unknown: the run delivers the sale but
// sends no mail (it may have gone; a mail is never sent twice), and says why.
func TestMailStateNull(t *testing.T) {
	o := target(t)
	o.Deliveries = []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: "2026-11-19"}}
	s := sale(cmd(1, nil, false))
	s.DeliveredMailState = ""
	p := rules.Evaluate(o, s, rules.Options{WindowDays: 3, RequireShipDate: true, SendMail: true})
	assert.Equal(t, rules.OutcomeUpdated, p.Outcome)
	require.Len(t, p.Deliveries, 1)
	assert.False(t, p.SendMail)
	assert.Contains(t, p.Reason, "delivered_mail_state null")
	assert.Contains(t, p.Reason, "send it from ColorMe's order screen")
	o.MailOwed = true
	assert.False(t, rules.Evaluate(o, apply(t, s, p), rules.Options{WindowDays: 3, SendMail: true}).SendMail, "owed or not, null sends nothing")
	// With send_mail off nothing is said about the mail.
	p = rules.Evaluate(o, s, rules.Options{WindowDays: 3, RequireShipDate: true})
	assert.Empty(t, p.Reason)
}

// TestMailOwed: an earlier run turned the sale delivered but its mail failed
// (the ledger has it owed, not sent). With send_mail on and ColorMe still
// not_yet, the next run plans the mail alone; otherwise nothing.
func TestMailOwed(t *testing.T) {
	const day = "2026-11-19"
	mailOn := rules.Options{WindowDays: 3, RequireShipDate: true, SendMail: true}
	delivered := sale(cmd(1, str("A-1"), true))
	withState := func(s colorme.Sale, st string) colorme.Sale { s.DeliveredMailState = st; return s }
	cases := []struct {
		name  string
		owed  bool
		oms   []rules.Delivery
		cm    colorme.Sale
		opt   rules.Options
		mail  bool
		write bool
	}{
		{"owed, delivered, not_yet → mail only", true, []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, delivered, mailOn, true, false},
		{"owed, slip corrected too → write and mail", true, []rules.Delivery{{ID: 1, SlipNumber: "A-2", ShippedOn: day}}, delivered, mailOn, true, true},
		{"not owed (delivered by someone else) → nothing", false, []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, delivered, mailOn, false, false},
		{"owed but send_mail off → nothing", true, []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, delivered,
			rules.Options{WindowDays: 3, RequireShipDate: true}, false, false},
		{"owed, ColorMe says sent → nothing", true, []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, withState(delivered, colorme.MailSent), mailOn, false, false},
		{"owed, ColorMe says pass → nothing", true, []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}}, withState(delivered, colorme.MailPass), mailOn, false, false},
		{"owed, not all delivered on ColorMe → nothing", true, []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}},
			sale(cmd(1, str("A-1"), true), cmd(2, nil, false)), mailOn, false, false},
		{"owed, cancelled on ColorMe → skipped", true, []rules.Delivery{{ID: 1, SlipNumber: "A-1", ShippedOn: day}},
			func() colorme.Sale { s := delivered; s.Canceled = true; return s }(), mailOn, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := target(t)
			o.Deliveries, o.MailOwed = c.oms, c.owed
			p := rules.Evaluate(o, c.cm, c.opt)
			assert.Equal(t, c.mail, p.SendMail)
			assert.Equal(t, c.write, len(p.Deliveries) > 0)
			if c.mail {
				assert.Equal(t, rules.OutcomeUpdated, p.Outcome)
				assert.True(t, p.NeedsWrite())
			}
		})
	}
}

// ---- rerun property -------------------------------------------------------------

var (
	omsSlips  = []string{"", "", "  ", "A-1", "A-2", " A-1 ", "B-7"}
	cmSlips   = []*string{nil, nil, str(""), str("A-1"), str("A-2"), str("B-7")}
	shipDates = []string{"", "", " ", "2026-11-19"}
	mailState = []string{"", colorme.MailNotYet, colorme.MailNotYet, colorme.MailSent, colorme.MailPass}
)

func randomCase(r *rand.Rand, saleID int64) (rules.Order, colorme.Sale, rules.Options) {
	o := rules.Order{SaleID: saleID, Status: rules.StatusShipped}
	s := colorme.Sale{ID: saleID, Canceled: r.Intn(20) == 0, DeliveredMailState: mailState[r.Intn(len(mailState))]}
	n := 1 + r.Intn(3)
	for i := range n {
		id := saleID*10 + int64(i)
		inOMS, inCM := true, true
		switch r.Intn(12) {
		case 0:
			inCM = false // OMS has it, ColorMe lacks → failed
		case 1, 2:
			inOMS = false // ColorMe has it, OMS lacks → left alone
		}
		if inOMS {
			o.Deliveries = append(o.Deliveries, rules.Delivery{
				ID: id, SlipNumber: omsSlips[r.Intn(len(omsSlips))], ShippedOn: shipDates[r.Intn(len(shipDates))],
			})
		}
		if inCM {
			s.SaleDeliveries = append(s.SaleDeliveries, colorme.SaleDelivery{
				ID: id, SaleID: saleID, SlipNumber: cmSlips[r.Intn(len(cmSlips))], Delivered: r.Intn(3) == 0,
			})
		}
	}
	r.Shuffle(len(o.Deliveries), func(i, j int) { o.Deliveries[i], o.Deliveries[j] = o.Deliveries[j], o.Deliveries[i] })
	s.Delivered = s.AllDelivered()
	opt := rules.Options{WindowDays: 3, SendMail: r.Intn(2) == 0}
	return o, s, opt
}

func TestRerunIsNoop(t *testing.T) {
	for _, checkbox := range []bool{true, false} {
		t.Run(fmt.Sprintf("require_ship_date=%v", checkbox), func(t *testing.T) {
			r := rand.New(rand.NewSource(20261120))
			counts := map[rules.Outcome]int{}
			mails := 0
			for i := range 500 {
				o, s, opt := randomCase(r, int64(1000+i))
				opt.RequireShipDate = checkbox
				p := rules.Evaluate(o, s, opt)
				counts[p.Outcome]++
				if p.SendMail {
					mails++
				}
				desc := fmt.Sprintf("case %d: order %+v sale %+v opt %+v plan %+v", i, o, s, opt, p)

				// invariants of the first plan
				switch p.Outcome {
				case rules.OutcomeSkipped:
					require.True(t, s.Canceled, desc)
					require.False(t, p.NeedsWrite(), desc)
				case rules.OutcomeFailed:
					require.False(t, s.Canceled, desc)
					require.False(t, p.NeedsWrite(), desc)
					require.NotEmpty(t, p.Reason, desc)
				case rules.OutcomeUpdated:
					require.NotEmpty(t, p.Deliveries, desc)
				case rules.OutcomeUnchanged:
					require.False(t, p.NeedsWrite(), desc)
				default:
					t.Fatalf("unknown outcome %q: %s", p.Outcome, desc)
				}
				seen := map[int64]bool{}
				for _, u := range p.Deliveries {
					require.False(t, seen[u.ID], "one update per delivery: %s", desc)
					seen[u.ID] = true
					require.True(t, u.SlipNumber != nil || u.Delivered != nil, "empty update: %s", desc)
					if u.Delivered != nil {
						require.True(t, *u.Delivered, "delivered=false sent: %s", desc)
					}
					if u.SlipNumber != nil {
						require.NotEmpty(t, *u.SlipNumber, "slip cleared: %s", desc)
						require.Equal(t, strings.TrimSpace(*u.SlipNumber), *u.SlipNumber, desc)
					}
				}

				after := apply(t, s, p)

				// after the write ColorMe shows what the rules want
				if p.Outcome == rules.OutcomeUpdated || p.Outcome == rules.OutcomeUnchanged {
					byID := map[int64]colorme.SaleDelivery{}
					for _, d := range after.SaleDeliveries {
						byID[d.ID] = d
					}
					for _, d := range o.Deliveries {
						cm := byID[d.ID]
						if slip := strings.TrimSpace(d.SlipNumber); slip != "" {
							require.Equal(t, slip, cm.Slip(), desc)
						}
						if rules.DeliveredWanted(d, checkbox) {
							require.True(t, cm.Delivered, desc)
						}
					}
					for i, d := range s.SaleDeliveries {
						if d.Delivered {
							require.True(t, after.SaleDeliveries[i].Delivered, "un-delivered: %s", desc)
						}
						if d.Slip() != "" {
							require.NotEmpty(t, after.SaleDeliveries[i].Slip(), "slip cleared: %s", desc)
						}
					}
				} else {
					require.Equal(t, s, after, desc)
				}
				// send_mail exactly when the run turns the sale delivered
				wantMail := opt.SendMail && p.Outcome == rules.OutcomeUpdated && !s.AllDelivered() && after.AllDelivered() &&
					s.DeliveredMailState == colorme.MailNotYet
				require.Equal(t, wantMail, p.SendMail, desc)

				// the rerun writes nothing
				p2 := rules.Evaluate(o, after, opt)
				require.False(t, p2.NeedsWrite(), "rerun writes: %s rerun %+v", desc, p2)
				require.Empty(t, p2.Deliveries, desc)
				require.False(t, p2.SendMail, desc)
				switch p.Outcome {
				case rules.OutcomeSkipped, rules.OutcomeFailed:
					require.Equal(t, p.Outcome, p2.Outcome, desc)
				default:
					require.Equal(t, rules.OutcomeUnchanged, p2.Outcome, desc)
				}
			}
			// the generator reaches every outcome and both mail decisions
			for _, k := range []rules.Outcome{rules.OutcomeUpdated, rules.OutcomeUnchanged, rules.OutcomeSkipped, rules.OutcomeFailed} {
				assert.Positive(t, counts[k], "outcome %s never generated: %v", k, counts)
			}
			assert.Positive(t, mails, "no plan sent mail")
			t.Logf("outcomes %v, mails %d", counts, mails)
		})
	}
}
