// Package upgradeflow_test is the upgrade test: a database as release 56606a0
// made and filled it, upgraded by this binary, keeps every row with its meaning,
// opens its sealed secrets, and runs an export and an import.
//
// Each later schema change adds its data here: rows in fill that the new
// migration must carry over, and checks in checkMeaning that they still mean the
// same afterwards.
package upgradeflow_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/demo"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/schema/testdata/schemav1"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
	"github.com/colorme-sync/colorme-sync/internal/teststack"
	"github.com/colorme-sync/colorme-sync/workflows"
)

func TestMain(m *testing.M) { teststack.Main(m) }

// The secret key of the upgraded installation, and secrets sealed with it by
// release 56606a0's own code (internal/secrets at that commit): the upgrade must
// open exactly what that release wrote.
const v1Key = "5hjAII3d+udlXn63reQKth67/HptiEnvRnJHw2iBc3w="

var v1Sealed = map[string]string{
	"cs-alpha-5f1e0c9a2b7d": "v1:6974c019:hCOMyBN/SzUuoPfpYhaddtwLqXCpypf35sXpTSD5p6eWQfbbK0R44QmLQdE0JiDm7Q==",
	"at-alpha-8d2c4e6f1a3b": "v1:6974c019:ADjhdr3u7zsTIaCV+pg9qTsDZaqHKczz89MYaSr+Rg5q/7ZNr99kxPRh1TlC5F1Cow==",
	"cs-beta-0a9b8c7d6e5f":  "v1:6974c019:vi5DO3X0210dUekz+K8eSW9NxfUpHbjf5a0AA1qJvlS+q+4yDMoPqNi1JDPbt2NT",
}

// TestUpgradeFromRelease56606a0 upgrades a filled database of release 56606a0,
// made by its AutoMigrate (what merchants have: no version table) or by
// migration 1, on PostgreSQL and SQLite.
func TestUpgradeFromRelease56606a0(t *testing.T) {
	for _, tc := range []struct {
		name        string
		sqlite      bool
		autoMigrate bool
	}{
		{"postgres/automigrate", false, true},
		{"postgres/migration1", false, false},
		{"sqlite/automigrate", true, true},
		{"sqlite/migration1", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "colorme-sync.db")
			if !tc.sqlite {
				dsn = testenv.PostgresDSN(t)
			}
			upgrade(t, dsn, tc.autoMigrate)
		})
	}
}

