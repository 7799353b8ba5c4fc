package stock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// Reasons of stock movements (shown to staff as they are).
const (
	ReasonFile     = "在庫取込"   // the warehouse stock file
	ReasonShipment = "出荷"     // a shipped order's units left the warehouse
	ReasonEdit     = "在庫数の修正" // edited by hand
)

// Movement is one change of a SKU's on-hand quantity.
type Movement struct {
	SKU    string    `json:"sku"`
	Delta  int64     `json:"delta"`
	OnHand int64     `json:"on_hand"` // after the change
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// Level is a SKU's stock in the OMS.
type Level struct {
	SKU       string `json:"sku"`
	OnHand    int64  `json:"on_hand"`
	Open      int64  `json:"open"`      // units in imported orders neither shipped nor cancelled
	Available int64  `json:"available"` // OnHand − Open, never below 0
}

// SetOnHand sets the on-hand quantity of each SKU in counts, recording a
// movement for each change, all in one transaction (all or nothing). Shipped
// order lines not yet taken off on-hand are marked as taken: a count made now
// already lacks them.
func (s *Store) SetOnHand(ctx context.Context, shopID string, counts map[string]int64, actor, reason string) (changed int, err error) {
	now := time.Now().UTC()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for sku, n := range counts {
			var cur []LevelRow
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("shop_id = ? AND sku = ?", shopID, sku).Find(&cur).Error; err != nil {
				return err
			}
			old := int64(0)
			if len(cur) == 1 {
				old = cur[0].OnHand
				if old == n {
					continue
				}
			}
			if err := tx.Save(&LevelRow{ShopID: shopID, SKU: sku, OnHand: n, ChangedAt: now}).Error; err != nil {
				return err
			}
			if err := tx.Create(&MovementRow{ShopID: shopID, SKU: sku, Delta: n - old, OnHand: n, Reason: reason, Actor: actor, At: now}).Error; err != nil {
				return err
			}
			changed++
		}
		if reason == ReasonFile {
			return markShipped(tx, shopID)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("setting the on-hand stock of %s: %w", shopID, err)
	}
	return changed, nil
}

// shippedStatuses are the OMS statuses whose units have left the warehouse.
var shippedStatuses = []string{rules.StatusShipped, rules.StatusCompleted}

// shippedLine is a shipped order line not yet taken off on-hand.
type shippedLine struct {
	SaleID, DetailID, ProductID, Quantity int64
	OptionText                            string
}

func pendingShipped(tx *gorm.DB, shopID string) ([]shippedLine, error) {
	var lines []shippedLine
	err := tx.Raw(`SELECT i.sale_id, i.detail_id, i.product_id, i.quantity, i.option_text
		FROM order_items i JOIN orders o ON o.shop_id = i.shop_id AND o.sale_id = i.sale_id
		WHERE i.shop_id = ? AND o.status IN ? AND NOT o.colorme_canceled
		AND NOT EXISTS (SELECT 1 FROM stock_deductions d WHERE d.shop_id = i.shop_id AND d.sale_id = i.sale_id AND d.detail_id = i.detail_id)`,
		shopID, shippedStatuses).Scan(&lines).Error
	return lines, err
}

func markShipped(tx *gorm.DB, shopID string) error {
	lines, err := pendingShipped(tx, shopID)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&DeductionRow{ShopID: shopID, SaleID: l.SaleID, DetailID: l.DetailID}).Error; err != nil {
			return err
		}
	}
	return nil
}

// TakeShipped takes the units of shipped order lines off on-hand (once per
// line), recording a movement per line. It returns the lines taken.
func (s *Store) TakeShipped(ctx context.Context, shopID string) (int, error) {
	units, err := s.Catalogue(ctx, shopID)
	if err != nil {
		return 0, err
	}
	mapped, _ := Classify(units)
	skuOf := skuIndex(mapped)
	now := time.Now().UTC()
	taken := 0
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		lines, err := pendingShipped(tx, shopID)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if err := tx.Create(&DeductionRow{ShopID: shopID, SaleID: l.SaleID, DetailID: l.DetailID}).Error; err != nil {
				return err
			}
			sku, ok := skuOf[lineKey{l.ProductID, l.OptionText}]
			if !ok {
				continue
			}
			var cur []LevelRow
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("shop_id = ? AND sku = ?", shopID, sku).Find(&cur).Error; err != nil {
				return err
			}
			if len(cur) == 0 {
				continue // no on-hand recorded for the SKU yet: the next stock file sets it
			}
			n := cur[0].OnHand - l.Quantity
			if err := tx.Model(&LevelRow{}).Where("shop_id = ? AND sku = ?", shopID, sku).
				Updates(map[string]any{"on_hand": n, "changed_at": now}).Error; err != nil {
				return err
			}
			if err := tx.Create(&MovementRow{ShopID: shopID, SKU: sku, Delta: -l.Quantity, OnHand: n,
				Reason: fmt.Sprintf("%s (受注 %d)", ReasonShipment, l.SaleID), Actor: "system", At: now}).Error; err != nil {
				return err
			}
			taken++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("taking shipped units off the stock of %s: %w", shopID, err)
	}
	return taken, nil
}

