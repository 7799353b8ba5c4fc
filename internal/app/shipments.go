package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
	"github.com/colorme-sync/colorme-sync/internal/shipplan"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// MaxCSVBytes bounds a shipping-results file read into memory (CLI and console).
const MaxCSVBytes = 32 << 20

// ErrNotCSV is in the error of ApplyShipmentCSV for a file that is plainly not
// a CSV file (an image, a PDF, a workbook: shipcsv.NotCSV); nothing was read.
var ErrNotCSV = errors.New("not a CSV file")

// CSVReport is what ApplyShipmentCSV found in a shipping-results file and did.
type CSVReport struct {
	Encoding string `json:"encoding"` // "UTF-8", "UTF-8 with BOM", "Shift_JIS", …
	Header   bool   `json:"header"`   // the first row was a header
	// Format is the label program whose issued data the file is ("b2",
	// "ehiden", "yupack"; "" = the generic format), FormatName its name for
	// staff (B2クラウド) and FormatNameEn for the CLI.
	Format       string                 `json:"format,omitempty"`
	FormatName   string                 `json:"format_name,omitempty"`
	FormatNameEn string                 `json:"format_name_en,omitempty"`
	Rows         int                    `json:"rows"`       // rows the parser accepted
	Changes      []shipplan.Change      `json:"changes"`    // deliveries that change, by line
	Unchanged    int                    `json:"unchanged"`  // rows the OMS already shows
	Duplicates   int                    `json:"duplicates"` // rows repeating an earlier row exactly (applied once)
	Orders       int                    `json:"orders"`     // orders whose updated_at moves
	Notes        []staffmsg.LineMessage `json:"notes"`      // worth knowing, not blocking (English and Japanese)
	Rejected     []staffmsg.LineMessage `json:"rejected"`   // every problem, parser's and OMS's, by line (English and Japanese)
	Applied      bool                   `json:"applied"`    // the changes are stored
}

// ApplyShipmentCSV parses a shipping-results file and applies it to the shop's
// orders all or nothing, as `starter orders csv` and the console's データ取込 do.
// Rows the parser rejects block the file too; the others are still checked
// against the OMS so that every problem is reported at once, sorted by line.
// Nothing is applied when dryRun is set or any problem is found. On an error the
// report still carries what the parser found (encoding, header, rows). Every
// note and problem carries its English (Message, for the CLI) and its Japanese
// (Ja, for the console).
func ApplyShipmentCSV(ctx context.Context, st *stores.Stores, shopID string, data []byte, dryRun bool, now time.Time) (CSVReport, error) {
	if en, ja, ok := shipcsv.NotCSV(data); ok {
		return CSVReport{}, &staffmsg.StaffError{Err: ErrNotCSV,
			En: fmt.Sprintf("the file is %s, not a CSV file: nothing was read; choose the shipping-results CSV (save a workbook as CSV first)", en),
			Ja: fmt.Sprintf("選んだファイルは%sで、CSVファイルではありません。何も読み込んでいません。出荷実績のCSVファイルを選んでください (Excelのブックは「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」か「CSV (コンマ区切り)」にしてから)。", ja)}
	}
	parsed := shipcsv.Parse(data)
	rows := make([]shipplan.Shipment, len(parsed.Rows))
	for i, r := range parsed.Rows {
		rows[i] = shipplan.Shipment{Line: r.Line, SaleID: r.SaleID, DeliveryID: r.DeliveryID, TrackingNumber: r.TrackingNumber, ShipDate: r.ShipDate,
			DeliveryPos: r.DeliveryPos, Postal: r.Postal, Planned: r.Planned}
	}
	out := CSVReport{Encoding: parsed.Encoding, Header: parsed.Header, Rows: len(rows),
		Format: parsed.Format, FormatName: parsed.FormatName, FormatNameEn: parsed.FormatNameEn}
	rep, err := st.ApplyShipments(ctx, shopID, rows, dryRun || len(parsed.Errors) > 0, now)
	if err != nil {
		return out, err
	}
	for _, le := range parsed.Errors {
		out.Rejected = append(out.Rejected, staffmsg.LineMessage{Line: le.Line, Message: le.Message, Ja: le.Ja})
	}
	out.Rejected = append(out.Rejected, rep.Rejected...)
	slices.SortStableFunc(out.Rejected, func(a, b staffmsg.LineMessage) int { return cmp.Compare(a.Line, b.Line) })
	out.Changes, out.Unchanged, out.Duplicates, out.Orders = rep.Changes, rep.Unchanged, rep.Duplicates, rep.Orders
	for _, n := range parsed.Notes {
		out.Notes = append(out.Notes, staffmsg.LineMessage{Line: n.Line, Message: n.Message, Ja: n.Ja})
	}
	out.Notes, out.Applied = append(out.Notes, rep.Notes...), rep.Applied
	return out, nil
}
