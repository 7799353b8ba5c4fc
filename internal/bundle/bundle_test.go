package bundle_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/bundle"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

var asOf = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

// order is an unshipped order of 山田 太郎 to his home by method 1, placed daysAgo.
func order(sale int64, daysAgo int, edit ...func(*bundle.Order)) bundle.Order {
	o := bundle.Order{SaleID: sale, Status: rules.StatusAwaitingShipment, OrderedAt: asOf.Add(-time.Duration(daysAgo) * 24 * time.Hour),
		Customer: "山田 太郎", Destinations: []bundle.Destination{{MethodID: 1, Name: "山田 太郎", Postal: "4313597",
			Pref: "静岡県", Address1: "浜松市浜名区三ヶ日町1-2-3", Address2: "コーポ富士 101"}}}
	for _, e := range edit {
		e(&o)
	}
	return o
}

func dest(f func(*bundle.Destination)) func(*bundle.Order) {
	return func(o *bundle.Order) { f(&o.Destinations[0]) }
}

func TestCandidates(t *testing.T) {
	cases := []struct {
		name   string
		orders []bundle.Order
		want   []bundle.Group // Why is checked apart
	}{
		{name: "same customer and destination: the oldest is the parent",
			orders: []bundle.Order{order(103, 1), order(101, 3), order(102, 2)},
			want:   []bundle.Group{{Parent: 101, Sales: []int64{101, 102, 103}}}},
		{name: "full-width, spaces and hyphens are the same address",
			orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) { o.Customer = "山田　太郎" }, dest(func(d *bundle.Destination) {
				d.Name, d.Postal, d.Address1, d.Address2 = "山田太郎", "〒431-3597", "浜松市浜名区三ヶ日町１ー２ー３", "コーポ富士101"
			}))},
			want: []bundle.Group{{Parent: 101, Sales: []int64{101, 102}}}},
		{name: "an existing bundle's parent stays the parent",
			orders: []bundle.Order{order(101, 3), order(102, 2, func(o *bundle.Order) { o.BundleParent = 102 }), order(103, 1)},
			want:   []bundle.Group{{Parent: 102, Sales: []int64{101, 102, 103}, Existing: true}}},
		{name: "a second bundle parent is left out", // it heads a bundle of its own
			orders: []bundle.Order{order(101, 3, func(o *bundle.Order) { o.BundleParent = 101 }), order(102, 2, func(o *bundle.Order) { o.BundleParent = 102 }), order(103, 1)},
			want:   []bundle.Group{{Parent: 101, Sales: []int64{101, 103}, Existing: true}}},
		{name: "two groups, newest first",
			orders: []bundle.Order{order(101, 3), order(102, 2), order(201, 2, dest(func(d *bundle.Destination) { d.Address1 = "浜松市中央区1-1" })),
				order(202, 1, dest(func(d *bundle.Destination) { d.Address1 = "浜松市中央区1-1" }))},
			want: []bundle.Group{{Parent: 201, Sales: []int64{201, 202}}, {Parent: 101, Sales: []int64{101, 102}}}},

		// Orders that must not be proposed.
		{name: "cancelled", orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) { o.Status = rules.StatusCancelled })}},
		{name: "cancelled on ColorMe", orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) { o.ColormeCanceled = true })}},
		{name: "already shipped (status)", orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) { o.Status = rules.StatusShipped })}},
		{name: "completed", orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) { o.Status = rules.StatusCompleted })}},
		{name: "already shipped (tracking number)", orders: []bundle.Order{order(101, 2), order(102, 1, dest(func(d *bundle.Destination) { d.SlipNumber = "4912-0000-0001" }))}},
		{name: "already shipped (ship date)", orders: []bundle.Order{order(101, 2), order(102, 1, dest(func(d *bundle.Destination) { d.ShippedOn = "2026-12-05" }))}},
		{name: "different address", orders: []bundle.Order{order(101, 2), order(102, 1, dest(func(d *bundle.Destination) { d.Address2 = "コーポ富士 102" }))}},
		{name: "different postal code", orders: []bundle.Order{order(101, 2), order(102, 1, dest(func(d *bundle.Destination) { d.Postal = "4313598" }))}},
		{name: "different recipient", orders: []bundle.Order{order(101, 2), order(102, 1, dest(func(d *bundle.Destination) { d.Name = "山田 花子" }))}},
		{name: "different customer", orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) { o.Customer = "山田 花子" })}},
		{name: "different delivery method", orders: []bundle.Order{order(101, 2), order(102, 1, dest(func(d *bundle.Destination) { d.MethodID = 2 }))}},
		{name: "ordered before the window", orders: []bundle.Order{order(101, 8), order(102, 1)}},
		{name: "already bundled elsewhere", orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) { o.BundleParent = 99 })}},
		{name: "already one bundle", orders: []bundle.Order{order(101, 2, func(o *bundle.Order) { o.BundleParent = 101 }), order(102, 1, func(o *bundle.Order) { o.BundleParent = 101 })}},
		{name: "two destinations", orders: []bundle.Order{order(101, 2), order(102, 1, func(o *bundle.Order) {
			o.Destinations = append(o.Destinations, o.Destinations[0])
		})}},
		{name: "no address", orders: []bundle.Order{order(101, 2, dest(func(d *bundle.Destination) { d.Address1 = "" })),
			order(102, 1, dest(func(d *bundle.Destination) { d.Address1 = "" }))}},
		{name: "a lone order", orders: []bundle.Order{order(101, 2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := bundle.Candidates(c.orders, asOf, bundle.DefaultWindowDays)
			for i := range got {
				assert.Contains(t, got[i].Why, "直近7日以内")
				got[i].Why = ""
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestNotProposedSaysWhy(t *testing.T) {
	cases := []struct {
		o    bundle.Order
		want string
	}{
		{order(1, 1), ""},
		{order(1, 1, func(o *bundle.Order) { o.Status = rules.StatusCancelled }), "キャンセル"},
		{order(1, 1, func(o *bundle.Order) { o.Status = rules.StatusShipped }), "出荷済み"},
		{order(1, 1, dest(func(d *bundle.Destination) { d.SlipNumber = "1" })), "伝票番号"},
		{order(1, 1, func(o *bundle.Order) { o.BundleParent = 9 }), "親注文 9"},
		{order(1, 10), "直近7日"},
	}
	for _, c := range cases {
		got := bundle.NotProposed(c.o, asOf, bundle.DefaultWindowDays)
		if c.want == "" {
			assert.Empty(t, got)
			continue
		}
		assert.Contains(t, got, c.want)
	}
}

func TestWhyNamesTheRuleAndTheDates(t *testing.T) {
	g := bundle.Candidates([]bundle.Order{order(101, 3), order(102, 1)}, asOf, 5)
	require.Len(t, g, 1)
	assert.Equal(t, "購入者・お届け先 (氏名・郵便番号・住所)・配送方法が同じ未発送の受注です。注文日時 12/3 12:00〜12/5 12:00 (直近5日以内)。親注文は最も古い受注です。", g[0].Why)
	assert.Equal(t, []int64{102}, g[0].Children(101))
	assert.Equal(t, []int64{101}, g[0].Children(102))
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"〒431-3597":       "4313597",
		"４３１－３５９７":        "4313597",
		"三ヶ日町1ー2ー3":       "三ヶ日町123",
		"コーポ 富士":          "コーポ富士",
		"ｺｰﾎﾟ富士":          "コーポ富士",
		"ＡＢＣ　ﾏﾝｼｮﾝ 1‐101": "abcマンション1101",
		"1－2−3 – 4—5":     "12345",
	} {
		assert.Equal(t, want, bundle.Normalize(in), in)
	}
}
