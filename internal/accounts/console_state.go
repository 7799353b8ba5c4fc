package accounts

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The console's shared state: the login throttle and the upload previews
// waiting for 「取込」 live in the database, so that several console processes
// on one database behave as one.

// loginAttemptRow counts the login attempts of one key (a hash of an account
// and a client address). Version makes each change a compare-and-swap.
type loginAttemptRow struct {
	KeyHash     string    `gorm:"primaryKey;size:64"`
	Attempts    int64     `gorm:"not null"`
	LastAt      time.Time `gorm:"not null"`
	LockedUntil time.Time `gorm:"not null"`
	Version     int64     `gorm:"not null"`
}

// TableName is the table of loginAttemptRow.
func (loginAttemptRow) TableName() string { return "login_attempts" }

// uploadRow is a previewed upload waiting for 「取込」, or the summary of an
// applied one (Data nil, Result set).
type uploadRow struct {
	Token     string    `gorm:"primaryKey;size:64"`
	Session   string    `gorm:"size:64;not null"`
	ShopID    string    `gorm:"size:63;not null"`
	Screen    string    `gorm:"not null;default:''"` // the console screen that previewed it; '' before migration 12
	Name      string    `gorm:"not null"`
	Data      []byte    // nil once applied
	Size      int64     `gorm:"not null"`
	SHA256    string    `gorm:"column:sha256;size:64;not null"`
	State     int64     `gorm:"not null"`
	Result    string    `gorm:"not null"` // the caller's summary (JSON) once applied
	AddedAt   time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

// TableName is the table of uploadRow.
func (uploadRow) TableName() string { return "uploads" }

// LoginLimits is the throttle's policy: how long a key waits after its n-th
// attempt (0: it need not), and after how long without attempts it starts afresh.
type LoginLimits struct {
	LockFor func(n int) time.Duration
	Window  time.Duration
}

// casTries bounds the compare-and-swap retries of one throttle change.
const casTries = 100

// LoginAttempt counts an attempt against key, atomically across processes,
// unless the key is locked; it returns how long the key must still wait (0:
// the attempt was counted and may go ahead).
func (s *Store) LoginAttempt(ctx context.Context, key string, now time.Time, lim LoginLimits) (time.Duration, error) {
	now = schema.UTC(now)
	var wait time.Duration
	err := s.casAttempt(ctx, key, func(row *loginAttemptRow) bool {
		if row.LockedUntil.After(now) {
			wait = row.LockedUntil.Sub(now)
			return false
		}
		n := row.Attempts + 1
		if now.Sub(row.LastAt) > lim.Window {
			n = 1
		}
		row.Attempts, row.LastAt, row.LockedUntil = n, now, time.Unix(0, 0).UTC()
		if d := lim.LockFor(int(n)); d > 0 {
			row.LockedUntil = now.Add(d)
		}
		return true
	}, func() {
		// Forget keys that are quiet and unlocked.
		s.db.WithContext(ctx).Where("last_at < ? AND locked_until < ?", now.Add(-lim.Window), now).Delete(&loginAttemptRow{})
	})
	return wait, err
}

// RefundLoginAttempt takes back an attempt LoginAttempt counted that was
// never checked; the lock goes when the count falls below it.
func (s *Store) RefundLoginAttempt(ctx context.Context, key string, lim LoginLimits) error {
	return s.casAttempt(ctx, key, func(row *loginAttemptRow) bool {
		if row.Attempts == 0 {
			return false
		}
		row.Attempts--
		if lim.LockFor(int(row.Attempts)) == 0 {
			row.LockedUntil = time.Unix(0, 0).UTC()
		}
		return true
	}, nil)
}

// ClearLoginAttempts forgets key's attempts (a successful login).
func (s *Store) ClearLoginAttempts(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where("key_hash = ?", hashToken(key)).Delete(&loginAttemptRow{}).Error
}

// casAttempt applies change to key's row (a new row has no attempts) until the
// write is not raced by another process. change returns false to leave the row.
func (s *Store) casAttempt(ctx context.Context, key string, change func(*loginAttemptRow) bool, onNew func()) error {
	db := s.db.WithContext(ctx)
	h := hashToken(key)
	for range casTries {
		var rows []loginAttemptRow
		if err := db.Where("key_hash = ?", h).Limit(1).Find(&rows).Error; err != nil {
			return fmt.Errorf("reading the login throttle: %w", err)
		}
		if len(rows) == 0 {
			row := loginAttemptRow{KeyHash: h, LastAt: time.Unix(0, 0).UTC(), LockedUntil: time.Unix(0, 0).UTC()}
			if !change(&row) {
				return nil
			}
			row.Version = 1
			res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			if res.Error != nil {
				return fmt.Errorf("counting a login attempt: %w", res.Error)
			}
			if res.RowsAffected == 1 {
				if onNew != nil {
					onNew()
				}
				return nil
			}
			continue
		}
		row := rows[0]
		row.LastAt, row.LockedUntil = row.LastAt.UTC(), row.LockedUntil.UTC()
		old := row.Version
		if !change(&row) {
			return nil
		}
		res := db.Model(&loginAttemptRow{}).Where("key_hash = ? AND version = ?", h, old).
			Updates(map[string]any{"attempts": row.Attempts, "last_at": row.LastAt, "locked_until": row.LockedUntil, "version": old + 1})
		if res.Error != nil {
			return fmt.Errorf("counting a login attempt: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return nil
		}
	}
	return errors.New("counting a login attempt: too many concurrent attempts on one key")
}

// Upload states.
const (
	UploadWaiting  = 0 // previewed, waiting for 「取込」
	UploadApplying = 1 // 「取込」 running
	UploadApplied  = 2 // applied: only its summary is kept
)

// Errors of ClaimUpload.
var (
	ErrUploadGone        = errors.New("no such previewed upload for this session and shop, or it expired")
	ErrUploadOtherScreen = errors.New("the upload was previewed on another screen")
	ErrUploadApplied     = errors.New("the upload was already applied")
	ErrUploadBusy        = errors.New("the upload is being applied")
	ErrUploadMismatch    = errors.New("the upload's SHA-256 is not the one previewed")
)

// Upload is a previewed file kept for 「取込」.
type Upload struct {
	Token     string
	Session   string // a hash of the operator's session token
	ShopID    string
	Screen    string // the console screen that previewed it and alone applies it (not "")
	Name      string
	Data      []byte
	SHA256    string
	State     int
	Result    string
	ExpiresAt time.Time
}

// PutUpload keeps a previewed file and returns its token. It replaces the
// session's earlier waiting file for the same shop and screen (the files of
// the session's other screens, e.g. in other tabs, stay), drops the expired
// ones and, past maxBytes of waiting files in all, the oldest.
//
// Rows written before migration 12 have the screen ”: no screen claims them
// or shows their summary, so they read as expired (they were previews of at
// most a few minutes, which staff choose again), and they go when they expire.
func (s *Store) PutUpload(ctx context.Context, u Upload, now time.Time, maxBytes int64) (string, error) {
	if u.Screen == "" {
		return "", errors.New("keeping the previewed upload: no screen given (a bug: the console names the screen that previewed it)")
	}
	now = schema.UTC(now)
	token := rand.Text()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", now).Delete(&uploadRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("session = ? AND shop_id = ? AND screen = ? AND state = ?", u.Session, u.ShopID, u.Screen, UploadWaiting).Delete(&uploadRow{}).Error; err != nil {
			return err
		}
		var waiting []uploadRow
		if err := tx.Select("token", "size").Where("state = ?", UploadWaiting).Order("added_at DESC").Find(&waiting).Error; err != nil {
			return err
		}
		total := int64(len(u.Data))
		var drop []string
		for _, w := range waiting {
			if total+w.Size > maxBytes {
				drop = append(drop, w.Token)
				continue
			}
			total += w.Size
		}
		if len(drop) > 0 {
			if err := tx.Where("token IN ?", drop).Delete(&uploadRow{}).Error; err != nil {
				return err
			}
		}
		return tx.Create(&uploadRow{Token: token, Session: u.Session, ShopID: u.ShopID, Screen: u.Screen, Name: u.Name, Data: u.Data, Size: int64(len(u.Data)),
			SHA256: u.SHA256, State: UploadWaiting, AddedAt: now, ExpiresAt: schema.UTC(u.ExpiresAt)}).Error
	})
	if err != nil {
		return "", fmt.Errorf("keeping the previewed upload: %w", err)
	}
	return token, nil
}

