// Package bundle proposes 同梱候補 (orders that could ship together): unshipped
// orders of the same customer going to the same destination by the same delivery
// method, placed within a window. It is pure: the console reads the orders and
// bundles a proposal with the store's one bundle operation (oms.Store.Bundle).
package bundle

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// DefaultWindowDays is how far back candidates are looked for when staff choose
// nothing: orders placed within the last 7 days.
const DefaultWindowDays = 7

// MaxWindowDays bounds the window staff may choose.
const MaxWindowDays = 31

// Order is an order as the candidate rules see it.
type Order struct {
	SaleID          int64
	Status          string // an OMS status (rules.Status*)
	OrderedAt       time.Time
	BundleParent    int64 // 0 = not bundled; SaleID = the parent of a bundle
	ColormeCanceled bool
	Customer        string // 購入者名
	Destinations    []Destination
}

// Destination is one delivery of an order with where it goes.
type Destination struct {
	MethodID                               int64 // 配送方法
	Name, Postal, Pref, Address1, Address2 string
	SlipNumber, ShippedOn                  string
}

// Group is one proposal: orders that could ship together.
type Group struct {
	Parent   int64   // the parent by rule: an existing bundle's parent, else the oldest order
	Sales    []int64 // every order of the group, oldest first, the parent included
	Existing bool    // Parent already heads a bundle; the others would join it
	Why      string  // why these orders match, in staff's words
}

// Children are the group's orders other than parent.
func (g Group) Children(parent int64) []int64 {
	var out []int64
	for _, s := range g.Sales {
		if s != parent {
			out = append(out, s)
		}
	}
	return out
}

// Has reports whether sale is in the group.
func (g Group) Has(sale int64) bool { return slices.Contains(g.Sales, sale) }

// NotProposed says why o is never proposed at asOf with a window of days, in
// staff's words, or "" when it may be.
func NotProposed(o Order, asOf time.Time, days int) string {
	switch {
	case o.Status == rules.StatusCancelled || o.ColormeCanceled:
		return "キャンセルされています"
	case o.Status == rules.StatusShipped || o.Status == rules.StatusCompleted:
		return "出荷済みです"
	case o.BundleParent != 0 && o.BundleParent != o.SaleID:
		return fmt.Sprintf("すでに親注文 %d に同梱されています", o.BundleParent)
	case len(o.Destinations) != 1:
		return "お届け先が1件ではありません (複数のお届け先がある受注は手で同梱してください)"
	case o.OrderedAt.Before(asOf.Add(-time.Duration(days) * 24 * time.Hour)):
		return fmt.Sprintf("注文日時が直近%d日より前です", days)
	}
	d := o.Destinations[0]
	switch {
	case d.SlipNumber != "" || d.ShippedOn != "":
		return "伝票番号または出荷日が登録済み (出荷済み) です"
	case Normalize(d.Name) == "" || Normalize(d.Address1) == "":
		return "お届け先の氏名または住所がありません"
	}
	return ""
}

// key is what members of a group share: the customer, the destination
// (name, postal code, address, normalised) and the delivery method.
type key struct {
	customer, name, postal, address string
	method                          int64
}

func keyOf(o Order) key {
	d := o.Destinations[0]
	return key{customer: Normalize(o.Customer), name: Normalize(d.Name), postal: Normalize(d.Postal),
		address: Normalize(d.Pref + d.Address1 + d.Address2), method: d.MethodID}
}

// Candidates groups the orders that could ship together at asOf, looking back
// days: every order of a group passes NotProposed and shares the customer, the
// destination and the delivery method. A group has at least one order that is not
// bundled yet besides its parent. Groups come newest order first.
func Candidates(orders []Order, asOf time.Time, days int) []Group {
	byKey := map[key][]Order{}
	var keys []key
	for _, o := range orders {
		if NotProposed(o, asOf, days) != "" {
			continue
		}
		k := keyOf(o)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], o)
	}
	var out []Group
	for _, k := range keys {
		if g, ok := group(byKey[k], days); ok {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(b.Sales[len(b.Sales)-1], a.Sales[len(a.Sales)-1]) })
	return out
}

// group makes one proposal of orders sharing a key: the parent is the oldest
// bundle parent among them (other bundle parents, which head bundles of their
// own, are left out), else the oldest order.
func group(members []Order, days int) (Group, bool) {
	slices.SortFunc(members, func(a, b Order) int {
		return cmp.Or(a.OrderedAt.Compare(b.OrderedAt), cmp.Compare(a.SaleID, b.SaleID))
	})
	var g Group
	for _, o := range members {
		if o.BundleParent == o.SaleID {
			if g.Existing {
				continue
			}
			g.Parent, g.Existing = o.SaleID, true
		}
		g.Sales = append(g.Sales, o.SaleID)
	}
	if len(g.Sales) < 2 {
		return Group{}, false
	}
	if !g.Existing {
		g.Parent = g.Sales[0]
	}
	first, last := members[0].OrderedAt.In(rules.Tokyo), members[len(members)-1].OrderedAt.In(rules.Tokyo)
	g.Why = fmt.Sprintf("購入者・お届け先 (氏名・郵便番号・住所)・配送方法が同じ未発送の受注です。注文日時 %s〜%s (直近%d日以内)。",
		first.Format("1/2 15:04"), last.Format("1/2 15:04"), days)
	if g.Existing {
		g.Why += fmt.Sprintf("受注 %d はすでに同梱の親注文です。", g.Parent)
	} else {
		g.Why += "親注文は最も古い受注です。"
	}
	return g, true
}

// Normalize is how names and addresses are compared: NFKC (full- and
// half-width letters, digits and kana alike), lower case, and without spaces,
// hyphens, dashes and 〒. A long-vowel mark (ー) between digits is a hyphen too,
// as in 「1ー2ー3」.
func Normalize(s string) string {
	rs := []rune(norm.NFKC.String(s))
	var b strings.Builder
	for i, r := range rs {
		switch {
		case unicode.IsSpace(r), r == '〒', unicode.Is(unicode.Pd, r), r == '−', r == '‐':
			continue
		case r == 'ー' && i > 0 && i < len(rs)-1 && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]):
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
