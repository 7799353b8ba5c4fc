package oms

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
)

// ModelsForTest returns a value of every gorm model: the schema the code expects.
// A new model belongs here, so that the drift test compares it with the migrations.
func ModelsForTest() []any {
	return []any{&shopRow{}, &orderRow{}, &deliveryRow{}, &runRow{}, &outcomeRow{}, &mailRow{},
		&itemRow{},

		&deliveryMethodRow{}, &paymentMethodRow{}, &methodReadRow{}}
}

// MigrationFilesForTest returns the embedded migration files.
func MigrationFilesForTest() fs.FS { return migrationFiles }

// GoMigrationVersionsForTest returns the versions of the registered Go migration steps.
func GoMigrationVersionsForTest() []int64 {
	var out []int64
	for _, m := range goMigrations {
		out = append(out, m.version)
	}
	return out
}

// MigrateWithGoStepForTest migrates with an extra Go migration step at version.
func (s *Store) MigrateWithGoStepForTest(ctx context.Context, version int64, up func(ctx context.Context, tx *sql.Tx, sealer SealerForTest) error) (MigrateReport, error) {
	step := goMigration{version: version, name: "test_step", up: func(ctx context.Context, tx *sql.Tx, s *Store) error {
		return up(ctx, tx, s.sealer)
	}}
	return s.migrate(ctx, 0, slog.New(slog.DiscardHandler), step)
}

// SealerForTest is what a Go migration step may use of the store's sealer.
type SealerForTest interface {
	Seal(plaintext, context string) (string, error)
	Open(sealed, context string) (string, error)
}
