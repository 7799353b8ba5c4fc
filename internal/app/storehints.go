package app

import (
	"errors"
	"fmt"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// ExplainStoreError adds what to do to the store's refusals at open and
// migration, which state only the fact: a schema behind this binary, migration
// 3 without the key, a stored secret migration 3 cannot re-seal. The worker,
// the console and the starter all open the store through OpenStore, and
// `starter db migrate` migrates, so the commands are named here, once. Other
// errors are returned as they are.
func ExplainStoreError(err error) error {
	var unresealable *shops.UnresealableSecretError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, schema.ErrSchemaBehind):
		return fmt.Errorf("%w: back the database up and run `starter db migrate` (or start with DB_AUTO_MIGRATE=true)", err)
	case errors.Is(err, shops.ErrMigrationNeedsSecretKey):
		return fmt.Errorf("%w (the worker, or `starter db migrate`)", err)
	case errors.As(err, &unresealable):
		if unresealable.ClientSecret() {
			return fmt.Errorf("%w with `starter shop set-secret -shop %s`", err, unresealable.Shop)
		}
		return fmt.Errorf("%w with `starter shop connect -shop %s`", err, unresealable.Shop)
	}
	return err
}
