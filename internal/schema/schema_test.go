package schema_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/mailledger"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"

	"github.com/colorme-sync/colorme-sync/internal/accounts"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/budget"
	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/schema/testdata/schemav1"
	"github.com/colorme-sync/colorme-sync/internal/stock"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

var quiet = slog.New(slog.DiscardHandler)

// rawDB opens dsn with gorm alone, as release 56606a0 did, without oms.
func rawDB(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	return testenv.RawDB(t, dsn)
}

// openAt opens dsn without the schema check and migrates it to version (0 =
// the latest, -1 = not at all).
func openAt(t *testing.T, dsn string, version int64) *stores.Stores {
	t.Helper()
	st, err := stores.OpenWith(context.Background(), dsn, newSealer(t), schema.Options{Schema: schema.SchemaIgnore})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	if version >= 0 {
		_, err = st.Schema.MigrateTo(context.Background(), version, quiet)
		require.NoError(t, err)
	}
	return st
}

// describe lists a database's schema, one line per column, index, constraint
// and sequence (PostgreSQL) or per sqlite_master entry (SQLite, its exact
// statements), leaving out goose's version table.
func describe(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var queries []string
	if db.Dialector.Name() == "postgres" {
		queries = []string{
			`SELECT 'column ' || table_name || '.' || column_name || ' #' || ordinal_position || ' ' || data_type ||
				coalesce('(' || character_maximum_length || ')', '') || ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '-')
			   FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`,
			`SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes
			  WHERE schemaname = current_schema() AND tablename <> 'goose_db_version'`,
			`SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
			  WHERE connamespace = current_schema()::regnamespace AND conrelid::regclass::text <> 'goose_db_version'`,
			`SELECT 'sequence ' || sequencename || ' ' || data_type::text || ' start=' || start_value || ' inc=' || increment_by ||
				' min=' || min_value || ' max=' || max_value || ' cache=' || cache_size || ' cycle=' || cycle
			   FROM pg_sequences WHERE schemaname = current_schema() AND sequencename NOT LIKE 'goose_db_version%'`,
			`SELECT 'owned ' || s.relname || ' by ' || t.relname || '.' || a.attname FROM pg_depend d
			   JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_class t ON t.oid = d.refobjid
			   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
			  WHERE d.deptype = 'a' AND t.relname <> 'goose_db_version'`,
		}
	} else {
		queries = []string{`SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '-') FROM sqlite_master
			WHERE tbl_name <> 'goose_db_version'`}
	}
	var out []string
	for _, q := range queries {
		var lines []string
		require.NoError(t, db.Raw(q).Scan(&lines).Error)
		out = append(out, lines...)
	}
	slices.Sort(out)
	return out
}

// columns lists each column's name, type, nullability and default, ignoring its
// position: the drift test's view, where a column added later comes last.
func columns(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	q := `SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') ||
		' nullable=' || is_nullable || ' default=' || coalesce(column_default, '-')
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`
	if db.Dialector.Name() != "postgres" {
		q = `SELECT m.name || '.' || p.name || ' ' || p.type || ' notnull=' || p."notnull" || ' pk=' || p.pk || ' default=' ||
			replace(coalesce(p.dflt_value, '-'), '""', '''''')
			FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT IN ('goose_db_version', 'sqlite_sequence')`
	}
	var out []string
	require.NoError(t, db.Raw(q).Scan(&out).Error)
	slices.Sort(out)
	return out
}

// indexes lists each index by name with its definition.
func indexes(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	type ix struct{ Name, Def string }
	var rows []ix
	q := `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> 'goose_db_version'`
	if db.Dialector.Name() != "postgres" {
		q = `SELECT name, coalesce(sql, '') AS def FROM sqlite_master WHERE type = 'index' AND tbl_name <> 'goose_db_version'`
	}
	require.NoError(t, db.Raw(q).Scan(&rows).Error)
	out := map[string]string{}
	for _, r := range rows {
		out[r.Name] = r.Def
	}
	return out
}

// TestMigration1IsRelease56606a0: migration 1 makes exactly the schema release
// 56606a0's AutoMigrate made (with oauth_states, made on first connect):
// every table, column, type, nullability, default, index, constraint and
// sequence on PostgreSQL, every statement in sqlite_master on SQLite.
func TestMigration1IsRelease56606a0(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		old := rawDB(t, dsn)
		require.NoError(t, schemav1.AutoMigrate(old))
		require.NoError(t, schemav1.AutoMigrateOAuthStates(old))
		want := describe(t, old)

		other := strings.Replace(dsn, "oms.db", "migrated.db", 1)
		if !strings.HasPrefix(dsn, "sqlite:") {
			other = testenv.PostgresDSN(t)
		}
		openAt(t, other, 1)
		got := describe(t, rawDB(t, other))
		assert.Equal(t, want, got)
		assert.Greater(t, len(got), 20)
	})
}

