package console

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/msg"
)

// The formatting helpers every template uses for money, postal codes and
// stored reasons, so that each reads the same on every page.
func init() {
	funcs["ja"] = msg.Ja
	funcs["yen"] = yen
	funcs["postal"] = postal
}

// yen writes an amount as staff read it: ¥15,774 (a negative as -¥500).
func yen(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case int32:
		n = int64(x)
	default:
		return fmt.Sprint(v)
	}
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return sign + "¥" + groupDigits(strconv.FormatInt(n, 10))
}

// groupDigits puts a comma between each three digits: 15774 → 15,774.
func groupDigits(s string) string {
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// postal writes a postal code as 〒431-3597; "" stays "" and a code that is not
// seven digits is shown as given, after the 〒.
func postal(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '-' || r == '－' || r == 'ー' || r == ' ':
			return -1
		}
		return r
	}, s)
	if len(digits) == 7 && strings.Trim(digits, "0123456789") == "" {
		return "〒" + digits[:3] + "-" + digits[3:]
	}
	return "〒" + s
}
