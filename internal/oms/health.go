package oms

import (
	"context"
	"fmt"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// LastRun is when a shop's latest completed run of a kind finished.
type LastRun struct {
	ShopID     string
	Kind       Kind
	FinishedAt time.Time
}

// LastCompletedRuns returns, for every shop and kind, the latest completed run
// that was not a dry run (the metrics' and 稼働状況's "last export / import").
func (s *Store) LastCompletedRuns(ctx context.Context) ([]LastRun, error) {
	var rows []runRow
	latest := s.db.Model(&runRow{}).Select("MAX(id)").
		Where("status = ? AND dry_run = ?", RunCompleted, false).Group("shop_id, kind")
	if err := s.db.WithContext(ctx).Where("id IN (?)", latest).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the last completed runs: %w", err)
	}
	out := make([]LastRun, 0, len(rows))
	for _, r := range rows {
		if r.FinishedAt == nil {
			continue
		}
		out = append(out, LastRun{ShopID: r.ShopID, Kind: Kind(r.Kind), FinishedAt: r.FinishedAt.UTC()})
	}
	return out, nil
}

// ChangeLatencyQuery selects the sales that on-change exports wrote.
type ChangeLatencyQuery struct {
	RunID  int64     // one run; 0 = every on-change run of the shop
	ShopID string    // with RunID 0
	Since  time.Time // with RunID 0: outcomes at or after it
	Limit  int       // default 500, at most 5000
}

// ChangeLatency is one sale written by an on-change export: when it was
// written to ColorMe and how long after its change in the OMS.
type ChangeLatency struct {
	SaleID  int64
	At      time.Time
	Latency time.Duration
}

// ChangeLatencies returns the time from an order's change (its updated_at) to
// its write on ColorMe, for the sales on-change exports wrote, newest first.
// An order changed again since its write is left out (its updated_at is newer).
func (s *Store) ChangeLatencies(ctx context.Context, q ChangeLatencyQuery) ([]ChangeLatency, error) {
	q.Limit = schema.PageSize(q.Limit, 500, 5000)
	var rows []struct {
		SaleID    int64
		At        time.Time
		UpdatedAt time.Time
	}
	db := s.db.WithContext(ctx).Table("run_outcomes AS o").
		Select("o.sale_id AS sale_id, o.at AS at, d.updated_at AS updated_at").
		Joins("JOIN runs AS r ON r.id = o.run_id").
		Joins("JOIN orders AS d ON d.shop_id = o.shop_id AND d.sale_id = o.sale_id").
		Where(`r."trigger" = ? AND o.outcome = ? AND o.at IS NOT NULL`, TriggerChange, rules.OutcomeUpdated)
	if q.RunID != 0 {
		db = db.Where("o.run_id = ?", q.RunID)
	} else {
		db = db.Where("o.shop_id = ? AND o.at >= ?", q.ShopID, schema.UTC(q.Since))
	}
	if err := db.Order("o.at DESC").Limit(q.Limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the change latencies of shop %q: %w", q.ShopID, err)
	}
	out := make([]ChangeLatency, 0, len(rows))
	for _, r := range rows {
		if r.At.Before(r.UpdatedAt) {
			continue
		}
		out = append(out, ChangeLatency{SaleID: r.SaleID, At: r.At.UTC(), Latency: r.At.Sub(r.UpdatedAt)})
	}
	return out, nil
}
