// Package shops is the shops colorme-sync serves: their settings, their
// sealed ColorMe credentials and their delivery and payment methods.
package shops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/schema"
	"github.com/colorme-sync/colorme-sync/internal/secrets"
	"github.com/colorme-sync/colorme-sync/internal/settings"
)

// DefaultAPIBaseURL is the ColorMe Shop API base.
const DefaultAPIBaseURL = "https://api.shop-pro.jp"

// ErrNoAccessToken is matched (errors.Is) by the error AccessToken returns for a
// shop that has not been connected.
var ErrNoAccessToken = errors.New("no access token")

// ErrNoClientSecret is matched (errors.Is) by the error ClientSecret returns for a
// shop whose client secret was never stored.
var ErrNoClientSecret = errors.New("no client secret")

var shopIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Shop is a ColorMe shop connected to the OMS. Secrets are not part of it: see
// ClientSecret and AccessToken.
type Shop struct {
	ID              string       `json:"id"` // slug chosen by the operator, e.g. "myshop"
	Name            string       `json:"name"`
	APIBaseURL      string       `json:"api_base_url"` // default DefaultAPIBaseURL
	ClientID        string       `json:"client_id"`
	RedirectURL     string       `json:"redirect_url"`
	HasClientSecret bool         `json:"has_client_secret"` // derived on read
	HasAccessToken  bool         `json:"has_access_token"`  // derived on read
	ReconnectNeeded bool         `json:"reconnect_needed"`
	ReconnectReason string       `json:"reconnect_reason,omitempty"`
	Settings        ShopSettings `json:"settings"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
}

// ShopSettings are a shop's import and export settings: one field for each row
// of settings.Table (its key is the json tag).
type ShopSettings struct {
	ImportEnabled         bool `json:"import_enabled"`
	ImportIntervalMinutes int  `json:"import_interval_minutes"`
	ImportDays            int  `json:"import_days"`
	ExportEnabled         bool `json:"export_enabled"`
	ExportIntervalMinutes int  `json:"export_interval_minutes"`
	ExportOnChange        bool `json:"export_on_change" gorm:"not null;default:true"` // 変更時にすぐ書き出す: an incremental export within seconds of a change
	WindowDays            int  `json:"window_days"`                                   // 作成期間
	RequireShipDate       bool `json:"require_ship_date"`                             // 出荷日が入力された注文のみ「配送済み」に更新
	SendMail              bool `json:"send_mail"`
	SendPaidMail          bool `json:"send_paid_mail" gorm:"not null;default:false"` // 入金確認メールを送る: with 入金連携, ColorMe's paid mail once
	// Notifications (internal/notify): where a shop's problems are sent, and when.
	NotifyEmail        string `json:"notify_email" gorm:"not null;default:''"`        // comma-separated mail addresses
	NotifyWebhookURL   string `json:"notify_webhook_url" gorm:"not null;default:''"`  // JSON POST (Slack-compatible); https unless loopback
	NotifySaleFailures int    `json:"notify_sale_failures" gorm:"not null;default:3"` // a sale failing in this many consecutive exports
	NotifyLagMinutes   int    `json:"notify_lag_minutes" gorm:"not null;default:15"`  // an on-change export this late
	// 自動在庫連携 (internal/stock): push ColorMe's stock on every change of the
	// available quantity and in a full reconcile every StockIntervalMinutes.
	// It also makes 取得する ask for the product scopes (read_products write_products).
	StockEnabled         bool `json:"stock_enabled" gorm:"not null;default:false"`
	StockIntervalMinutes int  `json:"stock_interval_minutes" gorm:"not null;default:60"`
}

// DefaultSettings returns the settings of a new shop (settings.Table's defaults).
func DefaultSettings() ShopSettings {
	var st ShopSettings
	settings.Defaults(&st)
	return st
}

// Validate reports every setting out of range or malformed (settings.Table).
func (st ShopSettings) Validate() error { return settings.Validate(st) }

// ValidateShopID reports whether id is a valid shop slug.
func ValidateShopID(id string) error {
	if !shopIDPattern.MatchString(id) {
		return fmt.Errorf("shop id %q is invalid: use 1 to 63 lowercase letters, digits and hyphens, starting with a letter or digit (e.g. \"myshop\")", id)
	}
	return nil
}

func (sh *Shop) normalize(plainHTTPHosts []string) error {
	if err := ValidateShopID(sh.ID); err != nil {
		return err
	}
	sh.APIBaseURL = strings.TrimRight(strings.TrimSpace(sh.APIBaseURL), "/")
	if sh.APIBaseURL == "" {
		sh.APIBaseURL = DefaultAPIBaseURL
	}
	if err := checkURL("api base URL", sh.APIBaseURL); err != nil {
		return err
	}
	if err := checkHTTPS(sh.APIBaseURL, plainHTTPHosts); err != nil {
		return err
	}
	sh.RedirectURL = strings.TrimSpace(sh.RedirectURL)
	if sh.RedirectURL != "" {
		if err := checkURL("redirect URL", sh.RedirectURL); err != nil {
			return err
		}
	}
	sh.ClientID = strings.TrimSpace(sh.ClientID)
	if err := sh.Settings.Validate(); err != nil {
		return fmt.Errorf("shop %q settings: %w", sh.ID, err)
	}
	return nil
}

func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q is invalid: use an absolute http(s) URL such as %s", what, raw, DefaultAPIBaseURL)
	}
	return nil
}

// checkHTTPS refuses a plain-http API base URL unless its host is loopback
// (a sandbox on this machine) or listed in plainHTTPHosts: the access token
// travels in every request's Authorization header.
func checkHTTPS(raw string, plainHTTPHosts []string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if settings.IsLoopbackHost(host) {
		return nil
	}
	for _, h := range plainHTTPHosts {
		if strings.EqualFold(h, host) {
			return nil
		}
	}
	return fmt.Errorf("api base URL %q uses plain http: the access token would cross the network unencrypted; use https (ColorMe is %s), or for a ColorMe sandbox on a private network list its host in COLORME_PLAIN_HTTP_HOSTS (e.g. COLORME_PLAIN_HTTP_HOSTS=%s)", raw, DefaultAPIBaseURL, host)
}

// Store is the shops' database.
type Store struct {
	db      *gorm.DB
	dialect string
	sealer  *secrets.Sealer
	// plainHTTPHosts may serve a shop's API over plain http (AllowPlainHTTP).
	plainHTTPHosts []string
	// apiHosts, when set, are the only hosts a shop's API may be on (AllowAPIHosts).
	apiHosts []string
}

// New returns the shops store on the (migrated) database db. sealer may be
// nil: storing or reading secrets then fails.
func New(db *gorm.DB, sealer *secrets.Sealer) *Store {
	return &Store{db: db, dialect: db.Dialector.Name(), sealer: sealer}
}

// Models returns a value of each gorm model of the package, for the schema
// drift test.
func Models() []any {
	return []any{&shopRow{}, &deliveryMethodRow{}, &paymentMethodRow{}, &methodReadRow{}}
}

type shopRow struct {
	ID                 string       `gorm:"primaryKey;size:63"`
	Name               string       `gorm:"not null"`
	APIBaseURL         string       `gorm:"column:api_base_url;not null"`
	ClientID           string       `gorm:"not null"`
	RedirectURL        string       `gorm:"not null"`
	ClientSecretSealed string       `gorm:"not null"`
	AccessTokenSealed  string       `gorm:"not null"`
	ReconnectNeeded    bool         `gorm:"not null"`
	ReconnectReason    string       `gorm:"not null"`
	Settings           ShopSettings `gorm:"embedded"`
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// TableName is the table of shopRow.
func (shopRow) TableName() string { return "shops" }

// AllowPlainHTTP lets shops use a plain-http API base URL on these hosts (beside
// loopback ones), e.g. a ColorMe sandbox reached as http://sandbox:8081 inside
// docker-compose (COLORME_PLAIN_HTTP_HOSTS).
func (s *Store) AllowPlainHTTP(hosts ...string) {
	s.plainHTTPHosts = nil
	for _, h := range hosts {
		if h = strings.TrimSpace(h); h != "" {
			s.plainHTTPHosts = append(s.plainHTTPHosts, h)
		}
	}
}

// AllowAPIHosts limits a shop's api_base_url to these hosts
// (COLORME_API_HOSTS); none = any host.
func (s *Store) AllowAPIHosts(hosts ...string) {
	s.apiHosts = nil
	for _, h := range hosts {
		if h = strings.TrimSpace(h); h != "" {
			s.apiHosts = append(s.apiHosts, h)
		}
	}
}

// CreateShop adds a shop. A zero Settings means DefaultSettings(), an empty
// APIBaseURL DefaultAPIBaseURL and an empty Name the ID.
func (s *Store) CreateShop(ctx context.Context, sh Shop) error {
	if sh.Name == "" {
		sh.Name = sh.ID
	}
	if sh.Settings == (ShopSettings{}) {
		sh.Settings = DefaultSettings()
	}
	if err := sh.normalize(s.plainHTTPHosts); err != nil {
		return err
	}
	if err := s.checkAPIHost(sh.APIBaseURL); err != nil {
		return err
	}
	row := shopRow{ID: sh.ID, Name: sh.Name, APIBaseURL: sh.APIBaseURL, ClientID: sh.ClientID,
		RedirectURL: sh.RedirectURL, Settings: sh.Settings}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return fmt.Errorf("creating shop %q: %w", sh.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("shop %q already exists: choose another id or update it instead", sh.ID)
	}
	if !sh.Settings.ExportOnChange {
		// gorm leaves a false value of a column with a default out of the INSERT.
		return s.updateShop(ctx, sh.ID, map[string]any{"export_on_change": false})
	}
	return nil
}

// Shop returns one shop.
func (s *Store) Shop(ctx context.Context, id string) (Shop, error) {
	row, err := s.shopRow(ctx, s.db, id)
	if err != nil {
		return Shop{}, err
	}
	return row.shop(), nil
}

// Shops returns every shop by id.
func (s *Store) Shops(ctx context.Context) ([]Shop, error) {
	var rows []shopRow
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing shops: %w", err)
	}
	out := make([]Shop, len(rows))
	for i, r := range rows {
		out[i] = r.shop()
	}
	return out, nil
}

// UpdateShop saves a shop's name, API base URL, client id, redirect URL and
// settings. Secrets and the reconnect flag are changed by their own methods.
func (s *Store) UpdateShop(ctx context.Context, sh Shop) error {
	if err := sh.normalize(s.plainHTTPHosts); err != nil {
		return err
	}
	if err := s.checkAPIHost(sh.APIBaseURL); err != nil {
		return err
	}
	cols := map[string]any{
		"name": sh.Name, "api_base_url": sh.APIBaseURL, "client_id": sh.ClientID, "redirect_url": sh.RedirectURL,
		"import_enabled": sh.Settings.ImportEnabled, "import_interval_minutes": sh.Settings.ImportIntervalMinutes,
		"import_days": sh.Settings.ImportDays, "export_enabled": sh.Settings.ExportEnabled,
		"export_interval_minutes": sh.Settings.ExportIntervalMinutes, "export_on_change": sh.Settings.ExportOnChange,
		"window_days": sh.Settings.WindowDays, "require_ship_date": sh.Settings.RequireShipDate, "send_mail": sh.Settings.SendMail,
		"send_paid_mail": sh.Settings.SendPaidMail,
		"notify_email":   sh.Settings.NotifyEmail, "notify_webhook_url": sh.Settings.NotifyWebhookURL,
		"notify_sale_failures": sh.Settings.NotifySaleFailures, "notify_lag_minutes": sh.Settings.NotifyLagMinutes,
		"stock_enabled": sh.Settings.StockEnabled, "stock_interval_minutes": sh.Settings.StockIntervalMinutes,
	}
	// A new API address gets neither the access token nor the client secret:
	// they would go to that host with the next run or 「取得する」. The shop is
	// 未接続 until a secret is stored again and the shop reconnected.
	moved := s.db.WithContext(ctx).Model(&shopRow{}).Where("id = ? AND api_base_url <> ?", sh.ID, sh.APIBaseURL).
		Updates(map[string]any{colAccessToken: "", colClientSecret: "", "reconnect_needed": false, "reconnect_reason": ""})
	if moved.Error != nil {
		return fmt.Errorf("updating shop %q: %w", sh.ID, moved.Error)
	}
	return s.updateShop(ctx, sh.ID, cols)
}

// checkAPIHost refuses an API base URL whose host is not one of the hosts
// COLORME_API_HOSTS lists (when it lists any).
func (s *Store) checkAPIHost(raw string) error {
	if len(s.apiHosts) == 0 {
		return nil
	}
	u, err := url.Parse(raw)
	if err == nil {
		for _, h := range s.apiHosts {
			if strings.EqualFold(h, u.Hostname()) || strings.EqualFold(h, u.Host) {
				return nil
			}
		}
	}
	return fmt.Errorf("api base URL %q is not on a host this deployment allows: use one of COLORME_API_HOSTS (%s)", raw, strings.Join(s.apiHosts, ", "))
}

// SetClientSecret stores the shop's OAuth client secret, sealed.
func (s *Store) SetClientSecret(ctx context.Context, shopID, secret string) error {
	sealed, err := s.seal("client secret", shopID, colClientSecret, secret)
	if err != nil {
		return err
	}
	return s.updateShop(ctx, shopID, map[string]any{colClientSecret: sealed})
}

// ClientSecret returns the shop's OAuth client secret.
// The error matches ErrNoClientSecret when the shop has none.
func (s *Store) ClientSecret(ctx context.Context, shopID string) (string, error) {
	return s.storedSecret(ctx, shopID, colClientSecret)
}

// SetAccessToken stores the shop's access token, sealed, and clears the
// reconnect flag.
func (s *Store) SetAccessToken(ctx context.Context, shopID, token string) error {
	sealed, err := s.seal("access token", shopID, colAccessToken, token)
	if err != nil {
		return err
	}
	return s.updateShop(ctx, shopID, map[string]any{colAccessToken: sealed, "reconnect_needed": false, "reconnect_reason": ""})
}

// AccessToken returns the shop's access token; the error matches
// ErrNoAccessToken when the shop has none.
func (s *Store) AccessToken(ctx context.Context, shopID string) (string, error) {
	return s.storedSecret(ctx, shopID, colAccessToken)
}

// storedSecret reads and opens the shop's secret in column.
func (s *Store) storedSecret(ctx context.Context, shopID, column string) (string, error) {
	row, err := s.shopRow(ctx, s.db, shopID)
	if err != nil {
		return "", err
	}
	c := sealedColumns[column]
	sealed := c.of(row)
	if sealed == "" {
		return "", missingSecretError{shopID, c.missing, c.fix}
	}
	return s.open(c.what, shopID, column, sealed)
}

// MarkReconnectNeeded flags the shop as needing a new access token (the token
// was revoked or lacks a scope), with the reason shown to the operator.
func (s *Store) MarkReconnectNeeded(ctx context.Context, shopID, reason string) error {
	return s.updateShop(ctx, shopID, map[string]any{"reconnect_needed": true, "reconnect_reason": reason})
}

// RotateSecrets re-seals every stored secret not sealed with the current key, or
// sealed in the legacy format not bound to its shop and column, and returns how
// many it re-sealed.
func (s *Store) RotateSecrets(ctx context.Context) (int, error) {
	if s.sealer == nil {
		return 0, errNoSealer
	}
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []shopRow
		if err := tx.Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			updates := map[string]any{}
			for col, sealed := range map[string]string{colClientSecret: r.ClientSecretSealed, colAccessToken: r.AccessTokenSealed} {
				if sealed == "" || !s.sealer.NeedsRotation(sealed) {
					continue
				}
				plain, err := s.sealer.Open(sealed, sealContext(r.ID, col))
				if err != nil {
					return fmt.Errorf("shop %q %s: %w", r.ID, col, err)
				}
				if updates[col], err = s.sealer.Seal(plain, sealContext(r.ID, col)); err != nil {
					return err
				}
			}
			if len(updates) == 0 {
				continue
			}
			if err := tx.Model(&shopRow{}).Where("id = ?", r.ID).Updates(updates).Error; err != nil {
				return err
			}
			n += len(updates)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rotating secrets: %w", err)
	}
	return n, nil
}

// SealedKeyIDs counts the stored secrets (client secrets and access tokens) by
// the id of the key that sealed them, so that an operator can tell which key a
// process is missing (`starter secrets keys`).
func (s *Store) SealedKeyIDs(ctx context.Context) (map[string]int, error) {
	var rows []shopRow
	if err := s.db.WithContext(ctx).Select("id", "client_secret_sealed", "access_token_sealed").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the stored secrets: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		for _, sealed := range []string{r.ClientSecretSealed, r.AccessTokenSealed} {
			if sealed != "" {
				out[secrets.SealedWith(sealed)]++
			}
		}
	}
	return out, nil
}

var errNoSealer = errors.New("secrets cannot be stored or read: COLORME_SYNC_SECRET_KEY is not set (generate one with `openssl rand -base64 32`)")

type missingSecretError struct {
	shop string
	err  error
	fix  string
}

func (e missingSecretError) Error() string {
	if e.fix == "" {
		return fmt.Sprintf("shop %q has %s", e.shop, e.err)
	}
	return fmt.Sprintf("shop %q has %s: %s", e.shop, e.err, e.fix)
}

func (e missingSecretError) Unwrap() error { return e.err }

// The columns that hold sealed secrets; each value is bound to its shop and
// column (sealContext), so a ciphertext copied to another shop or column does
// not open.
const (
	colClientSecret = "client_secret_sealed"
	colAccessToken  = "access_token_sealed"
)

// sealedColumns says, for each sealed column, what it holds, how to read it
// from a shop row, and the error (and what to do) when a shop has none.
var sealedColumns = map[string]struct {
	what    string
	of      func(shopRow) string
	missing error
	fix     string
}{
	// What to do without a client secret is the connect flow's to say.
	colClientSecret: {"client secret", func(r shopRow) string { return r.ClientSecretSealed }, ErrNoClientSecret, ""},
	colAccessToken: {"access token", func(r shopRow) string { return r.AccessTokenSealed }, ErrNoAccessToken,
		"connect it with `starter shop connect`"},
}

// sealContext is the AEAD associated data of a shop's sealed column.
func sealContext(shopID, column string) string { return "shops/" + shopID + "/" + column }

func (s *Store) seal(what, shopID, column, plain string) (string, error) {
	if s.sealer == nil {
		return "", errNoSealer
	}
	if strings.TrimSpace(plain) == "" {
		return "", fmt.Errorf("the %s is empty", what)
	}
	return s.sealer.Seal(plain, sealContext(shopID, column))
}

func (s *Store) open(what, shopID, column, sealed string) (string, error) {
	if s.sealer == nil {
		return "", errNoSealer
	}
	plain, err := s.sealer.Open(sealed, sealContext(shopID, column))
	if err != nil {
		return "", fmt.Errorf("shop %q %s: %w", shopID, what, err)
	}
	return plain, nil
}

func (s *Store) updateShop(ctx context.Context, id string, cols map[string]any) error {
	cols["updated_at"] = time.Now().UTC()
	res := s.db.WithContext(ctx).Model(&shopRow{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("updating shop %q: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("shop %q: %w (create the shop first)", id, schema.ErrNotFound)
	}
	return nil
}

func (s *Store) shopRow(ctx context.Context, db *gorm.DB, id string) (shopRow, error) {
	var rows []shopRow
	if err := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return shopRow{}, fmt.Errorf("reading shop %q: %w", id, err)
	}
	if len(rows) == 0 {
		return shopRow{}, fmt.Errorf("shop %q: %w", id, schema.ErrNotFound)
	}
	return rows[0], nil
}

func (r shopRow) shop() Shop {
	return Shop{ID: r.ID, Name: r.Name, APIBaseURL: r.APIBaseURL, ClientID: r.ClientID, RedirectURL: r.RedirectURL,
		HasClientSecret: r.ClientSecretSealed != "", HasAccessToken: r.AccessTokenSealed != "",
		ReconnectNeeded: r.ReconnectNeeded, ReconnectReason: r.ReconnectReason, Settings: r.Settings,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}
