package schema

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/colorme-sync/colorme-sync/internal/pause"
)

// The schema is the migrations': versioned files in migrations/<dialect>/, applied
// in order with goose and recorded in its version table. The gorm models are the
// code's view of it. A schema change is a new migration, NNNNN_what.sql in both
// dialect folders (or a goMigration where it needs code), and its data in the
// upgrade test (internal/e2e/upgradeflow).

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// VersionTable is the table where goose records the applied migrations.
const VersionTable = "goose_db_version"

// schemaLockKey is the PostgreSQL advisory lock that serializes schema changes
// across processes: the same key the releases before versioned migrations took
// around their AutoMigrate, so an old and a new binary never migrate together.
const schemaLockKey = 7315093420117

// ErrSchemaBehind is matched (errors.Is) by Open's error when the database's
// schema is older than this binary's and the options say not to migrate it.
var ErrSchemaBehind = errors.New("database schema is behind this binary")

// ErrSchemaTooNew is matched (errors.Is) by Open's and Migrate's error when the
// database was migrated by a newer binary: this one does not know its schema.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// SchemaPolicy says what Open does with a database whose schema is behind.
type SchemaPolicy int

const (
	// SchemaMigrate applies the pending migrations (under the advisory lock on PostgreSQL).
	SchemaMigrate SchemaPolicy = iota
	// SchemaRequire refuses a database whose schema is behind, naming the command that migrates it.
	SchemaRequire
	// SchemaIgnore opens the database whatever its schema version: for `starter db`.
	SchemaIgnore
)

// Options are Open's settings beyond the DSN.
type Options struct {
	Schema SchemaPolicy // what to do when the schema is behind; default SchemaMigrate
	Logger *slog.Logger // where migrations are logged; nil = slog.Default()
	// Steps are the Go migration steps (GoStepVersions), made by the packages
	// owning their data: stores.Open passes shops.ResealStep.
	Steps []GoStep
}

// Migration is one schema migration this binary knows.
type Migration struct {
	Version   int64     `json:"version"`
	Name      string    `json:"name"`                // its file, e.g. 00002_console_users.sql
	Applied   bool      `json:"applied"`             // recorded in the database's version table (or adoptable)
	AppliedAt time.Time `json:"applied_at,omitzero"` // when goose recorded it; zero when adopted or pending
}

// SchemaStatus is where a database's schema stands against this binary's migrations.
type SchemaStatus struct {
	Dialect string `json:"dialect"` // postgres or sqlite
	// Current is the database's schema version: the highest applied migration, or
	// for an unversioned database the version its tables match; 0 = empty.
	Current int64 `json:"current"`
	// Latest is the highest migration this binary knows.
	Latest int64 `json:"latest"`
	// Unversioned is a database whose tables were made by AutoMigrate (release
	// 56606a0 or a development build after it) and that has no version table yet:
	// migrating adopts it as version Current, without changing its tables.
	Unversioned bool        `json:"unversioned"`
	Migrations  []Migration `json:"migrations"`
}

// Pending reports whether migrating would change the database.
func (st SchemaStatus) Pending() bool { return st.Current < st.Latest || st.Unversioned }

// TooNew reports whether a newer binary migrated the database past what this one knows.
func (st SchemaStatus) TooNew() bool { return st.Current > st.Latest }

// MigrateReport says what Migrate did.
type MigrateReport struct {
	From    int64   `json:"from"`    // the schema version before (for an adopted database, the version adopted)
	To      int64   `json:"to"`      // the schema version after
	Adopted bool    `json:"adopted"` // an unversioned AutoMigrate database was recorded as version From
	Applied []int64 `json:"applied"` // the migrations applied, in order
}

// GoStep is a migration step written in Go, for what SQL cannot do: move or
// compute data, or re-seal secrets with a sealer. Its version has no SQL file:
// a step that also changes tables runs that DDL itself, spelled per dialect
// ("postgres" or "sqlite"). It runs in one transaction with its version record.
// The package owning the step's data makes it (shops.ResealStep) and the opener
// passes it in Options.Steps; GoStepVersions lists the versions that are steps.
type GoStep struct {
	Version int64
	Name    string
	Up      func(ctx context.Context, tx *sql.Tx, dialect string) error
}

// goMigration is a GoStep as the migrator runs it.
type goMigration = GoStep

