package shipcsv_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/carrier"
	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
)

// issuedFrom simulates the issued data a program gives back after printing a
// label file: its issued-data columns filled from the label columns of the
// same name, the tracking number of each row (36…, 12 digits) and the ship
// date filled in, Shift_JIS and CRLF. ゆうプリR's comes through the shop's own
// output filter (the columns in its own order: names, not places, matter); a
// program whose label data has no header (e飛伝Ⅲ) gives back the same
// template with its tracking-number column filled in.
func issuedFrom(t *testing.T, l *carrier.Layout, label []byte) []byte {
	t.Helper()
	text, err := japanese.ShiftJIS.NewDecoder().Bytes(label)
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	require.NoError(t, err)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	slip := func(n int) string { return fmt.Sprintf("36%010d", 4711+n) }
	if !l.LabelHeader {
		for n, rec := range recs {
			for i, f := range l.Issued {
				if f.Meaning == carrier.Tracking {
					rec[i] = slip(n)
				}
			}
			require.NoError(t, w.Write(rec))
		}
	} else {
		issued := l.Issued
		if l.ByName { // the shop's own filter: reversed, with a column of its own
			issued = nil
			for i := len(l.Issued) - 1; i >= 0; i-- {
				issued = append(issued, l.Issued[i])
			}
			issued = append(issued, carrier.Field{Name: "お届け先 名称1"}, carrier.Field{Name: "代引金額"}, carrier.Field{Name: "保冷種別"})
		}
		head := make([]string, len(issued))
		for i, f := range issued {
			head[i] = f.Name
		}
		require.NoError(t, w.Write(head))
		for n, rec := range recs[1:] {
			out := make([]string, len(issued))
			for i, f := range issued {
				for j, h := range recs[0] {
					if carrier.NormName(h) == carrier.NormName(f.Name) {
						out[i] = rec[j]
					}
				}
				switch {
				case f.Meaning == carrier.Tracking:
					out[i] = slip(n)
				case f.Meaning == carrier.ShipDate && out[i] == "":
					out[i] = "20261127"
				case f.Meaning == carrier.Deleted:
					out[i] = "0"
				}
			}
			require.NoError(t, w.Write(out))
		}
	}
	w.Flush()
	data, err := japanese.ShiftJIS.NewEncoder().Bytes(b.Bytes())
	require.NoError(t, err)
	return data
}

// TestRoundTripOptions: label data with 代金引換, ネコポス, 宅急便コンパクト and
// クール on each program that offers them is written with the program's codes,
// the program's issued data made from it is recognised and every parcel comes
// back to its sale and delivery with its tracking number and ship date.
func TestRoundTripOptions(t *testing.T) {
	cod := carrier.Options{COD: true, CODAmount: 5500, CODTax: 500}
	offers := map[carrier.Format][]carrier.Options{
		carrier.B2: {cod, {Service: carrier.ServiceNekopos}, {Service: carrier.ServiceCompact},
			{COD: true, CODAmount: 5500, CODTax: 500, Service: carrier.ServiceCompact}, {Cool: carrier.CoolChilled}, {COD: true, CODAmount: 5500, CODTax: 500, Cool: carrier.CoolFrozen}},
		carrier.Ehiden:  {cod},
		carrier.Ehiden3: {cod},
		carrier.Yupack:  {cod, {Cool: carrier.CoolChilled}, {COD: true, CODAmount: 5500, CODTax: 500, Cool: carrier.CoolFrozen}},
	}
	for _, l := range carrier.Layouts {
		require.Contains(t, offers, l.Format)
		t.Run(string(l.Format), func(t *testing.T) {
			var labels []carrier.Label
			for i, o := range offers[l.Format] {
				sale := int64(120000001 + i)
				labels = append(labels, carrier.Label{SaleID: sale, DeliveryID: 3500001 + int64(i), Position: 1, Postal: "1500001",
					Address: "東京都渋谷区神宮前1-1-1", Name: "山田 太郎", Tel: "090-1111-2222", Item: "マグカップ", Options: o})
			}
			sh := carrier.Shipper{Name: "雑貨店", Tel: "03-1234-5678", Postal: "1010021", Address: "東京都千代田区外神田1-2-3", BillingCode: "0312345678", FreightNo: "01"}
			ex := l.Export(labels, sh, "2026-11-27")
			require.Equal(t, len(labels), ex.Rows, "%v", ex.Warnings)
			for _, w := range ex.Warnings {
				assert.False(t, w.Excluded, w.Message)
			}
			text, err := japanese.ShiftJIS.NewDecoder().String(string(ex.Data))
			require.NoError(t, err)
			if l.Format != carrier.Ehiden3 {
				assert.Contains(t, text, ",5500,500,", "代金引換: the amount and its tax")
			}

			res := shipcsv.Parse(issuedFrom(t, l, ex.Data))
			require.Empty(t, res.Errors)
			assert.Equal(t, string(l.Format), res.Format)
			require.Len(t, res.Rows, len(labels))
			for i, r := range res.Rows {
				assert.Equal(t, labels[i].SaleID, r.SaleID)
				if l.RefStyle == carrier.RefPosition {
					assert.Equal(t, 1, r.DeliveryPos)
				} else {
					assert.Equal(t, labels[i].DeliveryID, r.DeliveryID)
				}
				assert.Equal(t, fmt.Sprintf("36%010d", 4711+i), r.TrackingNumber)
				assert.Equal(t, "2026-11-27", r.ShipDate)
				assert.Equal(t, "1500001", r.Postal)
			}
		})
	}
}

// TestRoundTripB2Codes: B2's issued data is its label layout; the codes we
// wrote (送り状種類, クール区分, the コレクト amount) come back as written.
func TestRoundTripB2Codes(t *testing.T) {
	l, _ := carrier.ByFormat("b2")
	lb := carrier.Label{SaleID: 120000001, DeliveryID: 3500001, Position: 1, Postal: "1500001", Address: "東京都渋谷区神宮前1-1-1", Name: "山田 太郎",
		Tel: "090-1111-2222", Item: "ケーキ", Options: carrier.Options{COD: true, CODAmount: 5500, CODTax: 500, Cool: carrier.CoolFrozen}}
	ex := l.Export([]carrier.Label{lb}, carrier.Shipper{Name: "店", Tel: "03-1234-5678", Postal: "1010021", Address: "東京都", BillingCode: "0312345678", FreightNo: "01"}, "2026-11-27")
	text, err := japanese.ShiftJIS.NewDecoder().String(string(issuedFrom(t, l, ex.Data)))
	require.NoError(t, err)
	row := strings.Split(strings.Split(text, "\r\n")[1], ",")
	assert.Equal(t, []string{"120000001D3500001", "2", "1", "360000004711"}, row[:4])
	assert.Equal(t, []string{"5500", "500"}, row[33:35], "columns 34 and 35")
}
