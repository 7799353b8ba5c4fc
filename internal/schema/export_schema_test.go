package schema

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"slices"
)

// MigrationFilesForTest returns the embedded migration files.
func MigrationFilesForTest() fs.FS { return migrationFiles }

// GoMigrationVersionsForTest returns the versions of the Go migration steps.
func GoMigrationVersionsForTest() []int64 {
	var out []int64
	for v := range GoStepVersions {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// MigrateWithGoStepForTest migrates with an extra Go migration step at version.
func (s *DB) MigrateWithGoStepForTest(ctx context.Context, version int64, up func(ctx context.Context, tx *sql.Tx) error) (MigrateReport, error) {
	step := goMigration{Version: version, Name: "test_step", Up: func(ctx context.Context, tx *sql.Tx, _ string) error {
		return up(ctx, tx)
	}}
	return s.migrate(ctx, 0, slog.New(slog.DiscardHandler), step)
}
