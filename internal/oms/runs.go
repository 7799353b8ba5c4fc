package oms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// Kind is what a run does: an export (the ShippingSync workflow) or an import.
type Kind string

// The run kinds; a shop's schedules come in the same two kinds.
const (
	KindExport Kind = "export"
	KindImport Kind = "import"
	KindStock  Kind = "stock" // 在庫連携: a stock push (internal/stock)
)

// Trigger says what started a run.
type Trigger string

// The triggers of a run.
const (
	TriggerManual    Trigger = "manual"
	TriggerScheduled Trigger = "scheduled"
)

// OrManual is t, or TriggerManual when t is empty (a run started without one).
func (t Trigger) OrManual() Trigger {
	if t == "" {
		return TriggerManual
	}
	return t
}

// RunStatus is the state of a run in the run log.
type RunStatus string

// The statuses of a run.
const (
	RunRunning   RunStatus = "running"
	RunCompleted RunStatus = "completed"
	RunFailed    RunStatus = "failed"
)

// Run is one entry of the run log (自動処理ログ): an import or export run of a shop.
type Run struct {
	ID              int64      `json:"id"`
	ShopID          string     `json:"shop_id"`
	Kind            Kind       `json:"kind"` // export or import
	WorkflowID      string     `json:"workflow_id"`
	RunKey          string     `json:"run_key"`              // idempotency key, unique
	Trigger         Trigger    `json:"trigger"`              // manual or scheduled
	StartedBy       string     `json:"started_by,omitempty"` // operator login of a manual run; "" = scheduled or unknown
	WindowDays      int        `json:"window_days"`
	RequireShipDate bool       `json:"require_ship_date"`
	SendMail        bool       `json:"send_mail"`
	DryRun          bool       `json:"dry_run"`
	AsOf            time.Time  `json:"as_of"`
	StartedAt       time.Time  `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	Status          RunStatus  `json:"status"` // running, completed or failed
	Error           string     `json:"error,omitempty"`
	Totals          RunTotals  `json:"totals"`
}

// RunTotals counts the orders of a run by outcome.
type RunTotals struct {
	Targets   int `json:"targets"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Failed    int `json:"failed"`
	Mails     int `json:"mails"`
}

// Outcome is what a run did with one order.
type Outcome struct {
	RunID   int64         `json:"run_id"`
	ShopID  string        `json:"shop_id"`
	SaleID  int64         `json:"sale_id"`
	Outcome rules.Outcome `json:"outcome"` // updated, unchanged, skipped, failed or planned
	Reason  string        `json:"reason,omitempty"`
	Sent    string        `json:"sent,omitempty"` // JSON of what was written
	Mailed  bool          `json:"mailed"`
	At      time.Time     `json:"at"`
}

// StartRun records the start of a run and returns its id. It is idempotent on
// RunKey: a second start with the same key returns the first run's id. Empty
// Status means running; zero StartedAt means now.
func (s *Store) StartRun(ctx context.Context, r Run) (int64, error) {
	switch {
	case r.RunKey == "":
		return 0, errors.New("starting a run: run key is missing (use the workflow run id or another idempotency key)")
	case r.ShopID == "":
		return 0, errors.New("starting a run: shop id is missing")
	case r.Kind != KindExport && r.Kind != KindImport && r.Kind != KindStock:
		return 0, fmt.Errorf("starting a run: kind must be %q, %q or %q, got %q", KindExport, KindImport, KindStock, r.Kind)
	}
	if r.Status == "" {
		r.Status = RunRunning
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = time.Now()
	}
	row := runRow{ShopID: r.ShopID, Kind: string(r.Kind), WorkflowID: r.WorkflowID, RunKey: r.RunKey, Trigger: string(r.Trigger),
		StartedBy: r.StartedBy, WindowDays: r.WindowDays, RequireShipDate: r.RequireShipDate, SendMail: r.SendMail, DryRun: r.DryRun,
		AsOf: schema.UTC(r.AsOf), StartedAt: schema.UTC(r.StartedAt), FinishedAt: schema.UTCPtr(r.FinishedAt), Status: string(r.Status),
		Error: r.Error, Totals: r.Totals}
	db := s.db.WithContext(ctx)
	err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "run_key"}}, DoNothing: true}).Create(&row).Error
	if err != nil {
		return 0, fmt.Errorf("starting run %q of shop %q: %w", r.RunKey, r.ShopID, err)
	}
	var ids []int64
	if err := db.Model(&runRow{}).Where("run_key = ?", r.RunKey).Limit(1).Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("starting run %q of shop %q: %w", r.RunKey, r.ShopID, err)
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("starting run %q of shop %q: the run was not stored", r.RunKey, r.ShopID)
	}
	return ids[0], nil
}

