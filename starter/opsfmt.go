package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/colorme-sync/colorme-sync/internal/jst"
)

// opsTime formats an instant for the operator: Japan time (Asia/Tokyo) to the
// second, with the zone written out, whatever the machine's time zone is. Every
// time the starter prints goes through it; the zero time prints as "-".
func opsTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return jst.Format(t)
}

// cells measures text in terminal display cells: 2 for East Asian wide
// characters (漢字, かな, full-width forms), 1 for the rest. Ambiguous characters
// (—, →, …) count 1, as most terminals draw them.
var cells = func() *runewidth.Condition {
	c := runewidth.NewCondition()
	c.EastAsianWidth = false // not from the locale: the same output everywhere
	return c
}()

// column is one column of a table: its title, right alignment for numbers,
// and the most display cells a value may take (0: no limit) before it is cut
// with "…".
type column struct {
	title string
	right bool
	max   int
}

// table prints rows in aligned columns. Widths are counted in display cells, so
// Japanese text lines up (text/tabwriter counts runes and cannot); long values
// are cut to their column's max so that lines stay readable. Every table the
// starter prints goes through it.
type table struct {
	indent string // before every line
	wide   bool   // cut nothing (-wide)
	cols   []column
	rows   [][]string
}

func newTable(cols ...column) *table { return &table{cols: cols} }

// add appends a row; values are formatted with fmt.Sprint.
func (t *table) add(values ...any) {
	row := make([]string, len(t.cols))
	for i := range row {
		if i < len(values) {
			limit := t.cols[i].max
			if t.wide {
				limit = 0
			}
			row[i] = cellText(fmt.Sprint(values[i]), limit)
		}
	}
	t.rows = append(t.rows, row)
}

// write prints the header and the rows.
func (t *table) write(w io.Writer) error {
	head := make([]string, len(t.cols))
	widths := make([]int, len(t.cols))
	for i, c := range t.cols {
		head[i] = cellText(c.title, 0)
		widths[i] = cells.StringWidth(head[i])
	}
	for _, r := range t.rows {
		for i, v := range r {
			widths[i] = max(widths[i], cells.StringWidth(v))
		}
	}
	var b strings.Builder
	line := func(r []string) {
		var l strings.Builder
		l.WriteString(t.indent)
		for i, v := range r {
			if i > 0 {
				l.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-cells.StringWidth(v))
			if t.cols[i].right {
				l.WriteString(pad + v)
			} else {
				l.WriteString(v + pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	line(head)
	for _, r := range t.rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cellText puts a value on one line (tabs and line breaks become spaces) and
// cuts it to at most limit display cells, ending with "…" when cut.
func cellText(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if limit <= 0 || cells.StringWidth(s) <= limit {
		return s
	}
	return cells.Truncate(s, limit, "…")
}
