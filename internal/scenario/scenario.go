// Package scenario loads and checks the end-to-end export cases of
// shared/scenarios (format: shared/scenarios/FORMAT.md).
package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// Scenario is one end-to-end case.
type Scenario struct {
	File    string    `json:"-"`
	Name    string    `json:"name"`
	AsOf    time.Time `json:"as_of"`
	Options Options   `json:"options"`
	Orders  []Order   `json:"orders"`
	Expect  Expect    `json:"expect"`
}

// Options are the run's inputs.
type Options struct {
	WindowDays      int  `json:"window_days"`
	RequireShipDate bool `json:"require_ship_date"`
	SendMail        bool `json:"send_mail"`
	DryRun          bool `json:"dry_run"`
}

// Order is one OMS order and its sale as ColorMe shows it before the run.
type Order struct {
	SaleID             int64      `json:"sale_id"`
	Status             string     `json:"status"`
	OrderedAt          time.Time  `json:"ordered_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	BundleParentSaleID *int64     `json:"bundle_parent_sale_id"`
	Deliveries         []Delivery `json:"deliveries"`
	ColorMe            *ColorMe   `json:"colorme"`
}

// Delivery is the OMS side of a sale_delivery.
type Delivery struct {
	ID         int64   `json:"id"`
	SlipNumber *string `json:"slip_number"`
	ShippedOn  *string `json:"shipped_on"`
}

// ColorMe is a sale as ColorMe shows it.
type ColorMe struct {
	Canceled           bool              `json:"canceled"`
	DeliveredMailState string            `json:"delivered_mail_state"`
	MakeDate           *int64            `json:"make_date"`
	UpdateDate         *int64            `json:"update_date"`
	Deliveries         []ColorMeDelivery `json:"deliveries"`
}

// ColorMeDelivery is a sale_delivery on ColorMe.
type ColorMeDelivery struct {
	ID         int64   `json:"id"`
	SlipNumber *string `json:"slip_number"`
	Delivered  bool    `json:"delivered"`
}

// Expect is what ColorMe must show after the run.
type Expect struct {
	ColorMe []ExpectSale `json:"colorme"`
	Writes  int          `json:"writes"`
	Mails   int          `json:"mails"`
	Failed  []int64      `json:"failed"`
}

// ExpectSale lists a sale's deliveries after the run.
type ExpectSale struct {
	SaleID     int64             `json:"sale_id"`
	Deliveries []ColorMeDelivery `json:"deliveries"`
}

// Files returns the scenario files of dir (*.json, sorted), FORMAT.md excluded.
func Files(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(files)
	return files, err
}

// Load reads and checks one scenario file.
func Load(path string) (Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, err
	}
	var s Scenario
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&s); err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", path, err)
	}
	s.File = filepath.Base(path)
	if s.AsOf.IsZero() {
		return Scenario{}, fmt.Errorf("%s: as_of is required", path)
	}
	if s.Options.WindowDays == 0 {
		s.Options.WindowDays = rules.DefaultWindowDays
	}
	for _, o := range s.Orders {
		if !rules.ValidStatus(o.Status) {
			return Scenario{}, fmt.Errorf("%s: sale %d: unknown status %q", path, o.SaleID, o.Status)
		}
	}
	return s, nil
}

// OMSOrders returns the scenario's orders as the OMS holds them.
func (s Scenario) OMSOrders() []rules.Order {
	out := make([]rules.Order, 0, len(s.Orders))
	for _, o := range s.Orders {
		ro := rules.Order{SaleID: o.SaleID, Status: o.Status, OrderedAt: o.OrderedAt, UpdatedAt: o.UpdatedAt}
		if o.BundleParentSaleID != nil {
			ro.BundleParentSaleID = *o.BundleParentSaleID
		}
		for _, d := range o.Deliveries {
			ro.Deliveries = append(ro.Deliveries, rules.Delivery{ID: d.ID, SlipNumber: deref(d.SlipNumber), ShippedOn: deref(d.ShippedOn)})
		}
		out = append(out, ro)
	}
	return out
}

// ColorMeSales returns the sales as ColorMe shows them before the run, with the
// format's defaults for fields not given.
func (s Scenario) ColorMeSales() []colorme.Sale {
	var out []colorme.Sale
	for _, o := range s.Orders {
		if o.ColorMe == nil {
			continue
		}
		cm := o.ColorMe
		sale := colorme.Sale{ID: o.SaleID, Canceled: cm.Canceled, DeliveredMailState: cm.DeliveredMailState,
			MakeDate: o.OrderedAt.Unix(), UpdateDate: o.UpdatedAt.Unix()}
		if cm.MakeDate != nil {
			sale.MakeDate = *cm.MakeDate
		}
		if cm.UpdateDate != nil {
			sale.UpdateDate = *cm.UpdateDate
		}
		if sale.DeliveredMailState == "" {
			sale.DeliveredMailState = colorme.MailNotYet
		}
		for _, d := range cm.Deliveries {
			sale.SaleDeliveries = append(sale.SaleDeliveries, colorme.SaleDelivery{ID: d.ID, SaleID: o.SaleID, SlipNumber: d.SlipNumber, Delivered: d.Delivered})
		}
		sale.Delivered = sale.AllDelivered()
		out = append(out, sale)
	}
	return out
}

// Diff compares ColorMe after the run with the expectation: listed sales must
// show the expected deliveries, the others must be exactly as before. It returns
// one line per difference.
func (s Scenario) Diff(before, after []colorme.Sale) []string {
	now := map[int64]colorme.Sale{}
	for _, sale := range after {
		now[sale.ID] = sale
	}
	var diffs []string
	listed := map[int64]bool{}
	for _, e := range s.Expect.ColorMe {
		listed[e.SaleID] = true
		sale, ok := now[e.SaleID]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("sale %d: expected on ColorMe, missing", e.SaleID))
			continue
		}
		if got, want := show(sale.SaleDeliveries, e.Deliveries), showExpected(e.Deliveries); got != want {
			diffs = append(diffs, fmt.Sprintf("sale %d:\n    expected %s\n    actual   %s", e.SaleID, want, got))
		}
	}
	for _, b := range before {
		if listed[b.ID] {
			continue
		}
		a := now[b.ID]
		if got, want := showSale(a), showSale(b); got != want {
			diffs = append(diffs, fmt.Sprintf("sale %d (not listed, must be unchanged):\n    expected %s\n    actual   %s", b.ID, want, got))
		}
	}
	return diffs
}

func show(ds []colorme.SaleDelivery, order []ColorMeDelivery) string {
	byID := map[int64]colorme.SaleDelivery{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	var parts []string
	seen := map[int64]bool{}
	for _, e := range order {
		seen[e.ID] = true
		d, ok := byID[e.ID]
		if !ok {
			parts = append(parts, fmt.Sprintf("{id %d missing}", e.ID))
			continue
		}
		parts = append(parts, fmt.Sprintf("{id %d slip %q delivered %t}", d.ID, d.Slip(), d.Delivered))
	}
	for _, d := range ds {
		if !seen[d.ID] {
			parts = append(parts, fmt.Sprintf("{id %d slip %q delivered %t}", d.ID, d.Slip(), d.Delivered))
		}
	}
	return strings.Join(parts, " ")
}

func showExpected(ds []ColorMeDelivery) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("{id %d slip %q delivered %t}", d.ID, deref(d.SlipNumber), d.Delivered))
	}
	return strings.Join(parts, " ")
}

func showSale(s colorme.Sale) string {
	return fmt.Sprintf("canceled %t mail %s %s", s.Canceled, s.DeliveredMailState, show(s.SaleDeliveries, nil))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