func upgrade(t *testing.T, dsn string, autoMigrate bool) {
	ctx := context.Background()
	raw := testenv.RawDB(t, dsn)
	if autoMigrate {
		require.NoError(t, schemav1.AutoMigrate(raw))
		require.NoError(t, schemav1.AutoMigrateOAuthStates(raw))
	} else {
		st, err := stores.OpenWith(ctx, dsn, nil, schema.Options{Schema: schema.SchemaIgnore})
		require.NoError(t, err)
		_, err = st.Schema.MigrateTo(ctx, 1, nil)
		require.NoError(t, err)
		require.NoError(t, st.Close())
	}
	fx := fill(t, raw)
	before := snapshot(t, raw)

	// The new binary with DB_AUTO_MIGRATE off refuses, naming the command…
	cfg := config.Config{Storage: config.Storage{DatabaseURL: dsn, SecretKey: v1Key}, Process: config.Process{LogLevel: "error"}}
	_, err := app.OpenStore(ctx, cfg)
	require.ErrorIs(t, err, schema.ErrSchemaBehind)
	assert.Contains(t, err.Error(), "run `starter db migrate`")
	sameRows(t, before, snapshot(t, raw), "a refusal changes nothing")

	// …and with it on (the default) migrates at start.
	cfg.DBAutoMigrate = true
	st, err := app.OpenStore(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	status, err := st.Schema.SchemaStatus(ctx)
	require.NoError(t, err)
	require.False(t, status.Pending())
	require.Equal(t, status.Latest, status.Current)
	require.False(t, status.Unversioned)

	after := snapshot(t, raw)
	resealed(t, before, after)
	sameRows(t, before, after, "every row of every table is still there, every column as it was (the sealed secrets aside: re-sealed)")
	checkMeaning(t, st, fx)
	exportAndImport(t, st, fx)
}

// oauthState is a `starter shop connect` of shop beta begun before the upgrade.
const oauthState = "Yx3kq0N6Jm2rVb8T"

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// fixture is what fill wrote, for the checks.
type fixture struct {
	asOf        time.Time
	orders      []rules.Order
	sales       []colorme.Sale
	flagged     int64                     // a sale cancelled on ColorMe after the OMS shipped it
	flagReason  string                    //
	mailedSale  int64                     // its shipping mail went out in an earlier run (mail ledger: sent)
	exportRun   int64                     // a completed scheduled export with outcomes
	importRun   int64                     // a completed import with its watermark
	failedRun   int64                     // a failed manual export
	watermark   time.Time                 // the import's watermark
	outcomes    []oms.Outcome             // the export run's outcomes
	settings    shops.ShopSettings        // shop alpha's settings
	destination map[int64]oms.Destination // by delivery id
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// fill writes a realistic shop as release 56606a0 wrote it, through its own row
// types: two shops with sealed secrets, 150 generated orders with deliveries
// (bundles, slips, ship dates, a flagged one), three runs with outcomes, the mail
// ledger, an API budget and a pending OAuth state.
func fill(t *testing.T, db *gorm.DB) fixture {
	t.Helper()
	asOf := time.Now().Truncate(time.Second)
	fx := fixture{asOf: asOf, destination: map[int64]oms.Destination{}}
	fx.orders, fx.sales = demo.Generate(150, 16, 800001, asOf)
	// ColorMe agrees with the OMS on cancellations, as after an import, except
	// for one shipped order that ColorMe cancelled later: the import flagged it.
	for i := range fx.sales {
		fx.sales[i].Canceled = fx.orders[i].Status == rules.StatusCancelled
		if fx.flagged == 0 && fx.orders[i].Status == rules.StatusShipped && i > 10 {
			fx.flagged, fx.sales[i].Canceled = fx.orders[i].SaleID, true
			fx.flagReason = "cancelled on ColorMe after the OMS shipped it (status 出荷済み): the order was kept; check with the customer and the carrier, then set its status"
		}
	}
	require.NotZero(t, fx.flagged)

	// export_on_change (migration 5) is not in release 56606a0: it reads back on, its default;
	// the notification settings (migration 8) read back as theirs: no channel, 3 failures, 15 minutes.
	fx.settings = shops.ShopSettings{ImportEnabled: true, ImportIntervalMinutes: 20, ImportDays: 7, ExportEnabled: true,
		ExportIntervalMinutes: 15, ExportOnChange: true, WindowDays: 3, RequireShipDate: true, SendMail: true,
		NotifySaleFailures: 3, NotifyLagMinutes: 15, StockIntervalMinutes: 60}
	v1Settings := schemav1.Settings{ImportEnabled: true, ImportIntervalMinutes: 20, ImportDays: 7, ExportEnabled: true,
		ExportIntervalMinutes: 15, WindowDays: 3, RequireShipDate: true, SendMail: true}
	created := utc(asOf.AddDate(0, 0, -30))
	require.NoError(t, db.Create(&[]schemav1.Shop{
		{ID: "alpha", Name: "アルファ商店", APIBaseURL: "https://api.shop-pro.jp", ClientID: "alpha-app", RedirectURL: "https://oms.example.jp/colorme/callback",
			ClientSecretSealed: v1Sealed["cs-alpha-5f1e0c9a2b7d"], AccessTokenSealed: v1Sealed["at-alpha-8d2c4e6f1a3b"],
			Settings: v1Settings, CreatedAt: created, UpdatedAt: created},
		{ID: "beta", Name: "ベータ", APIBaseURL: "https://api.shop-pro.jp", ClientID: "beta-app", RedirectURL: "https://oms.example.jp/colorme/callback",
			ClientSecretSealed: v1Sealed["cs-beta-0a9b8c7d6e5f"], ReconnectNeeded: true, ReconnectReason: "ColorMe refused the access token (401): connect the shop again",
			Settings:  schemav1.Settings{ImportIntervalMinutes: 30, ImportDays: 7, ExportEnabled: true, ExportIntervalMinutes: 30, WindowDays: 3, RequireShipDate: true},
			CreatedAt: created, UpdatedAt: created},
	}).Error)

	imported := utc(asOf.Add(-70 * time.Minute))
	var orders []schemav1.Order
	var deliveries []schemav1.Delivery
	for i, o := range fx.orders {
		s := fx.sales[i]
		row := schemav1.Order{ShopID: "alpha", SaleID: o.SaleID, Status: o.Status, OrderedAt: utc(o.OrderedAt), UpdatedAt: utc(o.UpdatedAt),
			ColormeCanceled: s.Canceled, ImportedAt: &imported}
		if o.BundleParentSaleID != 0 {
			p := o.BundleParentSaleID
			row.BundleParentSaleID = &p
		}
		if o.SaleID == fx.flagged {
			row.FlagReason = fx.flagReason
		}
		orders = append(orders, row)
		for j, d := range o.Deliveries {
			cd := s.SaleDeliveries[j]
			deliveries = append(deliveries, schemav1.Delivery{ShopID: "alpha", SaleID: o.SaleID, DeliveryID: d.ID, SlipNumber: d.SlipNumber,
				ShippedOn: schemav1.Date(d.ShippedOn), Name: cd.Name, PrefName: cd.PrefName, DeliveryMethodID: cd.DeliveryID, Address1: cd.Address1})
			fx.destination[d.ID] = oms.Destination{ID: d.ID, MethodID: cd.DeliveryID, Name: cd.Name, PrefName: cd.PrefName, Address1: cd.Address1}
		}
	}
	require.NoError(t, db.CreateInBatches(orders, 50).Error)
	require.NoError(t, db.CreateInBatches(deliveries, 50).Error)

	// The run log: a scheduled export with its outcomes, an import with its
	// watermark, a failed manual export.
	fin := utc(asOf.Add(-2*time.Hour + 40*time.Second))
	fx.watermark = asOf.Add(-70*time.Minute - oms.ImportWatermarkMargin).Truncate(time.Second).UTC()
	importFin := utc(asOf.Add(-69 * time.Minute))
	failFin := utc(asOf.Add(-30*time.Minute + 5*time.Second))
	runs := []schemav1.Run{
		{ShopID: "alpha", Kind: "export", WorkflowID: "shipping-sync-alpha", RunKey: "0d1b7c9e-export", Trigger: "scheduled", WindowDays: 3,
			RequireShipDate: true, SendMail: true, AsOf: utc(asOf.Add(-2 * time.Hour)), StartedAt: utc(asOf.Add(-2 * time.Hour)), FinishedAt: &fin,
			Status: "completed", Totals: schemav1.RunTotals{Targets: 3, Updated: 1, Unchanged: 1, Failed: 1, Mails: 1}},
		{ShopID: "alpha", Kind: "import", WorkflowID: "order-import-alpha", RunKey: "7a2e4f10-import", Trigger: "scheduled", WindowDays: 0,
			AsOf: utc(asOf.Add(-70 * time.Minute)), StartedAt: utc(asOf.Add(-70 * time.Minute)), FinishedAt: &importFin, Status: "completed",
			Import: schemav1.ImportTotals{Fetched: 150, Created: 149, Flagged: 1}, Watermark: &fx.watermark},
		{ShopID: "alpha", Kind: "export", WorkflowID: "shipping-sync-alpha", RunKey: "5c3d2b1a-export", Trigger: "manual", WindowDays: 7,
			AsOf: utc(asOf.Add(-30 * time.Minute)), StartedAt: utc(asOf.Add(-30 * time.Minute)), FinishedAt: &failFin, Status: "failed",
			Error: "ColorMe refused the access token (401 Unauthorized)"},
	}
	require.NoError(t, db.Create(&runs).Error)
	fx.exportRun, fx.importRun, fx.failedRun = runs[0].ID, runs[1].ID, runs[2].ID

	// The export's outcomes, and the shipping mail it sent: the first sale the
	// rules would mail now, so the export after the upgrade must not mail it again.
	opt := rules.Options{WindowDays: fx.settings.WindowDays, RequireShipDate: fx.settings.RequireShipDate, SendMail: true}
	for i, o := range fx.orders {
		if rules.IsTarget(o, asOf, opt.WindowDays) && rules.Evaluate(o, fx.sales[i], opt).SendMail && o.SaleID != fx.flagged {
			fx.mailedSale = o.SaleID
			break
		}
	}
	require.NotZero(t, fx.mailedSale)
	at := utc(asOf.Add(-2*time.Hour + 20*time.Second))
	fx.outcomes = []oms.Outcome{
		{RunID: fx.exportRun, ShopID: "alpha", SaleID: fx.mailedSale, Outcome: "updated", Sent: `{"sale":{"id":` + fmt.Sprint(fx.mailedSale) + `}}`, Mailed: true, At: at},
		{RunID: fx.exportRun, ShopID: "alpha", SaleID: fx.orders[1].SaleID, Outcome: "unchanged", At: at},
		{RunID: fx.exportRun, ShopID: "alpha", SaleID: fx.orders[2].SaleID, Outcome: "failed", Reason: "delivery 99 is not on ColorMe", At: at},
	}
	slices.SortFunc(fx.outcomes, func(a, b oms.Outcome) int { return int(a.SaleID - b.SaleID) })
	for _, o := range fx.outcomes {
		require.NoError(t, db.Create(&schemav1.Outcome{RunID: o.RunID, SaleID: o.SaleID, ShopID: o.ShopID, Outcome: string(o.Outcome), Reason: o.Reason,
			Sent: o.Sent, Mailed: o.Mailed, At: o.At}).Error)
	}
	require.NoError(t, db.Create(&[]schemav1.Mail{
		{ShopID: "alpha", SaleID: fx.mailedSale, State: "sent", RunID: fx.exportRun, ClaimedAt: at, SentAt: &at},
		{ShopID: "alpha", SaleID: fx.orders[0].SaleID, State: "claimed", RunID: fx.exportRun, ClaimedAt: at},
	}).Error)
	require.NoError(t, db.Create(&schemav1.Budget{Key: "colorme:alpha", NextAt: asOf.UnixMicro()}).Error)
	require.NoError(t, db.Create(&schemav1.OAuthState{StateHash: sha256Hex(oauthState), ShopID: "beta", ExpiresAt: utc(asOf.Add(10 * time.Minute)), CreatedAt: utc(asOf)}).Error)
	return fx
}

// snapshot reads every row of release 56606a0's tables, every one of its
// columns (the later ones aside), in primary-key order.
func snapshot(t *testing.T, db *gorm.DB) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, m := range []any{&schemav1.Shop{}, &schemav1.Order{}, &schemav1.Delivery{}, &schemav1.Run{}, &schemav1.Outcome{},
		&schemav1.Mail{}, &schemav1.Budget{}, &schemav1.OAuthState{}} {
		stmt := &gorm.Statement{DB: db}
		require.NoError(t, stmt.Parse(m))
		var cols, pk []string
		for _, f := range stmt.Schema.Fields {
			if f.DBName != "" {
				cols = append(cols, f.DBName)
			}
		}
		for _, f := range stmt.Schema.PrimaryFields {
			pk = append(pk, f.DBName)
		}
		var rows []map[string]any
		require.NoError(t, db.Table(stmt.Schema.Table).Select(cols).Order(strings.Join(pk, ", ")).Find(&rows).Error)
		require.NotEmpty(t, rows, stmt.Schema.Table)
		out[stmt.Schema.Table] = rows
	}
	return out
}

// resealed checks that migration 3 re-sealed every secret release 56606a0
// sealed ("v1:…", bound to nothing) as "v2:…" with the same key, bound to its
// shop and column, and left empty columns empty; then it copies the re-sealed
// values into before, so that the rows compare equal otherwise.
func resealed(t *testing.T, before, after map[string][]map[string]any) {
	t.Helper()
	require.Len(t, after["shops"], len(before["shops"]))
	n := 0
	for i, row := range before["shops"] {
		for _, col := range []string{"client_secret_sealed", "access_token_sealed"} {
			was, now := row[col].(string), after["shops"][i][col].(string)
			if was == "" {
				assert.Empty(t, now, "shop %s %s", row["id"], col)
				continue
			}
			require.True(t, strings.HasPrefix(was, "v1:6974c019:"), "shop %s %s was sealed by release 56606a0", row["id"], col)
			assert.True(t, strings.HasPrefix(now, "v2:6974c019:"), "shop %s %s re-sealed as v2 with the same key: %s", row["id"], col, now)
			assert.NotEqual(t, was, now)
			row[col] = now
			n++
		}
	}
	assert.Equal(t, len(v1Sealed), n, "every secret release 56606a0 sealed was re-sealed")
}

// sameRows reports the tables whose rows differ, with the first few rows that do.
func sameRows(t *testing.T, want, got map[string][]map[string]any, what string) {
	t.Helper()
	for table, rows := range want {
		if !assert.Len(t, got[table], len(rows), "%s: table %s", what, table) {
			continue
		}
		bad := 0
		for i := range rows {
			if !assert.Equal(t, rows[i], got[table][i], "%s: table %s, row %d", what, table, i) {
				if bad++; bad == 3 {
					break
				}
			}
		}
	}
}

// checkMeaning reads the upgraded database through the store, as the worker and
// the console do: every value means what release 56606a0 meant by it.
func checkMeaning(t *testing.T, st *stores.Stores, fx fixture) {
	t.Helper()
	ctx := context.Background()

	alpha, err := st.Shops.Shop(ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, "アルファ商店", alpha.Name)
	assert.Equal(t, "alpha-app", alpha.ClientID)
	assert.Equal(t, fx.settings, alpha.Settings)
	assert.False(t, alpha.ReconnectNeeded)
	secret, err := st.Shops.ClientSecret(ctx, "alpha")
	require.NoError(t, err, "a client secret sealed by release 56606a0 opens")
	assert.Equal(t, "cs-alpha-5f1e0c9a2b7d", secret)
	token, err := st.Shops.AccessToken(ctx, "alpha")
	require.NoError(t, err, "an access token sealed by release 56606a0 opens")
	assert.Equal(t, "at-alpha-8d2c4e6f1a3b", token)
	beta, err := st.Shops.Shop(ctx, "beta")
	require.NoError(t, err)
	assert.True(t, beta.ReconnectNeeded)
	assert.Equal(t, "ColorMe refused the access token (401): connect the shop again", beta.ReconnectReason)
	secret, err = st.Shops.ClientSecret(ctx, "beta")
	require.NoError(t, err)
	assert.Equal(t, "cs-beta-0a9b8c7d6e5f", secret)
	_, err = st.Shops.AccessToken(ctx, "beta")
	assert.ErrorIs(t, err, shops.ErrNoAccessToken)
	// Re-sealed by migration 3, the secrets are bound to their shop and column:
	// alpha's access token copied to beta, or into alpha's client secret
	// column, no longer opens (as release 56606a0's v1 value would have).
	var sealed string
	require.NoError(t, st.DB().Raw("SELECT access_token_sealed FROM shops WHERE id = ?", "alpha").Scan(&sealed).Error)
	require.NoError(t, st.DB().Exec("UPDATE shops SET access_token_sealed = ? WHERE id = ?", sealed, "beta").Error)
	_, err = st.Shops.AccessToken(ctx, "beta")
	assert.ErrorContains(t, err, "failed authentication", "alpha's token copied to beta")
	var alphaSecret string
	require.NoError(t, st.DB().Raw("SELECT client_secret_sealed FROM shops WHERE id = ?", "alpha").Scan(&alphaSecret).Error)
	require.NoError(t, st.DB().Exec("UPDATE shops SET client_secret_sealed = ? WHERE id = ?", sealed, "alpha").Error)
	_, err = st.Shops.ClientSecret(ctx, "alpha")
	assert.ErrorContains(t, err, "failed authentication", "alpha's token in its client secret column")
	require.NoError(t, st.DB().Exec("UPDATE shops SET client_secret_sealed = ? WHERE id = ?", alphaSecret, "alpha").Error)
	require.NoError(t, st.DB().Exec("UPDATE shops SET access_token_sealed = '' WHERE id = ?", "beta").Error)
	secret, err = st.Shops.ClientSecret(ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, "cs-alpha-5f1e0c9a2b7d", secret)

	views, err := st.Orders(ctx, "alpha")
	require.NoError(t, err)
	require.Len(t, views, len(fx.orders))
	for i, v := range views {
		want := fx.orders[i]
		assert.Equal(t, normal(want), normal(v.Order), "order %d", want.SaleID)
		assert.Equal(t, fx.sales[i].Canceled, v.ColormeCanceled, "order %d", want.SaleID)
		if want.SaleID == fx.flagged {
			assert.Equal(t, fx.flagReason, v.FlagReason)
		} else {
			assert.Empty(t, v.FlagReason, "order %d", want.SaleID)
		}
		for _, d := range v.Destinations {
			assert.Equal(t, fx.destination[d.ID], d)
		}
	}

	run, err := st.Run(ctx, fx.exportRun)
	require.NoError(t, err)
	assert.Equal(t, oms.RunTotals{Targets: 3, Updated: 1, Unchanged: 1, Failed: 1, Mails: 1}, run.Totals)
	assert.Equal(t, oms.RunCompleted, run.Status)
	assert.Equal(t, oms.TriggerScheduled, run.Trigger)
	assert.Empty(t, run.StartedBy, "a run from before the console was started by no operator")
	outs, err := st.Outcomes(ctx, fx.exportRun)
	require.NoError(t, err)
	require.Len(t, outs, len(fx.outcomes))
	for i := range outs {
		outs[i].At = outs[i].At.UTC()
	}
	assert.Equal(t, fx.outcomes, outs)
	imp, err := st.ImportRun(ctx, fx.importRun)
	require.NoError(t, err)
	assert.Equal(t, oms.ImportTotals{Fetched: 150, Created: 149, Flagged: 1}, imp.Import)
	require.NotNil(t, imp.Watermark)
	assert.True(t, imp.Watermark.Equal(fx.watermark))
	wm, ok, err := st.ImportWatermark(ctx, "alpha")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, wm.Equal(fx.watermark), "the next import starts where the last one before the upgrade left off")
	failed, err := st.Run(ctx, fx.failedRun)
	require.NoError(t, err)
	assert.Equal(t, oms.RunFailed, failed.Status)
	assert.Equal(t, "ColorMe refused the access token (401 Unauthorized)", failed.Error)
	runs, err := st.Runs(ctx, "alpha", 10)
	require.NoError(t, err)
	assert.Len(t, runs, 3)

	// What this round added works on the upgraded database.
	_, err = st.Accounts.CreateUser(ctx, "tanaka", "correct horse battery", accounts.RoleAdmin)
	require.NoError(t, err)
	u, err := st.Accounts.Authenticate(ctx, "tanaka", "correct horse battery")
	require.NoError(t, err)
	assert.True(t, u.IsAdmin())
	require.NoError(t, connect.ConsumeOAuthState(ctx, st.DB(), "beta", oauthState), "a connect started before the upgrade completes after it")
}

