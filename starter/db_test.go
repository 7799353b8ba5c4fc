package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDBCommands: `starter db status` shows an empty database's pending
// migrations, `starter db migrate` applies them, and with DB_AUTO_MIGRATE off
// every other command refuses a database that is behind, naming the command.
func TestDBCommands(t *testing.T) {
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "oms.db"))
	t.Setenv("DB_AUTO_MIGRATE", "false")
	t.Setenv("LOG_LEVEL", "error")
	starter := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, &out, &errOut)
		return code, out.String(), errOut.String()
	}

	code, out, _ := starter("db", "status")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "database: sqlite, schema version 0; this binary's latest: 12")
	assert.Contains(t, out, "empty: `starter db migrate`")
	assert.Regexp(t, `1\s+pending\s+-\s+00001_release_56606a0.sql`, out)

	code, _, errOut := starter("runs", "-shop", "demo")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "run `starter db migrate`")

	code, out, errOut = starter("db", "migrate")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "applied 00001_release_56606a0.sql\napplied 00002_console_users.sql\napplied 00003_reseal_secrets (Go)\napplied 00004_full_order_import.sql\napplied 00005_export_on_change.sql\napplied 00006_console_shared_state.sql\napplied 00007_shop_methods.sql\napplied 00008_notifications.sql\napplied 00009_stock.sql\napplied 00010_payments.sql\napplied 00011_stock_sync.sql\napplied 00012_upload_screen.sql\ndatabase schema is now at version 12 (was 0)\n", out)

	code, out, _ = starter("db", "status")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "up to date")
	assert.Regexp(t, `2\s+applied\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST\s+00002_console_users.sql`, out)
	assert.Regexp(t, `3\s+applied\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST\s+00003_reseal_secrets \(Go\)`, out)

	code, out, _ = starter("db", "migrate")
	require.Equal(t, 0, code)
	assert.Equal(t, "database schema is at version 12, this binary's latest: nothing to do\n", out)

	code, _, errOut = starter("db", "frobnicate")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "usage: starter db status|migrate")
}
