package shops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
)

// Migration 3 re-seals every client secret and access token still sealed in the
// legacy format ("v1:…", written by release 56606a0 and the builds before
// secrets were bound to their shop and column) as "v2:…" bound to its shop and
// column (sealContext), with the current key. It changes no table.
//
//   - Every value is opened and re-sealed in the migration's transaction: one
//     that does not open (a key this process lacks, a corrupt value) fails the
//     migration, nothing is written and the database stays at version 2.
//   - Without COLORME_SYNC_SECRET_KEY (no sealer) it refuses when there is a
//     legacy value to re-seal, and passes when there is none.
//   - Values already in the v2 format are left as they are, whatever key sealed
//     them: key rotation stays `starter secrets rotate`'s job. A value that is
//     not a sealed secret at all is left too (it fails where it is read, as before).
//   - updated_at is kept: re-sealing changes no setting of the shop.
//
// Errors name the shop, the column and key ids, never a secret.
//
// ResealStep returns migration 3's step with the process's sealer (nil when
// COLORME_SYNC_SECRET_KEY is not set), for schema.Options.Steps.
func ResealStep(sealer *secrets.Sealer) schema.GoStep {
	return schema.GoStep{Version: 3, Name: "00003_reseal_secrets", Up: func(ctx context.Context, tx *sql.Tx, dialect string) error {
		return resealLegacySecrets(ctx, tx, dialect, sealer)
	}}
}

// ErrMigrationNeedsSecretKey is matched (errors.Is) by Migrate's and Open's error
// when migration 3 has legacy sealed secrets to re-seal and the process has no
// COLORME_SYNC_SECRET_KEY.
var ErrMigrationNeedsSecretKey = errors.New("COLORME_SYNC_SECRET_KEY is not set")

// resealLegacySecrets is migration 3's step.
func resealLegacySecrets(ctx context.Context, tx *sql.Tx, dialect string, sealer *secrets.Sealer) error {
	q := "SELECT id, client_secret_sealed, access_token_sealed FROM shops ORDER BY id"
	upd := "UPDATE shops SET %s = ? WHERE id = ? AND %s = ?"
	if dialect == "postgres" {
		// Rows are locked until the step commits: a process that writes a
		// secret meanwhile (one that does not check the schema) waits for it.
		q += " FOR UPDATE"
		upd = "UPDATE shops SET %s = $1 WHERE id = $2 AND %s = $3"
	}
	type legacy struct{ shop, column, sealed string }
	var todo []legacy
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("reading the shops' sealed secrets: %w", err)
	}
	for rows.Next() {
		var id, cs, at string
		if err := rows.Scan(&id, &cs, &at); err != nil {
			_ = rows.Close()
			return fmt.Errorf("reading the shops' sealed secrets: %w", err)
		}
		for _, v := range []legacy{{id, colClientSecret, cs}, {id, colAccessToken, at}} {
			if secrets.IsLegacy(v.sealed) {
				todo = append(todo, v)
			}
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("reading the shops' sealed secrets: %w", err)
	}
	if len(todo) == 0 {
		return nil
	}
	if sealer == nil {
		return fmt.Errorf("%w, and migration 3 must re-seal %d stored secret(s) sealed by an earlier release: set it to the key that sealed them for the process that migrates",
			ErrMigrationNeedsSecretKey, len(todo))
	}
	for _, v := range todo {
		plain, err := sealer.Open(v.sealed, sealContext(v.shop, v.column))
		if err != nil {
			return unopenedError(v.shop, v.column, err)
		}
		resealed, err := sealer.Seal(plain, sealContext(v.shop, v.column))
		if err != nil {
			return fmt.Errorf("shop %q %s: %w", v.shop, v.column, err)
		}
		res, err := tx.ExecContext(ctx, fmt.Sprintf(upd, v.column, v.column), resealed, v.shop, v.sealed)
		if err != nil {
			return fmt.Errorf("shop %q %s: writing the re-sealed value: %w", v.shop, v.column, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("shop %q %s changed while it was being re-sealed: run the migration again", v.shop, v.column)
		}
	}
	return nil
}

// unopenedError explains a legacy value migration 3 cannot open: a key this
// process lacks (secrets.UnknownKeyError names the key ids and what to do), or
// a value that is corrupt, which only storing the secret again repairs
// (*UnresealableSecretError).
func unopenedError(shop, column string, err error) error {
	if _, ok := errors.AsType[*secrets.UnknownKeyError](err); ok {
		return fmt.Errorf("shop %q %s cannot be re-sealed: %w", shop, column, err)
	}
	return &UnresealableSecretError{Shop: shop, Column: column, Err: err}
}

// UnresealableSecretError is migration 3's refusal of a legacy sealed value that
// does not open with the key that should open it (a corrupt value): only
// clearing it and storing the secret again repairs it. The caller names how to
// store it again.
type UnresealableSecretError struct {
	Shop   string
	Column string // client_secret_sealed or access_token_sealed
	Err    error  // why it does not open
}

// Error says what cannot be re-sealed and how to go on without it.
func (e *UnresealableSecretError) Error() string {
	return fmt.Sprintf("shop %q %s cannot be re-sealed (%v): nothing was changed; to go on without it, clear it (UPDATE shops SET %s = '' WHERE id = '%s'), migrate, then store it again",
		e.Shop, e.Column, e.Err, e.Column, e.Shop)
}

// Unwrap returns why the value does not open.
func (e *UnresealableSecretError) Unwrap() error { return e.Err }

// ClientSecret says whether the value is the shop's client secret (else its
// access token).
func (e *UnresealableSecretError) ClientSecret() bool { return e.Column == colClientSecret }
