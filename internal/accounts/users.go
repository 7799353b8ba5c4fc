// Package accounts is the console's operators: users and their roles, login
// sessions, which shops a staff user may reach, and the console's shared state
// (the login throttle and the upload previews) kept in the database.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Operator roles of the console.
const (
	RoleAdmin = "admin" // changes settings, connects shops, manages users
	RoleStaff = "staff" // everything else
)

// MinPasswordLen is the shortest password an operator account accepts.
const MinPasswordLen = 10

// SessionTTL is how long a console session lasts after login.
const SessionTTL = 12 * time.Hour

// passwordCost is bcrypt's work factor: about 50–100 ms a hash on a server core.
const passwordCost = 12

// ErrBadLogin is returned by Authenticate for an unknown login or a wrong
// password, alike, so that the console cannot tell which.
var ErrBadLogin = errors.New("ログインIDまたはパスワードが違います")

// ErrNoSession is returned by SessionUser for a missing, unknown or expired session.
var ErrNoSession = errors.New("no valid session")

// dummyHash is compared against when the login is unknown, so that a wrong login
// takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("colorme-sync dummy password"), passwordCost)

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,62}$`)

// Store is the accounts' database.
type Store struct{ db *gorm.DB }

// New returns the accounts store on the (migrated) database db.
func New(db *gorm.DB) *Store { return &Store{db: db} }

// Models returns a value of each gorm model of the package, for the schema
// drift test.
func Models() []any {
	return []any{&userRow{}, &sessionRow{}, &userShopRow{}, &loginAttemptRow{}, &uploadRow{}}
}

// userRow is one console operator. Only a bcrypt hash of the password is stored.
type userRow struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	Login        string `gorm:"size:63;not null;uniqueIndex:users_login"`
	PasswordHash string `gorm:"not null"`
	Role         string `gorm:"size:16;not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName is the table of userRow.
func (userRow) TableName() string { return "users" }

// sessionRow is one console login. Only a hash of the cookie's token is stored.
type sessionRow struct {
	TokenHash string    `gorm:"primaryKey;size:64"`
	UserID    int64     `gorm:"not null;index"`
	ExpiresAt time.Time `gorm:"not null"`
	CreatedAt time.Time
}

// TableName is the table of sessionRow.
func (sessionRow) TableName() string { return "sessions" }