// allModels returns every package's gorm models; each must name its table
// (TableName), as no table-name map or naming strategy does it for them.
func allModels(t *testing.T) []any {
	all := slices.Concat(oms.Models(), shops.Models(), accounts.Models(), budget.Models(),
		connect.Models(), stock.Models(), notify.Models(), mailledger.Models())
	for _, m := range all {
		_, ok := m.(interface{ TableName() string })
		assert.True(t, ok, "%T has no TableName method", m)
	}
	return all
}

// TestMigrationsMatchModels: after every migration, each gorm model's table has
// exactly the columns AutoMigrate would make for it (name, type, nullability,
// default), and every index its tags declare. A model changed without a
// migration, or a migration without its model, fails here. AutoMigrate runs
// through the store's own gorm handle, so that its tables are named as the
// store names them.
func TestMigrationsMatchModels(t *testing.T) {
	eachDialect(t, func(t *testing.T, dsn string) {
		auto := openAt(t, dsn, -1).DB()
		require.NoError(t, auto.AutoMigrate(allModels(t)...))

		other := strings.Replace(dsn, "oms.db", "migrated.db", 1)
		if !strings.HasPrefix(dsn, "sqlite:") {
			other = testenv.PostgresDSN(t)
		}
		openAt(t, other, 0)
		migrated := rawDB(t, other)
		assert.Equal(t, columns(t, auto), columns(t, migrated))
		have := indexes(t, migrated)
		for name, def := range indexes(t, auto) {
			assert.Equal(t, def, have[name], "index %s", name)
		}
	})
}

// TestMigrationFilesAgree: each SQL migration has one file per dialect, with
// the same name, and the SQL files and the Go steps number the migrations from
// 1 without a gap or a duplicate.
func TestMigrationFilesAgree(t *testing.T) {
	files := schema.MigrationFilesForTest()
	names := map[string][]string{}
	for _, d := range []string{"postgres", "sqlite"} {
		entries, err := fs.ReadDir(files, "migrations/"+d)
		require.NoError(t, err)
		for _, e := range entries {
			names[d] = append(names[d], e.Name())
		}
	}
	require.Equal(t, names["postgres"], names["sqlite"], "every migration exists for both dialects")
	versions := schema.GoMigrationVersionsForTest()
	for _, n := range names["postgres"] {
		var v int64
		_, err := fmt.Sscanf(n, "%05d_", &v)
		require.NoError(t, err, "%s: NNNNN_what.sql", n)
		versions = append(versions, v)
		b, err := fs.ReadFile(files, path.Join("migrations/postgres", n))
		require.NoError(t, err)
		assert.Contains(t, string(b), "-- +goose Up")
	}
	slices.Sort(versions)
	for i, v := range versions {
		assert.Equal(t, int64(i+1), v, "migration versions: %v", versions)
	}
}

// v1Rows fills a schema-version-1 database as release 56606a0 wrote it.
func v1Rows(t *testing.T, db *gorm.DB) {
	t.Helper()
	at := time.Date(2026, 11, 20, 3, 4, 5, 123456000, time.UTC)
	parent := int64(1001)
	require.NoError(t, db.Create(&schemav1.Shop{ID: "alpha", Name: "Alpha", APIBaseURL: "https://api.shop-pro.jp", ClientID: "cid",
		RedirectURL: "https://example.test/cb", Settings: schemav1.Settings{ExportEnabled: true, ExportIntervalMinutes: 30, ImportDays: 7, ImportIntervalMinutes: 30, WindowDays: 3, RequireShipDate: true}}).Error)
	require.NoError(t, db.Create(&[]schemav1.Order{
		{ShopID: "alpha", SaleID: 1001, Status: "shipped", OrderedAt: at, UpdatedAt: at, BundleParentSaleID: &parent},
		{ShopID: "alpha", SaleID: 1002, Status: "new", OrderedAt: at, UpdatedAt: at, FlagReason: "cancelled on ColorMe after shipping"},
	}).Error)
	require.NoError(t, db.Create(&schemav1.Delivery{ShopID: "alpha", SaleID: 1001, DeliveryID: 10011, SlipNumber: "4912-0000-0001", ShippedOn: "2026-11-19", Name: "山田"}).Error)
	require.NoError(t, db.Create(&schemav1.Run{ShopID: "alpha", Kind: "export", WorkflowID: "shipping-sync-alpha", RunKey: "k1", Trigger: "schedule",
		WindowDays: 3, AsOf: at, StartedAt: at, Status: "completed", Totals: schemav1.RunTotals{Targets: 1, Updated: 1}}).Error)
	require.NoError(t, db.Create(&schemav1.Outcome{RunID: 1, SaleID: 1001, ShopID: "alpha", Outcome: "updated", Sent: `{"id":1001}`, At: at}).Error)
	require.NoError(t, db.Create(&schemav1.Mail{ShopID: "alpha", SaleID: 1001, State: "sent", RunID: 1, ClaimedAt: at, SentAt: &at}).Error)
}

