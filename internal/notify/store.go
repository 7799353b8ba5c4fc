package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/schema"
)

// The notification tables (migration 8 of internal/oms; its schema test
// checks them against Models).
type notificationRow struct {
	ID                  int64     `gorm:"primaryKey;autoIncrement"`
	ShopID              string    `gorm:"not null;uniqueIndex:notifications_open,where:state = 'open'"`
	Kind                string    `gorm:"not null;uniqueIndex:notifications_open"`
	Key                 string    `gorm:"not null;default:'';uniqueIndex:notifications_open"`
	State               string    `gorm:"not null"` // open | resolved
	Marker              string    `gorm:"not null;default:''"`
	Summary             string    `gorm:"not null;default:''"`
	Detail              string    `gorm:"not null;default:''"`
	FixPath             string    `gorm:"not null;default:''"`
	RunID               int64     `gorm:"not null;default:0"`
	Sales               string    `gorm:"not null;default:''"` // comma-separated sale ids
	Occurrences         int       `gorm:"not null;default:1"`
	NotifiedOccurrences int       `gorm:"not null;default:1"`
	OpenedAt            time.Time `gorm:"not null"`
	LastSeenAt          time.Time `gorm:"not null"`
	LastNotifiedAt      time.Time `gorm:"not null"`
	ResolvedAt          *time.Time
}

// TableName implements gorm's tabler.
func (notificationRow) TableName() string { return "notifications" }

type eventRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	NotificationID int64     `gorm:"not null;index:notification_events_notification"`
	Event          string    `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null"`
	Dispatched     bool      `gorm:"not null;default:false;index:notification_events_pending,where:NOT dispatched"`
}

// TableName implements gorm's tabler.
func (eventRow) TableName() string { return "notification_events" }

type deliveryRow struct {
	EventID int64     `gorm:"primaryKey;autoIncrement:false"`
	Channel string    `gorm:"primaryKey"`
	Target  string    `gorm:"primaryKey"`
	Status  string    `gorm:"not null"` // sent | failed
	Error   string    `gorm:"not null;default:''"`
	At      time.Time `gorm:"not null"`
}

// TableName implements gorm's tabler.
func (deliveryRow) TableName() string { return "notification_deliveries" }

// Models are the gorm models of the notification tables, for the schema
// test of internal/oms (the migrations must make exactly these tables).
func Models() []any { return []any{&notificationRow{}, &eventRow{}, &deliveryRow{}} }

const (
	stateOpen     = "open"
	stateResolved = "resolved"
)

// Condition is a problem found now: what a notification is made of.
type Condition struct {
	ShopID string
	Kind   Kind
	Key    string // tells apart problems of one kind, e.g. the run kind of KindRunFailed
	// Marker changes when the problem happens again (another failed run, other
	// sales): a new occurrence, folded into the open notification.
	Marker  string
	Summary string  // one line, Japanese
	Detail  string  // what happened and what to do, Japanese
	FixPath string  // the console page where it is fixed, e.g. /shops/myshop/settings
	RunID   int64   // the run concerned, 0 = none
	Sales   []int64 // the sales concerned
}

