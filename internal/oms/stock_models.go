package oms

import "time"

// The gorm models of 在庫連携's tables (migration 10), used by internal/stock.
// Each names its table itself (TableName), so models.go's map stays as it is.

// StockUnitRow is one sellable unit of the ColorMe catalogue: a product, or
// one option variant of a product whose stock is kept per option.
type StockUnitRow struct {
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

// TableName is the table of StockUnitRow.
func (StockUnitRow) TableName() string { return "stock_units" }

// StockLevelRow is the OMS on-hand quantity of one SKU.
type StockLevelRow struct {
	ShopID    string    `gorm:"primaryKey;size:63"`
	SKU       string    `gorm:"column:sku;primaryKey;size:50"`
	OnHand    int64     `gorm:"not null"`
	ChangedAt time.Time `gorm:"not null"`
}

// TableName is the table of StockLevelRow.
func (StockLevelRow) TableName() string { return "stock_levels" }

// StockMovementRow is one change of a SKU's on-hand: who, when, why.
type StockMovementRow struct {
	ID     int64     `gorm:"primaryKey;autoIncrement"`
	ShopID string    `gorm:"size:63;not null"`
	SKU    string    `gorm:"column:sku;size:50;not null"`
	Delta  int64     `gorm:"not null"`
	OnHand int64     `gorm:"not null"` // after the change
	Reason string    `gorm:"not null"`
	Actor  string    `gorm:"not null"`
	At     time.Time `gorm:"not null"`
}

// TableName is the table of StockMovementRow.
func (StockMovementRow) TableName() string { return "stock_movements" }

// StockWriteRow is one stock write to ColorMe in the ledger, keyed per push.
type StockWriteRow struct {
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

// TableName is the table of StockWriteRow.
func (StockWriteRow) TableName() string { return "stock_writes" }

// StockDeductionRow marks a shipped order line whose units are already off
// the on-hand quantity.
type StockDeductionRow struct {
	ShopID   string `gorm:"primaryKey;size:63"`
	SaleID   int64  `gorm:"primaryKey;autoIncrement:false"`
	DetailID int64  `gorm:"primaryKey;autoIncrement:false"`
}

// TableName is the table of StockDeductionRow.
func (StockDeductionRow) TableName() string { return "stock_deductions" }
