// Package record records the workflow histories that ./workflows replays
// (workflows/testdata/histories). Its only code is a test, TestRecordHistories,
// which runs when asked:
//
//	go test -count=1 ./workflows/internal/record -record
//
// It runs every workflow type on the real stack (internal/teststack: the
// Temporal dev server, PostgreSQL, the ColorMe sandbox and the worker's own
// registrations) through the paths that matter for replay — continue-as-new,
// skipped and waiting scheduled runs, blocked on-change exports, failures — and
// writes each run's history as `temporal workflow show --output json` does.
// docs/DEVELOPING.md says when and how to record.
package record
