package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// schemaStatus parses a db command's flags, opens the database as migrationsDB
// does and reads its schema status.
func schemaStatus(ctx context.Context, fs flags, args []string) (*stores.Stores, schema.SchemaStatus, error) {
	if err := fs.Parse(args); err != nil {
		return nil, schema.SchemaStatus{}, err
	}
	st, err := migrationsDB(ctx, fs.e)
	if err != nil {
		return nil, schema.SchemaStatus{}, err
	}
	status, err := st.Schema.SchemaStatus(ctx)
	return st, status, err
}

// migrationsDB opens the database without the schema check every other command
// makes: these commands are how a schema that is behind gets migrated.
func migrationsDB(ctx context.Context, e *env) (*stores.Stores, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return nil, err
	}
	st, err := app.OpenStoreForMigrations(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e.store = st // closed with the env
	return st, nil
}

// dbStatus prints the database's schema version and every migration this
// binary knows, applied or pending.
func dbStatus(ctx context.Context, e *env, args []string) error {
	fs := e.flags("db status")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	_, status, err := schemaStatus(ctx, fs, args)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		return enc.Encode(status)
	}
	fmt.Fprintf(e.out, "database: %s, schema version %d; this binary's latest: %d\n", status.Dialect, status.Current, status.Latest)
	fmt.Fprintln(e.out, statusVerdict(status))
	t := newTable(column{title: "version", right: true}, column{title: "state"}, column{title: "applied at"}, column{title: "migration"})
	t.indent = "  "
	for _, m := range status.Migrations {
		state, at := "pending", ""
		switch {
		case m.Applied && status.Unversioned:
			state = "adoptable"
		case m.Applied:
			state, at = "applied", opsTime(m.AppliedAt)
		}
		t.add(m.Version, state, dash(at), m.Name)
	}
	return t.write(e.out)
}

// statusVerdict is the one sentence saying what, if anything, the operator must do.
func statusVerdict(st schema.SchemaStatus) string {
	switch {
	case st.TooNew():
		return fmt.Sprintf("NEWER than this binary: a later colorme-sync migrated it to version %d; run that release or a newer one (this binary refuses to start on it)", st.Current)
	case st.Current == 0:
		return "empty: `starter db migrate` (or any command with DB_AUTO_MIGRATE=true) creates the schema"
	case st.Unversioned:
		return fmt.Sprintf("made by AutoMigrate before versioned migrations: `starter db migrate` adopts it as version %d without changing its tables, then applies the rest", st.Current)
	case st.Pending():
		n := st.Latest - st.Current
		return fmt.Sprintf("%d migration%s pending: back the database up, then run `starter db migrate` (or start with DB_AUTO_MIGRATE=true)", n, plural(n))
	}
	return "up to date"
}

// dbMigrate adopts an AutoMigrate-made database and applies every pending
// migration, under the same lock the worker takes.
func dbMigrate(ctx context.Context, e *env, args []string) error {
	st, before, err := schemaStatus(ctx, e.flags("db migrate"), args)
	if err != nil {
		return err
	}
	// What happens is printed below; keep the log for failures.
	rep, err := st.Schema.Migrate(ctx, slog.New(slog.NewTextHandler(e.errOut, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return app.ExplainStoreError(err)
	}
	if rep.Adopted {
		fmt.Fprintf(e.out, "adopted the AutoMigrate-made database as schema version %d (no table changed)\n", rep.From)
	}
	names := map[int64]string{}
	for _, m := range before.Migrations {
		names[m.Version] = m.Name
	}
	for _, v := range rep.Applied {
		fmt.Fprintf(e.out, "applied %s\n", path.Base(names[v]))
	}
	switch {
	case len(rep.Applied) == 0 && !rep.Adopted:
		fmt.Fprintf(e.out, "database schema is at version %d, this binary's latest: nothing to do\n", rep.To)
	default:
		fmt.Fprintf(e.out, "database schema is now at version %d (was %d)\n", rep.To, rep.From)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}
