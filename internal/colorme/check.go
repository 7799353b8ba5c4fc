package colorme

import (
	"fmt"
	"slices"
	"time"
)

// MismatchError is a 2xx answer that does not match what was asked: a sale
// outside the asked dates, an id that was not asked for, or inconsistent
// paging. ColorMe answers 200 to a filter it cannot read and drops the filter
// (observed), so such an answer means a filter was ignored: the client stops
// rather than import or export a partial or wrong set of sales. Not retryable:
// the same request gets the same answer.
type MismatchError struct {
	Op      string // e.g. "GET /v1/sales.json"
	Problem string // what did not match, naming the filter
}

// Error implements error.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("colorme %s: the answer does not match the request (%s): ColorMe may have ignored a filter; nothing from this answer was used", e.Op, e.Problem)
}

// StaffMessage says, in Japanese for shop staff, what happened and what to do.
func (e *MismatchError) StaffMessage() string {
	return "カラーミーショップの応答が指定した条件と一致しませんでした（" + e.Problem + "）。誤った受注を取り込まないよう処理を止めました。システム管理者に連絡してください。 [" + e.Error() + "]"
}

// pageWant is what a list request asked for, to check the page against.
type pageWant struct {
	after, before   time.Time // make_date bounds sent (zero = none)
	updMin, updMax  time.Time // update_date bounds sent (zero = none)
	ids             []int64   // the ids asked for (nil = no ids filter)
	limit, offset   int       // limit and offset sent (limit 0 = not sent: ColorMe's default)
	makeDateFetched bool      // make_date is in the answer
	updDateFetched  bool      // update_date is in the answer
}

// check returns a *MismatchError when page does not match w.
func (w pageWant) check(op string, page SalesPage) error {
	bad := func(format string, a ...any) error { return &MismatchError{Op: op, Problem: fmt.Sprintf(format, a...)} }
	m := page.Meta
	switch {
	case m.Offset != w.offset:
		return bad("offset %d asked, meta.offset %d", w.offset, m.Offset)
	case w.limit > 0 && (m.Limit < 1 || m.Limit > w.limit):
		return bad("limit %d asked, meta.limit %d", w.limit, m.Limit)
	case m.Limit > 0 && len(page.Sales) > m.Limit:
		return bad("%d sales for meta.limit %d", len(page.Sales), m.Limit)
	case m.Total < m.Offset+len(page.Sales):
		return bad("meta.total %d below offset %d + %d sales", m.Total, m.Offset, len(page.Sales))
	}
	inRange := func(v int64, lo, hi time.Time) bool {
		return (lo.IsZero() || v >= lo.Unix()) && (hi.IsZero() || v <= hi.Unix())
	}
	for _, s := range page.Sales {
		switch {
		case w.ids != nil && !slices.Contains(w.ids, s.ID):
			return bad("sale %d was not among the ids asked for", s.ID)
		// 0: the answer lacks the date (`fields` narrowed it); nothing to check.
		case w.makeDateFetched && s.MakeDate != 0 && !inRange(s.MakeDate, w.after, w.before):
			return bad("sale %d made %s, outside after %s / before %s", s.ID, FormatTime(time.Unix(s.MakeDate, 0)), fmtBound(w.after), fmtBound(w.before))
		case w.updDateFetched && s.UpdateDate != 0 && !inRange(s.UpdateDate, w.updMin, w.updMax):
			return bad("sale %d updated %s, outside update_date_min %s / update_date_max %s", s.ID, FormatTime(time.Unix(s.UpdateDate, 0)), fmtBound(w.updMin), fmtBound(w.updMax))
		}
	}
	return nil
}

func fmtBound(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return FormatTime(t)
}
