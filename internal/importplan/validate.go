package importplan

import "github.com/colorme-sync/colorme-sync/internal/msg"

// Validate keeps the last of each sale id and splits the sales into those the
// import can store and those it cannot: a sale without a positive id, without an
// order date (make_date), or with a missing or repeated sale_delivery id. The
// reason is a stable sentence (the same data gives the same words), so an order
// is not flagged twice for it.
//
// A sale that cannot be stored does not stop the import: it is recorded as
// flagged with the reason, the order is flagged when the OMS has it
// (FlagInvalid), and the rest of the page is imported.
func Validate(sales []Sale) ([]Sale, []Invalid) {
	type entry struct {
		sale   Sale
		reason string
	}
	index := make(map[int64]int, len(sales))
	all := make([]entry, 0, len(sales))
	for _, sale := range sales {
		e := entry{sale: sale, reason: invalidReason(sale)}
		if i, dup := index[sale.SaleID]; dup {
			all[i] = e
			continue
		}
		index[sale.SaleID] = len(all)
		all = append(all, e)
	}
	var ok []Sale
	var bad []Invalid
	for _, e := range all {
		if e.reason == "" {
			ok = append(ok, e.sale)
		} else {
			bad = append(bad, Invalid{SaleID: e.sale.SaleID, Reason: e.reason})
		}
	}
	return ok, bad
}

// invalidReason says why the import cannot store sale, or "" when it can.
func invalidReason(sale Sale) string {
	tail := "; " + msg.InvalidTail.Format()
	switch {
	case sale.SaleID <= 0:
		return msg.InvalidSaleID.Format(sale.SaleID) + tail
	case sale.OrderedAt.IsZero() || sale.OrderedAt.Unix() <= 0:
		return msg.InvalidNoDate.Format() + tail
	}
	seen := make(map[int64]bool, len(sale.Deliveries))
	for _, d := range sale.Deliveries {
		switch {
		case d.ID <= 0:
			return msg.InvalidDelivery.Format(d.ID) + tail
		case seen[d.ID]:
			return msg.DupDelivery.Format(d.ID) + tail
		}
		seen[d.ID] = true
	}
	return ""
}
