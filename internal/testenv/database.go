package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// This file is the database part of the test stack's core, without a
// testing.TB: PostgresDSN and the bench (./bench) create their databases with it.

// ErrUnreachable is matched (errors.Is) by CreateDatabase's error when the
// PostgreSQL server does not answer.
var ErrUnreachable = errors.New("unreachable")

// Database is a fresh PostgreSQL database; Drop drops it.
type Database struct {
	Name  string
	DSN   string
	admin *gorm.DB
}

// CreateDatabase creates a database named prefix plus random letters on the
// server base (a postgres:// URL or key=value DSN) and returns it. Errors show
// base without its password.
func CreateDatabase(ctx context.Context, base, prefix string) (*Database, error) {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err == nil {
		var sqlDB interface{ PingContext(context.Context) error }
		if sqlDB, err = admin.DB(); err == nil {
			err = sqlDB.PingContext(pctx)
		}
	}
	if err != nil {
		if admin != nil {
			closeGorm(admin)
		}
		return nil, fmt.Errorf("PostgreSQL at %s is %w (%v)", redact(base), ErrUnreachable, err)
	}
	d := &Database{Name: prefix + RandomHex(8), admin: admin}
	if d.DSN, err = withDatabase(base, d.Name); err != nil {
		closeGorm(admin)
		return nil, err
	}
	if err := admin.WithContext(pctx).Exec("CREATE DATABASE " + d.Name).Error; err != nil {
		closeGorm(admin)
		return nil, fmt.Errorf("creating database %s on %s: %w", d.Name, redact(base), err)
	}
	return d, nil
}

// Drop drops the database (closing its connections) and the admin connection.
func (d *Database) Drop(ctx context.Context) error {
	defer closeGorm(d.admin)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := d.admin.WithContext(ctx).Exec("DROP DATABASE IF EXISTS " + d.Name + " WITH (FORCE)").Error; err != nil {
		return fmt.Errorf("dropping database %s: %w", d.Name, err)
	}
	return nil
}

// withDatabase returns base with its database replaced by name.
func withDatabase(base, name string) (string, error) {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("the PostgreSQL URL is not a valid URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return base + " dbname=" + name, nil // key=value form: the last dbname wins
}

// redact hides a password in a URL DSN.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	if strings.Contains(dsn, "password") {
		return "(TEST_POSTGRES_URL)"
	}
	return dsn
}

func closeGorm(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// RandomHex returns n random bytes in hex, for names of databases and queues.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