// GoStepVersions are the migrations written in Go, by version: their steps
// must be given in Options.Steps, or Open refuses the database.
var GoStepVersions = map[int64]string{3: "00003_reseal_secrets"}

// checkSteps checks that steps are exactly the Go steps of GoStepVersions.
func checkSteps(steps []GoStep) error {
	have := map[int64]bool{}
	for _, st := range steps {
		if GoStepVersions[st.Version] != st.Name || st.Up == nil {
			return fmt.Errorf("internal error: Go migration step %d %q is not one of this binary's", st.Version, st.Name)
		}
		have[st.Version] = true
	}
	for v, name := range GoStepVersions {
		if !have[v] {
			return fmt.Errorf("internal error: migration %d (%s) is written in Go and was not given: open the database with stores.Open", v, name)
		}
	}
	return nil
}

// gooseDialect maps the store's dialect to goose's.
func gooseDialect(dialect string) goose.Dialect {
	if dialect == "postgres" {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// provider returns a goose provider of this binary's migrations for the database's
// dialect (and extra Go steps, for tests).
func (s *DB) provider(extra ...goMigration) (*goose.Provider, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	files, err := fs.Sub(migrationFiles, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	var gos []*goose.Migration
	for _, m := range slices.Concat(s.steps, extra) {
		up := m.Up
		gos = append(gos, goose.NewGoMigration(m.Version, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return up(ctx, tx, s.dialect)
		}}, nil))
	}
	return goose.NewProvider(gooseDialect(s.dialect), sqlDB, files,
		goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(gos...))
}

// knownMigrations lists this binary's migrations in order, with their names.
func (s *DB) knownMigrations(extra ...goMigration) ([]Migration, error) {
	p, err := s.provider(extra...)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, m := range slices.Concat(s.steps, extra) {
		names[m.Version] = m.Name
	}
	var out []Migration
	for _, src := range p.ListSources() {
		name := path.Base(src.Path)
		if src.Path == "" {
			name = names[src.Version] + " (Go)"
		}
		out = append(out, Migration{Version: src.Version, Name: name})
	}
	return out, nil
}

// SchemaStatus reads the database's schema version and compares it with this
// binary's migrations. It changes nothing.
func (s *DB) SchemaStatus(ctx context.Context) (SchemaStatus, error) {
	return s.schemaStatus(ctx)
}

func (s *DB) schemaStatus(ctx context.Context, extra ...goMigration) (SchemaStatus, error) {
	known, err := s.knownMigrations(extra...)
	if err != nil {
		return SchemaStatus{}, fmt.Errorf("reading this binary's migrations: %w", err)
	}
	st := SchemaStatus{Dialect: s.dialect, Migrations: known}
	if len(known) > 0 {
		st.Latest = known[len(known)-1].Version
	}
	db := s.db.WithContext(ctx)
	if !db.Migrator().HasTable(VersionTable) {
		v, err := s.unversionedVersion(ctx)
		if err != nil {
			return SchemaStatus{}, err
		}
		st.Current, st.Unversioned = v, v > 0
		for i := range st.Migrations {
			st.Migrations[i].Applied = st.Migrations[i].Version <= v
		}
		return st, nil
	}
	type versionRow struct {
		VersionID int64
		IsApplied bool
		Tstamp    time.Time
	}
	// goose's tstamp has no time zone: PostgreSQL's now() in the session's
	// zone, SQLite's datetime('now') in UTC.
	tstamp := "tstamp"
	if s.dialect == "postgres" {
		tstamp = "tstamp AT TIME ZONE current_setting('TimeZone') AS tstamp"
	}
	var rows []versionRow
	if err := db.Raw("SELECT version_id, is_applied, " + tstamp + " FROM " + VersionTable + " ORDER BY id").Scan(&rows).Error; err != nil {
		return SchemaStatus{}, fmt.Errorf("reading the schema version (%s): %w", VersionTable, err)
	}
	applied := map[int64]time.Time{}
	for _, r := range rows {
		if r.IsApplied {
			applied[r.VersionID] = r.Tstamp.UTC()
		} else {
			delete(applied, r.VersionID)
		}
		st.Current = max(st.Current, r.VersionID)
	}
	for i := range st.Migrations {
		at, ok := applied[st.Migrations[i].Version]
		st.Migrations[i].Applied, st.Migrations[i].AppliedAt = ok, at
		delete(applied, st.Migrations[i].Version)
	}
	for v, at := range applied { // recorded by a newer binary
		if v > 0 {
			st.Migrations = append(st.Migrations, Migration{Version: v, Name: "(unknown to this binary)", Applied: true, AppliedAt: at})
		}
	}
	slices.SortFunc(st.Migrations, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return st, nil
}

// checkSchema applies the policy to the database's schema version.
func (s *DB) checkSchema(ctx context.Context, opts Options) error {
	if opts.Schema == SchemaIgnore {
		return nil
	}
	st, err := s.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	switch {
	case st.TooNew():
		return tooNewError(st)
	case !st.Pending():
		return nil
	case opts.Schema == SchemaRequire:
		return schemaError{ErrSchemaBehind, fmt.Sprintf("the database schema is at version %d%s and this colorme-sync needs version %d",
			st.Current, unversionedNote(st), st.Latest)}
	}
	_, err = s.migrate(ctx, st.Latest, opts.logger())
	return err
}

func unversionedNote(st SchemaStatus) string {
	if st.Unversioned {
		return " (made by AutoMigrate, not yet versioned)"
	}
	return ""
}

func tooNewError(st SchemaStatus) error {
	return schemaError{ErrSchemaTooNew, fmt.Sprintf("the database schema is at version %d, newer than this colorme-sync knows (up to %d): run the release that migrated it or a newer one, or restore the backup taken before that upgrade",
		st.Current, st.Latest)}
}

// schemaError is a one-sentence refusal that matches its sentinel (errors.Is).
type schemaError struct {
	sentinel error
	msg      string
}

// Error returns the sentence.
func (e schemaError) Error() string { return e.msg }

// Unwrap returns the sentinel: ErrSchemaBehind or ErrSchemaTooNew.
func (e schemaError) Unwrap() error { return e.sentinel }

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// Migrate brings the schema to this binary's latest version: it adopts a
// database made by AutoMigrate, then applies every pending migration, each in
// its own transaction, serialized across processes. A database newer than this
// binary is refused (ErrSchemaTooNew).
func (s *DB) Migrate(ctx context.Context, logger *slog.Logger) (MigrateReport, error) {
	return s.MigrateTo(ctx, 0, logger)
}

// MigrateTo is Migrate up to version (0 = the latest): for tests that build an
// older schema, and for upgrading in steps.
func (s *DB) MigrateTo(ctx context.Context, version int64, logger *slog.Logger) (MigrateReport, error) {
	if logger == nil {
		logger = slog.Default()
	}
	return s.migrate(ctx, version, logger)
}

func (s *DB) migrate(ctx context.Context, target int64, logger *slog.Logger, extra ...goMigration) (MigrateReport, error) {
	var rep MigrateReport
	step := func() error {
		st, err := s.schemaStatus(ctx, extra...)
		if err != nil {
			return err
		}
		if target == 0 {
			target = st.Latest
		}
		if st.TooNew() {
			return tooNewError(st)
		}
		if target > st.Latest || !slices.ContainsFunc(st.Migrations, func(m Migration) bool { return m.Version == target }) {
			return fmt.Errorf("no migration %d: this binary knows versions 1 to %d", target, st.Latest)
		}
		rep.From, rep.To = st.Current, st.Current
		if st.Unversioned {
			if err := s.adopt(ctx, st.Current); err != nil {
				return fmt.Errorf("adopting the AutoMigrate-made database as schema version %d: %w", st.Current, err)
			}
			rep.Adopted = true
			logger.Info("database schema adopted", "dialect", s.dialect, "version", st.Current,
				"note", "tables made by AutoMigrate, recorded as this version without change")
		}
		if st.Current >= target {
			return nil
		}
		return s.upTo(ctx, target, st, &rep, logger, extra...)
	}
	err := s.withSchemaLock(ctx, step)
	// SQLite has no advisory lock: another process may be migrating the same
	// file between our look and our change, and one of us then fails on a
	// table the other made. Wait for it: once the file is at the target there
	// is nothing to do; while it is not, try again (bounded).
	for try := 0; err != nil && s.dialect == "sqlite" && !errors.Is(err, ErrSchemaTooNew) && try < sqliteMigrateTries; try++ {
		if st, serr := s.schemaStatus(ctx, extra...); serr == nil && !st.Unversioned && target != 0 && st.Current >= target {
			logger.Info("database schema migrated by another process", "dialect", s.dialect, "version", st.Current)
			return MigrateReport{From: rep.From, To: st.Current}, nil
		}
		if err := pause.For(ctx, time.Duration(try+1)*100*time.Millisecond); err != nil {
			return rep, fmt.Errorf("migrating the %s OMS database schema: %w", s.dialect, err)
		}
		rep = MigrateReport{}
		err = step()
	}
	if err != nil {
		return rep, fmt.Errorf("migrating the %s OMS database schema: %w", s.dialect, err)
	}
	return rep, nil
}

// upTo applies the migrations after st.Current up to target, recording each
// applied one in rep; a failed one leaves the database at the last applied.
func (s *DB) upTo(ctx context.Context, target int64, st SchemaStatus, rep *MigrateReport, logger *slog.Logger, extra ...goMigration) error {
	p, err := s.provider(extra...)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, m := range st.Migrations {
		names[m.Version] = m.Name
	}
	results, err := p.UpTo(ctx, target)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		results = partial.Applied
	}
	for _, r := range results {
		rep.Applied = append(rep.Applied, r.Source.Version)
		rep.To = r.Source.Version
		logger.Info("database schema migrated", "dialect", s.dialect, "version", r.Source.Version,
			"migration", names[r.Source.Version], "duration", r.Duration.Round(time.Millisecond).String())
	}
	if err != nil {
		if partial != nil {
			return fmt.Errorf("migration %d (%s) failed, the database stays at version %d: %w",
				partial.Failed.Source.Version, names[partial.Failed.Source.Version], rep.To, partial.Err)
		}
		return err
	}
	return nil
}

// sqliteMigrateTries bounds how often a SQLite migration that collided with
// another process's is tried again (waiting 0.1 s, 0.2 s, … between: 5.5 s in all).
const sqliteMigrateTries = 10

// withSchemaLock runs fn holding the PostgreSQL advisory lock on schema changes
// (waiting for another process's migration to finish). SQLite has one writer at
// a time and no such lock; migrate tolerates a concurrent migration there.
func (s *DB) withSchemaLock(ctx context.Context, fn func() error) error {
	if s.dialect != "postgres" {
		return fn()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(schemaLockKey)); err != nil {
		return fmt.Errorf("waiting for the schema lock: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(schemaLockKey)); err != nil {
			// Never hand a connection holding the lock back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn()
}

// The tables and columns of schema version 1 (release 56606a0), by which a
// database made by AutoMigrate is recognised. oauth_states is left out: that
// release created it on first use of `starter shop connect`.
var version1Columns = map[string][]string{
	"shops": {"id", "name", "api_base_url", "client_id", "redirect_url", "client_secret_sealed", "access_token_sealed",
		"reconnect_needed", "reconnect_reason", "import_enabled", "import_interval_minutes", "import_days", "export_enabled",
		"export_interval_minutes", "window_days", "require_ship_date", "send_mail", "created_at", "updated_at"},
	"orders": {"shop_id", "sale_id", "status", "ordered_at", "updated_at", "bundle_parent_sale_id", "colorme_canceled",
		"flag_reason", "imported_at", "colorme_parent_sale_id"},
	"deliveries": {"shop_id", "sale_id", "delivery_id", "slip_number", "shipped_on", "name", "pref_name", "delivery_method_id", "address1"},
	"runs": {"id", "shop_id", "kind", "workflow_id", "run_key", "trigger", "window_days", "require_ship_date", "send_mail", "dry_run",
		"as_of", "started_at", "finished_at", "status", "error", "targets", "updated", "unchanged", "skipped", "failed", "mails",
		"import_fetched", "import_created", "import_updated", "import_unchanged", "import_cancelled", "import_flagged", "watermark"},
	"run_outcomes": {"run_id", "sale_id", "shop_id", "outcome", "reason", "sent", "mailed", "at"},
	"mail_ledger":  {"shop_id", "sale_id", "state", "run_id", "claimed_at", "sent_at"},
	"api_budgets":  {"key", "next_at"},
}

// unversionedVersion tells which schema version an unversioned database's
// tables are: 0 for an empty database (no shops table), 1 for release 56606a0's
// AutoMigrate, 2 for a development build's that already had the console's
// tables. A database that is neither is refused with what it lacks.
func (s *DB) unversionedVersion(ctx context.Context) (int64, error) {
	m := s.db.WithContext(ctx).Migrator()
	if !m.HasTable("shops") {
		return 0, nil
	}
	var missing []string
	for _, table := range slices.Sorted(maps.Keys(version1Columns)) {
		if !m.HasTable(table) {
			missing = append(missing, table)
			continue
		}
		for _, col := range version1Columns[table] {
			if !m.HasColumn(table, col) {
				missing = append(missing, table+"."+col)
			}
		}
	}
	if len(missing) > 0 {
		return 0, fmt.Errorf("the database has colorme-sync tables but no schema version (%s), and lacks %s of release 56606a0: start release 56606a0 on it once (its AutoMigrate completes the tables), then this one; or restore a backup",
			VersionTable, strings.Join(missing, ", "))
	}
	v2 := []bool{m.HasTable("users"), m.HasTable("sessions"), m.HasColumn("runs", "started_by")}
	switch {
	case !slices.Contains(v2, true):
		return 1, nil
	case !slices.Contains(v2, false):
		return 2, nil
	}
	return 0, fmt.Errorf("the database has no schema version (%s) and only part of the console's tables (users, sessions, runs.started_by): restore a backup made by release 56606a0, or finish the schema with the development build that made it", VersionTable)
}

// adoptDDL creates what an AutoMigrate-made database may lack at its version
// without touching anything it has: oauth_states (made on first use by release
// 56606a0) and the hand-made indexes (adoptIndexes). Every statement is a no-op
// when the object exists, and each is spelled as in the migrations.
var adoptDDL = map[string]map[int64][]string{
	"postgres": {
		1: append([]string{
			`CREATE TABLE IF NOT EXISTS oauth_states (state_hash character varying(64) NOT NULL, shop_id character varying(63) NOT NULL, expires_at timestamp with time zone NOT NULL, created_at timestamp with time zone, CONSTRAINT oauth_states_pkey PRIMARY KEY (state_hash))`,
			`CREATE INDEX IF NOT EXISTS idx_oauth_states_shop_id ON oauth_states (shop_id)`,
		}, adoptIndexes[1]...),
		2: adoptIndexes[2],
	},
	"sqlite": {
		1: append([]string{
			"CREATE TABLE IF NOT EXISTS `oauth_states` (`state_hash` text,`shop_id` text NOT NULL,`expires_at` datetime NOT NULL,`created_at` datetime,PRIMARY KEY (`state_hash`))",
			"CREATE INDEX IF NOT EXISTS `idx_oauth_states_shop_id` ON `oauth_states`(`shop_id`)",
		}, adoptIndexes[1]...),
		2: adoptIndexes[2],
	},
}

// adoptIndexes are the hand-made indexes of each version, spelled alike in
// both dialects.
var adoptIndexes = map[int64][]string{
	1: {
		`CREATE INDEX IF NOT EXISTS orders_targets ON orders (shop_id, updated_at, sale_id) WHERE status NOT IN ('new', 'cancelled')`,
		`CREATE INDEX IF NOT EXISTS runs_shop ON runs (shop_id, id)`,
	},
	2: {
		`CREATE INDEX IF NOT EXISTS orders_status ON orders (shop_id, status, sale_id)`,
		`CREATE INDEX IF NOT EXISTS orders_flagged ON orders (shop_id, sale_id) WHERE flag_reason <> ''`,
		`CREATE INDEX IF NOT EXISTS run_outcomes_sale ON run_outcomes (shop_id, sale_id, run_id)`,
	},
}

// adopt records an AutoMigrate-made database as schema version `version` in
// goose's version table, in one transaction with what it may lack (adoptDDL).
func (s *DB) adopt(ctx context.Context, version int64) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	store, err := database.NewStore(gooseDialect(s.dialect), VersionTable)
	if err != nil {
		return err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for v := int64(1); v <= version; v++ {
		for _, stmt := range adoptDDL[s.dialect][v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
	}
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for v := int64(0); v <= version; v++ {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	return tx.Commit()
}
