package oms

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/shipplan"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// The OMS operations: what staff do on the OMS screens (status, 同梱, tracking
// numbers and ship dates). Every change moves the order's updated_at to now, so
// that the export window (rule 3) sees it; an operation that changes nothing
// writes nothing.

// OrderView is an order as the OMS screens show it.
type OrderView struct {
	rules.Order
	Destinations        []Destination `json:"destinations"`          // by delivery id, as Order.Deliveries
	ColormeCanceled     bool          `json:"colorme_canceled"`      // cancelled on ColorMe (last import)
	FlagReason          string        `json:"flag_reason,omitempty"` // why the import flagged it; cleared by a status change
	ColormeParentSaleID int64         `json:"colorme_parent_sale_id,omitempty"`
	ImportedAt          *time.Time    `json:"imported_at,omitempty"` // last time an import changed it

	// Order details from ColorMe (empty for an order not imported since they were added).
	Customer  ImportedCustomer `json:"customer"`
	PaymentID int64            `json:"payment_id,omitempty"`
	Memo      string           `json:"memo,omitempty"`
	Totals    SaleTotals       `json:"totals"`
	Items     []ImportedItem   `json:"items,omitempty"`

	// 入金連携: ColorMe's paid at the last import, and the OMS's 入金済み.
	ColormePaid bool       `json:"colorme_paid,omitempty"`
	PaidAt      *time.Time `json:"paid_at,omitempty"` // nil = not 入金済み in the OMS
	PaidOn      string     `json:"paid_on,omitempty"` // 入金日
	PaidBy      string     `json:"paid_by,omitempty"`
}

// Destination is where a delivery goes, as ColorMe gave it.
type Destination struct {
	ID       int64  `json:"id"`
	MethodID int64  `json:"method_id"`
	Name     string `json:"name"`
	PrefName string `json:"pref_name"`
	Address1 string `json:"address1"`

	Furigana        string `json:"furigana,omitempty"`
	Postal          string `json:"postal,omitempty"`
	Address2        string `json:"address2,omitempty"`
	Tel             string `json:"tel,omitempty"`
	PreferredDate   string `json:"preferred_date,omitempty"`
	PreferredPeriod string `json:"preferred_period,omitempty"`
}

// Orders returns the shop's orders by sale id with their deliveries: all of
// them, or those with the given sale ids.
func (s *Store) Orders(ctx context.Context, shopID string, saleIDs ...int64) ([]OrderView, error) {
	db := s.db.WithContext(ctx)
	var rows []orderRow
	if len(saleIDs) == 0 {
		if err := db.Where("shop_id = ?", shopID).Order("sale_id").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("listing the orders of shop %q: %w", shopID, err)
		}
	} else {
		for chunk := range slices.Chunk(saleIDs, batchSize) {
			var part []orderRow
			if err := db.Where("shop_id = ? AND sale_id IN ?", shopID, chunk).Find(&part).Error; err != nil {
				return nil, fmt.Errorf("reading orders of shop %q: %w", shopID, err)
			}
			rows = append(rows, part...)
		}
		slices.SortFunc(rows, func(a, b orderRow) int { return cmp.Compare(a.SaleID, b.SaleID) })
	}
	out, err := views(db, shopID, rows)
	if err != nil {
		return nil, err
	}
	if err := readItems(db, shopID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// views returns the orders of rows, in their order, as the OMS screens show
// them: with their deliveries, without their line items (readItems).
func views(db *gorm.DB, shopID string, rows []orderRow) ([]OrderView, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.SaleID
	}
	dels, err := readDeliveries(db, shopID, ids)
	if err != nil {
		return nil, fmt.Errorf("reading deliveries of shop %q: %w", shopID, err)
	}
	out := make([]OrderView, len(rows))
	for i, r := range rows {
		out[i] = r.view(dels[r.SaleID])
	}
	return out, nil
}

// readItems reads the line items of the orders into their Items.
func readItems(db *gorm.DB, shopID string, orders []OrderView) error {
	for chunk := range slices.Chunk(orders, batchSize) {
		ids := make([]int64, len(chunk))
		for i, o := range chunk {
			ids[i] = o.SaleID
		}
		items, err := orderItems(db, shopID, ids)
		if err != nil {
			return fmt.Errorf("reading line items of shop %q: %w", shopID, err)
		}
		for i := range chunk { // chunk shares orders' elements
			for _, it := range items[chunk[i].SaleID] {
				chunk[i].Items = append(chunk[i].Items, ImportedItem{ID: it.DetailID, DeliveryID: it.DeliveryID, ProductID: it.ProductID,
					Name: it.Name, Option: it.Option, Quantity: it.Quantity, Price: it.Price, Subtotal: it.Subtotal})
			}
		}
	}
	return nil
}

