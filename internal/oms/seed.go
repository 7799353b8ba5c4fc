package oms

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/importplan"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// SeedFromColorMe stores what ColorMe says about orders the OMS already has,
// as an earlier import would have: each delivery's destination and method
// (name, postal code, prefecture, address, tel, preferred date and time,
// delivery method), the order's details (customer, line items, totals,
// payment method, memo) and, for orders that are
// キャンセル in the OMS, ColorMe's cancellation. It moves no updated_at and
// records no run. It is for seeding a demo or test shop whose orders "came from"
// ColorMe, so that its first real import reports only real news instead of
// "updating" every order's destination.
func (s *Store) SeedFromColorMe(ctx context.Context, shopID string, sales []ImportedSale) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, sale := range sales {
			for _, d := range sale.Deliveries {
				err := tx.Model(&deliveryRow{}).Where("shop_id = ? AND sale_id = ? AND delivery_id = ?", shopID, sale.SaleID, d.ID).
					Updates(destinationCols(d)).Error
				if err != nil {
					return err
				}
			}
			res := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ?", shopID, sale.SaleID).Updates(detailCols(sale))
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue // not an order of the OMS
			}
			if err := tx.Where("shop_id = ? AND sale_id = ?", shopID, sale.SaleID).Delete(&itemRow{}).Error; err != nil {
				return err
			}
			if items := itemRows(shopID, sale.SaleID, importplan.Items(sale.Items)); len(items) > 0 {
				if err := tx.Create(&items).Error; err != nil {
					return err
				}
			}
			if sale.Canceled {
				err := tx.Model(&orderRow{}).Where("shop_id = ? AND sale_id = ? AND status = ?", shopID, sale.SaleID, rules.StatusCancelled).
					Update("colorme_canceled", true).Error
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seeding %d sales of shop %q from ColorMe: %w", len(sales), shopID, err)
	}
	return nil
}
