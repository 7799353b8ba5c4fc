package rules_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// TestExcludeNamesItsRule: each rule's exclusion carries its number, and the
// reason (what Exclusion returns) starts with the same "rule N: ".
func TestExcludeNamesItsRule(t *testing.T) {
	asOf := time.Date(2026, 12, 6, 12, 0, 0, 0, rules.Tokyo)
	recent := asOf.Add(-time.Hour)
	target := rules.Order{SaleID: 1, Status: rules.StatusShipped, OrderedAt: recent, UpdatedAt: recent}
	for want, o := range map[int]rules.Order{
		0: target,
		1: {SaleID: 1, Status: rules.StatusNew, OrderedAt: recent, UpdatedAt: recent},
		2: {SaleID: 1, Status: rules.StatusShipped, OrderedAt: asOf.AddDate(-2, 0, 0), UpdatedAt: recent},
		3: {SaleID: 1, Status: rules.StatusShipped, OrderedAt: recent.AddDate(0, 0, -10), UpdatedAt: recent.AddDate(0, 0, -10)},
		4: {SaleID: 2, Status: rules.StatusShipped, OrderedAt: recent, UpdatedAt: recent, BundleParentSaleID: 1},
	} {
		x := rules.Exclude(o, asOf, 3)
		assert.Equal(t, want, x.Rule, "%+v", o)
		assert.Equal(t, x.Reason, rules.Exclusion(o, asOf, 3))
		if want == 0 {
			assert.Empty(t, x.Reason)
		} else {
			assert.True(t, strings.HasPrefix(x.Reason, fmt.Sprintf("rule %d: ", want)), x.Reason)
		}
	}
}
