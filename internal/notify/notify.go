// Package notify tells shop staff when a shop's sync needs them: a shop to
// reconnect, failed runs, a sale that keeps failing, a schedule the system
// paused, orders an import flagged 要確認 (or whose address changed after
// shipping), an on-change export that lags, and no worker running.
//
// A problem is a notification: one row per shop, kind and key while it is
// open. Finding it again (a condition still true) changes nothing; a new
// occurrence (another failed run) is counted, and sent as a reminder only
// once the quiet period has passed since the last message. When the condition
// clears the notification is resolved and a 「復旧しました」 message follows.
// Every message is an event; each event is delivered by a Temporal workflow
// (workflows.DeliverNotification) to the shop's mail addresses and webhook,
// and each delivery is recorded by event, channel and recipient, so a retry
// never sends twice.
package notify

import (
	"fmt"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Kind is the kind of problem a notification is about.
type Kind string

// The kinds of notification.
const (
	KindReconnect      Kind = "reconnect_needed" // ColorMe refused the shop's token (401)
	KindRunFailed      Kind = "run_failed"       // the latest import, export or stock run failed (key: the run kind)
	KindSaleFailing    Kind = "sale_failing"     // sales failed in notify_sale_failures consecutive exports
	KindSchedulePaused Kind = "schedule_paused"  // a schedule the system paused stays paused though the shop is connected
	KindOrdersFlagged  Kind = "orders_flagged"   // an import flagged orders 要確認
	KindAddressChanged Kind = "address_changed"  // an import found an address changed after shipping
	KindExportLagging  Kind = "export_lagging"   // a change older than notify_lag_minutes is not on ColorMe
	KindNoWorker       Kind = "no_worker"        // no worker polled the task queue (the console's watchdog)
)

// ShopKinds are the kinds the monitor (CheckShops) finds from a shop's state;
// KindNoWorker is the watchdog's.
var ShopKinds = []Kind{KindReconnect, KindRunFailed, KindSaleFailing, KindSchedulePaused,
	KindOrdersFlagged, KindAddressChanged, KindExportLagging}

// Event is what a message says about a notification.
type Event string

// The events of a notification.
const (
	EventOpened   Event = "opened"   // the problem was found
	EventRepeated Event = "repeated" // it happened again, after the quiet period
	EventResolved Event = "resolved" // 復旧しました
)

// Config is the deployment's notification settings, from the environment.
type Config struct {
	// SMTPURL is the mail server: smtp://[user:pass@]host:port (STARTTLS when
	// offered) or smtps://[user:pass@]host:port (TLS); "" = no mail.
	SMTPURL string `envconfig:"SMTP_URL" default:""`
	// From is the sender of notification mails.
	From string `envconfig:"NOTIFY_FROM" default:"colorme-sync@localhost"`
	// ConsoleURL is where staff open the console, for the links in messages
	// (CONSOLE_PUBLIC_URL; default http://<CONSOLE_LISTEN>).
	ConsoleURL    string `envconfig:"CONSOLE_PUBLIC_URL" default:""`
	ConsoleListen string `envconfig:"CONSOLE_LISTEN" default:"127.0.0.1:8080"`
	// Quiet is the quiet period: a problem that happens again within it is
	// counted, not sent again.
	Quiet time.Duration `envconfig:"NOTIFY_QUIET" default:"1h"`
	// Interval is how often the monitor and the watchdog look.
	Interval time.Duration `envconfig:"NOTIFY_CHECK_INTERVAL" default:"20s"`
	// NoWorkerAfter is how long no worker may poll the task queue before the
	// console's watchdog tells staff.
	NoWorkerAfter time.Duration `envconfig:"NOTIFY_NO_WORKER_AFTER" default:"5m"`
}

// LoadConfig reads Config from the environment.
func LoadConfig() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return c, fmt.Errorf("notification configuration: %w", err)
	}
	if c.ConsoleURL == "" {
		c.ConsoleURL = "http://" + c.ConsoleListen
	}
	if c.Quiet < 0 || c.Interval <= 0 || c.NoWorkerAfter <= 0 {
		return c, fmt.Errorf("notification configuration: NOTIFY_QUIET must be ≥ 0, NOTIFY_CHECK_INTERVAL and NOTIFY_NO_WORKER_AFTER > 0 (e.g. 1h, 20s, 5m)")
	}
	if c.SMTPURL != "" {
		if _, err := parseSMTPURL(c.SMTPURL); err != nil {
			return c, err
		}
	}
	return c, nil
}

// TaskQueue is the task queue of notification deliveries beside the main one:
// the worker and the console both serve it, so that a message about a stopped
// worker still goes out.
func TaskQueue(mainQueue string) string { return mainQueue + "-notify" }
