package oms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/importplan"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// Import outcomes of one sale (see importplan), of the same type as the export's.
const (
	ImportCreated   = importplan.Created   // a new order, 新規受付 (or キャンセル when ColorMe already cancelled it)
	ImportUpdated   = importplan.Updated   // ColorMe-owned data changed: deliveries, order date, split link
	ImportCancelled = importplan.Cancelled // cancelled on ColorMe: the order became キャンセル
	ImportFlagged   = importplan.Flagged   // kept as it is and flagged for the operator (see the reason)
	ImportUnchanged = importplan.Unchanged
)

// ImportWatermarkMargin is subtracted from an import's start to get its
// watermark: the next import asks ColorMe for sales updated since then. It covers
// clock skew between ColorMe and Temporal, ColorMe stamping update_date before its
// transaction commits, and sales skipped by offset paging while the list changed.
const ImportWatermarkMargin = 10 * time.Minute

// The sales the import stores, as importplan defines them.
type (
	// ImportedSale is a ColorMe sale as the import stores it.
	ImportedSale = importplan.Sale
	// ImportedDelivery is a ColorMe sale_delivery as the import stores it.
	ImportedDelivery = importplan.Delivery
	// ImportedCustomer is the sale's customer as the OMS keeps it.
	ImportedCustomer = importplan.Customer
	// SaleTotals are a sale's amounts in yen.
	SaleTotals = importplan.Totals
	// ImportedItem is one line item (受注明細) of a sale.
	ImportedItem = importplan.Item
)

// ImportTotals counts the sales of an import by outcome. Fetched is their sum.
// (Stored in the runs table as import_* columns.)
type ImportTotals struct {
	Fetched   int `json:"fetched" gorm:"not null;default:0"`
	Created   int `json:"created" gorm:"not null;default:0"`
	Updated   int `json:"updated" gorm:"not null;default:0"`
	Unchanged int `json:"unchanged" gorm:"not null;default:0"`
	Cancelled int `json:"cancelled" gorm:"not null;default:0"`
	Flagged   int `json:"flagged" gorm:"not null;default:0"`
}

// ImportRun is an import's entry of the run log with its exact counts.
type ImportRun struct {
	Run
	Import    ImportTotals `json:"import"`
	Watermark *time.Time   `json:"watermark,omitempty"` // where the next import starts; set when completed
}

// StartImport records the start of an import run (kind "import"; WindowDays is
// the number of days imported) and returns its id; idempotent on r.RunKey.
func (s *Store) StartImport(ctx context.Context, r Run) (int64, error) {
	r.Kind = KindImport
	return s.StartRun(ctx, r)
}

// ImportWatermark returns the watermark of the shop's last completed import:
// sales updated on ColorMe since then may not be in the OMS yet. ok is false
// when no import has completed.
func (s *Store) ImportWatermark(ctx context.Context, shopID string) (wm time.Time, ok bool, err error) {
	var got []*time.Time
	err = s.db.WithContext(ctx).Model(&runRow{}).
		Where("shop_id = ? AND kind = ? AND status = ? AND watermark IS NOT NULL", shopID, KindImport, RunCompleted).
		Order("watermark DESC").Limit(1).Pluck("watermark", &got).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the import watermark of shop %q: %w", shopID, err)
	}
	if len(got) == 0 || got[0] == nil {
		return time.Time{}, false, nil
	}
	return got[0].UTC(), true, nil
}

// ApplyImport upserts one page of ColorMe sales into the shop's orders, in one
// transaction, by the import rules:
//   - a new sale becomes an order 新規受付 (キャンセル when already cancelled) with
//     its deliveries;
//   - a sale newly cancelled on ColorMe makes the order キャンセル, unless the OMS
//     shipped it (status 出荷済み/完了, or a delivery has a tracking number or ship
//     date): then the order is kept and flagged with the reason;
//   - deliveries added, changed (name, prefecture, address, method) or removed on
//     ColorMe are reflected; a removed delivery that holds a tracking number or
//     ship date is kept and the order flagged;
//   - the OMS's own data — status (other than that cancellation), tracking
//     numbers, ship dates, bundles — is never touched.
//
// updated_at moves to now only when something the export depends on changed (a
// new order, a cancellation, deliveries, the order date); a sale with nothing new
// is not written at all. Each changed sale gets one outcome row in the run
// (the first one wins), so a page applied twice — a retried activity, or a sale
// seen on two pages — is counted once. The returned totals count this call's
// sales, leaving out those already counted in the run.
//
// A sale that cannot be stored (see validImport) is not imported: it is counted
// and recorded as flagged with the reason, and an existing order of that sale
// gets the reason as its flag (updated_at unchanged); the rest of the page is
// imported, so one bad sale never blocks the import or its watermark.
func (s *Store) ApplyImport(ctx context.Context, shopID string, runID int64, sales []ImportedSale, now time.Time) (ImportTotals, error) {
	t, _, err := s.ApplyImportIDs(ctx, shopID, runID, sales, now)
	return t, err
}

