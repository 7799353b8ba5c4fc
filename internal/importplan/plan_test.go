package importplan_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/importplan"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

var (
	ordered = time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
	before  = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	now     = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
)

func dest(id int64) importplan.Delivery {
	return importplan.Delivery{ID: id, MethodID: 1, Name: "山田 花子", PrefName: "東京都", Address1: "1-2-3",
		Postal: "100-0001", Tel: "03-0000-0000"}
}

// sale is ColorMe's sale 7 with one delivery, as the order below has it.
func sale() importplan.Sale {
	return importplan.Sale{SaleID: 7, OrderedAt: ordered, Deliveries: []importplan.Delivery{dest(1)},
		Customer: importplan.Customer{Name: "山田 花子", Mail: "h@example.com"}, PaymentID: 2,
		Totals: importplan.Totals{ProductTotal: 1000, Total: 1000}, Items: []importplan.Item{{ID: 11, DeliveryID: 1, Name: "茶", Quantity: 1, Price: 1000, Subtotal: 1000}}}
}

// order is the OMS's order of sale(), imported before: nothing new.
func order(status string) (importplan.Order, []importplan.StoredDelivery, []importplan.Item) {
	s := sale()
	o := importplan.Order{SaleID: 7, Status: status, OrderedAt: ordered, UpdatedAt: before, FullImport: true,
		Customer: s.Customer, PaymentID: s.PaymentID, Totals: s.Totals}
	return o, []importplan.StoredDelivery{{Delivery: dest(1)}}, s.Items
}

func TestNew(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(*importplan.Sale)
		status  string
		reasons []string
		parent  *int64
	}{
		{"new sale: 新規受付", func(*importplan.Sale) {}, rules.StatusNew, nil, nil},
		{"already cancelled: キャンセル", func(s *importplan.Sale) { s.Canceled = true }, rules.StatusCancelled,
			[]string{"already cancelled on ColorMe: created as キャンセル"}, nil},
		{"split from another sale", func(s *importplan.Sale) { s.ParentSaleID = 5 }, rules.StatusNew,
			[]string{"split from sale 5 (分割受注)"}, ptr(5)},
		{"parent id is its own: not split", func(s *importplan.Sale) { s.ParentSaleID = 7 }, rules.StatusNew, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sale()
			c.edit(&s)
			p := importplan.New(s, now)
			assert.Equal(t, importplan.Created, p.Outcome)
			assert.True(t, p.Create)
			assert.Equal(t, c.status, p.Order.Status)
			assert.Equal(t, now, p.Order.UpdatedAt)
			assert.True(t, p.Order.FullImport)
			assert.Equal(t, c.parent, p.Order.ColormeParentSaleID)
			assert.Equal(t, c.reasons, p.Reasons)
			assert.Equal(t, s.Deliveries, p.AddDeliveries)
			assert.True(t, p.SetItems)
		})
	}
}

