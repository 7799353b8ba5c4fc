// Package importplan holds the order-import rules (受注取得) as pure functions
// over domain types: what the import does with each sale ColorMe sent, given the
// order the OMS already has. The storage layer (internal/oms) only reads, locks
// and writes what a Plan says.
package importplan

import (
	"time"

	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// Import outcomes of one sale (recorded in the run log for every sale the import
// changed; unchanged sales are only counted), of the same type as the export's.
const (
	Created   rules.Outcome = "created"   // a new order, 新規受付 (or キャンセル when ColorMe already cancelled it)
	Updated   rules.Outcome = "updated"   // ColorMe-owned data changed: deliveries, order date, split link
	Cancelled rules.Outcome = "cancelled" // cancelled on ColorMe: the order became キャンセル
	Flagged   rules.Outcome = "flagged"   // kept as it is and flagged for the operator (see the reason)
	Unchanged rules.Outcome = "unchanged"
)

// Sale is a ColorMe sale as the import stores it.
type Sale struct {
	SaleID       int64      `json:"sale_id"`
	OrderedAt    time.Time  `json:"ordered_at"`     // make_date
	Canceled     bool       `json:"canceled"`       // cancelled on ColorMe
	ParentSaleID int64      `json:"parent_sale_id"` // segment.parent_sale_id; 0 or SaleID = not split
	Deliveries   []Delivery `json:"deliveries"`

	// Order details staff ship from (shown on the console's order page; the
	// export does not use them, so they never move updated_at).
	Customer  Customer `json:"customer"`
	PaymentID int64    `json:"payment_id"` // payment_id (決済方法)
	Paid      bool     `json:"paid"`       // ColorMe's paid (入金済み)
	Memo      string   `json:"memo"`       // the customer's memo (備考)
	Totals    Totals   `json:"totals"`
	Items     []Item   `json:"items"` // line items (受注明細)

	// MethodNames are the shop's delivery methods (配送方法) by id, when the
	// import could read them: a changed method is then described by name.
	// Missing names show as "method #N".
	MethodNames map[int64]string `json:"-"`
}

// Delivery is a ColorMe sale_delivery as the import stores it: the destination
// and method, never the tracking number (the OMS owns that).
type Delivery struct {
	ID       int64  `json:"id"`
	MethodID int64  `json:"method_id"` // delivery_id (配送方法)
	Name     string `json:"name"`
	PrefName string `json:"pref_name"`
	Address1 string `json:"address1"`

	Furigana        string `json:"furigana"`
	Postal          string `json:"postal"`           // 郵便番号
	Address2        string `json:"address2"`         // 住所2
	Tel             string `json:"tel"`              // 電話番号
	PreferredDate   string `json:"preferred_date"`   // お届け希望日, as ColorMe sends it
	PreferredPeriod string `json:"preferred_period"` // お届け希望時間帯
}

// Customer is the sale's customer as the OMS keeps it.
type Customer struct {
	Name     string `json:"name"`
	Furigana string `json:"furigana"`
	Mail     string `json:"mail"`
	Tel      string `json:"tel"`
}

// Totals are a sale's amounts in yen (ColorMe's product_total_price,
// delivery_total_charge, fee, tax, total_price). The gorm tags name the
// columns the OMS stores them in (the orders table embeds Totals).
type Totals struct {
	ProductTotal   int64 `json:"product_total" gorm:"column:product_total_price;not null;default:0"`
	DeliveryCharge int64 `json:"delivery_charge" gorm:"column:delivery_total_charge;not null;default:0"`
	Fee            int64 `json:"fee" gorm:"column:fee;not null;default:0"`
	Tax            int64 `json:"tax" gorm:"column:tax;not null;default:0"`
	Total          int64 `json:"total" gorm:"column:total_price;not null;default:0"`
}

// Item is one line item (受注明細) of a sale.
type Item struct {
	ID         int64  `json:"id"`          // ColorMe detail id
	DeliveryID int64  `json:"delivery_id"` // sale_delivery_id
	ProductID  int64  `json:"product_id"`
	Name       string `json:"name"`   // the product name as ordered (pristine_product_full_name), else product_name
	Option     string `json:"option"` // option1_value / option2_value
	Quantity   int64  `json:"quantity"`
	Price      int64  `json:"price"`    // unit price (price)
	Subtotal   int64  `json:"subtotal"` // subtotal_price
}

// Order is an order the OMS holds, as the import sees it: the fields the import
// writes, and the OMS's own state it decides from (status, flag, shipping).
type Order struct {
	SaleID          int64
	Status          string // OMS status (rules.Status*)
	OrderedAt       time.Time
	UpdatedAt       time.Time // moves only when something the export depends on changed
	ColormeCanceled bool      // ColorMe's cancel flag as last imported
	FlagReason      string    // the operator's flag; "" = not flagged
	// ColormeParentSaleID is the sale this one was split from (分割受注); nil
	// when not split.
	ColormeParentSaleID *int64

	// FullImport is false for an order last imported before the order details
	// were: the next import fills them in without calling it a change.
	FullImport bool
	Customer   Customer
	PaymentID  int64
	Paid       bool // ColorMe's paid as last imported
	Memo       string
	Totals     Totals
}

// StoredDelivery is a delivery as the OMS holds it: ColorMe's destination and
// the OMS's tracking number (slip number) and ship date.
type StoredDelivery struct {
	Delivery
	SlipNumber string
	ShippedOn  string // YYYY-MM-DD, "" = not shipped
}

// Invalid is a sale ColorMe sent that the import cannot store, and why.
type Invalid struct {
	SaleID int64
	Reason string
}

// Plan is what the import writes for one sale.
type Plan struct {
	Outcome rules.Outcome
	Reasons []string // for the run log, in the order they were found
	// Create: the order is new; insert Order with AddDeliveries and Items.
	Create bool
	// UpdateOrder: write Order's fields (and the import time) over the
	// existing order. Order.UpdatedAt has moved to now when Touched.
	UpdateOrder bool
	Touched     bool
	Order       Order

	AddDeliveries    []Delivery
	UpdateDeliveries []Delivery // destination and method only
	RemoveDeliveries []int64
	// SetItems: replace the order's line items with Items.
	SetItems bool
	Items    []Item
}
