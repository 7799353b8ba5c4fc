package importplan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// New plans a sale the OMS does not have yet: an order 新規受付 (キャンセル when
// ColorMe already cancelled it) with its deliveries and line items. now is the
// import's time, already storable (UTC, microseconds).
func New(sale Sale, now time.Time) Plan {
	o := Order{SaleID: sale.SaleID, Status: rules.StatusNew, OrderedAt: storable(sale.OrderedAt), UpdatedAt: now,
		ColormeCanceled: sale.Canceled, ColormeParentSaleID: splitParent(sale), FullImport: true,
		Customer: sale.Customer, PaymentID: sale.PaymentID, Paid: sale.Paid, Memo: sale.Memo, Totals: sale.Totals}
	p := Plan{Outcome: Created, Create: true, Items: Items(sale.Items), AddDeliveries: slices.Clone(sale.Deliveries)}
	p.SetItems = len(p.Items) > 0
	if sale.Canceled {
		o.Status = rules.StatusCancelled
		p.Reasons = append(p.Reasons, msg.ImportCreatedCancelled.Format())
	}
	if o.ColormeParentSaleID != nil {
		p.Reasons = append(p.Reasons, msg.ImportSplitFrom.Format(*o.ColormeParentSaleID))
	}
	p.Order = o
	return p
}

// Update compares an order the OMS has (with its deliveries and line items)
// with the sale as ColorMe shows it now:
//   - ColorMe's data follows ColorMe: order details (customer, payment, memo,
//     totals, line items), the order date, the split link, and each delivery's
//     destination and method; deliveries added or removed on ColorMe are added
//     or removed, except a removed one holding a tracking number or ship date,
//     which is kept and the order flagged;
//   - a sale newly cancelled on ColorMe makes the order キャンセル, unless the OMS
//     shipped it: then it is kept and flagged with the reason; a withdrawn
//     cancellation leaves the status to the operator;
//   - the OMS's own data — status (other than that cancellation), tracking
//     numbers, ship dates, bundles — is never touched;
//   - UpdatedAt moves to now only when something the export depends on changed
//     (deliveries, the order date, a cancellation); order details never move it.
func Update(o Order, dels []StoredDelivery, items []Item, sale Sale, now time.Time) Plan {
	u := update{was: o, dels: dels, sale: sale, shipped: shippedWhy(o, dels), filling: !o.FullImport}
	u.p = Plan{Outcome: Unchanged, Order: o}
	u.details(items)
	u.dateAndSplit()
	u.deliveries()
	cancelled := u.cancellation()
	newFlag := u.flag()
	if u.p.Touched {
		u.p.Order.UpdatedAt = now
		u.p.UpdateOrder = true
	}
	p := u.p
	switch {
	case cancelled:
		p.Outcome = Cancelled
	case newFlag:
		p.Outcome = Flagged
	case p.UpdateOrder || len(p.AddDeliveries) > 0 || len(p.UpdateDeliveries) > 0 || len(p.RemoveDeliveries) > 0:
		p.Outcome = Updated
	default:
		p.Reasons = nil
	}
	return p
}

// update is the state of one Update: the plan so far and the flags found.
type update struct {
	was     Order
	dels    []StoredDelivery
	sale    Sale
	shipped string // why the OMS counts the order shipped; "" = not shipped
	filling bool   // the order predates the full import: fill in, not a change
	flags   []string
	p       Plan
}

// details follows ColorMe's customer, payment, memo, totals and line items:
// shown to staff, not used by the export, so they never move UpdatedAt.
func (u *update) details(items []Item) {
	o, sale := &u.p.Order, u.sale
	if !o.FullImport {
		o.FullImport, u.p.UpdateOrder = true, true
	}
	// Named as the OMS's columns, in their alphabetical order.
	fields := []struct {
		name    string
		changed bool
	}{
		{"colorme_paid", o.Paid != sale.Paid},
		{"customer_furigana", o.Customer.Furigana != sale.Customer.Furigana},
		{"customer_mail", o.Customer.Mail != sale.Customer.Mail},
		{"customer_name", o.Customer.Name != sale.Customer.Name},
		{"customer_tel", o.Customer.Tel != sale.Customer.Tel},
		{"delivery_total_charge", o.Totals.DeliveryCharge != sale.Totals.DeliveryCharge},
		{"fee", o.Totals.Fee != sale.Totals.Fee},
		{"memo", o.Memo != sale.Memo},
		{"payment_id", o.PaymentID != sale.PaymentID},
		{"product_total_price", o.Totals.ProductTotal != sale.Totals.ProductTotal},
		{"tax", o.Totals.Tax != sale.Totals.Tax},
		{"total_price", o.Totals.Total != sale.Totals.Total},
	}
	var changed []string
	for _, f := range fields {
		if f.changed {
			changed = append(changed, f.name)
		}
	}
	if len(changed) > 0 {
		o.Customer, o.PaymentID, o.Paid, o.Memo, o.Totals = sale.Customer, sale.PaymentID, sale.Paid, sale.Memo, sale.Totals
		u.p.UpdateOrder = true
	}
	// A change of the line items alone rewrites them but is not an update of
	// the order (its outcome stays unchanged).
	if ni := Items(sale.Items); !slices.Equal(ni, items) {
		u.p.Items, u.p.SetItems = ni, true
		changed = append(changed, msg.LineItems.Format())
	}
	switch {
	case u.filling:
		u.reason(msg.ImportDetails.Format())
	case len(changed) > 0:
		u.reason(msg.ImportDetailsChanged.Format(strings.Join(changed, ", ")))
	}
}

