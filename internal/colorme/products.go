package colorme

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// MaxProductsPerPage is the largest `limit` of the product, stock and variant
// lists ColorMe documents.
const MaxProductsPerPage = 50

// Product is a ColorMe product (商品) with what 在庫連携 uses: its 型番, whether
// its stock is managed, its stock and its option variants. When a product has
// variants its stock is kept per option, and Stocks is not the sellable stock.
type Product struct {
	ID           int64            `json:"id"`
	Name         string           `json:"name,omitempty"`
	ModelNumber  string           `json:"model_number,omitempty"` // 型番
	StockManaged bool             `json:"stock_managed"`
	Stocks       int64            `json:"stocks"`
	UpdateDate   int64            `json:"update_date,omitempty"`
	Options      []ProductOption  `json:"options,omitempty"`
	Variants     []ProductVariant `json:"variants,omitempty"`
}

// ProductOption is one option axis of a product (e.g. カラー: 赤, 青).
type ProductOption struct {
	ID     int64    `json:"id,omitempty"`
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// ProductVariant is one combination of option values, with its own 型番 and
// stock (GetProductVariants200).
type ProductVariant struct {
	ProductID    int64  `json:"product_id"`
	Title        string `json:"title,omitempty"`
	Option1Value string `json:"option1_value"`
	Option2Value string `json:"option2_value"`
	ModelNumber  string `json:"model_number,omitempty"`
	Stocks       int64  `json:"stocks"`
}

// StockValue is product.stocks (or a variant's) in PUT /v1/products/{id}: an
// integer sets the stock, {"increment": n} adds n. Exactly one is set.
type StockValue struct {
	Set       *int64
	Increment *int64
}

// MarshalJSON writes an integer or {"increment": n}.
func (v StockValue) MarshalJSON() ([]byte, error) {
	switch {
	case v.Increment != nil:
		return json.Marshal(map[string]int64{"increment": *v.Increment})
	case v.Set != nil:
		return json.Marshal(*v.Set)
	}
	return nil, errors.New("stocks: neither a value nor an increment")
}

// UnmarshalJSON reads an integer or {"increment": n}.
func (v *StockValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Increment *int64 `json:"increment"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		if o.Increment == nil {
			return errors.New(`stocks: an object needs "increment"`)
		}
		*v = StockValue{Increment: o.Increment}
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*v = StockValue{Set: &n}
	return nil
}

// VariantStockUpdate is one element of product.variants in PUT /v1/products/{id}.
type VariantStockUpdate struct {
	Option1Value string      `json:"option1_value"`
	Option2Value string      `json:"option2_value,omitempty"`
	Stocks       *StockValue `json:"stocks,omitempty"`
}

// UpdateProductBody is product in PUT /v1/products/{id}: only what 在庫連携 writes.
type UpdateProductBody struct {
	StockManaged *bool                `json:"stock_managed,omitempty"`
	Stocks       *StockValue          `json:"stocks,omitempty"`
	Variants     []VariantStockUpdate `json:"variants,omitempty"`
}

// UpdateProductRequest is the body of PUT /v1/products/{id}.
type UpdateProductRequest struct {
	Product UpdateProductBody `json:"product"`
}

// ProductsPage is one page of GET /v1/products.json.
type ProductsPage struct {
	Products []Product `json:"products"`
	Meta     Meta      `json:"meta"`
}

// ListProducts returns one page of GET /v1/products.json (limit at most 50;
// meta says what ColorMe served). ids, when given, narrows to those products.
func (c *Client) ListProducts(ctx context.Context, limit, offset int, ids []int64) (ProductsPage, error) {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(min(max(limit, 1), MaxProductsPerPage)))
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if len(ids) > 0 {
		s := ""
		for i, id := range uniqueIDs(ids) {
			if i > 0 {
				s += ","
			}
			s += strconv.FormatInt(id, 10)
		}
		q.Set("ids", s)
	}
	var page struct {
		Products *[]Product `json:"products"`
		Meta     Meta       `json:"meta"`
	}
	op, err := c.callJSON(ctx, http.MethodGet, "/v1/products.json", q, nil, &page)
	if err != nil {
		return ProductsPage{}, err
	}
	products, err := member(op, page.Products, nil, `"products" array`)
	if err != nil {
		return ProductsPage{}, err
	}
	return ProductsPage{Products: products, Meta: page.Meta}, nil
}

// AllProducts pages through GET /v1/products.json (ids narrows, when given)
// by ColorMe's effective limit until meta.total products are read.
func (c *Client) AllProducts(ctx context.Context, ids []int64) ([]Product, error) {
	var out []Product
	for offset, pages := 0, 0; ; pages++ {
		page, err := c.ListProducts(ctx, MaxProductsPerPage, offset, ids)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Products...)
		offset += len(page.Products)
		if len(page.Products) == 0 || offset >= page.Meta.Total {
			return out, nil
		}
		if pages > page.Meta.Total { // each page serves at least one product
			return nil, fmt.Errorf("colorme GET /v1/products.json: paging did not end after %d pages", pages)
		}
	}
}

// ProductVariants returns all variants of a product (GET
// /v1/products/{id}/variants.json, 50 per page).
func (c *Client) ProductVariants(ctx context.Context, productID int64) ([]ProductVariant, error) {
	path := fmt.Sprintf("/v1/products/%d/variants.json", productID)
	var out []ProductVariant
	for offset := 0; ; {
		q := url.Values{}
		q.Set("limit", strconv.Itoa(MaxProductsPerPage))
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		}
		var page struct {
			Variants *[]ProductVariant `json:"variants"`
			Meta     Meta              `json:"meta"`
		}
		op, err := c.callJSON(ctx, http.MethodGet, path, q, nil, &page)
		if err != nil {
			return nil, err
		}
		variants, err := member(op, page.Variants, nil, `"variants" array`)
		if err != nil {
			return nil, err
		}
		out = append(out, variants...)
		offset += len(variants)
		if len(variants) == 0 || offset >= page.Meta.Total {
			return out, nil
		}
	}
}

// UpdateProductStock PUTs /v1/products/{id}.json with only the stock fields of
// body and returns the product as ColorMe answers it. An increment is not
// idempotent: the caller guards it (an error with Status 0 or 5xx does not
// prove it was not applied).
func (c *Client) UpdateProductStock(ctx context.Context, productID int64, body UpdateProductBody) (Product, error) {
	path := fmt.Sprintf("/v1/products/%d.json", productID)
	var resp struct {
		Product *Product `json:"product"`
	}
	op, err := c.callJSON(ctx, http.MethodPut, path, nil, UpdateProductRequest{Product: body}, &resp)
	if err != nil {
		return Product{}, err
	}
	return member(op, resp.Product, func(p Product) bool { return p.ID != 0 }, `"product.id"`)
}
