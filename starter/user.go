package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// userAdd creates a console operator; the password is read from stdin so that it
// never lands in shell history or the process list.
func userAdd(ctx context.Context, e *env, args []string) error {
	fs, login := e.loginFlags("user add")
	role := fs.String("role", accounts.RoleStaff, "admin (settings, connecting shops, users) or staff (everything else)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *login == "" {
		return errors.New("-login is required")
	}
	if err := accounts.ValidateUser(*login, "0123456789", *role); err != nil {
		return err
	}
	st, err := e.db(ctx)
	if err != nil {
		return err
	}
	pw, err := readSecret(ctx, e, fmt.Sprintf("password (at least %d characters)", accounts.MinPasswordLen))
	if err != nil {
		return err
	}
	u, err := st.Accounts.CreateUser(ctx, *login, pw, *role)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "user %s added (%s); log in to the console with it\n", u.Login, u.Role)
	return nil
}

func userList(ctx context.Context, e *env, args []string) error {
	st, err := e.flags("user list").parseDB(ctx, args)
	if err != nil {
		return err
	}
	users, err := st.Accounts.Users(ctx)
	if err != nil {
		return err
	}
	given, err := st.Accounts.AllUserShops(ctx)
	if err != nil {
		return err
	}
	t := newTable(column{title: "login"}, column{title: "role"}, column{title: "shops"}, column{title: "created"})
	for _, u := range users {
		shops := strings.Join(given[u.ID], ",")
		switch {
		case u.IsAdmin():
			shops = "(all)"
		case shops == "":
			shops = "(none)"
		}
		t.add(u.Login, u.Role, shops, opsTime(u.CreatedAt))
	}
	return t.write(e.out)
}

// userPasswd sets a new password (from stdin) and ends the user's sessions.
func userPasswd(ctx context.Context, e *env, args []string) error {
	st, login, err := parseLogin(ctx, e, "user passwd", args)
	if err != nil {
		return err
	}
	pw, err := readSecret(ctx, e, fmt.Sprintf("new password (at least %d characters)", accounts.MinPasswordLen))
	if err != nil {
		return err
	}
	if err := st.Accounts.SetPassword(ctx, login, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "password of %s changed; its console sessions are ended\n", login)
	return nil
}

func userDelete(ctx context.Context, e *env, args []string) error {
	st, login, err := parseLogin(ctx, e, "user delete", args)
	if err != nil {
		return err
	}
	if err := st.Accounts.DeleteUser(ctx, login); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "user %s deleted\n", login)
	return nil
}

// userShops sets the shops a staff user may see and act on in the console
// (admins reach every shop): -shops a,b replaces the list; -shops "" takes all away.
func userShops(ctx context.Context, e *env, args []string) error {
	fs, login := e.loginFlags("user shops")
	list := fs.String("shops", "", "the user's shops, comma-separated shop ids (replaces the list; empty = none)")
	st, err := fs.parseDB(ctx, args)
	if err != nil {
		return err
	}
	if *login == "" {
		return errors.New("-login is required")
	}
	ids := splitList(*list)
	if err := st.Accounts.SetUserShops(ctx, *login, ids); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "user %s: shops %s\n", *login, strings.Join(ids, ","))
	return nil
}

// loginFlags returns the flag set of the command name on one operator and its
// -login flag.
func (e *env) loginFlags(name string) (flags, *string) {
	f := e.flags(name)
	return f, f.String("login", "", "login name (required)")
}

// parseLogin parses the flags of a command on one operator (-login) and opens
// the database.
func parseLogin(ctx context.Context, e *env, name string, args []string) (*stores.Stores, string, error) {
	fs, login := e.loginFlags(name)
	st, err := fs.parseDB(ctx, args)
	return st, *login, err
}
