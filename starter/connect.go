package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/connect"
	"github.com/colorme-sync/colorme-sync/internal/schedules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// shopConnect runs the OAuth2 authorization-code flow for a shop (the seed's
// アクセスキー「取得する」): it prints the authorize URL, then receives the redirect on
// the redirect URL's local address, or reads the pasted address or code.
func shopConnect(ctx context.Context, e *env, args []string) error {
	fs, id := e.shopFlags("shop connect")
	codeOnly := fs.Bool("code-only", false, "do not listen for the redirect: paste the address ColorMe redirected to (or the code) instead")
	timeout := fs.Duration("timeout", connect.AttemptTTL, "how long to wait for the redirect or the pasted code")
	listen := fs.String("listen", "", "address to receive the redirect on (default: the redirect URL's own, when it is localhost); in a container e.g. 0.0.0.0:8765")
	st, _, err := fs.parseShop(ctx, args, id)
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	flow := &connect.Flow{Store: st, AuthorizeBaseURL: cfg.OAuthBrowserBaseURL}
	attempt, err := flow.Begin(ctx, *id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Open this URL in a browser where you are logged in to the shop's ColorMe admin, and approve (承認する):\n\n  %s\n\n", attempt.AuthURL)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	var cb connect.Callback
	if (*listen != "" || connect.IsLocal(attempt.RedirectURL)) && !*codeOnly {
		recv, err := connect.Listen(attempt, *listen)
		if err != nil {
			return err
		}
		defer recv.Close()
		fmt.Fprintf(e.out, "Waiting up to %s for ColorMe to redirect to %s … (Ctrl-C to stop)\n", schedules.FormatEvery(*timeout), attempt.RedirectURL)
		if cb, err = recv.Wait(ctx, *id); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.out, "After you approve, ColorMe sends the browser to %s.\nPaste that whole address from the address bar (or just the code shown) and press Enter:\n", attempt.RedirectURL)
		line, err := readLine(ctx, os.Stdin, false)
		if err != nil {
			return err
		}
		if cb, err = connect.ParseCallback(line); err != nil {
			return err
		}
	}
	res, err := flow.Complete(ctx, attempt, cb)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "shop %s is connected to ColorMe shop %q (%s); the access token is stored encrypted (scopes: %s)\n",
		res.ShopID, res.ColorMeShop.Name, res.ColorMeShop.ID, strings.Join(res.Scopes, " "))
	printMethodsRead(e.out, res.ShopID, res.Methods, res.MethodsErr)
	// Resume (or create) the schedules: "reconnect needed" no longer holds them.
	return applySchedules(context.WithoutCancel(ctx), e, res.ShopID)
}

// shopSetSecret stores the shop's OAuth client secret (クライアントシークレット), read
// from stdin without echo so that it never lands in the terminal, shell history
// or the process list.
func shopSetSecret(ctx context.Context, e *env, args []string) error {
	id, err := setShopSecret(ctx, e, "shop set-secret", args, "client secret (クライアントシークレット)", (*shops.Store).SetClientSecret)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "client secret of shop %s stored (encrypted, shown as ****); connect the shop with `starter shop connect -shop %s`\n", id, id)
	return nil
}

// setShopSecret is the shape of the commands that store a shop's secret: it
// reads -shop, loads the shop, reads the secret from stdin (without echo) and
// stores it with set; it returns the shop ID.
func setShopSecret(ctx context.Context, e *env, name string, args []string, what string,
	set func(*shops.Store, context.Context, string, string) error) (string, error) {
	fs, id := e.shopFlags(name)
	st, _, err := fs.parseShop(ctx, args, id)
	if err != nil {
		return "", err
	}
	secret, err := readSecret(ctx, e, what)
	if err != nil {
		return "", err
	}
	return *id, set(st.Shops, ctx, *id, secret)
}

// readLine reads one line from in, trimmed; with hidden, terminal echo is off
// while it reads. Ctrl-C (ctx) stops the wait and restores the echo.
// readSecret asks for a secret on stdin without echoing it; empty is an error.
func readSecret(ctx context.Context, e *env, what string) (string, error) {
	fmt.Fprintf(e.errOut, "paste the %s (not shown) and press Enter: ", what)
	v, err := readLine(ctx, os.Stdin, true)
	fmt.Fprintln(e.errOut)
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", fmt.Errorf("no %s given on stdin", what)
	}
	return v, nil
}

func readLine(ctx context.Context, in *os.File, hidden bool) (string, error) {
	if hidden {
		defer echoOff(in)()
	}
	type line struct {
		s   string
		err error
	}
	got := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(in).ReadString('\n')
		if errors.Is(err, io.EOF) && s != "" {
			err = nil
		}
		got <- line{strings.TrimSpace(s), err}
	}()
	select {
	case l := <-got:
		if errors.Is(l.err, io.EOF) {
			return "", errors.New("stdin ended before a line was given")
		}
		return l.s, l.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", errors.New("nothing was pasted in time: run the command again")
		}
		return "", ctx.Err()
	}
}

// echoOff turns terminal echo off when in is a terminal and returns the function
// that turns it back on. Without a terminal (a pipe) it does nothing.
func echoOff(in *os.File) func() {
	fi, err := in.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	stty := func(arg string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "stty", arg)
		cmd.Stdin = in
		return cmd.Run()
	}
	if stty("-echo") != nil {
		return func() {}
	}
	return func() { _ = stty("echo") }
}