func (r orderRow) view(dels []deliveryRow) OrderView {
	v := OrderView{
		Order:           rules.Order{SaleID: r.SaleID, Status: r.Status, OrderedAt: r.OrderedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()},
		ColormeCanceled: r.ColormeCanceled, FlagReason: r.FlagReason, ImportedAt: schema.UTCPtr(r.ImportedAt),
		Customer:  ImportedCustomer{Name: r.CustomerName, Furigana: r.CustomerFurigana, Mail: r.CustomerMail, Tel: r.CustomerTel},
		PaymentID: r.PaymentID, Memo: r.Memo, Totals: r.Totals,
		ColormePaid: r.ColormePaid, PaidAt: schema.UTCPtr(r.PaidAt), PaidOn: string(r.PaidOn), PaidBy: r.PaidBy,
	}
	v.Paid = r.PaidAt != nil
	if r.BundleParentSaleID != nil {
		v.BundleParentSaleID = *r.BundleParentSaleID
	}
	if r.ColormeParentSaleID != nil {
		v.ColormeParentSaleID = *r.ColormeParentSaleID
	}
	for _, d := range dels {
		v.Deliveries = append(v.Deliveries, rules.Delivery{ID: d.DeliveryID, SlipNumber: d.SlipNumber, ShippedOn: string(d.ShippedOn)})
		v.Destinations = append(v.Destinations, Destination{ID: d.DeliveryID, MethodID: d.DeliveryMethodID, Name: d.Name, PrefName: d.PrefName, Address1: d.Address1,
			Furigana: d.Furigana, Postal: d.Postal, Address2: d.Address2, Tel: d.Tel, PreferredDate: d.PreferredDate, PreferredPeriod: d.PreferredPeriod})
	}
	return v
}

// readDeliveries returns the deliveries of the given sales by sale id, each
// sale's by delivery id.
func readDeliveries(db *gorm.DB, shopID string, ids []int64) (map[int64][]deliveryRow, error) {
	out := make(map[int64][]deliveryRow, len(ids))
	for chunk := range slices.Chunk(ids, batchSize) {
		var ds []deliveryRow
		if err := db.Where("shop_id = ? AND sale_id IN ?", shopID, chunk).Order("sale_id, delivery_id").Find(&ds).Error; err != nil {
			return nil, err
		}
		for _, d := range ds {
			out[d.SaleID] = append(out[d.SaleID], d)
		}
	}
	return out, nil
}

// LockOrders reads and locks (PostgreSQL: FOR UPDATE), in tx, the shop's
// orders with the given sale ids as rows of T: this package's model of the
// orders table, or another package's narrower one (internal/payment's). The
// ids may repeat and come in any order: the rows are locked in sale id order,
// so that transactions locking overlapping sales wait for each other instead
// of deadlocking. It returns the rows by sale id (saleID reads it from a
// row); absent ones are simply missing.
func LockOrders[T any](tx *gorm.DB, shopID string, ids []int64, saleID func(T) int64) (map[int64]T, error) {
	out := make(map[int64]T, len(ids))
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	for chunk := range slices.Chunk(slices.Compact(sorted), batchSize) {
		var rows []T
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("shop_id = ? AND sale_id IN ?", shopID, chunk).
			Order("sale_id").Find(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[saleID(r)] = r
		}
	}
	return out, nil
}

// lockRows is LockOrders of this package's orderRow.
func lockRows(tx *gorm.DB, shopID string, ids []int64) (map[int64]orderRow, error) {
	return LockOrders(tx, shopID, ids, func(r orderRow) int64 { return r.SaleID })
}

// lockOrder locks one order's row (lockRows) and reads it; a sale the OMS does
// not have is notInOMS.
func lockOrder(tx *gorm.DB, shopID string, saleID int64) (orderRow, error) {
	rows, err := lockRows(tx, shopID, []int64{saleID})
	if err != nil {
		return orderRow{}, err
	}
	o, ok := rows[saleID]
	if !ok {
		return orderRow{}, notInOMS(shopID, saleID)
	}
	return o, nil
}

