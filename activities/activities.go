// Package activities holds the Temporal activities of colorme-sync: every database
// and ColorMe call the workflows make. Credentials are loaded here, from the store,
// and never travel through Temporal.
package activities

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/colorme-sync/colorme-sync/internal/budget"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/msg"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// Error types of non-retryable and classified activity failures.
const (
	ErrReconnectNeeded    = "ReconnectNeeded"    // the shop's token was revoked or lacks scope (401 / 401010)
	ErrShopNotConnected   = "ShopNotConnected"   // the shop has no access token yet
	ErrShopNotFound       = "ShopNotFound"       // no such shop in the database
	ErrColorMeRejected    = "ColorMeRejected"    // ColorMe refused the request (400/404/422, or a 500 it gives every time): retrying cannot help
	ErrColorMeMismatch    = "ColorMeMismatch"    // ColorMe's answer does not match the request (a filter ignored): retrying cannot help
	ErrColorMeUnavailable = "ColorMeUnavailable" // 5xx, 429, timeouts: retried with backoff
	ErrSaleNotOnColorMe   = "SaleNotOnColorMe"   // the OMS order has no sale on ColorMe
	ErrInvalidInput       = "InvalidInput"       // a workflow or activity input is invalid: retrying cannot help
)

// NonRetryableErrorTypes returns the error types activities fail with when
// retrying cannot help (they are also raised as non-retryable): the one list
// the workflows' retry policies use. ErrColorMeUnavailable is retried.
func NonRetryableErrorTypes() []string {
	return []string{ErrReconnectNeeded, ErrShopNotConnected, ErrShopNotFound, ErrColorMeRejected,
		ErrColorMeMismatch, ErrSaleNotOnColorMe, ErrInvalidInput, ErrNotificationRefused, ErrStockScopes}
}

// Activities holds the dependencies of every activity.
type Activities struct {
	Store    *stores.Stores
	ColorMe  *ClientFactory
	Temporal Temporal // pauses schedules, describes runs; nil: schedules are left alone
	// ExportMaxInFlight is the worker's EXPORT_MAX_IN_FLIGHT: the UpdateSale
	// activities an export keeps in flight unless its input says; 0 =
	// DefaultMaxInFlight. StartRun resolves it, so it reaches manual,
	// scheduled and change-triggered exports alike.
	ExportMaxInFlight int
	// StaleReadWindow is how long a ColorMe read may lag a write (worker's
	// COLORME_STALE_READ_WINDOW): reads that decide whether an earlier write or
	// mail landed wait for it (see waitFresh). 0 = DefaultStaleReadWindow;
	// negative = no wait.
	StaleReadWindow time.Duration
}

// Defaults of the export and import shared by the workflows and the configuration.
const (
	// DefaultMaxInFlight is how many UpdateSale activities an export keeps in
	// flight when neither its input nor the worker (EXPORT_MAX_IN_FLIGHT) says:
	// EXPORT_MAX_IN_FLIGHT's default.
	DefaultMaxInFlight = 16
	// MaxPageSize is the most orders one export page and sales one import
	// page hold, and their default: ColorMe's largest page (one
	// ReadColorMeState request per export page, one list request per import page).
	MaxPageSize = colorme.MaxIDsPerRequest
)

// keepAliveTransport is http.DefaultTransport keeping enough idle connections
// per host for an UpdateSales batch's writes in flight: the default keeps 2,
// and 16 writes at a time would open a new connection (and TLS handshake) for
// most requests.
var keepAliveTransport = func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4 * DefaultMaxInFlight
	return t
}()

// ClientFactory builds a ColorMe client for a shop from the credentials in the store.
type ClientFactory struct {
	Store           *stores.Stores
	BudgetPerMinute int           // ColorMe calls per minute per shop token, shared by all workers; 0 = unlimited
	Timeout         time.Duration // per request
	HTTPClient      *http.Client  // optional
}

// For returns a client for the shop, with its access token and the shared API budget.
func (f *ClientFactory) For(ctx context.Context, shopID string) (*colorme.Client, error) {
	shop, err := f.Store.Shops.Shop(ctx, shopID)
	if err != nil {
		return nil, shopError(shopID, err)
	}
	token, err := f.Store.Shops.AccessToken(ctx, shopID)
	if err != nil {
		if errors.Is(err, shops.ErrNoAccessToken) {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrShopNotConnected, nil)
		}
		return nil, err
	}
	base := f.HTTPClient
	if base == nil {
		base = &http.Client{Transport: keepAliveTransport}
	}
	hc, limiter := observed(shopID, base, budget.NewLimiter(f.Store.DB(), "shop:"+shopID, f.BudgetPerMinute))
	return colorme.New(colorme.Config{
		BaseURL:     shop.APIBaseURL,
		AccessToken: token,
		HTTPClient:  hc,
		Timeout:     f.Timeout,
		Limiter:     limiter,
	}), nil
}

// MaxServerErrorAttempts is how many attempts an activity makes when ColorMe
// answers 500 with code 500000 (colorme.CodeServerError). ColorMe gives that
// answer to a request body it cannot parse, and then gives it on every retry:
// the activity's retry policy (30 attempts, ~13 min) would repeat a request
// that cannot succeed. Five attempts (~15 s of backoff) still ride out a short
// outage; after them the sale is recorded failed with a message for staff and
// the next export tries it again.
const MaxServerErrorAttempts = 5

// classify turns a ColorMe failure into a Temporal error: a revoked token,
// refused requests, an answer that does not match the request and a 500 that
// came back MaxServerErrorAttempts times are non-retryable, with a Japanese
// message for staff naming the field ColorMe named; the rest is retried
// (honouring Retry-After). The client guarantees its errors never carry the
// token.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if me, ok := errors.AsType[*colorme.MismatchError](err); ok {
		return temporal.NewNonRetryableApplicationError(me.StaffMessage(), ErrColorMeMismatch, nil)
	}
	if ae, ok := colorme.AsAPIError(err); ok {
		switch {
		case ae.Unauthorized():
			return temporal.NewNonRetryableApplicationError(
				msg.TokenRefused.Format(ae.Message),
				ErrReconnectNeeded, nil)
		case ae.Status == http.StatusInternalServerError && ae.Code == colorme.CodeServerError && attempt(ctx) >= MaxServerErrorAttempts:
			return temporal.NewNonRetryableApplicationError(ae.StaffMessage(), ErrColorMeRejected, nil)
		case ae.Retryable():
			return temporal.NewApplicationErrorWithOptions(ae.Error(), ErrColorMeUnavailable,
				temporal.ApplicationErrorOptions{NextRetryDelay: ae.RetryAfter})
		default:
			return temporal.NewNonRetryableApplicationError(ae.StaffMessage(), ErrColorMeRejected, nil)
		}
	}
	var de *colorme.DecodeError
	if errors.As(err, &de) {
		return temporal.NewApplicationError(de.Error(), ErrColorMeUnavailable)
	}
	return err
}

// attempt is the activity's attempt (1 outside an activity), plus the tries
// made for the same sale before the activity began (withTries).
func attempt(ctx context.Context) int32 {
	tries, _ := ctx.Value(triesKey{}).(int32)
	if !activity.IsActivity(ctx) {
		return 1 + tries
	}
	return activity.GetInfo(ctx).Attempt + tries
}

type triesKey struct{}

// withTries records that tries were made for the sale before this activity
// (a batch's try before a sale got its own UpdateSale): attempt counts them.
func withTries(ctx context.Context, tries int32) context.Context {
	if tries <= 0 {
		return ctx
	}
	return context.WithValue(ctx, triesKey{}, tries)
}
