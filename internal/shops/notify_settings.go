package shops

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// TokenRefused starts the error of an activity, and so of its run, that ColorMe
// answered 401: the shop must be reconnected. Notifications tell such a run
// apart from other failures (reconnecting fixes it).
const TokenRefused = "ColorMe refused the shop's access token"

// NotifyEmails splits the setting notify_email (comma-separated) into its
// addresses; "" is none. A malformed address is an error naming it.
func NotifyEmails(list string) ([]string, error) {
	var out []string
	for part := range strings.SplitSeq(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil || a.Name != "" {
			return nil, fmt.Errorf("notify_email: %q is not a mail address: write addresses such as staff@example.com, separated by commas", part)
		}
		out = append(out, a.Address)
	}
	return out, nil
}

// CheckWebhookURL checks the setting notify_webhook_url: "" (off) or an https
// URL; plain http only on a loopback host (a receiver on this machine), since
// the URL of a chat webhook is itself a credential (so no error repeats it).
func CheckWebhookURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("notify_webhook_url is not an http(s) URL: paste the webhook's whole address, e.g. https://hooks.slack.com/services/…")
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return errors.New("notify_webhook_url uses plain http: use https (only a receiver on this machine, localhost or 127.0.0.1, may use http)")
	}
	return nil
}
