package activities

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/settings"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// ErrNotificationRefused is the error type of a notification delivery that
// retrying cannot help: a mail address or webhook that refuses it for good,
// or channels that are not configured. It is recorded and shown in お知らせ.
const ErrNotificationRefused = "NotificationRefused"

// Notify holds the dependencies of the notification activities (internal/notify).
type Notify struct {
	Store      *stores.Stores
	Notes      *notify.Store
	Config     notify.Config
	HTTPClient *http.Client // for webhooks; nil = a client with a 15 s timeout
	// PausedBySystem finds schedules colorme-sync paused that stay paused;
	// nil: not looked for.
	PausedBySystem notify.PausedBySystem
	// Dispatch starts the delivery workflow of each event (idempotent per
	// event) and returns the events it started or found started.
	Dispatch func(ctx context.Context, eventIDs []int64) ([]int64, error)
}

// CheckNotificationsInput is empty: every shop is checked.
type CheckNotificationsInput struct{}

// CheckNotificationsResult counts what a check found and sent.
type CheckNotificationsResult struct {
	Shops      int `json:"shops"`
	Events     int `json:"events"`     // opened, repeated and resolved, new this check
	Dispatched int `json:"dispatched"` // delivery workflows started (new and earlier events)
}

// CheckNotifications finds each shop's problems, records them as
// notifications (opening, counting and resolving them) and starts the
// delivery of every event not yet dispatched.
func (n *Notify) CheckNotifications(ctx context.Context, _ CheckNotificationsInput) (CheckNotificationsResult, error) {
	var res CheckNotificationsResult
	shops, err := n.Store.Shops.Shops(ctx)
	if err != nil {
		return res, err
	}
	now := time.Now()
	var errs []error
	for _, sh := range shops {
		conds, err := notify.Detect(ctx, n.Store, sh, now, n.PausedBySystem)
		if err != nil {
			errs = append(errs, err) // the other shops are still checked
			continue
		}
		evs, err := n.Notes.Reconcile(ctx, sh.ID, notify.ShopKinds, conds, now, n.Config.Quiet)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res.Shops++
		res.Events += len(evs)
	}
	res.Dispatched, err = DispatchPending(ctx, n.Notes, n.Dispatch)
	return res, errors.Join(append(errs, err)...)
}

// DispatchPending starts the delivery of the events not yet dispatched and
// marks them: the monitor's and the console watchdog's one way to send.
func DispatchPending(ctx context.Context, notes *notify.Store, dispatch func(context.Context, []int64) ([]int64, error)) (int, error) {
	if dispatch == nil {
		return 0, nil
	}
	pending, err := notes.PendingEvents(ctx, 200)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	started, err := dispatch(ctx, pending)
	if mErr := notes.MarkDispatched(ctx, started); mErr != nil {
		return len(started), mErr
	}
	return len(started), err
}

// DeliverInput names the event to deliver.
type DeliverInput struct {
	EventID int64 `json:"event_id"`
}

// DeliverResult says what one channel did with an event.
type DeliverResult struct {
	Sent    int    `json:"sent"`              // recipients sent to now
	Already int    `json:"already"`           // recipients a previous attempt sent to (not sent again)
	Refused int    `json:"refused"`           // recipients refused for good
	Skipped string `json:"skipped,omitempty"` // why the channel was not used ("" = used)
}

// event loads the event, its notification and shop.
func (n *Notify) event(ctx context.Context, id int64) (notify.EventOf, shops.Shop, error) {
	ev, err := n.Notes.Event(ctx, id)
	if err != nil {
		if errors.Is(err, notify.ErrNoEvent) {
			return ev, shops.Shop{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidInput, nil)
		}
		return ev, shops.Shop{}, err
	}
	sh, err := n.Store.Shops.Shop(ctx, ev.Notification.ShopID)
	if err != nil {
		return ev, sh, shopError(ev.Notification.ShopID, err)
	}
	return ev, sh, nil
}

// refused records a delivery that failed for good and returns the
// non-retryable error that reports it.
func (n *Notify) refused(ctx context.Context, eventID int64, channel, target, msg string) error {
	if err := n.Notes.RecordDelivery(ctx, eventID, channel, target, notify.DeliveryFailed, msg); err != nil {
		return err
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrNotificationRefused, nil)
}

