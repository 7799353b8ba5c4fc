// Package stores opens the database and hands out its stores, one per
// domain, all on one connection pool: the orders (oms: orders, shipments,
// imports, the run log, the shipping-mail ledger), the shops (settings, sealed secrets,
// methods), the console's accounts and 入金連携's payments. The API budget (budget.NewLimiter) and
// the OAuth states (connect) work on DB().
package stores

import (
	"context"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/payment"
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// Stores is the database's stores. The embedded *oms.Store is the orders'
// (and Close, DB, Dialect of the shared handle).
type Stores struct {
	*oms.Store
	Schema   *schema.DB // SchemaStatus, Migrate, MigrateTo
	Shops    *shops.Store
	Accounts *accounts.Store
	Payments *payment.Store // 入金連携: MarkPaid
}

// Open connects to the database and migrates its schema to this binary's
// version (OpenWith with the default Options). dsn "" (the file colorme-sync.db
// in the working directory), "sqlite:<path>", "file:<path>" or a path ending in
// ".db" opens SQLite; "postgres://…", "postgresql://…" or "host=…" opens
// PostgreSQL. sealer may be nil: storing or reading secrets then fails.
func Open(ctx context.Context, dsn string, sealer *secrets.Sealer) (*Stores, error) {
	return OpenWith(ctx, dsn, sealer, schema.Options{})
}

// OpenWith is Open with options (schema.Open): the Go migration steps are
// added to opts.Steps here, with sealer.
func OpenWith(ctx context.Context, dsn string, sealer *secrets.Sealer, opts schema.Options) (*Stores, error) {
	opts.Steps = append(opts.Steps, shops.ResealStep(sealer))
	db, err := schema.Open(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	return &Stores{Store: oms.New(db.DB()), Schema: db, Shops: shops.New(db.DB(), sealer), Accounts: accounts.New(db.DB()),
		Payments: payment.New(db.DB())}, nil
}
