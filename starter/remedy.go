package main

import (
	"fmt"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// remedyCommand is the command that does a remedy of the OMS's refusals for the
// shop ("" for one the CLI has no command for).
func remedyCommand(shop string, r staffmsg.Remedy) string {
	switch r.Do {
	case staffmsg.RemedyImport:
		return fmt.Sprintf("`starter import -shop %s`", shop)
	case staffmsg.RemedyUnbundle:
		return fmt.Sprintf("`starter orders unbundle -shop %s -sale %d`", shop, r.Sale)
	case staffmsg.RemedySetStatus:
		return fmt.Sprintf("`starter orders status -shop %s -sale %d -status …`", shop, r.Sale)
	}
	return ""
}

// withRemedies adds to an OMS operation's error the commands that undo its
// refusals, in parentheses: the store states the fact, the CLI names the command.
func withRemedies(shop string, err error) error {
	var cmds []string
	for _, r := range staffmsg.Remedies(err) {
		if c := remedyCommand(shop, r); c != "" {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(cmds, "; "))
}

// lineWithRemedy is a line message as the CLI prints it: with the command that
// undoes it, in parentheses.
func lineWithRemedy(shop string, m staffmsg.LineMessage) string {
	if c := remedyCommand(shop, m.Remedy); c != "" {
		return m.Message + " (" + c + ")"
	}
	return m.Message
}
