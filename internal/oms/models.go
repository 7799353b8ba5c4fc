package oms

import (
	"database/sql/driver"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// The gorm models: the code's view of the schema, which the migrations make
// (internal/schema): a change here needs a migration. The exported types are
// the API. The mail ledgers' rows are internal/mailledger's.

// Models returns a value of each gorm model of the package, for the schema
// drift test (internal/schema). Each names its table (TableName).
func Models() []any {
	return []any{&orderRow{}, &deliveryRow{}, &itemRow{}, &runRow{}, &outcomeRow{}}
}

// TableName is the table of orderRow.
func (orderRow) TableName() string { return "orders" }

// TableName is the table of deliveryRow.
func (deliveryRow) TableName() string { return "deliveries" }

// TableName is the table of itemRow.
func (itemRow) TableName() string { return "order_items" }

// TableName is the table of runRow.
func (runRow) TableName() string { return "runs" }

// TableName is the table of outcomeRow.
func (outcomeRow) TableName() string { return "run_outcomes" }

type orderRow struct {
	ShopID             string     `gorm:"primaryKey;size:63"`
	SaleID             int64      `gorm:"primaryKey;autoIncrement:false"`
	Status             string     `gorm:"size:32;not null"`
	OrderedAt          time.Time  `gorm:"not null"`
	UpdatedAt          time.Time  `gorm:"not null;autoUpdateTime:false"` // the OMS's own update time, never set by gorm
	BundleParentSaleID *int64     `gorm:"index:orders_bundle_parent"`    // NULL = not bundled
	ColormeCanceled    bool       `gorm:"not null;default:false"`
	FlagReason         string     `gorm:"not null;default:''"`
	ImportedAt         *time.Time // last import from ColorMe
	// ColormeParentSaleID is segment.parent_sale_id of a split order (分割受注);
	// NULL when the sale is not split off another one.
	ColormeParentSaleID *int64

	// Order details from ColorMe (migration 4). FullImport is false for an
	// order last imported before them: the next import fills them in without
	// calling it a change.
	FullImport       bool       `gorm:"not null;default:false"`
	CustomerName     string     `gorm:"not null;default:''"`
	CustomerFurigana string     `gorm:"not null;default:''"`
	CustomerMail     string     `gorm:"not null;default:''"`
	CustomerTel      string     `gorm:"not null;default:''"`
	PaymentID        int64      `gorm:"not null;default:0"`
	Memo             string     `gorm:"not null;default:''"`
	Totals           SaleTotals `gorm:"embedded"`

	// 入金連携 (migration 10): ColorMe's paid as last imported, and the OMS's
	// own 入金済み (PaidAt nil = not marked): when, the payment date, who.
	ColormePaid bool       `gorm:"not null;default:false"`
	PaidAt      *time.Time // marked 入金済み in the OMS
	PaidOn      dateString // the payment date (入金日), "" = not given
	PaidBy      string     `gorm:"not null;default:''"`
}

type deliveryRow struct {
	ShopID           string `gorm:"primaryKey;size:63"`
	SaleID           int64  `gorm:"primaryKey;autoIncrement:false"`
	DeliveryID       int64  `gorm:"primaryKey;autoIncrement:false"` // ColorMe sale_delivery id
	SlipNumber       string `gorm:"not null;default:''"`
	ShippedOn        dateString
	Name             string `gorm:"not null;default:''"`
	PrefName         string `gorm:"not null;default:''"`
	DeliveryMethodID int64  `gorm:"not null;default:0"`
	Address1         string `gorm:"not null;default:''"`
	// Migration 4: the rest of the destination.
	Furigana        string `gorm:"not null;default:''"`
	Postal          string `gorm:"not null;default:''"`
	Address2        string `gorm:"not null;default:''"`
	Tel             string `gorm:"not null;default:''"`
	PreferredDate   string `gorm:"not null;default:''"`
	PreferredPeriod string `gorm:"not null;default:''"`
}

// itemRow is a line item (受注明細) of an order, as ColorMe sent it.
type itemRow struct {
	ShopID     string `gorm:"primaryKey;size:63"`
	SaleID     int64  `gorm:"primaryKey;autoIncrement:false"`
	DetailID   int64  `gorm:"primaryKey;autoIncrement:false"` // ColorMe detail id
	DeliveryID int64  `gorm:"not null;default:0"`             // sale_delivery_id
	ProductID  int64  `gorm:"not null;default:0"`
	Name       string `gorm:"not null;default:''"`
	Option     string `gorm:"column:option_text;not null;default:''"`
	Quantity   int64  `gorm:"not null;default:0"`
	Price      int64  `gorm:"not null;default:0"`
	Subtotal   int64  `gorm:"not null;default:0"`
}

type runRow struct {
	ID              int64  `gorm:"primaryKey;autoIncrement"`
	ShopID          string `gorm:"size:63;not null"`
	Kind            string `gorm:"size:16;not null"`
	WorkflowID      string `gorm:"not null"`
	RunKey          string `gorm:"uniqueIndex:runs_run_key;not null"`
	Trigger         string `gorm:"size:32;not null"`
	StartedBy       string `gorm:"size:128;not null;default:''"` // operator login of a manual run; '' = scheduled or unknown
	WindowDays      int    `gorm:"not null"`
	RequireShipDate bool   `gorm:"not null"`
	SendMail        bool   `gorm:"not null"`
	DryRun          bool   `gorm:"not null"`
	AsOf            time.Time
	StartedAt       time.Time
	FinishedAt      *time.Time
	Status          string    `gorm:"size:16;not null"`
	Error           string    `gorm:"not null"`
	Totals          RunTotals `gorm:"embedded"`
	// Import runs only: their exact counts, and the update_date_min the next
	// import starts from (set when the import completes).
	Import    ImportTotals `gorm:"embedded;embeddedPrefix:import_"`
	Watermark *time.Time
}

type outcomeRow struct {
	RunID   int64  `gorm:"primaryKey;autoIncrement:false"`
	SaleID  int64  `gorm:"primaryKey;autoIncrement:false"`
	ShopID  string `gorm:"size:63;not null"`
	Outcome string `gorm:"size:16;not null"`
	Reason  string `gorm:"not null"`
	Sent    string `gorm:"not null"`
	Mailed  bool   `gorm:"not null"`
	At      time.Time
}

// dateString is a calendar date "YYYY-MM-DD", "" = none (NULL). It is a DATE
// in PostgreSQL and text in SQLite.
type dateString string

// GormDBDataType picks the column type per dialect.
func (dateString) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "postgres" {
		return "date"
	}
	return "text"
}

// Value implements driver.Valuer.
func (d dateString) Value() (driver.Value, error) {
	if d == "" {
		return nil, nil
	}
	return string(d), nil
}

// Scan implements sql.Scanner.
func (d *dateString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = ""
	case time.Time:
		*d = dateString(v.Format(time.DateOnly))
	case string:
		*d = dateString(v)
	case []byte:
		*d = dateString(v)
	default:
		return fmt.Errorf("shipped_on: cannot read %T as a date", src)
	}
	return nil
}
