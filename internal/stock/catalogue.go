// Package stock is 在庫連携: the ColorMe catalogue mapped to OMS SKUs by 型番,
// the OMS on-hand quantity per SKU with its movement history, the quantity
// available to sell, the warehouse stock file (在庫取込) and the decision of
// what to write to ColorMe (see docs/stock.md for the scheme).
package stock

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// Store reads and writes the stock tables of the OMS database.
type Store struct{ db *gorm.DB }

// New returns a Store on the OMS store's database.
func New(st *stores.Stores) *Store { return &Store{db: st.DB()} }

// UnitKey names one sellable unit: a product, or one of its option variants.
type UnitKey struct {
	ProductID    int64  `json:"product_id"`
	Option1Value string `json:"option1_value,omitempty"`
	Option2Value string `json:"option2_value,omitempty"`
}

// String is "product/option1/option2", the key of a unit in maps and payloads.
func (k UnitKey) String() string {
	return fmt.Sprintf("%d/%s/%s", k.ProductID, k.Option1Value, k.Option2Value)
}

// OptionText is how an imported order line names the unit's options
// (oms: option values joined by " / ").
func (k UnitKey) OptionText() string {
	var opts []string
	for _, o := range []string{k.Option1Value, k.Option2Value} {
		if o != "" {
			opts = append(opts, o)
		}
	}
	return strings.Join(opts, " / ")
}

// Unit is one sellable unit of the ColorMe catalogue.
type Unit struct {
	UnitKey
	ProductName   string    `json:"product_name"`
	Title         string    `json:"title"`
	ModelNumber   string    `json:"model_number"` // 型番 = the OMS SKU
	StockManaged  bool      `json:"stock_managed"`
	PerOption     bool      `json:"per_option"`     // stock kept per option variant
	ColorMeStocks int64     `json:"colorme_stocks"` // at ReadAt
	ReadAt        time.Time `json:"read_at"`
}

// Problems of a unit that cannot be mapped to an OMS SKU.
const (
	ProblemNoModelNumber = "no_model_number" // 型番なし
	ProblemDuplicate     = "duplicate"       // 型番重複
	ProblemNotManaged    = "not_managed"     // 在庫管理していない
)

// Unmapped is a unit 在庫連携 leaves alone, why, and what staff should do.
type Unmapped struct {
	Unit    Unit   `json:"unit"`
	Problem string `json:"problem"`
	Todo    string `json:"todo"` // Japanese, for staff
}

// todo says what to do about each problem, in staff's words.
var todo = map[string]string{
	ProblemNoModelNumber: "カラーミーショップの商品管理でこの商品(オプション)に型番を登録し、もう一度「商品情報を取得」してください。型番が在庫連携のSKUになります。",
	ProblemDuplicate:     "同じ型番が複数の商品(オプション)に付いています。カラーミーショップで型番を一意に直してから、もう一度「商品情報を取得」してください。",
	ProblemNotManaged:    "カラーミーショップでこの商品の在庫管理がオフです。在庫を連携するには商品管理で「在庫管理する」をオンにして、もう一度「商品情報を取得」してください。",
}

// UnitsOf lists the sellable units of ColorMe products read at readAt: each
// variant of a product with variants (stock per option), else the product.
func UnitsOf(products []colorme.Product, readAt time.Time) []Unit {
	var out []Unit
	for _, p := range products {
		if len(p.Variants) == 0 {
			out = append(out, Unit{UnitKey: UnitKey{ProductID: p.ID}, ProductName: p.Name, Title: p.Name,
				ModelNumber: strings.TrimSpace(p.ModelNumber), StockManaged: p.StockManaged, ColorMeStocks: p.Stocks, ReadAt: readAt})
			continue
		}
		for _, v := range p.Variants {
			title := v.Title
			if title == "" {
				title = strings.TrimSpace(p.Name + " " + UnitKey{Option1Value: v.Option1Value, Option2Value: v.Option2Value}.OptionText())
			}
			out = append(out, Unit{UnitKey: UnitKey{ProductID: p.ID, Option1Value: v.Option1Value, Option2Value: v.Option2Value},
				ProductName: p.Name, Title: title, ModelNumber: strings.TrimSpace(v.ModelNumber), StockManaged: p.StockManaged,
				PerOption: true, ColorMeStocks: v.Stocks, ReadAt: readAt})
		}
	}
	return out
}