// tableRows reads every row of the version-1 tables, every version-1 column.
func tableRows(t *testing.T, db *gorm.DB) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, table := range []string{"shops", "orders", "deliveries", "runs", "run_outcomes", "mail_ledger", "api_budgets"} {
		cols, err := db.Migrator().ColumnTypes(table)
		require.NoError(t, err)
		var names []string
		for _, c := range cols {
			if c.Name() != "started_by" { // added by migration 2
				names = append(names, c.Name())
			}
		}
		slices.Sort(names)
		var rows []map[string]any
		require.NoError(t, db.Table(table).Select(names).Order(names[0]).Order(names[len(names)-1]).Find(&rows).Error)
		out[table] = rows
	}
	return out
}

// TestAdoptAutoMigrateDatabase: a database made and filled by release 56606a0
// (no version table, and no oauth_states: no shop was ever connected) is
// recognised as version 1, refused while DB_AUTO_MIGRATE is off, adopted with
// its tables unchanged, then migrated forward, every row kept.
func TestAdoptAutoMigrateDatabase(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		old := rawDB(t, dsn)
		require.NoError(t, schemav1.AutoMigrate(old))
		v1Rows(t, old)
		rows := tableRows(t, old)

		_, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Schema: schema.SchemaRequire})
		require.ErrorIs(t, err, schema.ErrSchemaBehind)
		assert.Contains(t, err.Error(), "made by AutoMigrate")
		assert.NotContains(t, err.Error(), "starter", "what to do is internal/app's to say")

		st := openAt(t, dsn, -1)
		status, err := st.Schema.SchemaStatus(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), status.Current)
		assert.True(t, status.Unversioned)
		assert.True(t, status.Pending())
		assert.False(t, old.Migrator().HasTable(schema.VersionTable), "looking changes nothing")

		rep, err := st.Schema.MigrateTo(ctx, 1, quiet)
		require.NoError(t, err)
		assert.Equal(t, schema.MigrateReport{From: 1, To: 1, Adopted: true}, rep)
		// Adopted as it was, plus oauth_states: now exactly migration 1's schema.
		fresh := pgOrSQLite(t, dsn)
		openAt(t, fresh, 1)
		assert.Equal(t, describe(t, rawDB(t, fresh)), describe(t, old))
		assert.Equal(t, rows, tableRows(t, old))

		rep, err = st.Schema.Migrate(ctx, quiet)
		require.NoError(t, err)
		latest := latestVersion(t, st)
		assert.Equal(t, schema.MigrateReport{From: 1, To: latest, Applied: versionRange(2, latest)}, rep)
		assert.Equal(t, rows, onlyColumnsOf(rows, tableRows(t, old)), "every row and column is still there (later migrations add columns)")
		run, err := st.Run(ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, "", run.StartedBy, "a run from before the console was started by no operator")
	})
}

// latestVersion is the highest migration this binary knows.
func latestVersion(t *testing.T, st *stores.Stores) int64 {
	t.Helper()
	status, err := st.Schema.SchemaStatus(context.Background())
	require.NoError(t, err)
	return status.Latest
}

// versionRange lists the versions from to to, inclusive (nil when to < from).
func versionRange(from, to int64) []int64 {
	var out []int64
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}

// onlyColumnsOf keeps, of got's tables and rows, the columns want's have:
// what later migrations added is left out.
func onlyColumnsOf(want, got map[string][]map[string]any) map[string][]map[string]any {
	out := make(map[string][]map[string]any, len(got))
	for table, rows := range got {
		if _, ok := want[table]; !ok {
			continue
		}
		var keep map[string]any
		if len(want[table]) > 0 {
			keep = want[table][0]
		}
		out[table] = nil
		for _, r := range rows {
			row := map[string]any{}
			for k, v := range r {
				if _, ok := keep[k]; ok || keep == nil {
					row[k] = v
				}
			}
			out[table] = append(out[table], row)
		}
	}
	return out
}

