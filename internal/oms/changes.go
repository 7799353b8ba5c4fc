package oms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// TriggerChange is the trigger of an incremental export started by a change in
// the OMS (変更時にすぐ書き出す).
const TriggerChange Trigger = "change"

// ExportWatermarkMargin is subtracted from an export's start to get its
// watermark: the next incremental export reads the orders updated since then.
// It covers clocks that differ between the hosts that edit orders (console,
// starter, worker) and the worker that starts the export, and a transaction
// that set updated_at but committed after the export started. Orders changed
// within the margin before a run are read again by the next one: in the same
// ColorMe read (one per 100 orders), and written only if ColorMe still differs.
const ExportWatermarkMargin = time.Minute

// SetExportWatermark records where the next incremental export starts should the
// run complete: the run's start minus ExportWatermarkMargin. Only real exports
// of every target set it (not dry runs, not runs limited to named sales); it
// counts once the run completed (ExportWatermark).
func (s *Store) SetExportWatermark(ctx context.Context, runID int64, wm time.Time) error {
	res := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ? AND kind = ?", runID, KindExport).Update("watermark", schema.UTC(wm))
	if res.Error != nil {
		return fmt.Errorf("setting the watermark of run %d: %w", runID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("export run %d: %w", runID, ErrNotFound)
	}
	return nil
}

// ExportWatermark returns the watermark of the shop's latest completed export
// that set one (a full or incremental export, not a dry run): an incremental
// export reads the target orders updated at or after it. ok is false when no
// such export completed yet; the first incremental export then reads every target.
func (s *Store) ExportWatermark(ctx context.Context, shopID string) (wm time.Time, ok bool, err error) {
	var got []time.Time
	err = s.db.WithContext(ctx).Model(&runRow{}).
		Where("shop_id = ? AND kind = ? AND status = ? AND dry_run = ? AND watermark IS NOT NULL", shopID, KindExport, RunCompleted, false).
		Order("watermark DESC").Limit(1).Pluck("watermark", &got).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the export watermark of shop %q: %w", shopID, err)
	}
	if len(got) == 0 {
		return time.Time{}, false, nil
	}
	return got[0].UTC(), true, nil
}

// PendingFailedQuery asks for the sales of a shop whose last export outcome was
// failed.
type PendingFailedQuery struct {
	ShopID     string
	AsOf       time.Time
	WindowDays int // only runs started inside the window count: older orders are no targets
	Limit      int // default and at most MaxTargetSaleIDs
}

// PendingFailed returns the sales whose last outcome in a real export (not a
// dry run) was failed, by sale id, at most q.Limit of them: an incremental
// export retries them even though their order did not change. Only runs
// started at or after the window's update bound (AsOf − WindowDays×24h) are
// read: a failure older than that belongs to an order that is no target any
// more, or was changed and exported since.
func (s *Store) PendingFailed(ctx context.Context, q PendingFailedQuery) ([]int64, error) {
	switch {
	case q.ShopID == "":
		return nil, errors.New("pending failed sales: shop id is missing")
	case q.AsOf.IsZero():
		return nil, errors.New("pending failed sales: as_of is missing")
	case !rules.ValidDays(q.WindowDays):
		return nil, fmt.Errorf("pending failed sales: window_days must be between %d and %d, got %d", rules.MinDays, rules.MaxDays, q.WindowDays)
	}
	if q.Limit <= 0 || q.Limit > MaxTargetSaleIDs {
		q.Limit = MaxTargetSaleIDs
	}
	_, since := rules.Window(q.AsOf, q.WindowDays)
	// The partial index run_outcomes_failed finds the failures; run_outcomes_sale
	// whether a later real export recorded anything else for the sale.
	const sql = `SELECT DISTINCT f.sale_id FROM run_outcomes f JOIN runs r ON r.id = f.run_id
WHERE f.shop_id = ? AND f.outcome = 'failed' AND r.kind = ? AND r.dry_run = ? AND r.started_at >= ?
AND NOT EXISTS (SELECT 1 FROM run_outcomes l JOIN runs lr ON lr.id = l.run_id
  WHERE l.shop_id = f.shop_id AND l.sale_id = f.sale_id AND l.run_id > f.run_id
  AND l.outcome <> 'failed' AND lr.kind = ? AND lr.dry_run = ?)
ORDER BY f.sale_id
LIMIT ?`
	var ids []int64
	err := s.db.WithContext(ctx).Raw(sql, q.ShopID, KindExport, false, schema.UTC(since), KindExport, false, q.Limit).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("reading the failed sales of shop %q: %w", q.ShopID, err)
	}
	return ids, nil
}