func TestUpdate(t *testing.T) {
	shipped := func(o *importplan.Order, d []importplan.StoredDelivery) { d[0].SlipNumber = "1234-5678-9012" }
	cases := []struct {
		name     string
		status   string
		editO    func(*importplan.Order, []importplan.StoredDelivery)
		editS    func(*importplan.Sale)
		outcome  rules.Outcome
		reasons  []string
		touched  bool
		update   bool
		status2  string // status after; "" = unchanged
		flagged  bool
		adds     int
		updates  int
		removals []int64
	}{
		{name: "nothing new: not written", status: rules.StatusProcessing, outcome: importplan.Unchanged},
		{name: "cancelled on ColorMe → キャンセル", status: rules.StatusProcessing,
			editS: func(s *importplan.Sale) { s.Canceled = true }, outcome: importplan.Cancelled, touched: true, update: true,
			status2: rules.StatusCancelled, reasons: []string{"cancelled on ColorMe: 処理中 (processing) → キャンセル"}},
		{name: "cancelled after the OMS shipped it: kept and flagged", status: rules.StatusProcessing, editO: shipped,
			editS: func(s *importplan.Sale) { s.Canceled = true }, outcome: importplan.Flagged, update: true, flagged: true,
			reasons: []string{"cancelled on ColorMe after the OMS shipped it (delivery 1 has tracking number 1234-5678-9012): the order was kept; check with the customer and the carrier, then set its status"}},
		{name: "cancelled, status 出荷済み: kept and flagged", status: rules.StatusShipped,
			editS: func(s *importplan.Sale) { s.Canceled = true }, outcome: importplan.Flagged, update: true, flagged: true,
			reasons: []string{"cancelled on ColorMe after the OMS shipped it (status 出荷済み (shipped)): the order was kept; check with the customer and the carrier, then set its status"}},
		{name: "cancelled, already キャンセル in the OMS", status: rules.StatusCancelled,
			editS: func(s *importplan.Sale) { s.Canceled = true }, outcome: importplan.Updated, update: true,
			reasons: []string{"cancelled on ColorMe (already キャンセル in the OMS)"}},
		{name: "cancellation withdrawn, order キャンセル: flagged, status kept", status: rules.StatusCancelled,
			editO:   func(o *importplan.Order, _ []importplan.StoredDelivery) { o.ColormeCanceled = true },
			outcome: importplan.Flagged, update: true, flagged: true,
			reasons: []string{"the cancellation was withdrawn on ColorMe but the order stays キャンセル in the OMS: set its status if it should ship"}},
		{name: "order date changed: updated_at moves", status: rules.StatusNew,
			editS:   func(s *importplan.Sale) { s.OrderedAt = ordered.Add(time.Hour) },
			outcome: importplan.Updated, touched: true, update: true,
			reasons: []string{"order date 2026-11-01 10:00:00 → 2026-11-01 11:00:00"}},
		{name: "memo changed: written, updated_at stays", status: rules.StatusNew,
			editS: func(s *importplan.Sale) { s.Memo = "置き配" }, outcome: importplan.Updated, update: true,
			reasons: []string{"order details changed on ColorMe: memo"}},
		{name: "line items alone: rewritten, outcome unchanged", status: rules.StatusNew,
			editS: func(s *importplan.Sale) { s.Items[0].Quantity = 2 }, outcome: importplan.Unchanged},
		{name: "delivery added", status: rules.StatusNew,
			editS:   func(s *importplan.Sale) { s.Deliveries = append(s.Deliveries, dest(2)) },
			outcome: importplan.Updated, touched: true, update: true, adds: 1,
			reasons: []string{"delivery 2 added (山田 花子 東京都)"}},
		{name: "delivery removed", status: rules.StatusNew,
			editO: func(o *importplan.Order, d []importplan.StoredDelivery) {}, editS: func(s *importplan.Sale) { s.Deliveries = nil },
			outcome: importplan.Updated, touched: true, update: true, removals: []int64{1},
			reasons: []string{"delivery 1 removed on ColorMe"}},
		{name: "shipped delivery removed on ColorMe: kept and flagged", status: rules.StatusNew, editO: shipped,
			editS: func(s *importplan.Sale) { s.Deliveries = nil }, outcome: importplan.Flagged, update: true, flagged: true,
			reasons: []string{`delivery 1 was removed on ColorMe but holds tracking number "1234-5678-9012" / ship date "" in the OMS: check the sale on ColorMe; the export fails for this order until the delivery ids agree`}},
		{name: "address changed", status: rules.StatusNew,
			editS:   func(s *importplan.Sale) { s.Deliveries[0].PrefName = "大阪府" },
			outcome: importplan.Updated, touched: true, update: true, updates: 1,
			reasons: []string{"delivery 1: prefecture 東京都 → 大阪府"}},
		{name: "address changed after shipping: applied and flagged", status: rules.StatusNew, editO: shipped,
			editS:   func(s *importplan.Sale) { s.Deliveries[0].Address1 = "4-5-6" },
			outcome: importplan.Flagged, touched: true, update: true, updates: 1, flagged: true,
			reasons: []string{`address changed after shipping: delivery 1: address "1-2-3" → "4-5-6" (the order was shipped: delivery 1 has tracking number 1234-5678-9012): check with the customer and the carrier where the parcel went`}},
		{name: "method changed: named when known", status: rules.StatusNew,
			editS: func(s *importplan.Sale) {
				s.Deliveries[0].MethodID = 2
				s.MethodNames = map[int64]string{2: "ゆうパック"}
			},
			outcome: importplan.Updated, touched: true, update: true, updates: 1,
			reasons: []string{"delivery 1: delivery method method #1 → ゆうパック (#2)"}},
		{name: "order before the full import: filled in, not a change", status: rules.StatusNew,
			editO: func(o *importplan.Order, d []importplan.StoredDelivery) {
				o.FullImport, o.Customer, d[0].Postal, d[0].Tel = false, importplan.Customer{}, "", ""
			},
			outcome: importplan.Updated, update: true, updates: 1,
			reasons: []string{"order details imported (customer, line items, totals, payment, memo, full destinations)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, dels, items := order(c.status)
			if c.editO != nil {
				c.editO(&o, dels)
			}
			s := sale()
			if c.editS != nil {
				c.editS(&s)
			}
			p := importplan.Update(o, dels, items, s, now)
			assert.Equal(t, c.outcome, p.Outcome)
			assert.Equal(t, c.reasons, p.Reasons)
			assert.False(t, p.Create)
			assert.Equal(t, c.update, p.UpdateOrder, "order written")
			assert.Equal(t, c.touched, p.Touched, "updated_at moves")
			if c.touched {
				assert.Equal(t, now, p.Order.UpdatedAt)
			} else {
				assert.Equal(t, before, p.Order.UpdatedAt)
			}
			want := c.status2
			if want == "" {
				want = c.status
			}
			assert.Equal(t, want, p.Order.Status, "the OMS's status")
			assert.Equal(t, c.flagged, p.Order.FlagReason != "", "flagged")
			assert.Len(t, p.AddDeliveries, c.adds)
			assert.Len(t, p.UpdateDeliveries, c.updates)
			assert.Equal(t, c.removals, p.RemoveDeliveries)
		})
	}
}

