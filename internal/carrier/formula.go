package carrier

import "strings"

// Formula injection: a spreadsheet (Excel) opening a label file runs a cell
// that starts with = + - or @ as a formula, and a leading tab or CR can hide
// one. Names, addresses and item names come from ColorMe orders, that is from
// customers, so every cell is neutralised as it is written: leading tabs and
// CRs are dropped and a leading = + - @ becomes its full-width form (＝ ＋ －
// ＠). Full-width rather than a leading apostrophe: the carrier programs (B2
// クラウド, e飛伝, ゆうパックプリントR) read the file as text, not as a
// spreadsheet, and would print an apostrophe on the label, while the
// full-width sign is the same character to a reader, is in JIS X 0208 (so
// Shift_JIS holds it), and is never a formula to Excel.

// formulaLeads maps a character a formula may start with to its full-width form.
var formulaLeads = map[byte]string{'=': "＝", '+': "＋", '-': "－", '@': "＠"}

// neutralize returns v safe to open in a spreadsheet, and whether it changed.
func neutralize(v string) (string, bool) {
	out := strings.TrimLeft(v, "\t\r\n")
	if out != "" {
		if fw, ok := formulaLeads[out[0]]; ok {
			out = fw + out[1:]
		}
	}
	return out, out != v
}
