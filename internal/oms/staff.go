package oms

import (
	"errors"
	"strings"
)

// Messages of the OMS operations are written twice, at the same place: in
// English for engineers (the CLI prints them, tests check them) and in Japanese
// for shop staff (the console shows them), in GoQ's words (受注番号, お届け先ID,
// 伝票番号, 出荷日, 同梱, …), saying what is wrong and what to do on the
// console's screens rather than with CLI commands. A message about a line of a
// file is a LineMessage (Message and Ja); a refused operation returns a
// *StaffError.

// StaffError is a refusal of an OMS operation: En is its English message (what
// Error returns, unchanged for the CLI), Ja the same for staff. Err, when set, is
// what it wraps (ErrNotFound for an order that is not in the OMS), so errors.Is
// still works. The store may wrap it with more context; StaffMessage finds it.
type StaffError struct {
	En, Ja string
	Err    error
}

// Error returns the English message.
func (e *StaffError) Error() string { return e.En }

// Unwrap returns the wrapped error, if any.
func (e *StaffError) Unwrap() error { return e.Err }

// StaffMessage returns the Japanese message of the first StaffError in err's
// chain, "" when err carries none (an unexpected error: show err itself).
func StaffMessage(err error) string {
	var se *StaffError
	if errors.As(err, &se) {
		return se.Ja
	}
	return ""
}

// joinStaff joins several refusals into one: the English as errors.Join says it
// (one a line), the Japanese one sentence after the other. errors.Is and
// errors.As see each of them.
func joinStaff(errs []*StaffError) error {
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