type lineKey struct {
	productID int64
	option    string
}

func skuIndex(mapped map[string]Unit) map[lineKey]string {
	out := make(map[lineKey]string, len(mapped))
	for sku, u := range mapped {
		out[lineKey{u.ProductID, u.OptionText()}] = sku
	}
	return out
}

// Levels returns the stock of every SKU that has an on-hand quantity:
// on-hand, units in open imported orders (neither shipped nor cancelled) and
// the available quantity.
func (s *Store) Levels(ctx context.Context, shopID string) (map[string]Level, error) {
	units, err := s.Catalogue(ctx, shopID)
	if err != nil {
		return nil, err
	}
	mapped, _ := Classify(units)
	skuOf := skuIndex(mapped)
	var rows []LevelRow
	if err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the stock of %s: %w", shopID, err)
	}
	out := make(map[string]Level, len(rows))
	for _, r := range rows {
		out[r.SKU] = Level{SKU: r.SKU, OnHand: r.OnHand}
	}
	var open []struct {
		ProductID  int64
		OptionText string
		Units      int64
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT i.product_id, i.option_text, SUM(i.quantity) AS units
		FROM order_items i JOIN orders o ON o.shop_id = i.shop_id AND o.sale_id = i.sale_id
		WHERE i.shop_id = ? AND o.status NOT IN ? AND NOT o.colorme_canceled
		GROUP BY i.product_id, i.option_text`, shopID, append([]string{rules.StatusCancelled}, shippedStatuses...)).Scan(&open).Error; err != nil {
		return nil, fmt.Errorf("counting the open order units of %s: %w", shopID, err)
	}
	for _, o := range open {
		sku, ok := skuOf[lineKey{o.ProductID, o.OptionText}]
		if !ok {
			continue
		}
		l, ok := out[sku]
		if !ok {
			continue
		}
		l.Open += o.Units
		out[sku] = l
	}
	for sku, l := range out {
		l.Available = max(l.OnHand-l.Open, 0)
		out[sku] = l
	}
	return out, nil
}

// Movements returns the last limit movements of a SKU ("" = all SKUs), newest first.
func (s *Store) Movements(ctx context.Context, shopID, sku string, limit int) ([]Movement, error) {
	db := s.db.WithContext(ctx).Where("shop_id = ?", shopID)
	if sku != "" {
		db = db.Where("sku = ?", sku)
	}
	var rows []MovementRow
	if err := db.Order("id DESC").Limit(max(limit, 1)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the stock movements of %s: %w", shopID, err)
	}
	out := make([]Movement, len(rows))
	for i, r := range rows {
		out[i] = Movement{SKU: r.SKU, Delta: r.Delta, OnHand: r.OnHand, Reason: r.Reason, Actor: r.Actor, At: r.At}
	}
	return out, nil
}

// Write states of the ledger.
const (
	WritePending = "pending" // about to be sent
	WriteApplied = "applied" // ColorMe answered 200
	WriteUnclear = "unclear" // no clear answer: it may or may not have been applied
	WriteRefused = "refused" // ColorMe refused it (4xx): not applied
)

// RecordWrite adds (or updates, by push key) a write to the ledger.
func (s *Store) RecordWrite(ctx context.Context, shopID, pushKey string, k UnitKey, sku string, read, delta int64, state string) error {
	row := WriteRow{PushKey: pushKey, ShopID: shopID, ProductID: k.ProductID, Option1Value: k.Option1Value,
		Option2Value: k.Option2Value, SKU: sku, ReadValue: read, Delta: delta, State: state, WrittenAt: time.Now().UTC()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "push_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"state", "written_at"})}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("recording stock write %s: %w", pushKey, err)
	}
	return nil
}

// Writes returns the shop's ledger, oldest first.
func (s *Store) Writes(ctx context.Context, shopID string) ([]WriteRow, error) {
	var rows []WriteRow
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Order("written_at, push_key").Find(&rows).Error
	return rows, err
}

// LastWrite is when the shop's last stock write to ColorMe was sent or
// answered; zero when never.
func (s *Store) LastWrite(ctx context.Context, shopID string) (time.Time, error) {
	var rows []WriteRow
	if err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Order("written_at DESC").Limit(1).Find(&rows).Error; err != nil {
		return time.Time{}, fmt.Errorf("reading the last stock write of %s: %w", shopID, err)
	}
	if len(rows) == 0 {
		return time.Time{}, nil
	}
	return rows[0].WrittenAt, nil
}

// ErrNoCatalogue means the shop's catalogue was never imported.
var ErrNoCatalogue = errors.New("the catalogue was never imported: run `starter stock catalogue -shop S` (商品情報を取得) first")