// dateAndSplit follows ColorMe's order date (moves UpdatedAt) and split link.
func (u *update) dateAndSplit() {
	o := &u.p.Order
	if ordered := storable(u.sale.OrderedAt); !o.OrderedAt.Equal(ordered) {
		u.reason(msg.ImportOrderDate.Format(jstTime(o.OrderedAt), jstTime(ordered)))
		o.OrderedAt, u.p.UpdateOrder, u.p.Touched = ordered, true, true
	}
	if parent := splitParent(u.sale); !equalPtr(o.ColormeParentSaleID, parent) {
		o.ColormeParentSaleID, u.p.UpdateOrder = parent, true
		if parent != nil {
			u.reason(msg.ImportSplitFrom.Format(*parent))
		} else {
			u.reason(msg.ImportNoLongerSplit.Format())
		}
	}
}

// deliveries follows ColorMe's deliveries: ColorMe owns the destination and
// method, the OMS the rest.
func (u *update) deliveries() {
	existing := make(map[int64]StoredDelivery, len(u.dels))
	for _, d := range u.dels {
		existing[d.ID] = d
	}
	onColorMe := make(map[int64]bool, len(u.sale.Deliveries))
	for _, d := range u.sale.Deliveries {
		onColorMe[d.ID] = true
		cur, ok := existing[d.ID]
		if !ok {
			u.p.AddDeliveries = append(u.p.AddDeliveries, d)
			u.reason(msg.ImportDeliveryAdded.Format(d.ID, d.Name, d.PrefName))
			u.p.Touched = true
			continue
		}
		diff, moved := destinationDiff(cur.Delivery, d, u.sale.MethodNames, u.filling)
		if diff == "" && !(u.filling && cur.Delivery != d) {
			continue
		}
		if moved && u.shipped != "" {
			// Applied (the OMS shows ColorMe's destination), never silently.
			u.flags = append(u.flags, msg.FlagMovedAfterShipping.Format(
				d.ID, diff, u.shipped))
		} else if diff != "" {
			u.reason(msg.ImportDeliveryChanged.Format(d.ID, diff))
		}
		u.p.UpdateDeliveries = append(u.p.UpdateDeliveries, d)
		u.p.Touched = u.p.Touched || diff != ""
	}
	for _, d := range u.dels {
		if onColorMe[d.ID] {
			continue
		}
		if d.SlipNumber == "" && d.ShippedOn == "" {
			u.p.RemoveDeliveries = append(u.p.RemoveDeliveries, d.ID)
			u.reason(msg.ImportDeliveryRemoved.Format(d.ID))
			u.p.Touched = true
			continue
		}
		u.flags = append(u.flags, msg.FlagRemovedHolding.Format(
			d.ID, d.SlipNumber, d.ShippedOn))
	}
}

// cancellation acts when ColorMe's cancel flag changes, so that an operator's
// later decision (any status) is never undone by the next import. It reports
// whether the order became キャンセル.
func (u *update) cancellation() bool {
	o := &u.p.Order
	switch {
	case u.sale.Canceled && !u.was.ColormeCanceled:
		o.ColormeCanceled, u.p.UpdateOrder = true, true
		switch {
		case u.was.Status == rules.StatusCancelled:
			u.reason(msg.ImportCancelledAlready.Format())
		case u.shipped != "":
			u.flags = append(u.flags, msg.FlagCancelledShipped.Format(
				u.shipped))
		default:
			o.Status = rules.StatusCancelled
			u.reason(msg.ImportCancelled.Format(label(u.was.Status)))
			u.p.Touched = true
			return true
		}
	case !u.sale.Canceled && u.was.ColormeCanceled:
		o.ColormeCanceled, u.p.UpdateOrder = false, true
		if u.was.Status == rules.StatusCancelled {
			u.flags = append(u.flags, msg.FlagUncancelledKept.Format())
		} else {
			u.reason(msg.ImportUncancelled.Format())
		}
	}
	return false
}

