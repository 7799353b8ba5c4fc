// Package stores opens the database and hands out its stores, one per
// domain, all on one connection pool: the orders (oms: orders, shipments,
// imports, the run log, the mail ledger), the shops (settings, sealed secrets,
// methods) and the console's accounts. The API budget (budget.NewLimiter) and
// the OAuth states (connect) work on DB().
package stores

import (
	"context"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// Stores is the database's stores. The embedded *oms.Store is the orders'
// (and the schema's: SchemaStatus, Migrate, Close, DB).
type Stores struct {
	*oms.Store
	Shops    *shops.Store
	Accounts *accounts.Store
}

// Open connects to the database and migrates its schema to this binary's
// version (OpenWith with the default Options). dsn "" (the file colorme-sync.db
// in the working directory), "sqlite:<path>", "file:<path>" or a path ending in
// ".db" opens SQLite; "postgres://…", "postgresql://…" or "host=…" opens
// PostgreSQL. sealer may be nil: storing or reading secrets then fails.
func Open(ctx context.Context, dsn string, sealer *secrets.Sealer) (*Stores, error) {
	return OpenWith(ctx, dsn, sealer, oms.Options{})
}

// OpenWith is Open with options (oms.OpenWith): the Go migration steps are
// added to opts.Steps here, with sealer.
func OpenWith(ctx context.Context, dsn string, sealer *secrets.Sealer, opts oms.Options) (*Stores, error) {
	opts.Steps = append(opts.Steps, shops.ResealStep(sealer))
	st, err := oms.OpenWith(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	return &Stores{Store: st, Shops: shops.New(st.DB(), sealer), Accounts: accounts.New(st.DB())}, nil
}