func notInOMS(shopID string, saleID int64) *staffmsg.StaffError {
	return &staffmsg.StaffError{
		En:     fmt.Sprintf("sale %d is not an order of shop %q: %v (import it first, or check the number)", saleID, shopID, ErrNotFound),
		Ja:     fmt.Sprintf("受注番号 %d は店舗「%s」の受注データにありません。受注番号を確かめてください。カラーミーショップにある新しい受注なら、%sを実行してから、もう一度操作してください。", saleID, shopID, staffmsg.ImportJa),
		Err:    ErrNotFound,
		Remedy: staffmsg.Remedy{Do: staffmsg.RemedyImport},
	}
}

// statusChoicesJa lists the OMS statuses by their labels.
func statusChoicesJa() string {
	labels := make([]string, len(rules.Statuses))
	for i, st := range rules.Statuses {
		labels[i] = "「" + rules.StatusLabels[st] + "」"
	}
	return strings.Join(labels, "")
}

// StatusChange is what SetStatus did.
type StatusChange struct {
	Previous    string `json:"previous"`
	Changed     bool   `json:"changed"`
	ClearedFlag string `json:"cleared_flag,omitempty"` // the import's flag the change resolved
}

// SetStatus sets an order's status (any OMS status). A status change also
// clears the import's flag on the order: the operator has dealt with it.
// Setting the status it already has on an unflagged order changes nothing.
func (s *Store) SetStatus(ctx context.Context, shopID string, saleID int64, status string, now time.Time) (StatusChange, error) {
	if !rules.ValidStatus(status) {
		return StatusChange{}, &staffmsg.StaffError{
			En: fmt.Sprintf("status %q is not an OMS status: use one of %s", status, strings.Join(rules.Statuses, ", ")),
			Ja: fmt.Sprintf("ステータス「%s」はありません。%sのどれかを選んでください。", status, statusChoicesJa()),
		}
	}
	var ch StatusChange
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := lockOrder(tx, shopID, saleID)
		if err != nil {
			return err
		}
		ch = StatusChange{Previous: o.Status, Changed: o.Status != status || o.FlagReason != "", ClearedFlag: o.FlagReason}
		if !ch.Changed {
			return nil
		}
		return tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, saleID).
			Updates(map[string]any{"status": status, "flag_reason": "", "updated_at": schema.UTC(now)}).Error
	})
	if err != nil {
		return StatusChange{}, fmt.Errorf("setting the status of sale %d (shop %q): %w", saleID, shopID, err)
	}
	return ch, nil
}