// ApplyImportIDs is ApplyImport that also returns the ids of the sales it
// counted as unchanged (they leave no outcome row, so a caller that may read a
// sale twice in one run dedupes them itself).
func (s *Store) ApplyImportIDs(ctx context.Context, shopID string, runID int64, sales []ImportedSale, now time.Time) (ImportTotals, []int64, error) {
	sales, invalid := importplan.Validate(sales)
	if len(sales) == 0 && len(invalid) == 0 {
		return ImportTotals{}, nil, nil
	}
	var pg importPage
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		pg = importPage{shopID: shopID, runID: runID, now: schema.UTC(now)}
		return pg.apply(tx, sales, invalid)
	})
	if err != nil {
		return ImportTotals{}, nil, fmt.Errorf("importing %d sales into shop %q: %w", len(sales), shopID, err)
	}
	return pg.totals, pg.unchanged, nil
}

// importPage is one ApplyImportIDs transaction: the orders it locked and read,
// and the sales it counted.
type importPage struct {
	shopID string
	runID  int64
	now    time.Time

	orders map[int64]orderRow
	dels   map[int64][]deliveryRow
	items  map[int64][]itemRow
	seen   map[int64]bool // sales already counted in the run

	totals    ImportTotals
	unchanged []int64
	outcomes  []outcomeRow
}

// apply plans and writes each sale (importplan), flags the orders of invalid
// ones, and records the outcome of each sale not yet counted in the run.
func (pg *importPage) apply(tx *gorm.DB, sales []ImportedSale, invalid []importplan.Invalid) error {
	ids := make([]int64, 0, len(sales)+len(invalid))
	for _, sale := range sales {
		ids = append(ids, sale.SaleID)
	}
	for _, bad := range invalid {
		ids = append(ids, bad.SaleID)
	}
	if err := pg.read(tx, ids); err != nil {
		return err
	}
	for _, sale := range sales {
		p := importplan.New(sale, pg.now)
		o, ok := pg.orders[sale.SaleID]
		if ok {
			p = importplan.Update(o.plan(), storedDeliveries(pg.dels[sale.SaleID]), storedItems(pg.items[sale.SaleID]), sale, pg.now)
		}
		if err := writePlan(tx, pg.shopID, sale.SaleID, o.plan(), p, pg.now); err != nil {
			return err
		}
		pg.count(sale.SaleID, p.Outcome, strings.Join(p.Reasons, "; "))
	}
	for _, bad := range invalid {
		if o, ok := pg.orders[bad.SaleID]; ok {
			if reason, changed := importplan.FlagInvalid(o.plan(), bad.Reason); changed {
				err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", pg.shopID, bad.SaleID).
					Updates(map[string]any{"flag_reason": reason}).Error
				if err != nil {
					return err
				}
			}
		}
		pg.count(bad.SaleID, ImportFlagged, bad.Reason)
	}
	if len(pg.outcomes) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(pg.outcomes, batchSize).Error
}

// read locks the orders of the sales (so that an operator's change cannot
// interleave with the import's) and reads their deliveries, line items and
// which of them the run has counted already.
func (pg *importPage) read(tx *gorm.DB, ids []int64) error {
	var err error
	if pg.orders, err = lockRows(tx, pg.shopID, ids); err != nil {
		return err
	}
	if pg.dels, err = readDeliveries(tx, pg.shopID, ids); err != nil {
		return err
	}
	if pg.items, err = orderItems(tx, pg.shopID, ids); err != nil {
		return err
	}
	var counted []int64
	if err := tx.Model(&outcomeRow{}).Where("run_id = ? AND sale_id IN ?", pg.runID, ids).Pluck("sale_id", &counted).Error; err != nil {
		return err
	}
	pg.seen = make(map[int64]bool, len(counted))
	for _, id := range counted {
		pg.seen[id] = true
	}
	return nil
}

