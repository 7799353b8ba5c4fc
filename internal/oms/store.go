// Package oms is the order-management system's orders as colorme-sync sees
// them: orders and deliveries, import storage, the run log (自動処理ログ) and the
// shipping-mail ledger, which share transactions. The shops are internal/shops',
// the console's users internal/accounts', the schema internal/schema's.
package oms

import (
	"github.com/colorme-sync/colorme-sync/internal/schema"
	"gorm.io/gorm"
)

// ErrNotFound is returned (wrapped with what was looked for) when a row does
// not exist: schema.ErrNotFound, which every store wraps.
var ErrNotFound = schema.ErrNotFound

// Store is the orders' database: orders and shipments, import storage, the
// run log and the mail ledger.
type Store struct {
	db      *gorm.DB
	dialect string
}

// New returns the orders store on the (migrated) database db (schema.Open).
func New(db *gorm.DB) *Store { return &Store{db: db, dialect: db.Dialector.Name()} }

// Close closes the database connections (schema.ClosePool).
func (s *Store) Close() error { return schema.ClosePool(s.db) }

// DB returns the underlying gorm handle.
func (s *Store) DB() *gorm.DB { return s.db }

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }
