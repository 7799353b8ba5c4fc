package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// secretsKeys prints the ids of the keys in this environment (never the keys)
// and how many stored secrets each key sealed: run it in a worker's environment
// to see which key the worker lacks.
func secretsKeys(ctx context.Context, e *env, args []string) error {
	cfg, err := e.flags("secrets keys").parseConfig(args)
	if err != nil {
		return err
	}
	sealer, err := cfg.Sealer()
	if err != nil {
		return err
	}
	if sealer == nil {
		return errors.New("COLORME_SYNC_SECRET_KEY is not set in this environment")
	}
	cur, old := sealer.KeyIDs()
	fmt.Fprintf(e.out, "this environment's keys:\n  COLORME_SYNC_SECRET_KEY       key %s (seals new secrets)\n", cur)
	for i, id := range old {
		fmt.Fprintf(e.out, "  COLORME_SYNC_OLD_SECRET_KEYS  key %s (entry %d, opens only)\n", id, i+1)
	}
	counts, err := withShops(ctx, e, (*shops.Store).SealedKeyIDs)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		fmt.Fprintln(e.out, "no secrets are stored yet")
		return nil
	}
	fmt.Fprintln(e.out, "stored secrets (client secrets and access tokens) by the key that sealed them:")
	t := newTable(column{title: "key"}, column{title: "secrets", right: true}, column{title: "here"})
	t.indent = "  "
	ids := slices.Sorted(maps.Keys(counts))
	for _, id := range ids {
		here := "MISSING: this environment cannot open them"
		switch {
		case id == cur:
			here = "COLORME_SYNC_SECRET_KEY"
		case slices.Contains(old, id):
			here = "COLORME_SYNC_OLD_SECRET_KEYS (run `starter secrets rotate`)"
		case id == "":
			here = "not a sealed value: store the secret again"
		}
		t.add(opsDash(id), counts[id], here)
	}
	return t.write(e.out)
}

// secretsRotate re-seals every stored client secret and access token with the
// current key, bound to its shop and column (older rows sealed without that
// binding are re-sealed too). Rotation: put the new key in COLORME_SYNC_SECRET_KEY and the old
// one in COLORME_SYNC_OLD_SECRET_KEYS (for every process), run this, then drop
// the old key.
func secretsRotate(ctx context.Context, e *env, args []string) error {
	cfg, err := e.flags("secrets rotate").parseConfig(args)
	if err != nil {
		return err
	}
	if cfg.SecretKey == "" {
		return errors.New("COLORME_SYNC_SECRET_KEY is not set: set the new key there and the old one in COLORME_SYNC_OLD_SECRET_KEYS, then run this again")
	}
	n, err := withShops(ctx, e, (*shops.Store).RotateSecrets)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "re-sealed %d stored secret(s) with the current key (COLORME_SYNC_SECRET_KEY), each bound to its shop and column\n", n)
	if len(cfg.OldSecretKeys) > 0 {
		fmt.Fprintln(e.out, "every secret is now sealed with the current key: remove COLORME_SYNC_OLD_SECRET_KEYS from every process's environment and restart them")
	}
	return nil
}
