package importflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

// TestShipmentsCSV applies shipping-results files to imported orders on
// PostgreSQL: accepted encodings and layouts are applied, and any bad row
// rejects the whole file with every problem reported by line, nothing applied.
func TestShipmentsCSV(t *testing.T) {
	t.Parallel()
	stack := teststack.New(t)
	shop := stack.AddShop(t, "csv")
	sales := genSales(10, 800001, time.Now(), 9)
	stack.Sandbox.Seed(sales...)
	importNow(t, stack, workflows.OrderImportInput{ShopID: shop})
	for _, s := range sales {
		setStatus(t, stack.Store, shop, s.ID, rules.StatusAwaitingShipment)
	}
	id := func(i int) string { return itoa(sales[i].ID) }
	two := sales[9] // two deliveries
	d1, d2 := itoa(two.SaleDeliveries[0].ID), itoa(two.SaleDeliveries[1].ID)
	day := today()
	slash := strings.ReplaceAll(day, "-", "/")

	sjis := func(s string) []byte {
		b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
		require.NoError(t, err)
		return b
	}
	good := []struct {
		name string
		data []byte
		want map[int]string // sale index → tracking number of its first delivery
	}{
		{"Shift_JIS, Japanese header, CRLF, quoted fields", sjis("受注番号,お届け先ID,伝票番号,出荷日,備考\r\n" +
			id(0) + ",,\"4912-0000-0001\"," + slash + ",\"割れ物, 注意\"\r\n" +
			"\"" + itoa(two.ID) + "\",\"" + d2 + "\",4912-0000-0092," + day + ",\"二行の\r\n備考\"\r\n"), map[int]string{0: "4912-0000-0001"}},
		{"UTF-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, []byte("sale_id,tracking_number,ship_date\n"+id(1)+",AB123456789JP,"+day+"\n")...), map[int]string{1: "AB123456789JP"}},
		{"no header, 4 columns, exact duplicate rows", []byte(id(2) + ",," + "T-2," + day + "\r\n" + id(2) + ",," + "T-2," + day + "\r\n" + itoa(two.ID) + "," + d1 + ",T-91,\r\n"), map[int]string{2: "T-2", 9: "T-91"}},
	}
	for _, c := range good {
		rep, problems := applyCSV(t, stack.Store, shop, c.data, false)
		require.Empty(t, problems, c.name)
		assert.True(t, rep.Applied, c.name)
		for i, tn := range c.want {
			assert.Equal(t, tn, order(t, stack.Store, shop, sales[i].ID).Deliveries[0].SlipNumber, c.name)
		}
	}
	o := order(t, stack.Store, shop, two.ID)
	assert.Equal(t, "4912-0000-0092", o.Deliveries[1].SlipNumber)
	assert.Equal(t, day, o.Deliveries[1].ShippedOn)
	assert.Equal(t, "", o.Deliveries[0].ShippedOn, "no ship date in the file: none set")

	before := orders(t, stack.Store, shop)
	bad := []struct {
		name  string
		data  string
		lines []int
		says  string
	}{
		{"bad date among good rows", "sale_id,tracking_number,ship_date\n" + id(3) + ",T-3," + day + "\n" + id(4) + ",T-4,2026-02-30\n" + id(5) + ",T-5,\n", []int{3}, "not a date"},
		{"unknown sale", "sale_id,tracking_number\n" + id(3) + ",T-3\n999999,T-X\n", []int{3}, "sale 999999 is not an order"},
		{"conflicting tracking numbers for one delivery", "sale_id,tracking_number\n" + id(3) + ",T-3\n" + id(3) + ",T-3b\n", []int{2, 3}, "one delivery takes one tracking number"},
		{"several tracking numbers in one cell", "sale_id,tracking_number\n" + id(3) + ",\"T-3,T-3b\"\n", []int{2}, "several tracking numbers in one cell"},
		{"sale with two deliveries without delivery id", "sale_id,tracking_number\n" + itoa(two.ID) + ",T-9\n", []int{2}, "put the sale_delivery id"},
		{"empty file", "", []int{0}, "empty"},
		{"header only", "受注番号,伝票番号\r\n", []int{0}, "no rows"},
		{"several problems at once", "sale_id,tracking_number,ship_date\nabc,T,\n" + id(3) + ",,\n" + id(4) + ",T-4,2026-13-01\n888888,T-8,\n", []int{2, 3, 4, 5}, ""},
	}
	for _, c := range bad {
		rep, problems := applyCSV(t, stack.Store, shop, []byte(c.data), false)
		assert.False(t, rep.Applied, c.name)
		var lines []int
		text := ""
		for _, p := range problems {
			lines = append(lines, p.Line)
			text += p.Message + "\n"
		}
		assert.ElementsMatch(t, c.lines, lines, "%s: %s", c.name, text)
		assert.Contains(t, text, c.says, c.name)
		assert.Equal(t, before, orders(t, stack.Store, shop), "%s: nothing may be half-applied", c.name)
	}
}