// FinishRun records the end of a run: its totals, status (completed or failed)
// and error message.
func (s *Store) FinishRun(ctx context.Context, runID int64, totals RunTotals, status RunStatus, errMsg string) error {
	if status != RunCompleted && status != RunFailed {
		return fmt.Errorf("finishing run %d: status must be %q or %q, got %q", runID, RunCompleted, RunFailed, status)
	}
	res := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ?", runID).Updates(map[string]any{
		"finished_at": schema.UTC(time.Now()), "status": status, "error": errMsg,
		"targets": totals.Targets, "updated": totals.Updated, "unchanged": totals.Unchanged,
		"skipped": totals.Skipped, "failed": totals.Failed, "mails": totals.Mails,
	})
	if res.Error != nil {
		return fmt.Errorf("finishing run %d: %w", runID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("run %d: %w", runID, ErrNotFound)
	}
	return nil
}

// Run returns one run.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	var rows []runRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return Run{}, fmt.Errorf("reading run %d: %w", id, err)
	}
	if len(rows) == 0 {
		return Run{}, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	return rows[0].run(), nil
}

// Runs returns the latest runs of a shop (of every shop when shopID is ""),
// newest first; limit <= 0 means 50.
func (s *Store) Runs(ctx context.Context, shopID string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 50
	}
	db := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if shopID != "" {
		db = db.Where("shop_id = ?", shopID)
	}
	var rows []runRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing runs of shop %q: %w", shopID, err)
	}
	out := make([]Run, len(rows))
	for i, r := range rows {
		out[i] = r.run()
	}
	return out, nil
}

// RecordOutcomes stores what a run did with each order, in one transaction. It
// upserts on (run, sale): recording the same outcomes again leaves one row each.
// An empty ShopID is taken from the run; a zero At means now.
func (s *Store) RecordOutcomes(ctx context.Context, runID int64, outs []Outcome) error {
	if len(outs) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var shops []string
		if err := tx.Model(&runRow{}).Where("id = ?", runID).Limit(1).Pluck("shop_id", &shops).Error; err != nil {
			return err
		}
		if len(shops) == 0 {
			return fmt.Errorf("run %d: %w (start the run first)", runID, ErrNotFound)
		}
		now := schema.UTC(time.Now())
		rows := make([]outcomeRow, 0, len(outs))
		index := make(map[int64]int, len(outs))
		for _, o := range outs {
			r := outcomeRow{RunID: runID, SaleID: o.SaleID, ShopID: o.ShopID, Outcome: string(o.Outcome), Reason: o.Reason,
				Sent: o.Sent, Mailed: o.Mailed, At: schema.UTC(o.At)}
			if r.ShopID == "" {
				r.ShopID = shops[0]
			}
			if o.At.IsZero() {
				r.At = now
			}
			if i, dup := index[o.SaleID]; dup {
				rows[i] = r // the last outcome of a sale wins
				continue
			}
			index[o.SaleID] = len(rows)
			rows = append(rows, r)
		}
		upsert := clause.OnConflict{
			Columns:   []clause.Column{{Name: "run_id"}, {Name: "sale_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"shop_id", "outcome", "reason", "sent", "mailed", "at"}),
		}
		return tx.Clauses(upsert).CreateInBatches(rows, batchSize).Error
	})
	if err != nil {
		return fmt.Errorf("recording %d outcomes of run %d: %w", len(outs), runID, err)
	}
	return nil
}

// RecordedSales returns which of saleIDs already have an outcome in the run: an
// export meets an order again when its updated_at moved past the cursor during
// the run (re-imported or edited), and must not count it twice.
func (s *Store) RecordedSales(ctx context.Context, runID int64, saleIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for chunk := range slices.Chunk(saleIDs, batchSize) {
		var ids []int64
		if err := s.db.WithContext(ctx).Model(&outcomeRow{}).Where("run_id = ? AND sale_id IN ?", runID, chunk).Pluck("sale_id", &ids).Error; err != nil {
			return nil, fmt.Errorf("reading outcomes of run %d: %w", runID, err)
		}
		for _, id := range ids {
			out[id] = true
		}
	}
	return out, nil
}

// Outcomes returns the outcomes of a run by sale id.
func (s *Store) Outcomes(ctx context.Context, runID int64) ([]Outcome, error) {
	var rows []outcomeRow
	if err := s.db.WithContext(ctx).Where("run_id = ?", runID).Order("sale_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading outcomes of run %d: %w", runID, err)
	}
	out := make([]Outcome, len(rows))
	for i, r := range rows {
		out[i] = r.outcome()
	}
	return out, nil
}

func (r runRow) run() Run {
	return Run{ID: r.ID, ShopID: r.ShopID, Kind: Kind(r.Kind), WorkflowID: r.WorkflowID, RunKey: r.RunKey, Trigger: Trigger(r.Trigger),
		StartedBy: r.StartedBy, WindowDays: r.WindowDays, RequireShipDate: r.RequireShipDate, SendMail: r.SendMail, DryRun: r.DryRun,
		AsOf: r.AsOf.UTC(), StartedAt: r.StartedAt.UTC(), FinishedAt: schema.UTCPtr(r.FinishedAt), Status: RunStatus(r.Status),
		Error: r.Error, Totals: r.Totals}
}