// Bundle makes the children ship with the parent (同梱): the parent points to
// itself, every child to the parent, and only the parent is exported (rule 4).
// Children may be added to an existing bundle. It refuses cancelled orders,
// orders bundled elsewhere and a parent that is itself a child. It returns the
// sale ids whose bundle changed.
func (s *Store) Bundle(ctx context.Context, shopID string, parent int64, children []int64, now time.Time) ([]int64, error) {
	if err := checkBundleIDs(parent, children); err != nil {
		return nil, err
	}
	var changed []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		changed = nil
		all := append([]int64{parent}, children...)
		rows, err := lockRows(tx, shopID, all)
		if err != nil {
			return err
		}
		if err := checkBundleOrders(shopID, parent, all, rows); err != nil {
			return err
		}
		if err := checkBundleChildren(tx, shopID, parent, children, rows); err != nil {
			return err
		}
		for _, id := range all {
			if p := rows[id].BundleParentSaleID; p == nil || *p != parent {
				changed = append(changed, id)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		return tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id IN ?", shopID, changed).
			Updates(map[string]any{"bundle_parent_sale_id": parent, "updated_at": schema.UTC(now)}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("bundling %v into sale %d (shop %q): %w", children, parent, shopID, err)
	}
	return changed, nil
}

// checkBundleIDs refuses a bundle without children or naming a sale twice.
func checkBundleIDs(parent int64, children []int64) error {
	if len(children) == 0 {
		return &staffmsg.StaffError{En: "bundle: name at least one child order", Ja: "同梱する子注文の受注番号を1つ以上入力してください。"}
	}
	seen := map[int64]bool{parent: true}
	for _, c := range children {
		if seen[c] {
			return &staffmsg.StaffError{
				En: fmt.Sprintf("bundle: sale %d is named twice (the parent cannot be its own child)", c),
				Ja: fmt.Sprintf("受注番号 %d が2回指定されています (親注文を自分の子注文にはできません)。受注番号を1回ずつ入力してください。", c),
			}
		}
		seen[c] = true
	}
	return nil
}

// checkBundleOrders refuses, among the locked rows of all (the parent and the
// children), missing and cancelled orders, and a parent that is itself a child.
func checkBundleOrders(shopID string, parent int64, all []int64, rows map[int64]orderRow) error {
	var problems []*staffmsg.StaffError
	for _, id := range all {
		o, ok := rows[id]
		switch {
		case !ok:
			problems = append(problems, notInOMS(shopID, id))
		case o.Status == rules.StatusCancelled:
			problems = append(problems, &staffmsg.StaffError{
				En: fmt.Sprintf("sale %d is キャンセル (cancelled): a cancelled order cannot ship", id),
				Ja: fmt.Sprintf("受注番号 %d はステータスが「キャンセル」のため同梱できません (キャンセルの受注は出荷しません)。この受注を外して同梱するか、本当に出荷するなら先に受注ページでステータスを変更してください。", id),
			})
		}
	}
	if len(problems) > 0 {
		return staffmsg.Join(problems)
	}
	if p := rows[parent].BundleParentSaleID; p != nil && *p != parent {
		return &staffmsg.StaffError{
			En: fmt.Sprintf("sale %d is itself bundled into sale %d: bundle into %d instead, or unbundle %d first", parent, *p, *p, parent),
			Ja: fmt.Sprintf("受注番号 %d は親注文 %d に同梱された子注文のため、親注文にできません。親注文 %d に同梱するか、先に受注 %d のページで「同梱を解除」してください。", parent, *p, *p, parent),
		}
	}
	return nil
}

// checkBundleChildren refuses a child bundled into another parent, or the
// parent of a bundle of its own.
func checkBundleChildren(tx *gorm.DB, shopID string, parent int64, children []int64, rows map[int64]orderRow) error {
	for _, c := range children {
		p := rows[c].BundleParentSaleID
		switch {
		case p == nil || *p == parent:
		case *p == c:
			var n int64
			if err := tx.Model(&orderRow{}).Where("shop_id = ? AND bundle_parent_sale_id = ? AND sale_id <> ?", shopID, c, c).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return &staffmsg.StaffError{
					En:     fmt.Sprintf("sale %d is the parent of a bundle of %d other orders: unbundle it first or make it the parent", c, n),
					Ja:     fmt.Sprintf("受注番号 %d は子注文%d件の親注文のため、子注文にできません。受注 %d を親注文にして同梱するか、先に受注 %d のページで「同梱を解除」してください。", c, n, c, c),
					Remedy: staffmsg.Remedy{Do: staffmsg.RemedyUnbundle, Sale: c},
				}
			}
		default:
			return &staffmsg.StaffError{
				En:     fmt.Sprintf("sale %d is already bundled into sale %d: unbundle it first", c, *p),
				Ja:     fmt.Sprintf("受注番号 %d はすでに親注文 %d に同梱されています。先に受注 %d のページで「同梱を解除」してから、もう一度同梱してください。", c, *p, c),
				Remedy: staffmsg.Remedy{Do: staffmsg.RemedyUnbundle, Sale: c},
			}
		}
	}
	return nil
}

// Unbundle takes a sale out of its bundle. For the parent the whole bundle is
// dissolved; for a child only the child, and the parent too when it has no
// child left. It returns the sale ids whose bundle changed.
func (s *Store) Unbundle(ctx context.Context, shopID string, saleID int64, now time.Time) ([]int64, error) {
	var changed []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		changed = nil
		o, err := lockOrder(tx, shopID, saleID)
		if err != nil {
			return err
		}
		if o.BundleParentSaleID == nil {
			return &staffmsg.StaffError{
				En: fmt.Sprintf("sale %d is not bundled: nothing to do", saleID),
				Ja: fmt.Sprintf("受注番号 %d は同梱されていないため、解除するものはありません (何も変更していません)。受注ページの「同梱」欄で今の状態を確かめてください。", saleID),
			}
		}
		parent := *o.BundleParentSaleID
		var members []int64
		if err := tx.Model(&orderRow{}).Where("shop_id = ? AND bundle_parent_sale_id = ?", shopID, parent).
			Order("sale_id").Pluck("sale_id", &members).Error; err != nil {
			return err
		}
		if _, err := lockRows(tx, shopID, members); err != nil {
			return err
		}
		others := slices.DeleteFunc(slices.Clone(members), func(id int64) bool { return id == saleID || id == parent })
		if parent == saleID || len(others) == 0 {
			changed = members // the parent, or the last child: the bundle is gone
		} else {
			changed = []int64{saleID}
		}
		return tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id IN ?", shopID, changed).
			Updates(map[string]any{"bundle_parent_sale_id": nil, "updated_at": schema.UTC(now)}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("unbundling sale %d (shop %q): %w", saleID, shopID, err)
	}
	return changed, nil
}

// ApplyShipments validates every row against the OMS and then, when no row is
// rejected and not dryRun, stores the tracking numbers and ship dates in one
// transaction: all rows or none. A row without delivery id applies to the
// sale's only delivery (or to the DeliveryPos-th, from a label program's
// reference); several rows for one delivery must agree exactly (a delivery
// takes one tracking number). A row without ship date leaves the delivery's
// ship date as it is; so does a planned ship date (Planned) after today (JST
// at now): the parcel has not left yet.
func (s *Store) ApplyShipments(ctx context.Context, shopID string, rows []shipplan.Shipment, dryRun bool, now time.Time) (shipplan.Report, error) {
	var rep shipplan.Report
	var changes []shipplan.Change
	var touched []int64
	check := func(tx *gorm.DB) (bool, error) {
		orders, err := lockShipmentOrders(tx, shopID, rows)
		if err != nil {
			return false, err
		}
		rep, changes, touched = shipplan.Plan(shopID, rows, orders, now.In(rules.Tokyo).Format(time.DateOnly))
		return len(rep.Rejected) == 0 && len(changes) > 0, nil
	}
	applied, err := AllOrNone(ctx, s.db, dryRun, check,
		func(tx *gorm.DB) error { return storeShipments(tx, shopID, changes, touched, now) })
	if err != nil {
		return shipplan.Report{}, fmt.Errorf("applying %d shipment rows to shop %q: %w", len(rows), shopID, err)
	}
	rep.Applied = applied
	return rep, nil
}

// AllOrNone applies a batch of changes to orders (a shipments file, payments)
// all or none, in one transaction of db: check locks and reads the orders the
// changes name and checks the changes against them; when it finds them
// writable (nothing rejected, something changes) and not dryRun, store writes
// them. applied reports that store's writes were committed. When nothing is
// written, ending the transaction releases the locks.
func AllOrNone(ctx context.Context, db *gorm.DB, dryRun bool,
	check func(tx *gorm.DB) (writable bool, err error), store func(tx *gorm.DB) error) (applied bool, err error) {
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		writable, err := check(tx)
		if err != nil || !writable || dryRun {
			return err
		}
		applied = true
		return store(tx)
	})
	return applied && err == nil, err
}