// count records a sale's outcome unless the run has counted the sale already
// (the first outcome wins); unchanged sales are counted without a row.
func (pg *importPage) count(saleID int64, outcome rules.Outcome, reason string) {
	if pg.seen[saleID] {
		return
	}
	pg.seen[saleID] = true
	pg.totals.add(outcome)
	if outcome == ImportUnchanged {
		pg.unchanged = append(pg.unchanged, saleID)
		return
	}
	pg.outcomes = append(pg.outcomes, outcomeRow{RunID: pg.runID, SaleID: saleID, ShopID: pg.shopID,
		Outcome: string(outcome), Reason: reason, At: pg.now})
}

// FinishImport closes an import run: status completed or failed, its totals
// (created, updated, cancelled and flagged counted from the run's outcome rows;
// unchanged as the workflow counted it) and, for a completed run, the
// watermark the next import starts from. The generic run totals are filled for
// `starter runs`: targets = fetched, updated = created + updated + cancelled,
// unchanged, skipped = flagged. Calling it again gives the same result.
func (s *Store) FinishImport(ctx context.Context, runID int64, unchanged int, status RunStatus, errMsg string, watermark *time.Time) (ImportTotals, error) {
	if status != RunCompleted && status != RunFailed {
		return ImportTotals{}, fmt.Errorf("finishing import run %d: status must be %q or %q, got %q", runID, RunCompleted, RunFailed, status)
	}
	var counts []struct {
		Outcome string
		N       int
	}
	db := s.db.WithContext(ctx)
	if err := db.Model(&outcomeRow{}).Select("outcome, count(*) AS n").Where("run_id = ?", runID).Group("outcome").Scan(&counts).Error; err != nil {
		return ImportTotals{}, fmt.Errorf("counting the outcomes of import run %d: %w", runID, err)
	}
	t := ImportTotals{Unchanged: unchanged}
	t.Fetched = unchanged
	for _, c := range counts {
		for i := 0; i < c.N; i++ {
			t.add(rules.Outcome(c.Outcome))
		}
	}
	cols := map[string]any{
		"finished_at": schema.UTC(time.Now()), "status": status, "error": errMsg,
		"targets": t.Fetched, "updated": t.Created + t.Updated + t.Cancelled, "unchanged": t.Unchanged,
		"skipped": t.Flagged, "failed": 0, "mails": 0,
		"import_fetched": t.Fetched, "import_created": t.Created, "import_updated": t.Updated,
		"import_unchanged": t.Unchanged, "import_cancelled": t.Cancelled, "import_flagged": t.Flagged,
	}
	if status == RunCompleted && watermark != nil {
		cols["watermark"] = schema.UTC(*watermark)
	}
	res := db.Model(&runRow{}).Where("id = ? AND kind = ?", runID, KindImport).Updates(cols)
	if res.Error != nil {
		return ImportTotals{}, fmt.Errorf("finishing import run %d: %w", runID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ImportTotals{}, fmt.Errorf("import run %d: %w", runID, ErrNotFound)
	}
	return t, nil
}

// ImportRun returns an import run with its exact counts and watermark.
func (s *Store) ImportRun(ctx context.Context, runID int64) (ImportRun, error) {
	var rows []runRow
	if err := s.db.WithContext(ctx).Where("id = ? AND kind = ?", runID, KindImport).Limit(1).Find(&rows).Error; err != nil {
		return ImportRun{}, fmt.Errorf("reading import run %d: %w", runID, err)
	}
	if len(rows) == 0 {
		return ImportRun{}, fmt.Errorf("import run %d: %w", runID, ErrNotFound)
	}
	return ImportRun{Run: rows[0].run(), Import: rows[0].Import, Watermark: schema.UTCPtr(rows[0].Watermark)}, nil
}

func (t *ImportTotals) add(outcome rules.Outcome) {
	t.Fetched++
	switch outcome {
	case ImportCreated:
		t.Created++
	case ImportUpdated:
		t.Updated++
	case ImportCancelled:
		t.Cancelled++
	case ImportFlagged:
		t.Flagged++
	default:
		t.Unchanged++
	}
}

// orderItems reads the line items of the shop's orders with the given sale ids.
func orderItems(tx *gorm.DB, shopID string, ids []int64) (map[int64][]itemRow, error) {
	var rows []itemRow
	if err := tx.Where("shop_id = ? AND sale_id IN ?", shopID, ids).Order("sale_id, detail_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64][]itemRow, len(rows))
	for _, r := range rows {
		out[r.SaleID] = append(out[r.SaleID], r)
	}
	return out, nil
}

// writePlan writes what the import planned for one sale: of an existing order
// (was), only the columns that change.
func writePlan(tx *gorm.DB, shopID string, saleID int64, was importplan.Order, p importplan.Plan, now time.Time) error {
	if p.Create {
		row := orderRow{ShopID: shopID, ImportedAt: &now}
		row.setImported(p.Order)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
	}
	if p.UpdateOrder {
		cols := changedCols(was, p.Order)
		if p.Touched {
			cols["updated_at"] = p.Order.UpdatedAt
		}
		cols["imported_at"] = now
		if err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, saleID).Updates(cols).Error; err != nil {
			return err
		}
	}
	if len(p.AddDeliveries) > 0 {
		rows := make([]deliveryRow, 0, len(p.AddDeliveries))
		for _, d := range p.AddDeliveries {
			rows = append(rows, withDestination(deliveryRow{ShopID: shopID, SaleID: saleID, DeliveryID: d.ID}, d))
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
	}
	for _, d := range p.UpdateDeliveries {
		err := tx.Model(&deliveryRow{}).Where("shop_id = ? AND sale_id = ? AND delivery_id = ?", shopID, saleID, d.ID).
			Updates(destinationCols(d)).Error
		if err != nil {
			return err
		}
	}
	if len(p.RemoveDeliveries) > 0 {
		if err := tx.Where("shop_id = ? AND sale_id = ? AND delivery_id IN ?", shopID, saleID, p.RemoveDeliveries).Delete(&deliveryRow{}).Error; err != nil {
			return err
		}
	}
	if !p.SetItems {
		return nil
	}
	if err := tx.Where("shop_id = ? AND sale_id = ?", shopID, saleID).Delete(&itemRow{}).Error; err != nil {
		return err
	}
	if len(p.Items) == 0 {
		return nil
	}
	rows := itemRows(shopID, saleID, p.Items)
	return tx.Create(&rows).Error
}

// itemRows are line items as the OMS stores them.
func itemRows(shopID string, saleID int64, items []importplan.Item) []itemRow {
	rows := make([]itemRow, 0, len(items))
	for _, it := range items {
		rows = append(rows, itemRow{ShopID: shopID, SaleID: saleID, DetailID: it.ID, DeliveryID: it.DeliveryID, ProductID: it.ProductID,
			Name: it.Name, Option: it.Option, Quantity: it.Quantity, Price: it.Price, Subtotal: it.Subtotal})
	}
	return rows
}

// detailCols are the order columns of a sale's details (customer, payment,
// memo, totals), as the import writes them.
func detailCols(sale ImportedSale) map[string]any {
	t := sale.Totals
	return map[string]any{"full_import": true, "customer_name": sale.Customer.Name, "customer_furigana": sale.Customer.Furigana,
		"customer_mail": sale.Customer.Mail, "customer_tel": sale.Customer.Tel, "payment_id": sale.PaymentID, "colorme_paid": sale.Paid, "memo": sale.Memo,
		"product_total_price": t.ProductTotal, "delivery_total_charge": t.DeliveryCharge, "fee": t.Fee, "tax": t.Tax, "total_price": t.Total}
}

// plan is the order as the import rules see it.
func (o orderRow) plan() importplan.Order {
	return importplan.Order{SaleID: o.SaleID, Status: o.Status, OrderedAt: o.OrderedAt, UpdatedAt: o.UpdatedAt,
		ColormeCanceled: o.ColormeCanceled, FlagReason: o.FlagReason, ColormeParentSaleID: o.ColormeParentSaleID,
		FullImport: o.FullImport, PaymentID: o.PaymentID, Paid: o.ColormePaid, Memo: o.Memo, Totals: o.Totals,
		Customer: importplan.Customer{Name: o.CustomerName, Furigana: o.CustomerFurigana, Mail: o.CustomerMail, Tel: o.CustomerTel}}
}

// setImported sets the columns the import writes from p.
func (o *orderRow) setImported(p importplan.Order) {
	o.SaleID, o.Status, o.OrderedAt, o.UpdatedAt = p.SaleID, p.Status, p.OrderedAt, p.UpdatedAt
	o.ColormeCanceled, o.FlagReason, o.ColormeParentSaleID = p.ColormeCanceled, p.FlagReason, p.ColormeParentSaleID
	o.FullImport, o.PaymentID, o.ColormePaid, o.Memo, o.Totals = p.FullImport, p.PaymentID, p.Paid, p.Memo, p.Totals
	o.CustomerName, o.CustomerFurigana, o.CustomerMail, o.CustomerTel = p.Customer.Name, p.Customer.Furigana, p.Customer.Mail, p.Customer.Tel
}

// importedCols are the order columns the import writes, from p.
func importedCols(p importplan.Order) map[string]any {
	t, c := p.Totals, p.Customer
	return map[string]any{"status": p.Status, "ordered_at": p.OrderedAt, "updated_at": p.UpdatedAt,
		"colorme_canceled": p.ColormeCanceled, "flag_reason": p.FlagReason, "colorme_parent_sale_id": p.ColormeParentSaleID,
		"full_import": p.FullImport, "customer_name": c.Name, "customer_furigana": c.Furigana,
		"customer_mail": c.Mail, "customer_tel": c.Tel, "payment_id": p.PaymentID, "colorme_paid": p.Paid, "memo": p.Memo,
		"product_total_price": t.ProductTotal, "delivery_total_charge": t.DeliveryCharge, "fee": t.Fee, "tax": t.Tax, "total_price": t.Total}
}

// changedCols are the columns the import writes that differ between was and now.
func changedCols(was, now importplan.Order) map[string]any {
	before, out := importedCols(was), importedCols(now)
	for k, v := range out {
		if sameValue(before[k], v) {
			delete(out, k)
		}
	}
	return out
}

func sameValue(a, b any) bool {
	switch a := a.(type) {
	case time.Time:
		return a.Equal(b.(time.Time))
	case *int64:
		b := b.(*int64)
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return *a == *b
	}
	return a == b
}

// storedDeliveries are an order's deliveries as the import rules see them.
func storedDeliveries(rows []deliveryRow) []importplan.StoredDelivery {
	out := make([]importplan.StoredDelivery, 0, len(rows))
	for _, d := range rows {
		out = append(out, importplan.StoredDelivery{SlipNumber: d.SlipNumber, ShippedOn: string(d.ShippedOn),
			Delivery: importplan.Delivery{ID: d.DeliveryID, MethodID: d.DeliveryMethodID, Name: d.Name, PrefName: d.PrefName,
				Address1: d.Address1, Furigana: d.Furigana, Postal: d.Postal, Address2: d.Address2, Tel: d.Tel,
				PreferredDate: d.PreferredDate, PreferredPeriod: d.PreferredPeriod}})
	}
	return out
}

// storedItems are an order's line items as the import rules see them.
func storedItems(rows []itemRow) []importplan.Item {
	out := make([]importplan.Item, 0, len(rows))
	for _, r := range rows {
		out = append(out, importplan.Item{ID: r.DetailID, DeliveryID: r.DeliveryID, ProductID: r.ProductID,
			Name: r.Name, Option: r.Option, Quantity: r.Quantity, Price: r.Price, Subtotal: r.Subtotal})
	}
	return out
}

// withDestination returns cur with ColorMe's destination and method.
func withDestination(cur deliveryRow, d ImportedDelivery) deliveryRow {
	cur.Name, cur.PrefName, cur.Address1, cur.DeliveryMethodID = d.Name, d.PrefName, d.Address1, d.MethodID
	cur.Furigana, cur.Postal, cur.Address2, cur.Tel = d.Furigana, d.Postal, d.Address2, d.Tel
	cur.PreferredDate, cur.PreferredPeriod = d.PreferredDate, d.PreferredPeriod
	return cur
}

// destinationCols are the columns of a delivery ColorMe owns.
func destinationCols(d ImportedDelivery) map[string]any {
	return map[string]any{"name": d.Name, "pref_name": d.PrefName, "address1": d.Address1, "delivery_method_id": d.MethodID,
		"furigana": d.Furigana, "postal": d.Postal, "address2": d.Address2, "tel": d.Tel,
		"preferred_date": d.PreferredDate, "preferred_period": d.PreferredPeriod}
}