// User is a console operator.
type User struct {
	ID        int64     `json:"id"`
	Login     string    `json:"login"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// IsAdmin reports whether the user may change settings, connect shops and manage users.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

func (r userRow) user() User {
	return User{ID: r.ID, Login: r.Login, Role: r.Role, CreatedAt: r.CreatedAt.UTC()}
}

// ValidateUser checks a login, a password and a role, naming what is wrong.
func ValidateUser(login, password, role string) error {
	switch {
	case !loginPattern.MatchString(login):
		return fmt.Errorf("login %q: use 2–63 lowercase letters, digits and . _ @ -, starting with a letter or digit", login)
	case len([]rune(password)) < MinPasswordLen:
		return fmt.Errorf("the password must be at least %d characters", MinPasswordLen)
	case len(password) > 72:
		return errors.New("the password must be at most 72 bytes")
	case role != RoleAdmin && role != RoleStaff:
		return fmt.Errorf("role must be %s or %s, got %q", RoleAdmin, RoleStaff, role)
	}
	return nil
}

// CreateUser adds an operator with a bcrypt-hashed password.
func (s *Store) CreateUser(ctx context.Context, login, password, role string) (User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if err := ValidateUser(login, password, role); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return User{}, fmt.Errorf("hashing the password: %w", err)
	}
	row := userRow{Login: login, PasswordHash: string(hash), Role: role}
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Model(&userRow{}).Where("login = ?", login).Count(&n).Error; err != nil {
		return User{}, fmt.Errorf("reading users: %w", err)
	}
	if n > 0 {
		return User{}, fmt.Errorf("user %q already exists: choose another login, or change its password", login)
	}
	if err := db.Create(&row).Error; err != nil {
		return User{}, fmt.Errorf("adding user %q: %w", login, err)
	}
	return row.user(), nil
}

// SetPassword replaces a user's password and ends the user's sessions.
func (s *Store) SetPassword(ctx context.Context, login, password string) error {
	login = strings.ToLower(strings.TrimSpace(login))
	if err := ValidateUser(login, password, RoleStaff); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return fmt.Errorf("hashing the password: %w", err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := userByLogin(tx, login)
		if err != nil {
			return err
		}
		if err := tx.Model(&row).Update("password_hash", string(hash)).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ?", row.ID).Delete(&sessionRow{}).Error
	})
}

// SetRole changes a user's role. The last admin cannot be made staff.
func (s *Store) SetRole(ctx context.Context, login, role string) error {
	if role != RoleAdmin && role != RoleStaff {
		return fmt.Errorf("role must be %s or %s, got %q", RoleAdmin, RoleStaff, role)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := userByLogin(tx, login)
		if err != nil {
			return err
		}
		if row.Role == RoleAdmin && role != RoleAdmin {
			if err := lastAdminCheck(tx, row.ID); err != nil {
				return err
			}
		}
		return tx.Model(&row).Update("role", role).Error
	})
}

// DeleteUser removes a user and its sessions. The last admin cannot be removed.
func (s *Store) DeleteUser(ctx context.Context, login string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := userByLogin(tx, login)
		if err != nil {
			return err
		}
		if row.Role == RoleAdmin {
			if err := lastAdminCheck(tx, row.ID); err != nil {
				return err
			}
		}
		if err := tx.Where("user_id = ?", row.ID).Delete(&sessionRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", row.ID).Delete(&userShopRow{}).Error; err != nil {
			return err
		}
		return tx.Delete(&row).Error
	})
}

func lastAdminCheck(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&userRow{}).Where("role = ? AND id <> ?", RoleAdmin, id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return errors.New("this is the last admin: make another user admin first")
	}
	return nil
}

func userByLogin(tx *gorm.DB, login string) (userRow, error) {
	var row userRow
	err := tx.Where("login = ?", strings.ToLower(strings.TrimSpace(login))).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, fmt.Errorf("user %q: %w", login, schema.ErrNotFound)
	}
	return row, err
}

// Users lists the operators by login.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	out, err := schema.FindAll(s.db.WithContext(ctx).Order("login"), userRow.user)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return out, nil
}

// Authenticate checks a login and password. A wrong login and a wrong password
// both return ErrBadLogin and take as long.
func (s *Store) Authenticate(ctx context.Context, login, password string) (User, error) {
	row, err := userByLogin(s.db.WithContext(ctx), login)
	if errors.Is(err, schema.ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrBadLogin
	}
	if err != nil {
		return User{}, fmt.Errorf("reading users: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte(password)) != nil {
		return User{}, ErrBadLogin
	}
	return row.user(), nil
}

// CreateSession starts a session for the user and returns its token, the value
// of the session cookie. Expired sessions of every user are dropped.
func (s *Store) CreateSession(ctx context.Context, userID int64, now time.Time) (string, error) {
	token := rand.Text() + rand.Text()
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at < ?", schema.UTC(now)).Delete(&sessionRow{}).Error; err != nil {
		return "", fmt.Errorf("dropping expired sessions: %w", err)
	}
	row := sessionRow{TokenHash: hashToken(token), UserID: userID, ExpiresAt: schema.UTC(now.Add(SessionTTL))}
	if err := db.Create(&row).Error; err != nil {
		return "", fmt.Errorf("storing the session: %w", err)
	}
	return token, nil
}

// SessionUser returns the user of a session token, or ErrNoSession.
func (s *Store) SessionUser(ctx context.Context, token string, now time.Time) (User, error) {
	if token == "" {
		return User{}, ErrNoSession
	}
	var row userRow
	err := s.db.WithContext(ctx).Model(&userRow{}).
		Joins("JOIN sessions ON sessions.user_id = users.id").
		Where("sessions.token_hash = ? AND sessions.expires_at >= ?", hashToken(token), schema.UTC(now)).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, ErrNoSession
	}
	if err != nil {
		return User{}, fmt.Errorf("reading the session: %w", err)
	}
	return row.user(), nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&sessionRow{}).Error
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// userShopRow gives a staff user one shop (admins reach every shop).
type userShopRow struct {
	UserID int64  `gorm:"primaryKey;autoIncrement:false"`
	ShopID string `gorm:"primaryKey;size:63;index"`
}

// TableName is the table of userShopRow.
func (userShopRow) TableName() string { return "user_shops" }