// Notification is one problem of a shop, open or resolved.
type Notification struct {
	ID          int64      `json:"id"`
	ShopID      string     `json:"shop_id"`
	Kind        Kind       `json:"kind"`
	Key         string     `json:"key,omitempty"`
	Open        bool       `json:"open"`
	Summary     string     `json:"summary"`
	Detail      string     `json:"detail"`
	FixPath     string     `json:"fix_path"`
	RunID       int64      `json:"run_id,omitempty"`
	Sales       []int64    `json:"sales,omitempty"`
	Occurrences int        `json:"occurrences"`
	OpenedAt    time.Time  `json:"opened_at"`
	LastSeenAt  time.Time  `json:"last_seen_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	// Failed is the last delivery that failed for good (a bad address), "" = none.
	Failed string `json:"failed,omitempty"`
}

// Store keeps notifications in the OMS database.
type Store struct{ db *gorm.DB }

// NewStore returns a Store on the OMS database (oms.Store.DB()).
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// Reconcile makes the shop's open notifications of the given kinds match the
// conditions found now (all of shopID, of those kinds): a new condition opens
// a notification (event opened); a new occurrence of an open one is counted,
// and sent again (event repeated) only when the last message is older than
// quiet; an open notification whose condition is gone is resolved (event
// resolved). It returns the events it created.
func (s *Store) Reconcile(ctx context.Context, shopID string, kinds []Kind, conds []Condition, now time.Time, quiet time.Duration) ([]int64, error) {
	now = now.UTC()
	var events []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var open []notificationRow
		if err := tx.Where("shop_id = ? AND state = ? AND kind IN ?", shopID, stateOpen, kindStrings(kinds)).Find(&open).Error; err != nil {
			return err
		}
		byKey := map[string]*notificationRow{}
		for i := range open {
			byKey[open[i].Kind+"\x00"+open[i].Key] = &open[i]
		}
		seen := map[string]bool{}
		for _, c := range conds {
			k := string(c.Kind) + "\x00" + c.Key
			seen[k] = true
			ev, err := s.apply(tx, byKey[k], c, now, quiet)
			if err != nil {
				return err
			}
			events = append(events, ev...)
		}
		for k, r := range byKey {
			if seen[k] {
				continue
			}
			if err := tx.Model(r).Updates(map[string]any{"state": stateResolved, "resolved_at": now}).Error; err != nil {
				return err
			}
			id, err := addEvent(tx, r.ID, EventResolved, now)
			if err != nil {
				return err
			}
			events = append(events, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recording the notifications of shop %q: %w", shopID, err)
	}
	return events, nil
}

// apply records condition c against its open notification r (nil: none).
func (s *Store) apply(tx *gorm.DB, r *notificationRow, c Condition, now time.Time, quiet time.Duration) ([]int64, error) {
	if r == nil {
		row := notificationRow{ShopID: c.ShopID, Kind: string(c.Kind), Key: c.Key, State: stateOpen, Marker: c.Marker,
			Summary: c.Summary, Detail: c.Detail, FixPath: c.FixPath, RunID: c.RunID, Sales: joinSales(c.Sales),
			Occurrences: 1, NotifiedOccurrences: 1, OpenedAt: now, LastSeenAt: now, LastNotifiedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return nil, err
		}
		id, err := addEvent(tx, row.ID, EventOpened, now)
		return []int64{id}, err
	}
	cols := map[string]any{"summary": c.Summary, "detail": c.Detail, "fix_path": c.FixPath, "run_id": c.RunID,
		"sales": joinSales(c.Sales), "last_seen_at": now}
	if c.Marker != r.Marker {
		r.Occurrences++
		cols["marker"], cols["occurrences"] = c.Marker, r.Occurrences
	}
	var out []int64
	if r.Occurrences > r.NotifiedOccurrences && now.Sub(r.LastNotifiedAt) >= quiet {
		cols["notified_occurrences"], cols["last_notified_at"] = r.Occurrences, now
		id, err := addEvent(tx, r.ID, EventRepeated, now)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, tx.Model(&notificationRow{}).Where("id = ?", r.ID).Updates(cols).Error
}

func addEvent(tx *gorm.DB, notificationID int64, ev Event, now time.Time) (int64, error) {
	row := eventRow{NotificationID: notificationID, Event: string(ev), CreatedAt: now}
	err := tx.Create(&row).Error
	return row.ID, err
}

// PendingEvents returns the events not yet handed to a delivery workflow, oldest first.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&eventRow{}).Where("dispatched = ?", false).Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("reading the notification events to send: %w", err)
	}
	return ids, nil
}

// MarkDispatched records that the events' delivery workflows were started.
func (s *Store) MarkDispatched(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.db.WithContext(ctx).Model(&eventRow{}).Where("id IN ?", ids).Update("dispatched", true).Error; err != nil {
		return fmt.Errorf("recording the notification events as dispatched: %w", err)
	}
	return nil
}

// EventOf is an event with its notification, as a message shows it.
type EventOf struct {
	ID           int64
	Event        Event
	At           time.Time
	Notification Notification
}

// ErrNoEvent is matched (errors.Is) by Event's error for an unknown event.
var ErrNoEvent = errors.New("no such notification event")

// Event returns one event and its notification.
func (s *Store) Event(ctx context.Context, id int64) (EventOf, error) {
	db := s.db.WithContext(ctx)
	ev, err := schema.One[eventRow](db.Where("id = ?", id), ErrNoEvent, fmt.Sprintf("notification event %d", id))
	if err != nil {
		return EventOf{}, err
	}
	n, err := schema.One[notificationRow](db.Where("id = ?", ev.NotificationID), ErrNoEvent,
		fmt.Sprintf("notification %d of event %d", ev.NotificationID, id))
	if err != nil {
		return EventOf{}, err
	}
	return EventOf{ID: id, Event: Event(ev.Event), At: ev.CreatedAt.UTC(), Notification: n.notification()}, nil
}

// Delivered returns the recipients of channel the event was already sent to
// (or failed for good), by target.
func (s *Store) Delivered(ctx context.Context, eventID int64, channel string) (map[string]string, error) {
	var rows []deliveryRow
	if err := s.db.WithContext(ctx).Where("event_id = ? AND channel = ?", eventID, channel).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the deliveries of notification event %d: %w", eventID, err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Target] = r.Status
	}
	return out, nil
}

// Delivery statuses.
const (
	DeliverySent   = "sent"
	DeliveryFailed = "failed" // for good: a bad address or a webhook that refuses the message
)

// RecordDelivery records what happened to the event on one channel for one
// target (a mail address, or "webhook"); a second record of the same target
// keeps the first.
func (s *Store) RecordDelivery(ctx context.Context, eventID int64, channel, target, status, errMsg string) error {
	row := deliveryRow{EventID: eventID, Channel: channel, Target: target, Status: status, Error: errMsg, At: time.Now().UTC()}
	err := s.db.WithContext(ctx).Where(deliveryRow{EventID: eventID, Channel: channel, Target: target}).FirstOrCreate(&row).Error
	if err != nil {
		return fmt.Errorf("recording the delivery of notification event %d: %w", eventID, err)
	}
	return nil
}

// Open returns the open notifications of the given shops (nil: every shop),
// newest first, each with its last delivery that failed for good.
func (s *Store) Open(ctx context.Context, shopIDs []string) ([]Notification, error) {
	q := s.db.WithContext(ctx).Where("state = ?", stateOpen)
	if shopIDs != nil {
		q = q.Where("shop_id IN ?", shopIDs)
	}
	var rows []notificationRow
	if err := q.Order("opened_at DESC").Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the open notifications: %w", err)
	}
	out := make([]Notification, len(rows))
	for i, r := range rows {
		out[i] = r.notification()
		var failed []deliveryRow
		err := s.db.WithContext(ctx).Table("notification_deliveries d").Select("d.*").
			Joins("JOIN notification_events e ON e.id = d.event_id").
			Where("e.notification_id = ? AND d.status = ?", r.ID, DeliveryFailed).Order("d.at DESC").Limit(1).Find(&failed).Error
		if err != nil {
			return nil, fmt.Errorf("reading the deliveries of notification %d: %w", r.ID, err)
		}
		if len(failed) > 0 {
			out[i].Failed = failed[0].Error
		}
	}
	return out, nil
}

// CountOpen returns how many notifications are open, per shop.
func (s *Store) CountOpen(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		ShopID string
		N      int
	}
	err := s.db.WithContext(ctx).Model(&notificationRow{}).Select("shop_id, count(*) AS n").
		Where("state = ?", stateOpen).Group("shop_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("counting the open notifications: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.ShopID] = r.N
	}
	return out, nil
}

func (r notificationRow) notification() Notification {
	n := Notification{ID: r.ID, ShopID: r.ShopID, Kind: Kind(r.Kind), Key: r.Key, Open: r.State == stateOpen,
		Summary: r.Summary, Detail: r.Detail, FixPath: r.FixPath, RunID: r.RunID, Occurrences: r.Occurrences,
		OpenedAt: r.OpenedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC()}
	if r.ResolvedAt != nil {
		t := r.ResolvedAt.UTC()
		n.ResolvedAt = &t
	}
	for part := range strings.SplitSeq(r.Sales, ",") {
		if v, err := strconv.ParseInt(part, 10, 64); err == nil {
			n.Sales = append(n.Sales, v)
		}
	}
	return n
}

func joinSales(ids []int64) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func kindStrings(kinds []Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}