// lockShipmentOrders locks the orders the rows name and returns them with
// their deliveries, by sale id, as shipplan reads them; absent ones are missing.
func lockShipmentOrders(tx *gorm.DB, shopID string, rows []shipplan.Shipment) (map[int64]shipplan.Order, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.SaleID
	}
	locked, err := lockRows(tx, shopID, ids)
	if err != nil {
		return nil, err
	}
	orderIDs := slices.Sorted(maps.Keys(locked))
	dels, err := readDeliveries(tx, shopID, orderIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]shipplan.Order, len(locked))
	for id, o := range locked {
		v := o.view(dels[id])
		p := shipplan.Order{Order: v.Order, Destinations: make([]shipplan.Destination, len(v.Destinations))}
		for i, d := range v.Destinations {
			p.Destinations[i] = shipplan.Destination{ID: d.ID, Postal: d.Postal}
		}
		out[id] = p
	}
	return out, nil
}

// storeShipments writes the changes and moves the touched orders' updated_at.
func storeShipments(tx *gorm.DB, shopID string, changes []shipplan.Change, touched []int64, now time.Time) error {
	for _, c := range changes {
		err := tx.Model(&deliveryRow{}).Where("shop_id = ? AND sale_id = ? AND delivery_id = ?", shopID, c.SaleID, c.DeliveryID).
			Updates(map[string]any{"slip_number": c.NewSlip, "shipped_on": dateString(c.NewShipDate)}).Error
		if err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(touched, batchSize) {
		if err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id IN ?", shopID, chunk).Update("updated_at", schema.UTC(now)).Error; err != nil {
			return err
		}
	}
	return nil
}
