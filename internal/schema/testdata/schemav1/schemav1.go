// Package schemav1 is the OMS schema of release 56606a0 — schema version 1 — as
// that release's gorm models made it: its row types, frozen, and its AutoMigrate.
// The tests use it to build a database exactly as that release did and to fill it
// as that release wrote it, then check that the migrations adopt or upgrade it
// without losing a row. Never change these types: they are history.
//
// It is test data (a testdata directory): only tests import it (internal/schema's,
// internal/shops' and internal/e2e/upgradeflow's); ./... patterns, and so the
// product's build, vet and lint, leave it out.
package schemav1

import (
	"database/sql/driver"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Settings is a shop's settings as release 56606a0 stored them (embedded in shops).
type Settings struct {
	ImportEnabled         bool
	ImportIntervalMinutes int
	ImportDays            int
	ExportEnabled         bool
	ExportIntervalMinutes int
	WindowDays            int
	RequireShipDate       bool
	SendMail              bool
}

// Shop is a row of shops.
type Shop struct {
	ID                 string   `gorm:"primaryKey;size:63"`
	Name               string   `gorm:"not null"`
	APIBaseURL         string   `gorm:"column:api_base_url;not null"`
	ClientID           string   `gorm:"not null"`
	RedirectURL        string   `gorm:"not null"`
	ClientSecretSealed string   `gorm:"not null"`
	AccessTokenSealed  string   `gorm:"not null"`
	ReconnectNeeded    bool     `gorm:"not null"`
	ReconnectReason    string   `gorm:"not null"`
	Settings           Settings `gorm:"embedded"`
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// TableName is the table of Shop.
func (Shop) TableName() string { return "shops" }

// Order is a row of orders.
type Order struct {
	ShopID              string    `gorm:"primaryKey;size:63"`
	SaleID              int64     `gorm:"primaryKey;autoIncrement:false"`
	Status              string    `gorm:"size:32;not null"`
	OrderedAt           time.Time `gorm:"not null"`
	UpdatedAt           time.Time `gorm:"not null;autoUpdateTime:false"`
	BundleParentSaleID  *int64    `gorm:"index:orders_bundle_parent"`
	ColormeCanceled     bool      `gorm:"not null;default:false"`
	FlagReason          string    `gorm:"not null;default:''"`
	ImportedAt          *time.Time
	ColormeParentSaleID *int64
}

// TableName is the table of Order.
func (Order) TableName() string { return "orders" }

// Delivery is a row of deliveries (お届け先).
type Delivery struct {
	ShopID           string `gorm:"primaryKey;size:63"`
	SaleID           int64  `gorm:"primaryKey;autoIncrement:false"`
	DeliveryID       int64  `gorm:"primaryKey;autoIncrement:false"`
	SlipNumber       string `gorm:"not null;default:''"`
	ShippedOn        Date
	Name             string `gorm:"not null;default:''"`
	PrefName         string `gorm:"not null;default:''"`
	DeliveryMethodID int64  `gorm:"not null;default:0"`
	Address1         string `gorm:"not null;default:''"`
}

// TableName is the table of Delivery.
func (Delivery) TableName() string { return "deliveries" }

// RunTotals are an export run's counts (embedded in runs).
type RunTotals struct {
	Targets, Updated, Unchanged, Skipped, Failed, Mails int
}

// ImportTotals are an import run's counts (embedded in runs as import_*).
type ImportTotals struct {
	Fetched   int `gorm:"not null;default:0"`
	Created   int `gorm:"not null;default:0"`
	Updated   int `gorm:"not null;default:0"`
	Unchanged int `gorm:"not null;default:0"`
	Cancelled int `gorm:"not null;default:0"`
	Flagged   int `gorm:"not null;default:0"`
}

// Run is a row of runs (自動処理ログ).
type Run struct {
	ID              int64  `gorm:"primaryKey;autoIncrement"`
	ShopID          string `gorm:"size:63;not null"`
	Kind            string `gorm:"size:16;not null"`
	WorkflowID      string `gorm:"not null"`
	RunKey          string `gorm:"uniqueIndex:runs_run_key;not null"`
	Trigger         string `gorm:"size:32;not null"`
	WindowDays      int    `gorm:"not null"`
	RequireShipDate bool   `gorm:"not null"`
	SendMail        bool   `gorm:"not null"`
	DryRun          bool   `gorm:"not null"`
	AsOf            time.Time
	StartedAt       time.Time
	FinishedAt      *time.Time
	Status          string       `gorm:"size:16;not null"`
	Error           string       `gorm:"not null"`
	Totals          RunTotals    `gorm:"embedded"`
	Import          ImportTotals `gorm:"embedded;embeddedPrefix:import_"`
	Watermark       *time.Time
}

// TableName is the table of Run.
func (Run) TableName() string { return "runs" }

// Outcome is a row of run_outcomes.
type Outcome struct {
	RunID   int64  `gorm:"primaryKey;autoIncrement:false"`
	SaleID  int64  `gorm:"primaryKey;autoIncrement:false"`
	ShopID  string `gorm:"size:63;not null"`
	Outcome string `gorm:"size:16;not null"`
	Reason  string `gorm:"not null"`
	Sent    string `gorm:"not null"`
	Mailed  bool   `gorm:"not null"`
	At      time.Time
}

// TableName is the table of Outcome.
func (Outcome) TableName() string { return "run_outcomes" }

// Mail is a row of mail_ledger.
type Mail struct {
	ShopID    string `gorm:"primaryKey;size:63"`
	SaleID    int64  `gorm:"primaryKey;autoIncrement:false"`
	State     string `gorm:"size:16;not null"`
	RunID     int64  `gorm:"not null"`
	ClaimedAt time.Time
	SentAt    *time.Time
}

// TableName is the table of Mail.
func (Mail) TableName() string { return "mail_ledger" }

// Budget is a row of api_budgets.
type Budget struct {
	Key    string `gorm:"primaryKey;column:key;size:200"`
	NextAt int64  `gorm:"not null"`
}

// TableName is the table of Budget.
func (Budget) TableName() string { return "api_budgets" }

// OAuthState is a row of oauth_states.
type OAuthState struct {
	StateHash string    `gorm:"primaryKey;size:64"`
	ShopID    string    `gorm:"size:63;not null;index"`
	ExpiresAt time.Time `gorm:"not null"`
	CreatedAt time.Time
}

// TableName is the table of OAuthState.
func (OAuthState) TableName() string { return "oauth_states" }

// AutoMigrate makes the tables as release 56606a0 did at every start (without
// oauth_states, which it made on first use: see AutoMigrateOAuthStates).
func AutoMigrate(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.AutoMigrate(&Shop{}, &Order{}, &Delivery{}, &Run{}, &Outcome{}, &Mail{}, &Budget{}); err != nil {
			return err
		}
		for _, stmt := range []string{
			`CREATE INDEX IF NOT EXISTS orders_targets ON orders (shop_id, updated_at, sale_id) WHERE status NOT IN ('new', 'cancelled')`,
			`CREATE INDEX IF NOT EXISTS runs_shop ON runs (shop_id, id)`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// AutoMigrateOAuthStates makes oauth_states as release 56606a0 did on the first
// `starter shop connect`.
func AutoMigrateOAuthStates(db *gorm.DB) error { return db.AutoMigrate(&OAuthState{}) }

// Date is a calendar date "YYYY-MM-DD", "" = NULL: DATE in PostgreSQL, text in SQLite.
type Date string

// GormDBDataType picks the column type per dialect.
func (Date) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "postgres" {
		return "date"
	}
	return "text"
}

// Value implements driver.Valuer.
func (d Date) Value() (driver.Value, error) {
	if d == "" {
		return nil, nil
	}
	return string(d), nil
}

// Scan implements sql.Scanner.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = ""
	case time.Time:
		*d = Date(v.Format(time.DateOnly))
	case string:
		*d = Date(v)
	case []byte:
		*d = Date(v)
	default:
		return fmt.Errorf("shipped_on: cannot read %T as a date", src)
	}
	return nil
}
