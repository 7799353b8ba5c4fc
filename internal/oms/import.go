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
)

// Import outcomes of one sale (recorded in the run log for every sale the import
// changed; unchanged sales are only counted), of the same type as the export's.
const (
	ImportCreated   rules.Outcome = "created"   // a new order, 新規受付 (or キャンセル when ColorMe already cancelled it)
	ImportUpdated   rules.Outcome = "updated"   // ColorMe-owned data changed: deliveries, order date, split link
	ImportCancelled rules.Outcome = "cancelled" // cancelled on ColorMe: the order became キャンセル
	ImportFlagged   rules.Outcome = "flagged"   // kept as it is and flagged for the operator (see the reason)
	ImportUnchanged rules.Outcome = "unchanged"
)

// ImportWatermarkMargin is subtracted from an import's start to get its
// watermark: the next import asks ColorMe for sales updated since then. It covers
// clock skew between ColorMe and Temporal, ColorMe stamping update_date before its
// transaction commits, and sales skipped by offset paging while the list changed.
const ImportWatermarkMargin = 10 * time.Minute

// A sale ColorMe sent that cannot be stored (no id, no order date, a missing or
// repeated delivery id) does not stop the import: ApplyImport records it as
// flagged with the reason, flags the order when the OMS has it, and imports the
// rest of the page.

// ImportedSale is a ColorMe sale as the import stores it.
type ImportedSale struct {
	SaleID       int64              `json:"sale_id"`
	OrderedAt    time.Time          `json:"ordered_at"`     // make_date
	Canceled     bool               `json:"canceled"`       // cancelled on ColorMe
	ParentSaleID int64              `json:"parent_sale_id"` // segment.parent_sale_id; 0 or SaleID = not split
	Deliveries   []ImportedDelivery `json:"deliveries"`

	// Order details staff ship from (shown on the console's order page; the
	// export does not use them, so they never move updated_at).
	Customer  ImportedCustomer `json:"customer"`
	PaymentID int64            `json:"payment_id"` // payment_id (決済方法)
	Memo      string           `json:"memo"`       // the customer's memo (備考)
	Totals    SaleTotals       `json:"totals"`
	Items     []ImportedItem   `json:"items"` // line items (受注明細)

	// MethodNames are the shop's delivery methods (配送方法) by id, when the
	// import could read them: a changed method is then described by name.
	// Missing names show as "method #N".
	MethodNames map[int64]string `json:"-"`
}

// ImportedDelivery is a ColorMe sale_delivery as the import stores it: the
// destination and method, never the tracking number (the OMS owns that).
type ImportedDelivery struct {
	ID       int64  `json:"id"`
	MethodID int64  `json:"method_id"` // delivery_id (配送方法)
	Name     string `json:"name"`
	PrefName string `json:"pref_name"`
	Address1 string `json:"address1"`

	Furigana        string `json:"furigana"`
	Postal          string `json:"postal"`           // 郵便番号
	Address2        string `json:"address2"`         // 住所2
	Tel             string `json:"tel"`              // 電話番号
	PreferredDate   string `json:"preferred_date"`   // お届け希望日, as ColorMe sends it
	PreferredPeriod string `json:"preferred_period"` // お届け希望時間帯
}

// ImportedCustomer is the sale's customer as the OMS keeps it.
type ImportedCustomer struct {
	Name     string `json:"name"`
	Furigana string `json:"furigana"`
	Mail     string `json:"mail"`
	Tel      string `json:"tel"`
}

// SaleTotals are a sale's amounts in yen (ColorMe's product_total_price,
// delivery_total_charge, fee, tax, total_price).
type SaleTotals struct {
	ProductTotal   int64 `json:"product_total" gorm:"column:product_total_price;not null;default:0"`
	DeliveryCharge int64 `json:"delivery_charge" gorm:"column:delivery_total_charge;not null;default:0"`
	Fee            int64 `json:"fee" gorm:"column:fee;not null;default:0"`
	Tax            int64 `json:"tax" gorm:"column:tax;not null;default:0"`
	Total          int64 `json:"total" gorm:"column:total_price;not null;default:0"`
}

// ImportedItem is one line item (受注明細) of a sale.
type ImportedItem struct {
	ID         int64  `json:"id"`          // ColorMe detail id
	DeliveryID int64  `json:"delivery_id"` // sale_delivery_id
	ProductID  int64  `json:"product_id"`
	Name       string `json:"name"`   // the product name as ordered (pristine_product_full_name), else product_name
	Option     string `json:"option"` // option1_value / option2_value
	Quantity   int64  `json:"quantity"`
	Price      int64  `json:"price"`    // unit price (price)
	Subtotal   int64  `json:"subtotal"` // subtotal_price
}

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
	sales, invalid := validImport(sales)
	if len(sales) == 0 && len(invalid) == 0 {
		return ImportTotals{}, nil, nil
	}
	now = utc(now)
	ids := make([]int64, 0, len(sales)+len(invalid))
	for _, sale := range sales {
		ids = append(ids, sale.SaleID)
	}
	for _, bad := range invalid {
		ids = append(ids, bad.SaleID)
	}
	var totals ImportTotals
	var unchanged []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		totals = ImportTotals{}
		unchanged = nil
		orders, dels, err := lockOrders(tx, shopID, ids)
		if err != nil {
			return err
		}
		items, err := orderItems(tx, shopID, ids)
		if err != nil {
			return err
		}
		var counted []int64
		if err := tx.Model(&outcomeRow{}).Where("run_id = ? AND sale_id IN ?", runID, ids).Pluck("sale_id", &counted).Error; err != nil {
			return err
		}
		seen := make(map[int64]bool, len(counted))
		for _, id := range counted {
			seen[id] = true
		}
		var outcomes []outcomeRow
		for _, sale := range sales {
			var p importPlan
			if o, ok := orders[sale.SaleID]; ok {
				p = planUpdate(o, dels[sale.SaleID], items[sale.SaleID], sale, now)
			} else {
				p = planCreate(shopID, sale, now)
			}
			if err := p.apply(tx, shopID, sale.SaleID, now); err != nil {
				return err
			}
			if seen[sale.SaleID] {
				continue // already counted in this run
			}
			seen[sale.SaleID] = true
			totals.add(p.outcome)
			if p.outcome == ImportUnchanged {
				unchanged = append(unchanged, sale.SaleID)
			} else {
				outcomes = append(outcomes, outcomeRow{RunID: runID, SaleID: sale.SaleID, ShopID: shopID,
					Outcome: string(p.outcome), Reason: strings.Join(p.reasons, "; "), At: now})
			}
		}
		for _, bad := range invalid {
			if o, ok := orders[bad.SaleID]; ok && !strings.Contains(o.FlagReason, bad.Reason) {
				err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, bad.SaleID).
					Updates(map[string]any{"flag_reason": joinReason(o.FlagReason, bad.Reason)}).Error
				if err != nil {
					return err
				}
			}
			if seen[bad.SaleID] {
				continue // already counted in this run
			}
			seen[bad.SaleID] = true
			totals.add(ImportFlagged)
			outcomes = append(outcomes, outcomeRow{RunID: runID, SaleID: bad.SaleID, ShopID: shopID,
				Outcome: string(ImportFlagged), Reason: bad.Reason, At: now})
		}
		if len(outcomes) == 0 {
			return nil
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(outcomes, batchSize).Error
	})
	if err != nil {
		return ImportTotals{}, nil, fmt.Errorf("importing %d sales into shop %q: %w", len(sales), shopID, err)
	}
	return totals, unchanged, nil
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
		"finished_at": utc(time.Now()), "status": status, "error": errMsg,
		"targets": t.Fetched, "updated": t.Created + t.Updated + t.Cancelled, "unchanged": t.Unchanged,
		"skipped": t.Flagged, "failed": 0, "mails": 0,
		"import_fetched": t.Fetched, "import_created": t.Created, "import_updated": t.Updated,
		"import_unchanged": t.Unchanged, "import_cancelled": t.Cancelled, "import_flagged": t.Flagged,
	}
	if status == RunCompleted && watermark != nil {
		cols["watermark"] = utc(*watermark)
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
	return ImportRun{Run: rows[0].run(), Import: rows[0].Import, Watermark: utcPtr(rows[0].Watermark)}, nil
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

// invalidSale is a sale ColorMe sent that the import cannot store, and why.
type invalidSale struct {
	SaleID int64
	Reason string
}

// validImport keeps the last of each sale id and splits the sales into those
// the import can store and those it cannot: a sale without a positive id, without
// an order date (make_date), or with a missing or repeated sale_delivery id. The
// reason is a stable sentence (the same data gives the same words), so an order
// is not flagged twice for it.
func validImport(sales []ImportedSale) ([]ImportedSale, []invalidSale) {
	type entry struct {
		sale   ImportedSale
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
	var ok []ImportedSale
	var bad []invalidSale
	for _, e := range all {
		if e.reason == "" {
			ok = append(ok, e.sale)
		} else {
			bad = append(bad, invalidSale{SaleID: e.sale.SaleID, Reason: e.reason})
		}
	}
	return ok, bad
}

// invalidReason says why the import cannot store sale, or "" when it can.
func invalidReason(sale ImportedSale) string {
	const tail = "; this sale was not imported (the rest of the import went on): check it on ColorMe, and report it to ColorMe support if its data stays so; the next import reads it again"
	switch {
	case sale.SaleID <= 0:
		return fmt.Sprintf("ColorMe sent a sale with the invalid id %d (sale ids are positive)%s", sale.SaleID, tail)
	case sale.OrderedAt.IsZero() || sale.OrderedAt.Unix() <= 0:
		return "ColorMe sent this sale without an order date (make_date)" + tail
	}
	seen := make(map[int64]bool, len(sale.Deliveries))
	for _, d := range sale.Deliveries {
		switch {
		case d.ID <= 0:
			return fmt.Sprintf("ColorMe sent this sale with an invalid sale_delivery id %d%s", d.ID, tail)
		case seen[d.ID]:
			return fmt.Sprintf("ColorMe sent this sale with the sale_delivery id %d twice%s", d.ID, tail)
		}
		seen[d.ID] = true
	}
	return ""
}

// lockOrders reads the shop's orders with the given sale ids and their
// deliveries, locking the order rows (PostgreSQL; SQLite has one writer anyway)
// so that an operator's change cannot interleave with the import's.
func lockOrders(tx *gorm.DB, shopID string, ids []int64) (map[int64]orderRow, map[int64][]deliveryRow, error) {
	var rows []orderRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("shop_id = ? AND sale_id IN ?", shopID, ids).
		Order("sale_id").Find(&rows).Error
	if err != nil {
		return nil, nil, err
	}
	orders := make(map[int64]orderRow, len(rows))
	for _, r := range rows {
		orders[r.SaleID] = r
	}
	var ds []deliveryRow
	if err := tx.Where("shop_id = ? AND sale_id IN ?", shopID, ids).Order("sale_id, delivery_id").Find(&ds).Error; err != nil {
		return nil, nil, err
	}
	dels := make(map[int64][]deliveryRow, len(rows))
	for _, d := range ds {
		dels[d.SaleID] = append(dels[d.SaleID], d)
	}
	return orders, dels, nil
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

// importPlan is what the import writes for one sale.
type importPlan struct {
	outcome   rules.Outcome
	reasons   []string
	create    *orderRow
	orderCols map[string]any // updates of an existing order
	addDels   []deliveryRow
	updDels   []deliveryRow // destination columns only
	delDels   []int64
	items     []itemRow // replace the order's line items with these
	setItems  bool
}

func (p *importPlan) apply(tx *gorm.DB, shopID string, saleID int64, now time.Time) error {
	if p.create != nil {
		if err := tx.Create(p.create).Error; err != nil {
			return err
		}
	}
	if len(p.orderCols) > 0 {
		p.orderCols["imported_at"] = now
		if err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, saleID).Updates(p.orderCols).Error; err != nil {
			return err
		}
	}
	if len(p.addDels) > 0 {
		if err := tx.Create(&p.addDels).Error; err != nil {
			return err
		}
	}
	for _, d := range p.updDels {
		err := tx.Model(&deliveryRow{}).Where("shop_id = ? AND sale_id = ? AND delivery_id = ?", shopID, saleID, d.DeliveryID).
			Updates(destinationCols(d)).Error
		if err != nil {
			return err
		}
	}
	if len(p.delDels) > 0 {
		if err := tx.Where("shop_id = ? AND sale_id = ? AND delivery_id IN ?", shopID, saleID, p.delDels).Delete(&deliveryRow{}).Error; err != nil {
			return err
		}
	}
	if p.setItems {
		if err := tx.Where("shop_id = ? AND sale_id = ?", shopID, saleID).Delete(&itemRow{}).Error; err != nil {
			return err
		}
		if len(p.items) > 0 {
			return tx.Create(&p.items).Error
		}
	}
	return nil
}

// destinationCols are the columns of a delivery ColorMe owns.
func destinationCols(d deliveryRow) map[string]any {
	return map[string]any{"name": d.Name, "pref_name": d.PrefName, "address1": d.Address1, "delivery_method_id": d.DeliveryMethodID,
		"furigana": d.Furigana, "postal": d.Postal, "address2": d.Address2, "tel": d.Tel,
		"preferred_date": d.PreferredDate, "preferred_period": d.PreferredPeriod}
}

// detailCols are the order columns of a sale's details (customer, payment,
// memo, totals).
func detailCols(sale ImportedSale) map[string]any {
	t := sale.Totals
	return map[string]any{"full_import": true, "customer_name": sale.Customer.Name, "customer_furigana": sale.Customer.Furigana,
		"customer_mail": sale.Customer.Mail, "customer_tel": sale.Customer.Tel, "payment_id": sale.PaymentID, "memo": sale.Memo,
		"product_total_price": t.ProductTotal, "delivery_total_charge": t.DeliveryCharge, "fee": t.Fee, "tax": t.Tax, "total_price": t.Total}
}

// detailsOf reads an order's details back in the shape of detailCols.
func detailsOf(o orderRow) map[string]any {
	t := o.Totals
	return map[string]any{"full_import": o.FullImport, "customer_name": o.CustomerName, "customer_furigana": o.CustomerFurigana,
		"customer_mail": o.CustomerMail, "customer_tel": o.CustomerTel, "payment_id": o.PaymentID, "memo": o.Memo,
		"product_total_price": t.ProductTotal, "delivery_total_charge": t.DeliveryCharge, "fee": t.Fee, "tax": t.Tax, "total_price": t.Total}
}

func newItems(shopID string, saleID int64, items []ImportedItem) []itemRow {
	out := make([]itemRow, 0, len(items))
	seen := map[int64]bool{}
	for _, it := range items {
		if seen[it.ID] {
			continue // ColorMe repeated a detail id: keep the first
		}
		seen[it.ID] = true
		out = append(out, itemRow{ShopID: shopID, SaleID: saleID, DetailID: it.ID, DeliveryID: it.DeliveryID, ProductID: it.ProductID,
			Name: it.Name, Option: it.Option, Quantity: it.Quantity, Price: it.Price, Subtotal: it.Subtotal})
	}
	slices.SortFunc(out, func(a, b itemRow) int { return cmp.Compare(a.DetailID, b.DetailID) })
	return out
}

func planCreate(shopID string, sale ImportedSale, now time.Time) importPlan {
	row := orderRow{ShopID: shopID, SaleID: sale.SaleID, Status: rules.StatusNew, OrderedAt: utc(sale.OrderedAt),
		UpdatedAt: now, ColormeCanceled: sale.Canceled, ImportedAt: &now, ColormeParentSaleID: splitParent(sale),
		FullImport: true, CustomerName: sale.Customer.Name, CustomerFurigana: sale.Customer.Furigana, CustomerMail: sale.Customer.Mail,
		CustomerTel: sale.Customer.Tel, PaymentID: sale.PaymentID, Memo: sale.Memo, Totals: sale.Totals}
	p := importPlan{outcome: ImportCreated, create: &row, items: newItems(shopID, sale.SaleID, sale.Items)}
	p.setItems = len(p.items) > 0
	if sale.Canceled {
		row.Status = rules.StatusCancelled
		p.reasons = append(p.reasons, "already cancelled on ColorMe: created as キャンセル")
	}
	if row.ColormeParentSaleID != nil {
		p.reasons = append(p.reasons, fmt.Sprintf("split from sale %d (分割受注)", *row.ColormeParentSaleID))
	}
	for _, d := range sale.Deliveries {
		p.addDels = append(p.addDels, newDelivery(shopID, sale.SaleID, d))
	}
	return p
}

// planUpdate compares an existing order with the sale as ColorMe shows it now.
func planUpdate(o orderRow, dels []deliveryRow, items []itemRow, sale ImportedSale, now time.Time) importPlan {
	p := importPlan{outcome: ImportUnchanged, orderCols: map[string]any{}}
	touch := false // something the export depends on changed: move updated_at
	var flags []string
	// An order imported before the full import (FullImport false) gets its new
	// fields filled in: not a change of its destination.
	filling := !o.FullImport
	shipped := shippedWhy(o, dels)

	// Customer, payment, memo, totals and line items: shown to staff, not
	// used by the export, so they never move updated_at.
	want, have := detailCols(sale), detailsOf(o)
	var changed []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if want[k] != have[k] {
			p.orderCols[k] = want[k]
			if k != "full_import" {
				changed = append(changed, k)
			}
		}
	}
	if ni := newItems(o.ShopID, o.SaleID, sale.Items); !slices.Equal(ni, items) {
		p.items, p.setItems = ni, true
		changed = append(changed, "line items")
	}
	switch {
	case filling:
		p.reasons = append(p.reasons, "order details imported (customer, line items, totals, payment, memo, full destinations)")
	case len(changed) > 0:
		p.reasons = append(p.reasons, "order details changed on ColorMe: "+strings.Join(changed, ", "))
	}

	if ordered := utc(sale.OrderedAt); !o.OrderedAt.Equal(ordered) {
		p.orderCols["ordered_at"] = ordered
		p.reasons = append(p.reasons, fmt.Sprintf("order date %s → %s", jstTime(o.OrderedAt), jstTime(ordered)))
		touch = true
	}
	if parent := splitParent(sale); !equalPtr(o.ColormeParentSaleID, parent) {
		p.orderCols["colorme_parent_sale_id"] = parent
		if parent != nil {
			p.reasons = append(p.reasons, fmt.Sprintf("split from sale %d (分割受注)", *parent))
		} else {
			p.reasons = append(p.reasons, "no longer split from another sale")
		}
	}

	// Deliveries: ColorMe owns the destination and method, the OMS the rest.
	existing := make(map[int64]deliveryRow, len(dels))
	for _, d := range dels {
		existing[d.DeliveryID] = d
	}
	onColorMe := make(map[int64]bool, len(sale.Deliveries))
	for _, d := range sale.Deliveries {
		onColorMe[d.ID] = true
		cur, ok := existing[d.ID]
		if !ok {
			p.addDels = append(p.addDels, newDelivery(o.ShopID, o.SaleID, d))
			p.reasons = append(p.reasons, fmt.Sprintf("delivery %d added (%s %s)", d.ID, d.Name, d.PrefName))
			touch = true
			continue
		}
		if diff, moved := destinationDiff(cur, d, sale.MethodNames, filling); diff != "" || filling && cur != withDestination(cur, d) {
			if moved && shipped != "" {
				// Applied (the OMS shows ColorMe's destination), never silently.
				flags = append(flags, fmt.Sprintf("address changed after shipping: delivery %d: %s (the order was shipped: %s): check with the customer and the carrier where the parcel went",
					d.ID, diff, shipped))
			} else if diff != "" {
				p.reasons = append(p.reasons, fmt.Sprintf("delivery %d: %s", d.ID, diff))
			}
			p.updDels = append(p.updDels, withDestination(cur, d))
			touch = touch || diff != ""
		}
	}
	for _, d := range dels {
		if onColorMe[d.DeliveryID] {
			continue
		}
		if d.SlipNumber == "" && d.ShippedOn == "" {
			p.delDels = append(p.delDels, d.DeliveryID)
			p.reasons = append(p.reasons, fmt.Sprintf("delivery %d removed on ColorMe", d.DeliveryID))
			touch = true
			continue
		}
		flags = append(flags, fmt.Sprintf("delivery %d was removed on ColorMe but holds tracking number %q / ship date %q in the OMS: check the sale on ColorMe; the export fails for this order until the delivery ids agree",
			d.DeliveryID, d.SlipNumber, string(d.ShippedOn)))
	}

	// Cancellation, acted on when ColorMe's flag changes, so that an operator's
	// later decision (any status) is never undone by the next import.
	cancelled := false
	switch {
	case sale.Canceled && !o.ColormeCanceled:
		p.orderCols["colorme_canceled"] = true
		switch {
		case o.Status == rules.StatusCancelled:
			p.reasons = append(p.reasons, "cancelled on ColorMe (already キャンセル in the OMS)")
		case shippedInOMS(o, dels):
			flags = append(flags, fmt.Sprintf("cancelled on ColorMe after the OMS shipped it (%s): the order was kept; check with the customer and the carrier, then set its status",
				shippedWhy(o, dels)))
		default:
			p.orderCols["status"] = rules.StatusCancelled
			p.reasons = append(p.reasons, fmt.Sprintf("cancelled on ColorMe: %s → キャンセル", label(o.Status)))
			touch, cancelled = true, true
		}
	case !sale.Canceled && o.ColormeCanceled:
		p.orderCols["colorme_canceled"] = false
		if o.Status == rules.StatusCancelled {
			flags = append(flags, "the cancellation was withdrawn on ColorMe but the order stays キャンセル in the OMS: set its status if it should ship")
		} else {
			p.reasons = append(p.reasons, "the cancellation was withdrawn on ColorMe")
		}
	}

	newFlag := false
	reason := o.FlagReason
	for _, f := range flags {
		if !strings.Contains(reason, f) {
			reason = joinReason(reason, f)
			newFlag = true
		}
	}
	if newFlag {
		p.orderCols["flag_reason"] = reason
	}
	p.reasons = append(p.reasons, flags...)

	if touch {
		p.orderCols["updated_at"] = now
	}
	switch {
	case cancelled:
		p.outcome = ImportCancelled
	case newFlag:
		p.outcome = ImportFlagged
	case len(p.orderCols) > 0 || len(p.addDels) > 0 || len(p.updDels) > 0 || len(p.delDels) > 0:
		p.outcome = ImportUpdated
	default:
		p.orderCols = nil
		p.reasons = nil
	}
	return p
}

func newDelivery(shopID string, saleID int64, d ImportedDelivery) deliveryRow {
	return withDestination(deliveryRow{ShopID: shopID, SaleID: saleID, DeliveryID: d.ID}, d)
}

// withDestination returns cur with ColorMe's destination and method.
func withDestination(cur deliveryRow, d ImportedDelivery) deliveryRow {
	cur.Name, cur.PrefName, cur.Address1, cur.DeliveryMethodID = d.Name, d.PrefName, d.Address1, d.MethodID
	cur.Furigana, cur.Postal, cur.Address2, cur.Tel = d.Furigana, d.Postal, d.Address2, d.Tel
	cur.PreferredDate, cur.PreferredPeriod = d.PreferredDate, d.PreferredPeriod
	return cur
}

// destinationDiff describes what changed in a delivery's destination or method,
// "" when nothing; moved says the address itself changed (name, postal code,
// prefecture, address, tel). With filling (the order was imported before these
// fields were), the fields it did not have yet are not compared.
func destinationDiff(cur deliveryRow, d ImportedDelivery, methods map[int64]string, filling bool) (diff string, moved bool) {
	var parts []string
	field := func(label, was, now string, address bool) {
		if was != now {
			parts = append(parts, fmt.Sprintf("%s %q → %q", label, was, now))
			moved = moved || address
		}
	}
	field("name", cur.Name, d.Name, true)
	if cur.PrefName != d.PrefName {
		parts = append(parts, fmt.Sprintf("prefecture %s → %s", cur.PrefName, d.PrefName))
		moved = true
	}
	field("address", cur.Address1, d.Address1, true)
	if !filling {
		field("address2", cur.Address2, d.Address2, true)
		field("postal code", cur.Postal, d.Postal, true)
		field("tel", cur.Tel, d.Tel, true)
		field("furigana", cur.Furigana, d.Furigana, false)
		field("preferred date", cur.PreferredDate, d.PreferredDate, false)
		field("preferred time", cur.PreferredPeriod, d.PreferredPeriod, false)
	}
	if cur.DeliveryMethodID != d.MethodID {
		parts = append(parts, fmt.Sprintf("delivery method %s → %s", MethodName(cur.DeliveryMethodID, methods), MethodName(d.MethodID, methods)))
	}
	return strings.Join(parts, ", "), moved
}

// MethodName names a delivery method (配送方法) for the operator: its name where
// known ("宅急便 (ヤマト運輸) (#1)"), otherwise "method #1"; "none" for 0.
func MethodName(id int64, names map[int64]string) string {
	switch n := names[id]; {
	case id == 0:
		return "none"
	case n != "":
		return fmt.Sprintf("%s (#%d)", n, id)
	default:
		return fmt.Sprintf("method #%d", id)
	}
}

// shippedInOMS reports whether the OMS shipped the order: status 出荷済み or 完了,
// or a delivery with a tracking number or ship date.
func shippedInOMS(o orderRow, dels []deliveryRow) bool {
	return shippedWhy(o, dels) != ""
}

func shippedWhy(o orderRow, dels []deliveryRow) string {
	var why []string
	if o.Status == rules.StatusShipped || o.Status == rules.StatusCompleted {
		why = append(why, "status "+label(o.Status))
	}
	for _, d := range dels {
		if d.SlipNumber != "" {
			why = append(why, fmt.Sprintf("delivery %d has tracking number %s", d.DeliveryID, d.SlipNumber))
		} else if d.ShippedOn != "" {
			why = append(why, fmt.Sprintf("delivery %d has ship date %s", d.DeliveryID, d.ShippedOn))
		}
	}
	return strings.Join(why, ", ")
}

func splitParent(sale ImportedSale) *int64 {
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

func joinReason(cur, add string) string {
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
