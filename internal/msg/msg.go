// Package msg is the one catalogue of the reasons, flags and notes that runs,
// imports and uploads record: each message has its English words (what the
// store keeps and the CLI prints) and its Japanese words (what staff read in the
// console). Producers format with Message.Format; the console turns any stored
// text into Japanese with Ja, which recognises the catalogue's English even
// when several messages are joined with "; " or ", ".
package msg

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Message is one entry of the catalogue. En is a fmt format whose verbs are %d,
// %s and %q only; Ja is the Japanese text, with {1}, {2}, … standing for the
// arguments in En's order.
type Message struct {
	En, Ja string
}

// Format returns the English text with args (as fmt.Sprintf(m.En, args...)).
func (m Message) Format(args ...any) string {
	if len(args) == 0 {
		return m.En
	}
	return fmt.Sprintf(m.En, args...)
}

// Japanese returns the Japanese text with args (formatted as Format would).
func (m Message) Japanese(args ...any) string {
	return Ja(m.Format(args...))
}

// compiled is a Message with the regular expression that matches its English.
type compiled struct {
	Message
	re    *regexp.Regexp
	verbs []byte // 'd', 's' or 'q' per argument
}

var (
	compileOnce sync.Once
	compiledAll []compiled
)

// verb matches the fmt verbs a catalogue format may hold.
var verb = regexp.MustCompile(`%[dsq%]`)

func compileAll() {
	compileOnce.Do(func() {
		for _, m := range All {
			c := compiled{Message: m}
			var b strings.Builder
			b.WriteString("^")
			last := 0
			for _, loc := range verb.FindAllStringIndex(m.En, -1) {
				b.WriteString(regexp.QuoteMeta(m.En[last:loc[0]]))
				switch v := m.En[loc[0]+1]; v {
				case 'd':
					b.WriteString(`(-?\d+)`)
					c.verbs = append(c.verbs, v)
				case 's':
					b.WriteString(`(.*?)`)
					c.verbs = append(c.verbs, v)
				case 'q':
					b.WriteString(`("(?:[^"\\]|\\.)*")`)
					c.verbs = append(c.verbs, v)
				default:
					b.WriteString("%")
				}
				last = loc[1]
			}
			b.WriteString(regexp.QuoteMeta(m.En[last:]))
			b.WriteString("$")
			c.re = regexp.MustCompile(b.String())
			compiledAll = append(compiledAll, c)
		}
	})
}

// Ja returns the Japanese of a stored English text: a catalogue message, or
// messages joined with "; " or ", ". Text the catalogue does not know (a
// ColorMe error, a name) is returned as it is.
func Ja(s string) string {
	if t, ok := translate(s); ok {
		return t
	}
	return s
}

// Known reports whether s is wholly catalogue English (Ja changes all of it).
func Known(s string) bool {
	_, ok := translate(s)
	return ok
}

// translate is Ja, and whether s was recognised.
func translate(s string) (string, bool) {
	compileAll()
	if s == "" {
		return "", true
	}
	// Joined messages first: a message's %s would otherwise swallow the rest
	// of the list.
	for _, sep := range []string{"; ", ", "} {
		if parts, ok := joined(s, sep); ok {
			return strings.Join(parts, jaSeparator[sep]), true
		}
	}
	for _, c := range compiledAll {
		if m := c.re.FindStringSubmatch(s); m != nil {
			return c.render(m[1:]), true
		}
	}
	return s, false
}

// jaSeparator joins translated parts.
var jaSeparator = map[string]string{"; ": "。", ", ": "、"}

// maxParts bounds the parts joined tries to regroup.
const maxParts = 24

// joined splits s at sep into the fewest runs that each translate, longest first.
func joined(s, sep string) ([]string, bool) {
	parts := strings.Split(s, sep)
	if len(parts) < 2 || len(parts) > maxParts {
		return nil, false
	}
	var out []string
	for i := 0; i < len(parts); {
		found := false
		for j := len(parts); j > i; j-- {
			if j-i == len(parts) {
				continue // the whole text is one message, if any
			}
			if t, ok := translate(strings.Join(parts[i:j], sep)); ok {
				out = append(out, t)
				i, found = j, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return out, true
}

// render fills Ja's {n} with the arguments; %s arguments are translated too.
func (c compiled) render(args []string) string {
	out := c.Ja
	for i, a := range args {
		switch c.verbs[i] {
		case 's':
			a = Ja(a)
		case 'q':
			if u, err := strconv.Unquote(a); err == nil {
				a = "「" + u + "」"
			}
		}
		out = strings.ReplaceAll(out, "{"+strconv.Itoa(i+1)+"}", a)
	}
	return out
}
