// Package staffmsg is how a refused operation speaks to shop staff and to
// engineers at once: a StaffError carries the English message (the CLI's), the
// Japanese one (the console's) and the Remedy that undoes the refusal.
package staffmsg

import (
	"errors"
	"slices"
	"strings"
)

// Messages of the OMS operations are written twice, at the same place: in
// English for engineers (the CLI prints them, tests check them) and in Japanese
// for shop staff (the console shows them), in GoQ's words (受注番号, お届け先ID,
// 伝票番号, 出荷日, 同梱, …), saying what is wrong and what to do on the
// console's screens rather than with CLI commands. A message about a line of a
// file is a LineMessage (Message and Ja); a refused operation returns a
// *StaffError. Neither names a CLI command: when a command undoes the refusal
// it carries a Remedy, which the starter turns into the command.

// Remedy is what an operator does about a refusal: Do, on Sale when it is about
// one sale. The store states the fact; each caller says the remedy in its own
// words (the starter names a command). The zero Remedy is none.
type Remedy struct {
	Do   string `json:"do"`             // RemedyImport, RemedyUnbundle or RemedySetStatus
	Sale int64  `json:"sale,omitempty"` // the sale to act on; 0 = the shop's orders
}

// The remedies.
const (
	RemedyImport    = "import"   // import the shop's orders from ColorMe
	RemedyUnbundle  = "unbundle" // take Sale out of its bundle
	RemedySetStatus = "status"   // change Sale's status
)

// ImportJa names the console's way to import orders (RemedyImport), for
// staff messages.
const ImportJa = "受注取得 (APIアクセス設定の自動取得「今すぐ実行」)"

// StaffError is a refusal of an OMS operation: En is its English message (what
// Error returns, unchanged for the CLI), Ja the same for staff. Err, when set, is
// what it wraps (oms.ErrNotFound for an order that is not in the OMS), so errors.Is
// still works. Remedy, when set, is what undoes it. The store may wrap it with
// more context; StaffMessage and Remedies find it.
type StaffError struct {
	En, Ja string
	Err    error
	Remedy Remedy
}

// Error returns the English message.
func (e *StaffError) Error() string { return e.En }

// Unwrap returns the wrapped error, if any.
func (e *StaffError) Unwrap() error { return e.Err }

// StaffMessage returns the Japanese message of the first StaffError in err's
// chain, "" when err carries none (an unexpected error: show err itself).
func StaffMessage(err error) string {
	if se, ok := errors.AsType[*StaffError](err); ok {
		return se.Ja
	}
	return ""
}

// Remedies returns the remedies of the StaffErrors in err's tree (joined ones
// included), each once, in the order they come.
func Remedies(err error) []Remedy {
	var out []Remedy
	var walk func(error)
	walk = func(err error) {
		if se, ok := err.(*StaffError); ok && se.Remedy.Do != "" && !slices.Contains(out, se.Remedy) {
			out = append(out, se.Remedy)
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			if e := u.Unwrap(); e != nil {
				walk(e)
			}
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// Join joins several refusals into one: the English as errors.Join says it
// (one a line), the Japanese one sentence after the other. errors.Is and
// errors.As see each of them.
func Join(errs []*StaffError) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	en, ja := make([]string, len(errs)), make([]string, len(errs))
	wrapped := make([]error, len(errs))
	for i, e := range errs {
		en[i], ja[i], wrapped[i] = e.En, e.Ja, e
	}
	return &StaffError{En: strings.Join(en, "\n"), Ja: strings.Join(ja, ""), Err: errors.Join(wrapped...)}
}

// LineMessage is a message about one line of a file; line 0 is the whole file.
// Message is for engineers (the CLI prints it); Ja says the same to shop staff
// (the console shows it): what is wrong and what to do.
type LineMessage struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
	Ja      string `json:"ja,omitempty"`
	Remedy  Remedy `json:"remedy,omitzero"` // what undoes a rejection, for the caller to say (see Remedy)
}
