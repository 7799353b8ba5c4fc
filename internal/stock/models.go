package stock

import "time"

// The gorm models of 在庫連携's tables (migration 10), used by this package.
// Each names its table itself (TableName).

// UnitRow is one sellable unit of the ColorMe catalogue: a product, or
// one option variant of a product whose stock is kept per option.
type UnitRow struct {
	ShopID        string    `gorm:"primaryKey;size:63"`
	ProductID     int64     `gorm:"primaryKey;autoIncrement:false"`
	Option1Value  string    `gorm:"primaryKey"`
	Option2Value  string    `gorm:"primaryKey"`
	ProductName   string    `gorm:"not null"`
	Title         string    `gorm:"not null"`
	ModelNumber   string    `gorm:"not null"` // 型番: the OMS SKU
	StockManaged  bool      `gorm:"not null"`
	PerOption     bool      `gorm:"not null"`
	ColormeStocks int64     `gorm:"not null"` // ColorMe's stock at ReadAt
	ReadAt        time.Time `gorm:"not null"`
}

// TableName is the table of UnitRow.
func (UnitRow) TableName() string { return "stock_units" }

// LevelRow is the OMS on-hand quantity of one SKU.
type LevelRow struct {
	ShopID    string    `gorm:"primaryKey;size:63"`
	SKU       string    `gorm:"column:sku;primaryKey;size:50"`
	OnHand    int64     `gorm:"not null"`
	ChangedAt time.Time `gorm:"not null"`
}

// TableName is the table of LevelRow.
func (LevelRow) TableName() string { return "stock_levels" }

// MovementRow is one change of a SKU's on-hand: who, when, why.
type MovementRow struct {
	ID     int64     `gorm:"primaryKey;autoIncrement"`
	ShopID string    `gorm:"size:63;not null"`
	SKU    string    `gorm:"column:sku;size:50;not null"`
	Delta  int64     `gorm:"not null"`
	OnHand int64     `gorm:"not null"` // after the change
	Reason string    `gorm:"not null"`
	Actor  string    `gorm:"not null"`
	At     time.Time `gorm:"not null"`
}

// TableName is the table of MovementRow.
func (MovementRow) TableName() string { return "stock_movements" }

// WriteRow is one stock write to ColorMe in the ledger, keyed per push.
type WriteRow struct {
	PushKey      string    `gorm:"primaryKey"`
	ShopID       string    `gorm:"size:63;not null"`
	ProductID    int64     `gorm:"not null"`
	Option1Value string    `gorm:"not null"`
	Option2Value string    `gorm:"not null"`
	SKU          string    `gorm:"column:sku;not null"`
	ReadValue    int64     `gorm:"not null"` // ColorMe's value the delta was computed from
	Delta        int64     `gorm:"not null"`
	State        string    `gorm:"size:16;not null"` // pending, applied, unclear
	WrittenAt    time.Time `gorm:"not null"`
}

// TableName is the table of WriteRow.
func (WriteRow) TableName() string { return "stock_writes" }

// DeductionRow marks a shipped order line whose units are already off
// the on-hand quantity.
type DeductionRow struct {
	ShopID   string `gorm:"primaryKey;size:63"`
	SaleID   int64  `gorm:"primaryKey;autoIncrement:false"`
	DetailID int64  `gorm:"primaryKey;autoIncrement:false"`
}

// TableName is the table of DeductionRow.
func (DeductionRow) TableName() string { return "stock_deductions" }

// Models returns a value of each gorm model of the package, for the schema
// drift test.
func Models() []any {
	return []any{&UnitRow{}, &LevelRow{}, &MovementRow{}, &WriteRow{}, &DeductionRow{}}
}
