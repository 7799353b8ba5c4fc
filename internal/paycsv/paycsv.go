// Package paycsv reads bank-statement files for 入金連携 (入金CSV): one
// payment per row, naming the sale (売上ID or 受注番号), the payment date
// (入金日) and the amount (金額).
//
// Accepted as データ取込 accepts shipping results (shipcsv.Decode): UTF-8 with
// or without BOM, Shift_JIS/CP932; CRLF, LF or CR line ends; blank lines
// skipped. The first row is a header when it names the columns (売上ID,
// 受注番号, sale_id; 入金日, 日付, paid_on, date; 金額, 入金額, amount, in any
// order; other columns are ignored); else the columns are sale, date, amount
// in that order. Dates: 2026-12-06, 2026/12/06, 2026/1/6, 20261206. Amounts:
// digits, with or without thousands separators, ¥ or 円.
package paycsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
)

// Row is one valid row of the file.
type Row struct {
	Line   int    `json:"line"`
	SaleID int64  `json:"sale_id"`
	PaidOn string `json:"paid_on"` // YYYY-MM-DD
	Amount int64  `json:"amount"`
}

// Result is a parsed file: its valid rows and the errors of the others, both
// in line order. A file is usable only when Errors is empty.
type Result struct {
	Encoding string              `json:"encoding"`
	Header   bool                `json:"header"`
	Rows     []Row               `json:"rows"`
	Errors   []shipcsv.LineError `json:"errors"`
}

// columns are the positions of the three columns.
type columns struct{ sale, date, amount int }

var headerNames = map[string]string{
	"売上id": "sale", "受注番号": "sale", "注文番号": "sale", "sale_id": "sale", "sale": "sale",
	"入金日": "date", "日付": "date", "paid_on": "date", "date": "date",
	"金額": "amount", "入金額": "amount", "amount": "amount",
}

// Parse reads a bank-statement file.
func Parse(data []byte) Result {
	res := Result{Rows: []Row{}, Errors: []shipcsv.LineError{}}
	text, enc, lerr := shipcsv.Decode(data)
	res.Encoding = enc
	if lerr != nil {
		res.Errors = append(res.Errors, *lerr)
		return res
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	cols, started := columns{0, 1, 2}, false
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			res.Errors = append(res.Errors, shipcsv.LineError{Line: line, Message: "not a valid CSV row: " + err.Error(),
				Ja: "CSVとして読めない行です。引用符 (\") の対応を確かめてください。"})
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		if !started {
			started = true
			if c, ok := header(rec); ok {
				cols, res.Header = c, true
				continue
			}
		}
		row, en, ja := parseRow(rec, cols, line)
		if en != "" {
			res.Errors = append(res.Errors, shipcsv.LineError{Line: line, Message: en, Ja: ja})
			continue
		}
		res.Rows = append(res.Rows, row)
	}
	if len(res.Rows) == 0 && len(res.Errors) == 0 {
		res.Errors = append(res.Errors, shipcsv.LineError{Message: "the file has no payment rows",
			Ja: "入金の行がありません。売上ID (受注番号)・入金日・金額 の3列のCSVを選んでください。"})
	}
	return res
}

// header reads the first row as a header when it names the sale column.
func header(rec []string) (columns, bool) {
	c := columns{-1, -1, -1}
	for i, f := range rec {
		switch headerNames[strings.ToLower(strings.TrimPrefix(f, "\ufeff"))] {
		case "sale":
			c.sale = i
		case "date":
			c.date = i
		case "amount":
			c.amount = i
		}
	}
	return c, c.sale >= 0 || c.date >= 0 || c.amount >= 0
}

func parseRow(rec []string, c columns, line int) (Row, string, string) {
	get := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return rec[i]
	}
	row := Row{Line: line}
	sale, date, amount := get(c.sale), get(c.date), get(c.amount)
	var err error
	if row.SaleID, err = strconv.ParseInt(strings.TrimPrefix(sale, "#"), 10, 64); err != nil || row.SaleID <= 0 {
		return row, fmt.Sprintf("sale id %q is not a number", sale),
			fmt.Sprintf("売上ID (受注番号)「%s」が数字ではありません。受注一覧の受注番号を入れてください。", sale)
	}
	if row.PaidOn, err = parseDate(date); err != nil {
		return row, fmt.Sprintf("payment date %q is not a date (write 2026-12-06 or 2026/12/06)", date),
			fmt.Sprintf("入金日「%s」が日付として読めません。2026-12-06 や 2026/12/06 の形で入れてください。", date)
	}
	if row.Amount, err = parseAmount(amount); err != nil {
		return row, fmt.Sprintf("amount %q is not a whole number of yen", amount),
			fmt.Sprintf("金額「%s」が円の整数として読めません。数字だけ (例: 5400) で入れてください。", amount)
	}
	return row, "", ""
}

func parseDate(s string) (string, error) {
	for _, layout := range []string{"2006-01-02", "2006/01/02", "2006/1/2", "2006-1-2", "20060102", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	return "", fmt.Errorf("not a date: %q", s)
}

func parseAmount(s string) (int64, error) {
	s = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "円", "", " ", "").Replace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not an amount: %q", s)
	}
	return n, nil
}