// FilterDryRun is the RunFilter kind of dry runs (プレビュー); KindExport selects
// real exports only.
const FilterDryRun = "dry_run"

// RunFilter selects entries of the run log (自動処理ログ) of one shop.
type RunFilter struct {
	ShopID  string
	Kind    string // KindImport, KindExport (not dry runs), FilterDryRun; "" = all
	Trigger string // TriggerManual or TriggerScheduled; "" = both
	Failed  bool   // only runs that failed or have failed orders
	Offset  int
	Limit   int // default 50, at most 500
}

// ListRuns returns a page of the shop's runs, newest first, and whether more
// follow.
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]Run, bool, error) {
	if f.ShopID == "" {
		return nil, false, errors.New("listing runs: shop id is missing")
	}
	f.Limit = schema.PageSize(f.Limit, 50, 500)
	db := s.db.WithContext(ctx).Where("shop_id = ?", f.ShopID)
	switch f.Kind {
	case "":
	case string(KindImport), string(KindStock):
		db = db.Where("kind = ?", f.Kind)
	case string(KindExport):
		db = db.Where("kind = ? AND dry_run = ?", string(KindExport), false)
	case FilterDryRun:
		db = db.Where("kind = ? AND dry_run = ?", string(KindExport), true)
	default:
		return nil, false, fmt.Errorf("listing runs: kind must be %q, %q or %q, got %q", KindImport, KindExport, FilterDryRun, f.Kind)
	}
	if f.Trigger != "" {
		db = db.Where("\"trigger\" = ?", f.Trigger)
	}
	if f.Failed {
		db = db.Where("(status = ? OR failed > 0)", RunFailed)
	}
	out, more, err := schema.FindPage(db.Order("id DESC"), f.Offset, f.Limit, runRow.run)
	if err != nil {
		return nil, false, fmt.Errorf("listing runs of shop %q: %w", f.ShopID, err)
	}
	return out, more, nil
}

// Which outcomes an OutcomeQuery selects.
const (
	OnlyFailed  = "failed"  // outcome failed
	OnlyChanges = "changes" // every outcome but unchanged
)

// OutcomeQuery asks for a page of a run's outcomes by sale id.
type OutcomeQuery struct {
	RunID  int64
	Only   string // OnlyFailed, OnlyChanges or "" (all)
	Offset int
	Limit  int // default 200, at most 1000
}

// RunOutcomes returns a page of a run's outcomes by sale id, and whether more follow.
func (s *Store) RunOutcomes(ctx context.Context, q OutcomeQuery) ([]Outcome, bool, error) {
	q.Limit = schema.PageSize(q.Limit, 200, 1000)
	db := s.db.WithContext(ctx).Where("run_id = ?", q.RunID)
	switch q.Only {
	case "":
	case OnlyFailed:
		db = db.Where("outcome = ?", string(rules.OutcomeFailed))
	case OnlyChanges:
		db = db.Where("outcome <> ?", string(rules.OutcomeUnchanged))
	default:
		return nil, false, fmt.Errorf("reading outcomes of run %d: only must be %q, %q or empty, got %q", q.RunID, OnlyFailed, OnlyChanges, q.Only)
	}
	out, more, err := schema.FindPage(db.Order("sale_id"), q.Offset, q.Limit, outcomeRow.outcome)
	if err != nil {
		return nil, false, fmt.Errorf("reading outcomes of run %d: %w", q.RunID, err)
	}
	return out, more, nil
}

// OutcomeCounts counts a run's recorded outcomes by outcome.
func (s *Store) OutcomeCounts(ctx context.Context, runID int64) (map[string]int, error) {
	var rows []struct {
		Outcome string
		N       int
	}
	err := s.db.WithContext(ctx).Model(&outcomeRow{}).Select("outcome, COUNT(*) AS n").Where("run_id = ?", runID).
		Group("outcome").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("counting outcomes of run %d: %w", runID, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Outcome] = r.N
	}
	return out, nil
}

// FailedSaleIDs returns the sale ids a run recorded as failed, by sale id, at
// most limit of them (limit <= 0: MaxTargetSaleIDs), and whether there are more.
func (s *Store) FailedSaleIDs(ctx context.Context, runID int64, limit int) ([]int64, bool, error) {
	if limit <= 0 {
		limit = MaxTargetSaleIDs
	}
	var ids []int64
	err := s.db.WithContext(ctx).Model(&outcomeRow{}).Where("run_id = ? AND outcome = ?", runID, rules.OutcomeFailed).
		Order("sale_id").Limit(limit+1).Pluck("sale_id", &ids).Error
	if err != nil {
		return nil, false, fmt.Errorf("reading the failed sales of run %d: %w", runID, err)
	}
	if len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
}

func (r outcomeRow) outcome() Outcome {
	return Outcome{RunID: r.RunID, ShopID: r.ShopID, SaleID: r.SaleID, Outcome: rules.Outcome(r.Outcome), Reason: r.Reason,
		Sent: r.Sent, Mailed: r.Mailed, At: r.At.UTC()}
}
