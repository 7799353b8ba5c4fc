package main

import (
	"context"
	"errors"
	"fmt"
)

// runSecrets dispatches `starter secrets <verb>`.
func runSecrets(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New("usage: starter secrets rotate")
	}
	return secretsRotate(ctx, e, args[1:])
}

// secretsRotate re-seals every stored client secret and access token with the
// current key, bound to its shop and column (older rows sealed without that
// binding are re-sealed too). Rotation: put the new key in COLORME_SYNC_SECRET_KEY and the old
// one in COLORME_SYNC_OLD_SECRET_KEYS (for every process), run this, then drop
// the old key.
func secretsRotate(ctx context.Context, e *env, args []string) error {
	fs := newFlags("secrets rotate", e.errOut)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if cfg.SecretKey == "" {
		return errors.New("COLORME_SYNC_SECRET_KEY is not set: set the new key there and the old one in COLORME_SYNC_OLD_SECRET_KEYS, then run this again")
	}
	st, err := e.db(ctx)
	if err != nil {
		return err
	}
	n, err := st.RotateSecrets(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "re-sealed %d stored secret(s) with the current key (COLORME_SYNC_SECRET_KEY), each bound to its shop and column\n", n)
	if len(cfg.OldSecretKeys) > 0 {
		fmt.Fprintln(e.out, "every secret is now sealed with the current key: remove COLORME_SYNC_OLD_SECRET_KEYS from every process's environment and restart them")
	}
	return nil
}
