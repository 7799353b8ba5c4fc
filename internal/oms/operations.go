package oms

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
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

// importJa names the console's way to import orders, for staff messages.
const importJa = "受注取得 (APIアクセス設定の自動取得「今すぐ実行」)"

func notInOMS(shopID string, saleID int64) *staffmsg.StaffError {
	return &staffmsg.StaffError{
		En:     fmt.Sprintf("sale %d is not an order of shop %q: %v (import it first, or check the number)", saleID, shopID, ErrNotFound),
		Ja:     fmt.Sprintf("受注番号 %d は店舗「%s」の受注データにありません。受注番号を確かめてください。カラーミーショップにある新しい受注なら、%sを実行してから、もう一度操作してください。", saleID, shopID, importJa),
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

// Shipment is one row of a shipping-results file: a tracking number and
// (optionally) a ship date for one delivery of a sale.
type Shipment struct {
	Line           int    `json:"line"`                  // line number in the file, for messages
	SaleID         int64  `json:"sale_id"`               // ColorMe sale id
	DeliveryID     int64  `json:"delivery_id,omitempty"` // sale_delivery id; 0 = the sale's only delivery
	TrackingNumber string `json:"tracking_number"`
	ShipDate       string `json:"ship_date,omitempty"` // YYYY-MM-DD (JST); "" = leave the ship date as it is

	// From a label program's issued data (carrier files):
	DeliveryPos int    `json:"delivery_pos,omitempty"` // with DeliveryID 0: the sale's n-th delivery by id (1 = first)
	Postal      string `json:"postal,omitempty"`       // the label's postal code; a row whose delivery has another is rejected
	Planned     bool   `json:"planned,omitempty"`      // ShipDate is a planned date (出荷予定日): not set while after today
}

// LineMessage is a message about one line of a file; line 0 is the whole file.
// Message is for engineers (the CLI prints it); Ja says the same to shop staff
// (the console shows it): what is wrong and what to do.
type LineMessage struct {
	Line    int             `json:"line"`
	Message string          `json:"message"`
	Ja      string          `json:"ja,omitempty"`
	Remedy  staffmsg.Remedy `json:"remedy,omitzero"` // what undoes a rejection, for the caller to say (see staffmsg.Remedy)
}

// ShipmentChange is one delivery a shipments file changes.
type ShipmentChange struct {
	Line            int    `json:"line"`
	SaleID          int64  `json:"sale_id"`
	DeliveryID      int64  `json:"delivery_id"`
	OldSlip         string `json:"old_slip,omitempty"`
	NewSlip         string `json:"new_slip"`
	OldShipDate     string `json:"old_ship_date,omitempty"`
	NewShipDate     string `json:"new_ship_date,omitempty"`
	OverwritingSlip bool   `json:"overwriting_slip,omitempty"` // the delivery had another tracking number
}

// ShipmentReport is what ApplyShipments found and did.
type ShipmentReport struct {
	Applied    bool             `json:"applied"`    // the changes are stored (never when Rejected is non-empty or in a dry run)
	Changes    []ShipmentChange `json:"changes"`    // deliveries that change, by line
	Unchanged  int              `json:"unchanged"`  // rows the OMS already shows
	Duplicates int              `json:"duplicates"` // rows repeating an earlier row exactly (applied once)
	Orders     int              `json:"orders"`     // orders whose updated_at moves
	Rejected   []LineMessage    `json:"rejected"`   // why rows cannot be applied, by line
	Notes      []LineMessage    `json:"notes"`      // worth knowing, not blocking
}

// ApplyShipments validates every row against the OMS and then, when no row is
// rejected and not dryRun, stores the tracking numbers and ship dates in one
// transaction: all rows or none. A row without delivery id applies to the
// sale's only delivery (or to the DeliveryPos-th, from a label program's
// reference); several rows for one delivery must agree exactly (a delivery
// takes one tracking number). A row without ship date leaves the delivery's
// ship date as it is; so does a planned ship date (Planned) after today (JST
// at now): the parcel has not left yet.
func (s *Store) ApplyShipments(ctx context.Context, shopID string, rows []Shipment, dryRun bool, now time.Time) (ShipmentReport, error) {
	var rep ShipmentReport
	var changes []ShipmentChange
	var touched []int64
	check := func(tx *gorm.DB) (bool, error) {
		orders, err := lockShipmentOrders(tx, shopID, rows)
		if err != nil {
			return false, err
		}
		rep, changes, touched = PlanShipments(shopID, rows, orders, now.In(rules.Tokyo).Format(time.DateOnly))
		return len(rep.Rejected) == 0 && len(changes) > 0, nil
	}
	applied, err := AllOrNone(ctx, s.db, dryRun, check,
		func(tx *gorm.DB) error { return storeShipments(tx, shopID, changes, touched, now) })
	if err != nil {
		return ShipmentReport{}, fmt.Errorf("applying %d shipment rows to shop %q: %w", len(rows), shopID, err)
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
// their deliveries, by sale id; absent ones are missing.
func lockShipmentOrders(tx *gorm.DB, shopID string, rows []Shipment) (map[int64]OrderView, error) {
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
	out := make(map[int64]OrderView, len(locked))
	for id, o := range locked {
		out[id] = o.view(dels[id])
	}
	return out, nil
}

// storeShipments writes the changes and moves the touched orders' updated_at.
func storeShipments(tx *gorm.DB, shopID string, changes []ShipmentChange, touched []int64, now time.Time) error {
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

// shipmentKey is one delivery of one sale.
type shipmentKey struct{ sale, delivery int64 }

// shipmentPlan is PlanShipments's state.
type shipmentPlan struct {
	rep        ShipmentReport
	first      map[shipmentKey]Shipment // the first valid row of each delivery
	order      []shipmentKey            // the deliveries in the order of their first row
	conflicted map[shipmentKey]bool
	noted      map[int64]bool
	today      string // YYYY-MM-DD (JST)
}

func (p *shipmentPlan) reject(line int, en, ja string) {
	p.rep.Rejected = append(p.rep.Rejected, LineMessage{Line: line, Message: en, Ja: ja})
}

// rejectFor is reject with the remedy that undoes the rejection.
func (p *shipmentPlan) rejectFor(line int, en, ja string, remedy staffmsg.Remedy) {
	p.rep.Rejected = append(p.rep.Rejected, LineMessage{Line: line, Message: en, Ja: ja, Remedy: remedy})
}

func (p *shipmentPlan) note(line int, en, ja string) {
	p.rep.Notes = append(p.rep.Notes, LineMessage{Line: line, Message: en, Ja: ja})
}

// PlanShipments validates the rows against the shop's orders (by sale id,
// with their deliveries) on the day today (YYYY-MM-DD, JST) and returns the
// report (rejections, duplicates, notes, counts; Applied unset), the delivery
// changes by line and the sale ids they touch, sorted. It reads and writes
// nothing: ApplyShipments stores its changes.
func PlanShipments(shopID string, rows []Shipment, orders map[int64]OrderView, today string) (ShipmentReport, []ShipmentChange, []int64) {
	p := shipmentPlan{first: map[shipmentKey]Shipment{}, conflicted: map[shipmentKey]bool{}, noted: map[int64]bool{}, today: today}
	for _, r := range rows {
		o, ok := orders[r.SaleID]
		r, ok = p.resolve(shopID, r, o, ok, today)
		if !ok {
			continue
		}
		p.add(r)
		p.noteSale(r, o)
	}
	for _, k := range p.order {
		if p.conflicted[k] {
			r := p.first[k]
			p.reject(r.Line, fmt.Sprintf("sale %d delivery %d: tracking number %s conflicts with later rows for the same delivery (see below)", k.sale, k.delivery, r.TrackingNumber),
				fmt.Sprintf("受注番号 %d のお届け先ID %d (伝票番号 %s) は、後の行 (下の一覧) で同じお届け先に別の伝票番号か出荷日が指定されています。お届け先ごとに1行にしてください。", k.sale, k.delivery, r.TrackingNumber))
		}
	}
	slices.SortStableFunc(p.rep.Rejected, func(a, b LineMessage) int { return cmp.Compare(a.Line, b.Line) })
	changes, touched := p.changes(orders)
	slices.SortStableFunc(p.rep.Notes, func(a, b LineMessage) int { return cmp.Compare(a.Line, b.Line) })
	p.rep.Changes, p.rep.Orders = changes, len(touched)
	return p.rep, changes, touched
}

// resolve checks a row against its order and names its delivery; false when
// the row is rejected.
func (p *shipmentPlan) resolve(shopID string, r Shipment, o OrderView, found bool, today string) (Shipment, bool) {
	if en, ja := checkShipment(r); en != "" {
		p.reject(r.Line, en, ja)
		return r, false
	}
	if !found {
		p.rejectFor(r.Line, fmt.Sprintf("sale %d is not an order of shop %s: import it first or check the sale id", r.SaleID, shopID),
			fmt.Sprintf("受注番号 %d は店舗「%s」の受注データにありません。受注番号を確かめてください。カラーミーショップにある新しい受注なら、%sを実行してから、もう一度取り込んでください。", r.SaleID, shopID, importJa),
			staffmsg.Remedy{Do: staffmsg.RemedyImport})
		return r, false
	}
	d, why := pickDelivery(r, o.Destinations)
	if why.Message != "" {
		why.Line = r.Line
		p.rep.Rejected = append(p.rep.Rejected, why)
		return r, false
	}
	r.DeliveryID = d.ID
	if en, ja := postalMismatch(r, d); en != "" {
		p.reject(r.Line, en, ja)
		return r, false
	}
	if o.Status == rules.StatusCancelled {
		p.rejectFor(r.Line, fmt.Sprintf("sale %d is キャンセル (cancelled): set its status first if it really shipped", r.SaleID),
			fmt.Sprintf("受注番号 %d はステータスが「キャンセル」のため、伝票番号を登録できません。本当に出荷した場合は、先に受注ページでステータスを変更してから、もう一度取り込んでください。", r.SaleID),
			staffmsg.Remedy{Do: staffmsg.RemedySetStatus, Sale: r.SaleID})
		return r, false
	}
	if r.ShipDate != "" {
		if ordered := o.OrderedAt.In(rules.Tokyo).Format(time.DateOnly); r.ShipDate < ordered {
			p.reject(r.Line, fmt.Sprintf("ship date %s is before sale %d was ordered (%s): check the date", r.ShipDate, r.SaleID, ordered),
				fmt.Sprintf("出荷日 %s が受注番号 %d の注文日 (%s) より前です。出荷日を確かめて、直してください。", r.ShipDate, r.SaleID, ordered))
			return r, false
		}
		if r.Planned && r.ShipDate > today {
			p.note(r.Line, fmt.Sprintf("sale %d: planned ship date %s is after today: the ship date is left as it is (import the file again on that day, or set it on the order page)", r.SaleID, r.ShipDate),
				fmt.Sprintf("受注番号 %d: 出荷予定日 %s がまだ先のため、出荷日は設定しません (伝票番号だけ登録します)。出荷した日にもう一度取り込むか、受注ページで出荷日を入れてください。", r.SaleID, r.ShipDate))
			r.ShipDate = ""
		}
	}
	return r, true
}

// pickDelivery returns the delivery a row names: by id, by position (a label
// program's reference), or the sale's only one. The message (Line unset) says
// why none; its Message is "" when there is one.
func pickDelivery(r Shipment, ds []Destination) (Destination, LineMessage) {
	ids := func(none string) string {
		parts := make([]string, len(ds))
		for i, d := range ds {
			parts[i] = strconv.FormatInt(d.ID, 10)
		}
		return cmp.Or(strings.Join(parts, ", "), none)
	}
	switch {
	case r.DeliveryID != 0:
		if i := slices.IndexFunc(ds, func(d Destination) bool { return d.ID == r.DeliveryID }); i >= 0 {
			return ds[i], LineMessage{}
		}
		return Destination{}, LineMessage{Message: fmt.Sprintf("sale %d has no delivery %d (its deliveries: %s): check the sale_delivery id", r.SaleID, r.DeliveryID, ids("none")),
			Ja: fmt.Sprintf("受注番号 %d にお届け先ID %d はありません (この受注のお届け先ID: %s)。受注ページでお届け先IDを確かめて、直してください。", r.SaleID, r.DeliveryID, ids("なし"))}
	case r.DeliveryPos != 0:
		if r.DeliveryPos <= len(ds) {
			return ds[r.DeliveryPos-1], LineMessage{}
		}
		return Destination{}, LineMessage{Message: fmt.Sprintf("sale %d has %d deliveries, not a delivery number %d: was the label data exported from this shop?", r.SaleID, len(ds), r.DeliveryPos),
			Ja: fmt.Sprintf("受注番号 %d のお届け先は%d件で、%d番目のお届け先はありません。この店舗から出力した送り状データで発行した行か確かめてください。", r.SaleID, len(ds), r.DeliveryPos)}
	case len(ds) == 1:
		return ds[0], LineMessage{}
	case len(ds) == 0:
		return Destination{}, LineMessage{Message: fmt.Sprintf("sale %d has no deliveries in the OMS: re-import it", r.SaleID),
			Ja:     fmt.Sprintf("受注番号 %d にはお届け先がありません。%sで受注を取り込み直してから、もう一度取り込んでください。", r.SaleID, importJa),
			Remedy: staffmsg.Remedy{Do: staffmsg.RemedyImport}}
	}
	return Destination{}, LineMessage{Message: fmt.Sprintf("sale %d has %d deliveries (%s): put the sale_delivery id in the second column", r.SaleID, len(ds), ids("none")),
		Ja: fmt.Sprintf("受注番号 %d にはお届け先が%d件 (お届け先ID: %s) あります。お届け先IDの列に、この伝票番号のお届け先IDを入れてください。", r.SaleID, len(ds), ids("なし"))}
}

// postalMismatch says why a row's postal code (from a label program) is not
// its delivery's: the label went elsewhere, or the deliveries changed since
// the label data was exported.
func postalMismatch(r Shipment, d Destination) (string, string) {
	digitsOf := func(s string) string {
		return strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return c
			}
			return -1
		}, s)
	}
	got, want := digitsOf(r.Postal), digitsOf(d.Postal)
	if got == "" || want == "" || got == want {
		return "", ""
	}
	return fmt.Sprintf("sale %d delivery %d goes to 〒%s, but this row's label to 〒%s: the deliveries changed since the label data was exported? set this tracking number on the order page", r.SaleID, d.ID, d.Postal, r.Postal),
		fmt.Sprintf("受注番号 %d のお届け先ID %d の郵便番号は %s ですが、この行の送り状は %s 宛てです。送り状データを出力した後にお届け先が変わった可能性があります。受注ページで正しいお届け先に伝票番号を入れてください。", r.SaleID, d.ID, d.Postal, r.Postal)
}

// add records a resolved row: the first for its delivery, a duplicate, or a
// conflict.
func (p *shipmentPlan) add(r Shipment) {
	k := shipmentKey{r.SaleID, r.DeliveryID}
	prev, seen := p.first[k]
	switch {
	case !seen:
		p.first[k] = r
		p.order = append(p.order, k)
	case prev.TrackingNumber != r.TrackingNumber:
		p.reject(r.Line, fmt.Sprintf("sale %d delivery %d gets tracking number %s here but %s on line %d: one delivery takes one tracking number on ColorMe; keep one row per delivery (the others go on their own sale_delivery)",
			r.SaleID, r.DeliveryID, r.TrackingNumber, prev.TrackingNumber, prev.Line),
			fmt.Sprintf("受注番号 %d のお届け先ID %d の伝票番号が、この行では %s、%d行目では %s です。カラーミーショップでは1つのお届け先に伝票番号は1件です。お届け先ごとに1行にして、ほかの伝票番号はそれぞれのお届け先IDの行にしてください。",
				r.SaleID, r.DeliveryID, r.TrackingNumber, prev.Line, prev.TrackingNumber))
		p.conflicted[k] = true
	case prev.ShipDate != r.ShipDate:
		p.reject(r.Line, fmt.Sprintf("sale %d delivery %d gets ship date %q here but %q on line %d: keep one ship date per delivery",
			r.SaleID, r.DeliveryID, r.ShipDate, prev.ShipDate, prev.Line),
			fmt.Sprintf("受注番号 %d のお届け先ID %d の出荷日が、この行では%s、%d行目では%sです。1つのお届け先の出荷日は1つにしてください。",
				r.SaleID, r.DeliveryID, shipDateJa(r.ShipDate), prev.Line, shipDateJa(prev.ShipDate)))
		p.conflicted[k] = true
	default:
		p.rep.Duplicates++
		p.note(r.Line, fmt.Sprintf("repeats line %d: applied once", prev.Line), fmt.Sprintf("%d行目と同じ内容です。1回だけ反映します。", prev.Line))
	}
}

// noteSale notes, once per sale, what keeps it from being exported.
func (p *shipmentPlan) noteSale(r Shipment, o OrderView) {
	if p.noted[r.SaleID] {
		return
	}
	p.noted[r.SaleID] = true
	if o.Status == rules.StatusNew {
		p.note(r.Line, fmt.Sprintf("sale %d is still 新規受付 (new): it is not exported until its status moves on", r.SaleID),
			fmt.Sprintf("受注番号 %d はステータスが「新規受付」のままです。ステータスを進めるまで、発送情報の更新で書き出されません。", r.SaleID))
	}
	if day, err := time.ParseInLocation(time.DateOnly, p.today, rules.Tokyo); err == nil {
		// Rule 2 from today on: an order placed more than a year before today's
		// first instant is never exported again.
		if since, _ := rules.Window(day, rules.MinDays); o.OrderedAt.Before(since) {
			ordered := o.OrderedAt.In(rules.Tokyo).Format(time.DateOnly)
			p.note(r.Line, fmt.Sprintf("sale %d was ordered on %s, more than a year ago: the export never sends it to ColorMe (rule 2); enter the tracking number on ColorMe by hand if it must be there", r.SaleID, ordered),
				fmt.Sprintf("受注番号 %d は注文日 (%s) が1年より前のため、発送情報の更新ではカラーミーショップに書き出されません (書き出すのは注文日時が1年以内の注文です)。カラーミーショップに必要なら、カラーミーショップの管理画面で直接入力してください。", r.SaleID, ordered))
		}
	}
	if parent := o.BundleParentSaleID; parent != 0 && parent != r.SaleID {
		p.note(r.Line, fmt.Sprintf("sale %d is bundled into sale %d: only sale %d's deliveries are exported", r.SaleID, parent, parent),
			fmt.Sprintf("受注番号 %d は親注文 %d に同梱された子注文です。書き出されるのは親注文 %d のお届け先だけです。", r.SaleID, parent, parent))
	}
}

// changes returns the deliveries that change, in the order of their rows, and
// the sale ids they touch (sorted); rows the OMS already shows are counted.
func (p *shipmentPlan) changes(orders map[int64]OrderView) ([]ShipmentChange, []int64) {
	var changes []ShipmentChange
	var touched []int64
	for _, k := range p.order {
		if p.conflicted[k] {
			continue
		}
		r := p.first[k]
		ds := orders[k.sale].Deliveries
		cur := ds[slices.IndexFunc(ds, func(d rules.Delivery) bool { return d.ID == k.delivery })]
		c := ShipmentChange{Line: r.Line, SaleID: k.sale, DeliveryID: k.delivery, OldSlip: cur.SlipNumber, NewSlip: r.TrackingNumber,
			OldShipDate: cur.ShippedOn, NewShipDate: cmp.Or(r.ShipDate, cur.ShippedOn)}
		if c.OldSlip == c.NewSlip && c.OldShipDate == c.NewShipDate {
			p.rep.Unchanged++
			continue
		}
		c.OverwritingSlip = c.OldSlip != "" && c.OldSlip != c.NewSlip
		if c.OverwritingSlip {
			p.note(r.Line, fmt.Sprintf("sale %d delivery %d: tracking number %s replaces %s", k.sale, k.delivery, c.NewSlip, c.OldSlip),
				fmt.Sprintf("受注番号 %d のお届け先ID %d の伝票番号は、%s から %s への上書きです。", k.sale, k.delivery, c.OldSlip, c.NewSlip))
		}
		changes = append(changes, c)
		if !slices.Contains(touched, k.sale) {
			touched = append(touched, k.sale)
		}
	}
	slices.Sort(touched)
	return changes, touched
}

// checkShipment re-checks what the file parser guarantees, for callers that
// build rows themselves. It returns why the row is refused, in English and in
// Japanese; "" when it is fine.
func checkShipment(r Shipment) (en, ja string) {
	switch {
	case r.SaleID <= 0:
		return fmt.Sprintf("sale id must be a positive number, got %d", r.SaleID),
			fmt.Sprintf("受注番号 %d は正しくありません。カラーミーショップの受注番号を入れてください。", r.SaleID)
	case r.DeliveryID < 0 || r.DeliveryPos < 0:
		return fmt.Sprintf("sale_delivery id must be a positive number, got %d", r.DeliveryID),
			fmt.Sprintf("お届け先ID %d は正しくありません。受注ページにあるお届け先IDを入れるか、お届け先が1つの受注なら空欄にしてください。", r.DeliveryID)
	case strings.TrimSpace(r.TrackingNumber) == "":
		return "the tracking number (伝票番号) is empty", "伝票番号が空欄です。伝票番号を入れてください。"
	case r.TrackingNumber != strings.TrimSpace(r.TrackingNumber) || len(r.TrackingNumber) > rules.MaxTrackingNumberLen:
		return fmt.Sprintf("tracking number %q must be 1 to %d characters without surrounding spaces", r.TrackingNumber, rules.MaxTrackingNumberLen),
			fmt.Sprintf("伝票番号「%s」の前後に空白があるか、長すぎます。伝票番号は前後の空白なしで%d文字までにしてください。", r.TrackingNumber, rules.MaxTrackingNumberLen)
	}
	if r.ShipDate != "" {
		if _, err := time.Parse(time.DateOnly, r.ShipDate); err != nil {
			return fmt.Sprintf("ship date %q is not a date YYYY-MM-DD", r.ShipDate),
				fmt.Sprintf("出荷日「%s」が日付として読めません。2026-05-01 の形で、実在する日付を入れてください。", r.ShipDate)
		}
	}
	return "", ""
}

// shipDateJa is a ship date of a row for staff: 「2026-05-01」 or 空欄.
func shipDateJa(d string) string {
	if d == "" {
		return "空欄"
	}
	return "「" + d + "」"
}