// Classify splits units into those mapped to a SKU (by 型番) and the unmapped,
// each with its problem and what to do.
func Classify(units []Unit) (mapped map[string]Unit, unmapped []Unmapped) {
	count := map[string]int{}
	for _, u := range units {
		if u.ModelNumber != "" {
			count[u.ModelNumber]++
		}
	}
	mapped = map[string]Unit{}
	for _, u := range units {
		problem := ""
		switch {
		case u.ModelNumber == "":
			problem = ProblemNoModelNumber
		case count[u.ModelNumber] > 1:
			problem = ProblemDuplicate
		case !u.StockManaged:
			problem = ProblemNotManaged
		}
		if problem != "" {
			unmapped = append(unmapped, Unmapped{Unit: u, Problem: problem, Todo: todo[problem]})
			continue
		}
		mapped[u.ModelNumber] = u
	}
	return mapped, unmapped
}

// CatalogueReport is what a catalogue import found.
type CatalogueReport struct {
	Products int        `json:"products"`
	Units    int        `json:"units"`
	Mapped   int        `json:"mapped"`
	Unmapped []Unmapped `json:"unmapped,omitempty"`
}

// SaveCatalogue replaces the shop's catalogue with units (one transaction).
func (s *Store) SaveCatalogue(ctx context.Context, shopID string, units []Unit) error {
	rows := make([]UnitRow, len(units))
	for i, u := range units {
		rows[i] = UnitRow{ShopID: shopID, ProductID: u.ProductID, Option1Value: u.Option1Value, Option2Value: u.Option2Value,
			ProductName: u.ProductName, Title: u.Title, ModelNumber: u.ModelNumber, StockManaged: u.StockManaged,
			PerOption: u.PerOption, ColormeStocks: u.ColorMeStocks, ReadAt: u.ReadAt.UTC()}
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("shop_id = ?", shopID).Delete(&UnitRow{}).Error; err != nil {
			return fmt.Errorf("replacing the catalogue of %s: %w", shopID, err)
		}
		if len(rows) == 0 {
			return nil
		}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(rows, 500).Error; err != nil {
			return fmt.Errorf("saving the catalogue of %s: %w", shopID, err)
		}
		return nil
	})
}

// Catalogue returns the shop's units sorted by product and options.
func (s *Store) Catalogue(ctx context.Context, shopID string) ([]Unit, error) {
	var rows []UnitRow
	if err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).
		Order("product_id, option1_value, option2_value").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the catalogue of %s: %w", shopID, err)
	}
	out := make([]Unit, len(rows))
	for i, r := range rows {
		out[i] = Unit{UnitKey: UnitKey{ProductID: r.ProductID, Option1Value: r.Option1Value, Option2Value: r.Option2Value},
			ProductName: r.ProductName, Title: r.Title, ModelNumber: r.ModelNumber, StockManaged: r.StockManaged,
			PerOption: r.PerOption, ColorMeStocks: r.ColormeStocks, ReadAt: r.ReadAt}
	}
	return out, nil
}

// Report classifies the shop's saved catalogue.
func (s *Store) Report(ctx context.Context, shopID string) (CatalogueReport, error) {
	units, err := s.Catalogue(ctx, shopID)
	if err != nil {
		return CatalogueReport{}, err
	}
	mapped, unmapped := Classify(units)
	products := map[int64]bool{}
	for _, u := range units {
		products[u.ProductID] = true
	}
	slices.SortFunc(unmapped, func(a, b Unmapped) int { return strings.Compare(a.Unit.String(), b.Unit.String()) })
	return CatalogueReport{Products: len(products), Units: len(units), Mapped: len(mapped), Unmapped: unmapped}, nil
}