// flag adds the flags found to the order's flag reason (each once) and to the
// run log's reasons, and reports whether the order got a new one.
func (u *update) flag() bool {
	reason, newFlag := u.was.FlagReason, false
	for _, f := range u.flags {
		if !strings.Contains(reason, f) {
			reason = JoinReason(reason, f)
			newFlag = true
		}
	}
	if newFlag {
		u.p.Order.FlagReason, u.p.UpdateOrder = reason, true
	}
	u.p.Reasons = append(u.p.Reasons, u.flags...)
	return newFlag
}

func (u *update) reason(r string) { u.p.Reasons = append(u.p.Reasons, r) }

// Items are a sale's line items as the OMS stores them: by detail id, the
// first of a repeated id.
func Items(items []Item) []Item {
	out := make([]Item, 0, len(items))
	seen := map[int64]bool{}
	for _, it := range items {
		if seen[it.ID] {
			continue // ColorMe repeated a detail id: keep the first
		}
		seen[it.ID] = true
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// FlagInvalid returns the flag reason of an order whose sale ColorMe sent in a
// shape the import cannot store, and whether it changed (each reason once).
func FlagInvalid(o Order, reason string) (string, bool) {
	if strings.Contains(o.FlagReason, reason) {
		return o.FlagReason, false
	}
	return JoinReason(o.FlagReason, reason), true
}

// destinationDiff describes what changed in a delivery's destination or method,
// "" when nothing; moved says the address itself changed (name, postal code,
// prefecture, address, tel). With filling (the order was imported before these
// fields were), the fields it did not have yet are not compared.
func destinationDiff(cur, d Delivery, methods map[int64]string, filling bool) (diff string, moved bool) {
	var parts []string
	field := func(label, was, now string, address bool) {
		if was != now {
			parts = append(parts, msg.FieldChange.Format(label, was, now))
			moved = moved || address
		}
	}
	field(msg.FieldName.En, cur.Name, d.Name, true)
	if cur.PrefName != d.PrefName {
		parts = append(parts, msg.PrefChange.Format(cur.PrefName, d.PrefName))
		moved = true
	}
	field(msg.FieldAddress.En, cur.Address1, d.Address1, true)
	if !filling {
		field(msg.FieldAddress2.En, cur.Address2, d.Address2, true)
		field(msg.FieldPostal.En, cur.Postal, d.Postal, true)
		field(msg.FieldTel.En, cur.Tel, d.Tel, true)
		field(msg.FieldFurigana.En, cur.Furigana, d.Furigana, false)
		field(msg.FieldPrefDate.En, cur.PreferredDate, d.PreferredDate, false)
		field(msg.FieldPrefTime.En, cur.PreferredPeriod, d.PreferredPeriod, false)
	}
	if cur.MethodID != d.MethodID {
		parts = append(parts, msg.MethodChange.Format(MethodName(cur.MethodID, methods), MethodName(d.MethodID, methods)))
	}
	return strings.Join(parts, ", "), moved
}

// MethodName names a delivery method (配送方法) for the operator: its name where
// known ("宅急便 (ヤマト運輸) (#1)"), otherwise "method #1"; "none" for 0.
func MethodName(id int64, names map[int64]string) string {
	switch n := names[id]; {
	case id == 0:
		return msg.MethodNone.Format()
	case n != "":
		return fmt.Sprintf("%s (#%d)", n, id)
	default:
		return msg.MethodNumbered.Format(id)
	}
}

// shippedWhy says why the OMS counts the order shipped — status 出荷済み or 完了,
// or a delivery with a tracking number or ship date — or "" when it does not.
func shippedWhy(o Order, dels []StoredDelivery) string {
	var why []string
	if o.Status == rules.StatusShipped || o.Status == rules.StatusCompleted {
		why = append(why, msg.ShippedStatus.Format(label(o.Status)))
	}
	for _, d := range dels {
		if d.SlipNumber != "" {
			why = append(why, msg.ShippedSlip.Format(d.ID, d.SlipNumber))
		} else if d.ShippedOn != "" {
			why = append(why, msg.ShippedOn.Format(d.ID, d.ShippedOn))
		}
	}
	return strings.Join(why, ", ")
}

func splitParent(sale Sale) *int64 {
	if sale.ParentSaleID == 0 || sale.ParentSaleID == sale.SaleID {
		return nil
	}
	p := sale.ParentSaleID
	return &p
}

func equalPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// JoinReason appends a reason to a flag reason ("; " between them).
func JoinReason(cur, add string) string {
	if cur == "" {
		return add
	}
	return cur + "; " + add
}

func label(status string) string {
	if l, ok := rules.StatusLabels[status]; ok {
		return l + " (" + status + ")"
	}
	return status
}

func jstTime(t time.Time) string { return t.In(rules.Tokyo).Format("2006-01-02 15:04:05") }

// storable is t as the OMS stores instants: UTC, whole microseconds.
func storable(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