// pgOrSQLite is another fresh database of dsn's dialect.
func pgOrSQLite(t *testing.T, dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return "sqlite:" + filepath.Join(t.TempDir(), "other.db")
	}
	return testenv.PostgresDSN(t)
}

// TestAdoptDevelopmentDatabase: a database made by a development build's
// AutoMigrate after 56606a0 (the console's tables already there, e.g. a demo's)
// is adopted as version 2: nothing is applied twice.
func TestAdoptDevelopmentDatabase(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		st := openAt(t, dsn, 2)
		_, err := st.Accounts.CreateUser(ctx, "tanaka", "correct horse battery", accounts.RoleAdmin)
		require.NoError(t, err)
		require.NoError(t, rawDB(t, dsn).Migrator().DropTable(schema.VersionTable))
		want := describe(t, rawDB(t, dsn))

		status, err := st.Schema.SchemaStatus(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(2), status.Current)
		assert.True(t, status.Unversioned)

		rep, err := st.Schema.Migrate(ctx, quiet)
		require.NoError(t, err)
		latest := latestVersion(t, st)
		assert.Equal(t, schema.MigrateReport{From: 2, To: latest, Adopted: true, Applied: versionRange(3, latest)}, rep)
		_ = want // adopted as version 2 unchanged, then migrated: exactly the latest schema
		fresh := pgOrSQLite(t, dsn)
		openAt(t, fresh, latest)
		assert.Equal(t, describe(t, rawDB(t, fresh)), describe(t, rawDB(t, dsn)))
		_, err = st.Accounts.Authenticate(ctx, "tanaka", "correct horse battery")
		require.NoError(t, err)
	})
}

// TestUnrecognisedDatabasesRefused: tables of a release older than 56606a0 (a
// column missing), or half the console's tables, are not adopted.
func TestUnrecognisedDatabasesRefused(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		db := rawDB(t, dsn)
		require.NoError(t, schemav1.AutoMigrate(db))
		require.NoError(t, db.Exec("CREATE TABLE users (id integer)").Error)
		_, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Logger: quiet})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "only part of the console's tables")

		require.NoError(t, db.Migrator().DropTable("users"))
		require.NoError(t, db.Migrator().DropColumn(&schemav1.Order{}, "colorme_parent_sale_id"))
		_, err = stores.OpenWith(ctx, dsn, nil, schema.Options{Logger: quiet})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "orders.colorme_parent_sale_id")
		assert.False(t, db.Migrator().HasTable(schema.VersionTable))
	})
}

// TestDatabaseNewerThanBinary: a database migrated by a later binary (version
// 3, unknown here) is refused at start and by Migrate; `starter db status` can
// still show it.
func TestDatabaseNewerThanBinary(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		st := openAt(t, dsn, 0)
		require.NoError(t, st.DB().Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)").Error)

		for _, policy := range []schema.SchemaPolicy{schema.SchemaMigrate, schema.SchemaRequire} {
			_, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Schema: policy, Logger: quiet})
			require.ErrorIs(t, err, schema.ErrSchemaTooNew)
			assert.Contains(t, err.Error(), fmt.Sprintf("the database schema is at version 99, newer than this colorme-sync knows (up to %d)", latestVersion(t, st)))
		}
		_, err := st.Schema.Migrate(ctx, quiet)
		require.ErrorIs(t, err, schema.ErrSchemaTooNew)

		status, err := st.Schema.SchemaStatus(ctx)
		require.NoError(t, err)
		assert.True(t, status.TooNew())
		last := status.Migrations[len(status.Migrations)-1]
		assert.Equal(t, int64(99), last.Version)
		assert.True(t, last.Applied)
	})
}

// TestSchemaBehind: with DB_AUTO_MIGRATE off a database behind is refused with
// one sentence stating the versions (internal/app adds the command); with it on
// it is migrated once.
func TestSchemaBehind(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		latest := latestVersion(t, openAt(t, dsn, 1))
		_, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Schema: schema.SchemaRequire})
		require.ErrorIs(t, err, schema.ErrSchemaBehind)
		assert.Equal(t, fmt.Sprintf("the database schema is at version 1 and this colorme-sync needs version %d", latest), err.Error(),
			"the fact alone: internal/app adds what to do (TestOpenStoreChecksTheSchema)")

		st, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Schema: schema.SchemaMigrate, Logger: quiet})
		require.NoError(t, err)
		defer st.Close()
		status, err := st.Schema.SchemaStatus(ctx)
		require.NoError(t, err)
		assert.False(t, status.Pending())
		assert.Equal(t, latest, status.Current)
		for _, m := range status.Migrations {
			assert.True(t, m.Applied, "migration %d", m.Version)
			assert.False(t, m.AppliedAt.IsZero(), "migration %d", m.Version)
		}
		st2, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Schema: schema.SchemaRequire})
		require.NoError(t, err)
		require.NoError(t, st2.Close())
	})
}