func TestUpdateKeepsTheOMSData(t *testing.T) {
	o, dels, items := order(rules.StatusAwaitingShipment)
	o.FlagReason = "operator's note"
	dels[0].SlipNumber, dels[0].ShippedOn = "1234-5678-9012", "2026-11-19"
	s := sale()
	s.Memo = "changed"
	p := importplan.Update(o, dels, items, s, now)
	assert.Equal(t, rules.StatusAwaitingShipment, p.Order.Status)
	assert.Equal(t, "operator's note", p.Order.FlagReason)
	assert.Empty(t, p.UpdateDeliveries, "tracking number and ship date are the OMS's")

	// A flag already on the order is not added twice.
	s = sale()
	s.Canceled = true
	o, dels, items = order(rules.StatusShipped)
	first := importplan.Update(o, dels, items, s, now)
	o.FlagReason = first.Order.FlagReason
	o.ColormeCanceled = false // ColorMe's flag read again as new (e.g. a retried page)
	again := importplan.Update(o, dels, items, s, now)
	assert.Equal(t, first.Order.FlagReason, again.Order.FlagReason)
	assert.Equal(t, importplan.Updated, again.Outcome)
}

func TestItems(t *testing.T) {
	got := importplan.Items([]importplan.Item{{ID: 3, Name: "c"}, {ID: 1, Name: "a"}, {ID: 3, Name: "again"}})
	assert.Equal(t, []importplan.Item{{ID: 1, Name: "a"}, {ID: 3, Name: "c"}}, got)
}

func TestValidate(t *testing.T) {
	ok := sale()
	noDate := sale()
	noDate.SaleID, noDate.OrderedAt = 8, time.Time{}
	badID := sale()
	badID.SaleID = -1
	twice := sale()
	twice.SaleID, twice.Deliveries = 9, []importplan.Delivery{dest(1), dest(1)}
	zeroDel := sale()
	zeroDel.SaleID, zeroDel.Deliveries = 10, []importplan.Delivery{dest(0)}
	fixed := noDate
	fixed.OrderedAt = ordered

	good, bad := importplan.Validate([]importplan.Sale{ok, noDate, badID, twice, zeroDel, fixed})
	assert.Equal(t, []importplan.Sale{ok, fixed}, good, "the last of each sale id wins")
	var ids []int64
	for _, b := range bad {
		ids = append(ids, b.SaleID)
	}
	assert.Equal(t, []int64{-1, 9, 10}, ids)
	assert.Contains(t, bad[0].Reason, "invalid id -1")
	assert.Contains(t, bad[1].Reason, "sale_delivery id 1 twice")
	assert.Contains(t, bad[2].Reason, "invalid sale_delivery id 0")
}

func TestFlagInvalid(t *testing.T) {
	o, _, _ := order(rules.StatusNew)
	reason, changed := importplan.FlagInvalid(o, "bad")
	assert.True(t, changed)
	assert.Equal(t, "bad", reason)
	o.FlagReason = "note; bad"
	reason, changed = importplan.FlagInvalid(o, "bad")
	assert.False(t, changed)
	assert.Equal(t, "note; bad", reason)
	o.FlagReason = "note"
	reason, _ = importplan.FlagInvalid(o, "bad")
	assert.Equal(t, "note; bad", reason)
}

func TestMethodName(t *testing.T) {
	names := map[int64]string{1: "宅急便"}
	assert.Equal(t, "none", importplan.MethodName(0, names))
	assert.Equal(t, "宅急便 (#1)", importplan.MethodName(1, names))
	assert.Equal(t, "method #2", importplan.MethodName(2, names))
}

func ptr(v int64) *int64 { return &v }