// ClaimUpload claims a waiting file for 「取込」 on screen: it must belong to
// this session and shop, be unexpired, have been previewed on that screen
// (ErrUploadOtherScreen when on another one; ErrUploadGone for a row of before
// migration 12) and have the SHA-256 the preview showed. One claim wins,
// across processes.
func (s *Store) ClaimUpload(ctx context.Context, token, session, shopID, screen, sum string, now time.Time, same func(a, b string) bool) (Upload, error) {
	now = schema.UTC(now)
	db := s.db.WithContext(ctx)
	var rows []uploadRow
	if err := db.Where("token = ? AND session = ? AND shop_id = ? AND expires_at >= ?", token, session, shopID, now).Limit(1).Find(&rows).Error; err != nil {
		return Upload{}, fmt.Errorf("reading the previewed upload: %w", err)
	}
	if session == "" || screen == "" || len(rows) == 0 || rows[0].Screen == "" {
		return Upload{}, ErrUploadGone
	}
	r := rows[0]
	if r.Screen != screen {
		return Upload{}, ErrUploadOtherScreen
	}
	switch r.State {
	case UploadApplied:
		return Upload{}, ErrUploadApplied
	case UploadApplying:
		return Upload{}, ErrUploadBusy
	}
	if !same(sum, r.SHA256) {
		return Upload{}, ErrUploadMismatch
	}
	res := db.Model(&uploadRow{}).Where("token = ? AND state = ?", token, UploadWaiting).Update("state", UploadApplying)
	if res.Error != nil {
		return Upload{}, fmt.Errorf("claiming the previewed upload: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Upload{}, ErrUploadBusy
	}
	return Upload{Token: r.Token, Session: r.Session, ShopID: r.ShopID, Screen: r.Screen, Name: r.Name, Data: r.Data, SHA256: r.SHA256,
		State: UploadApplying, ExpiresAt: r.ExpiresAt}, nil
}

// ReleaseUpload puts a claimed file back (the apply failed; it may be retried).
func (s *Store) ReleaseUpload(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Model(&uploadRow{}).Where("token = ? AND state = ?", token, UploadApplying).Update("state", UploadWaiting).Error
}

// DropUpload forgets a file.
func (s *Store) DropUpload(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Where("token = ?", token).Delete(&uploadRow{}).Error
}

// FinishUpload records an applied file's summary until expires and drops its bytes.
func (s *Store) FinishUpload(ctx context.Context, token, result string, expires time.Time) error {
	return s.db.WithContext(ctx).Model(&uploadRow{}).Where("token = ?", token).
		Updates(map[string]any{"state": UploadApplied, "result": result, "data": nil, "expires_at": schema.UTC(expires)}).Error
}

// AppliedUpload returns the summary of a file of this session and shop
// applied on screen; another screen's file is not found.
func (s *Store) AppliedUpload(ctx context.Context, token, session, shopID, screen string, now time.Time) (string, bool, error) {
	var rows []uploadRow
	err := s.db.WithContext(ctx).Select("result").Where("token = ? AND session = ? AND shop_id = ? AND screen = ? AND state = ? AND expires_at >= ?",
		token, session, shopID, screen, UploadApplied, schema.UTC(now)).Limit(1).Find(&rows).Error
	if err != nil {
		return "", false, fmt.Errorf("reading the applied upload: %w", err)
	}
	if session == "" || screen == "" || len(rows) == 0 {
		return "", false, nil
	}
	return rows[0].Result, true, nil
}
