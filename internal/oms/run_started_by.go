package oms

import (
	"context"
	"fmt"
)

// SetRunStartedBy records who started the run with the given run key when the
// run log has it and no one is recorded yet: a scheduled run that an operator
// triggered (今すぐ実行, `starter schedule trigger`) is started by the schedule,
// which cannot carry a name. found is false when the run is not in the log yet.
func (s *Store) SetRunStartedBy(ctx context.Context, shopID, runKey, by string) (found bool, err error) {
	db := s.db.WithContext(ctx)
	named, err := s.nameRun(ctx, shopID, runKey, by)
	if err != nil || named {
		return named, err
	}
	// Nothing updated: the run is not in the log, or it names someone already.
	var n int64
	if err := db.Model(&runRow{}).Where("shop_id = ? AND run_key = ?", shopID, runKey).Count(&n).Error; err != nil {
		return false, fmt.Errorf("recording who started run %q of shop %q: %w", runKey, shopID, err)
	}
	if n == 0 {
		return false, nil
	}
	// The run may have been stored between the update and the count (its
	// StartRun ran in that gap): set it again now that the row exists. A row
	// that already names someone is left as it is.
	if _, err := s.nameRun(ctx, shopID, runKey, by); err != nil {
		return false, err
	}
	return true, nil
}

// nameRun sets started_by of the run when it names no one yet, and says
// whether it did (run keys are unique: at most one row).
func (s *Store) nameRun(ctx context.Context, shopID, runKey, by string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&runRow{}).Where("shop_id = ? AND run_key = ? AND started_by = ''", shopID, runKey).
		Update("started_by", by)
	if res.Error != nil {
		return false, fmt.Errorf("recording who started run %q of shop %q: %w", runKey, shopID, res.Error)
	}
	return res.RowsAffected > 0, nil
}