// normal is an order with its times in UTC, to compare.
func normal(o rules.Order) rules.Order {
	o.OrderedAt, o.UpdatedAt = o.OrderedAt.UTC(), o.UpdatedAt.UTC()
	if len(o.Deliveries) == 0 {
		o.Deliveries = nil
	}
	return o
}

// exportAndImport runs the shop's export and an import on the upgraded
// database, on the real stack: the export writes exactly what the rules say
// (and does not mail the sale the ledger shows as mailed), the import creates
// the new sales and leaves every existing order as it was.
func exportAndImport(t *testing.T, st *stores.Stores, fx fixture) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stack := teststack.NewOn(t, st)
	stack.Sandbox.AddToken("at-alpha-8d2c4e6f1a3b")
	sh, err := st.Shops.Shop(ctx, "alpha")
	require.NoError(t, err)
	// The token sealed by the old release opens with the upgraded store. Moving
	// the shop to the sandbox's address drops it (a new API host never gets the
	// old host's token), so it is stored again, as reconnecting would.
	token, err := st.Shops.AccessToken(ctx, "alpha")
	require.NoError(t, err)
	require.Equal(t, "at-alpha-8d2c4e6f1a3b", token)
	sh.APIBaseURL = stack.SandboxURL
	require.NoError(t, st.Shops.UpdateShop(ctx, sh))
	_, err = st.Shops.AccessToken(ctx, "alpha")
	require.Error(t, err, "a changed api_base_url drops the token")
	require.NoError(t, st.Shops.SetAccessToken(ctx, "alpha", token))
	stack.Sandbox.Seed(fx.sales...)

	opt := rules.Options{WindowDays: fx.settings.WindowDays, RequireShipDate: fx.settings.RequireShipDate, SendMail: true}
	want, writes, mails := teststack.Expected(fx.orders, stack.Sandbox.Sales(), fx.asOf, opt)
	require.Greater(t, writes, 5)
	s := want[fx.mailedSale]
	s.DeliveredMailState = colorme.MailNotYet // the ledger says it went: not again
	want[fx.mailedSale] = s

	asOf := fx.asOf
	run, err := app.StartExport(ctx, stack.Client, stack.Config, workflows.ShippingSyncInput{ShopID: "alpha", AsOf: &asOf, Trigger: "manual"})
	require.NoError(t, err)
	var res workflows.ShippingSyncResult
	require.NoError(t, run.Get(ctx, &res))
	c := stack.Sandbox.Counters()
	assert.Equal(t, writes, c.Writes, "writes")
	assert.Equal(t, mails-1, c.Mails, "mails: all but the one the ledger shows as sent")
	assert.Zero(t, c.FeeFieldWrites)
	for _, got := range stack.Sandbox.Sales() {
		w := want[got.ID]
		for i, d := range got.SaleDeliveries {
			assert.Equal(t, w.SaleDeliveries[i].Slip(), d.Slip(), "sale %d delivery %d slip", got.ID, d.ID)
			assert.Equal(t, w.SaleDeliveries[i].Delivered, d.Delivered, "sale %d delivery %d delivered", got.ID, d.ID)
		}
		assert.Equal(t, w.DeliveredMailState, got.DeliveredMailState, "sale %d mail state", got.ID)
	}
	t.Logf("export after the upgrade: %d targets, %d updated, %d mails (%d writes, %d mails expected)", res.Targets, res.Updated, res.Mails, writes, mails-1)
	exp, err := st.Run(ctx, res.RunID)
	require.NoError(t, err)
	assert.Equal(t, oms.RunCompleted, exp.Status)
	assert.Greater(t, exp.ID, fx.failedRun, "new runs follow the old ones")

	before, err := st.Orders(ctx, "alpha")
	require.NoError(t, err)
	var fresh []colorme.Sale
	for i := range 5 {
		id := int64(900001 + i)
		made := fx.asOf.Add(-time.Duration(i+1) * time.Hour).Unix()
		fresh = append(fresh, colorme.Sale{ID: id, MakeDate: made, UpdateDate: made, DeliveredMailState: colorme.MailNotYet,
			SaleDeliveries: []colorme.SaleDelivery{{ID: id*10 + 1, SaleID: id, DeliveryID: 1, Name: fmt.Sprintf("購入者 %d", id), PrefName: "東京都"}}})
	}
	stack.Sandbox.Seed(fresh...)
	// Migration 7 (delivery and payment methods): an upgraded shop has none
	// until they are read; its first import reads them.
	m, err := st.Shops.Methods(ctx, "alpha")
	require.NoError(t, err)
	assert.Empty(t, m.Deliveries)
	assert.True(t, m.ReadAt.IsZero())
	irun, err := app.StartImport(ctx, stack.Client, stack.Config, workflows.OrderImportInput{ShopID: "alpha"})
	require.NoError(t, err)
	var ires workflows.OrderImportResult
	require.NoError(t, irun.Get(ctx, &ires))
	assert.Equal(t, 5, ires.Created, "the new sales")
	assert.Zero(t, ires.Cancelled+ires.Flagged, "nothing else changes")
	// Migration 4 (full order import): orders imported before it have no
	// customer, line items, totals, … until an import reads their sale again:
	// this one fills them in, without calling them an address change.
	assert.Equal(t, ires.Fetched-ires.Created, ires.Updated, "every old order read gets its order details filled in")
	require.NotNil(t, ires.Since)
	assert.True(t, ires.Since.Equal(fx.watermark), "the import continued from the old watermark")
	t.Logf("import after the upgrade: fetched %d, created %d, unchanged %d, since %s", ires.Fetched, ires.Created, ires.Unchanged, ires.Since)
	after, err := st.Orders(ctx, "alpha")
	require.NoError(t, err)
	require.Len(t, after, len(before)+5)
	filled := 0
	for i := range before {
		b, a := before[i], after[i]
		assert.Empty(t, b.Customer.Name, "sale %d: no order details before the upgrade", b.SaleID)
		if sale, ok := stack.Sandbox.Sale(a.SaleID); ok && sale.Customer != nil && a.Customer.Name != "" {
			assert.Equal(t, sale.Customer.Name, a.Customer.Name)
			assert.Equal(t, sale.TotalPrice, a.Totals.Total)
			assert.Len(t, a.Items, len(sale.Details))
			assert.Equal(t, sale.SaleDeliveries[0].Postal, a.Destinations[0].Postal)
			filled++
		}
		a2 := withoutDetails(a)
		if a2.ImportedAt != nil && b.ImportedAt != nil && !a2.ImportedAt.Before(*b.ImportedAt) {
			a2.ImportedAt = b.ImportedAt // filling the details in is an import's change
		}
		assert.Equal(t, b, a2, "sale %d: every existing order as it was, plus its order details", b.SaleID)
	}
	assert.Positive(t, filled, "the re-import filled in the new fields")
	ir, err := st.ImportRun(ctx, ires.RunID)
	require.NoError(t, err)
	assert.Equal(t, oms.RunCompleted, ir.Status)
	m, err = st.Shops.Methods(ctx, "alpha")
	require.NoError(t, err)
	assert.Len(t, m.Deliveries, len(stack.Sandbox.DeliveryMethods()), "the first import after the upgrade read the shop's delivery methods")
	assert.Len(t, m.Payments, len(stack.Sandbox.PaymentMethods()))
	assert.Equal(t, "宅急便 (ヤマト運輸)", m.DeliveryLabel(1))
	assert.False(t, m.ReadAt.IsZero())
}

// withoutDetails is the order as the release before migration 4 kept it: no
// customer, line items, totals, payment, memo or full destinations.
func withoutDetails(o oms.OrderView) oms.OrderView {
	o.Customer, o.PaymentID, o.Memo, o.Totals, o.Items = oms.ImportedCustomer{}, 0, "", oms.SaleTotals{}, nil
	dests := make([]oms.Destination, len(o.Destinations))
	for i, d := range o.Destinations {
		dests[i] = oms.Destination{ID: d.ID, MethodID: d.MethodID, Name: d.Name, PrefName: d.PrefName, Address1: d.Address1}
	}
	o.Destinations = dests
	return o
}