// DeliverMail mails the event to the shop's notify_email addresses through
// SMTP_URL. Addresses a previous attempt reached are not mailed again; an
// address the server refuses for good is recorded and not retried.
func (n *Notify) DeliverMail(ctx context.Context, in DeliverInput) (DeliverResult, error) {
	var res DeliverResult
	ev, sh, err := n.event(ctx, in.EventID)
	if err != nil {
		return res, err
	}
	addrs, err := settings.NotifyEmails(sh.Settings.NotifyEmail)
	if err != nil {
		return res, n.refused(ctx, in.EventID, "mail", "settings", err.Error())
	}
	if len(addrs) == 0 {
		res.Skipped = "no notify_email"
		return res, nil
	}
	if n.Config.SMTPURL == "" {
		return res, n.refused(ctx, in.EventID, "mail", "settings", "SMTP_URL is not set: the notification mails of shop "+sh.ID+" cannot be sent; set SMTP_URL and NOTIFY_FROM for the worker and the console")
	}
	done, err := n.Notes.Delivered(ctx, in.EventID, "mail")
	if err != nil {
		return res, err
	}
	var to []string
	for _, a := range addrs {
		if _, ok := done[a]; ok {
			res.Already++
			continue
		}
		to = append(to, a)
	}
	if len(to) == 0 {
		return res, nil
	}
	msg := notify.Render(ev, sh, n.Config.ConsoleURL)
	id := "notification-" + strconv.FormatInt(in.EventID, 10)
	sent, err := notify.SendMail(n.Config.SMTPURL, n.Config.From, to, msg, id, 30*time.Second)
	for _, a := range sent.Sent {
		if rErr := n.Notes.RecordDelivery(ctx, in.EventID, "mail", a, notify.DeliverySent, ""); rErr != nil {
			return res, rErr
		}
	}
	for a, why := range sent.Refused {
		if rErr := n.Notes.RecordDelivery(ctx, in.EventID, "mail", a, notify.DeliveryFailed, "the mail server refused "+a+": "+why); rErr != nil {
			return res, rErr
		}
	}
	res.Sent, res.Refused = len(sent.Sent), len(sent.Refused)
	if err != nil {
		if notify.IsPermanent(err) {
			return res, temporal.NewNonRetryableApplicationError(err.Error(), ErrNotificationRefused, nil)
		}
		return res, err
	}
	activity.GetLogger(ctx).Info("notification mailed", "event", in.EventID, "shop", sh.ID, "kind", ev.Notification.Kind, "state", ev.Event, "recipients", res.Sent)
	return res, nil
}

// DeliverWebhook posts the event to the shop's notify_webhook_url, once: a
// post a previous attempt completed is not repeated; a receiver that refuses
// it for good (4xx) is recorded and not retried.
func (n *Notify) DeliverWebhook(ctx context.Context, in DeliverInput) (DeliverResult, error) {
	var res DeliverResult
	ev, sh, err := n.event(ctx, in.EventID)
	if err != nil {
		return res, err
	}
	if sh.Settings.NotifyWebhookURL == "" {
		res.Skipped = "no notify_webhook_url"
		return res, nil
	}
	done, err := n.Notes.Delivered(ctx, in.EventID, "webhook")
	if err != nil {
		return res, err
	}
	if _, ok := done["webhook"]; ok {
		res.Already = 1
		return res, nil
	}
	hc := n.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	err = notify.PostWebhook(ctx, hc, sh.Settings.NotifyWebhookURL, notify.Render(ev, sh, n.Config.ConsoleURL))
	if notify.IsPermanent(err) {
		res.Refused = 1
		return res, n.refused(ctx, in.EventID, "webhook", "webhook", err.Error())
	}
	if err != nil {
		return res, err
	}
	res.Sent = 1
	if err := n.Notes.RecordDelivery(ctx, in.EventID, "webhook", "webhook", notify.DeliverySent, ""); err != nil {
		return res, err
	}
	activity.GetLogger(ctx).Info("notification posted", "event", in.EventID, "shop", sh.ID, "kind", ev.Notification.Kind, "state", ev.Event)
	return res, nil
}