// TestConcurrentStarts: workers starting together on an empty database migrate
// it once (the advisory lock on PostgreSQL; the re-check on SQLite).
func TestConcurrentStarts(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		if strings.HasPrefix(dsn, "sqlite:") {
			// The file exists, empty, in WAL mode: switching a new file to WAL is
			// not what this test is about.
			require.NoError(t, rawDB(t, dsn).Exec("PRAGMA journal_mode=WAL").Error)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				st, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Logger: quiet})
				if err == nil {
					err = st.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		var applied []int64
		require.NoError(t, rawDB(t, dsn).Raw("SELECT version_id FROM goose_db_version ORDER BY id").Scan(&applied).Error)
		assert.Equal(t, versionRange(0, latestVersion(t, openAt(t, dsn, -1))), applied)
	})
}

// TestGoMigrationStep: a migration step in Go runs in the migration's
// transaction with the store's sealer, e.g. to re-seal every secret.
func TestGoMigrationStep(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, func(t *testing.T, dsn string) {
		sealer := newSealer(t)
		st := openStore(t, dsn, sealer)
		createShop(t, st, "a")
		require.NoError(t, st.Shops.SetAccessToken(ctx, "a", "token-a"))
		var before string
		require.NoError(t, st.DB().Raw("SELECT access_token_sealed FROM shops").Scan(&before).Error)

		rep, err := st.Schema.MigrateWithGoStepForTest(ctx, 1000, func(ctx context.Context, tx *sql.Tx) error {
			s := sealer
			var id, sealed string
			if err := tx.QueryRowContext(ctx, "SELECT id, access_token_sealed FROM shops").Scan(&id, &sealed); err != nil {
				return err
			}
			plain, err := s.Open(sealed, "shops/"+id+"/access_token_sealed")
			if err != nil {
				return err
			}
			resealed, err := s.Seal(plain, "shops/"+id+"/access_token_sealed")
			if err != nil {
				return err
			}
			q := "UPDATE shops SET access_token_sealed = $1 WHERE id = $2"
			if st.Dialect() == "sqlite" {
				q = "UPDATE shops SET access_token_sealed = ? WHERE id = ?"
			}
			_, err = tx.ExecContext(ctx, q, resealed, id)
			return err
		})
		require.NoError(t, err)
		assert.Equal(t, []int64{1000}, rep.Applied)
		var after string
		require.NoError(t, st.DB().Raw("SELECT access_token_sealed FROM shops").Scan(&after).Error)
		assert.NotEqual(t, before, after)
		tok, err := st.Shops.AccessToken(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "token-a", tok)
	})
}

func TestOpenDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{"sqlite:" + filepath.Join(dir, "a"), "file:" + filepath.Join(dir, "b"), filepath.Join(dir, "c.db")} {
		s, err := stores.Open(ctx, dsn, nil)
		require.NoError(t, err, dsn)
		assert.Equal(t, "sqlite", s.Dialect())
		require.NoError(t, s.Close())
	}
	t.Chdir(dir)
	s, err := stores.Open(ctx, "", nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.FileExists(t, filepath.Join(dir, schema.DefaultSQLitePath))

	_, err = stores.Open(ctx, "mysql://x", nil)
	assert.ErrorContains(t, err, "DSN not understood")
	_, err = stores.Open(ctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", nil)
	assert.ErrorContains(t, err, "connecting to the postgres OMS database")
}

// TestOpenNeedsGoSteps: schema.Open refuses options without the Go migration
// steps of GoStepVersions (or with a step it does not know), so that no opener
// can skip migration 3's re-seal.
func TestOpenNeedsGoSteps(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "oms.db")
	_, err := schema.Open(ctx, dsn, schema.Options{})
	assert.ErrorContains(t, err, "migration 3 (00003_reseal_secrets) is written in Go and was not given")
	bogus := schema.GoStep{Version: 4, Name: "00004_x", Up: func(context.Context, *sql.Tx, string) error { return nil }}
	_, err = schema.Open(ctx, dsn, schema.Options{Steps: []schema.GoStep{shops.ResealStep(nil), bogus}})
	assert.ErrorContains(t, err, "is not one of this binary's")
	db, err := schema.Open(ctx, dsn, schema.Options{Steps: []schema.GoStep{shops.ResealStep(nil)}})
	require.NoError(t, err)
	require.NoError(t, db.Close())
}
