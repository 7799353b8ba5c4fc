package activities

import (
	"context"
	"sync"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// How long a worker keeps a shop's delivery method names (配送方法) before it
// reads them again, and how long it waits after ColorMe did not give them.
const (
	methodNamesTTL      = time.Hour
	methodNamesRetryTTL = 10 * time.Minute
)

type cachedMethodNames struct {
	names map[int64]string // nil: ColorMe did not give them
	until time.Time
}

var methodNames = struct {
	sync.Mutex
	byShop map[string]cachedMethodNames
}{byShop: map[string]cachedMethodNames{}}

// deliveryMethodNames returns the shop's delivery method names by id, read from
// ColorMe (GET /v1/deliveries.json) at most once an hour per worker and shop.
// They only make the import's reasons readable ("delivery method 宅急便 (#1) →
// ゆうパック (#2)"), so any failure — a missing scope, an error, the budget's
// wait cut short — leaves them out ("method #1") and never fails the import.
func deliveryMethodNames(ctx context.Context, shopID string, client *colorme.Client) map[int64]string {
	methodNames.Lock()
	c, ok := methodNames.byShop[shopID]
	methodNames.Unlock()
	if ok && time.Now().Before(c.until) {
		return c.names
	}
	c = cachedMethodNames{until: time.Now().Add(methodNamesRetryTTL)}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if ms, err := client.DeliveryMethods(cctx); err == nil {
		c.names = make(map[int64]string, len(ms))
		for _, m := range ms {
			if m.ID != 0 && m.Name != "" {
				c.names[m.ID] = m.Name
			}
		}
		c.until = time.Now().Add(methodNamesTTL)
	}
	methodNames.Lock()
	methodNames.byShop[shopID] = c
	methodNames.Unlock()
	return c.names
}
