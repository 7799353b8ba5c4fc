package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// methodsReadTimeout bounds the daily read of a shop's methods within an
// import page.
const methodsReadTimeout = 15 * time.Second

// deliveryMethodNames returns the shop's delivery method names by id from the
// store, reading the shop's delivery and payment methods from ColorMe first
// when their daily read is due (oms.Store.ClaimMethodsRefresh: once a day, two
// calls within the shop's budget; once an hour after a failed read; one
// worker at a time), or when a sale made since then names a method the OMS
// does not know (oms.Store.ClaimMethodsRead: at most once an hour). The names only make the import's reasons readable
// ("delivery method 宅急便 (#1) → ゆうパック (#2)"), so any failure — a missing
// scope, an error, the budget's wait cut short — is logged and leaves the
// names as last read (or "method #1"); it never fails the import.
func (a *Activities) deliveryMethodNames(ctx context.Context, shopID string, client *colorme.Client, sales []colorme.Sale) map[int64]string {
	now := time.Now()
	due, err := a.Store.Shops.ClaimMethodsRefresh(ctx, shopID, now)
	m, merr := a.Store.Shops.Methods(ctx, shopID)
	if err == nil && merr == nil && !due && namesUnknown(m, sales) {
		// A method added on ColorMe since the last read: read again, at most once an hour.
		due, err = a.Store.Shops.ClaimMethodsRead(ctx, shopID, now)
	}
	if err != nil {
		activity.GetLogger(ctx).Warn("checking whether the shop's methods are due failed", "shop", shopID, "err", err)
	}
	if due {
		cctx, cancel := context.WithTimeout(ctx, methodsReadTimeout)
		res, err := a.Store.Shops.RefreshMethods(cctx, shopID, client, now)
		cancel()
		if err != nil {
			activity.GetLogger(ctx).Warn("reading the shop's delivery and payment methods failed; the next import page tries again in an hour",
				"shop", shopID, "err", err)
		} else {
			activity.GetLogger(ctx).Info("read the shop's delivery and payment methods", "shop", shopID,
				"deliveries", res.Deliveries, "payments", res.Payments, "changed", res.Changed)
		}
		m, merr = a.Store.Shops.Methods(ctx, shopID)
	}
	if merr != nil {
		return nil
	}
	return m.DeliveryNames()
}

// namesUnknown reports whether a sale made since the methods were last read
// names a payment or delivery method the OMS does not know: a method added on
// ColorMe since. An older sale naming an unknown method (one removed since)
// never causes a read, so unchanged methods stay at two calls a day.
func namesUnknown(m shops.ShopMethods, sales []colorme.Sale) bool {
	for _, s := range sales {
		if !time.Unix(s.MakeDate, 0).After(m.ReadAt) {
			continue
		}
		if _, ok := m.Payment(s.PaymentID); s.PaymentID != 0 && !ok {
			return true
		}
		for _, d := range s.SaleDeliveries {
			if _, ok := m.Delivery(d.DeliveryID); d.DeliveryID != 0 && !ok {
				return true
			}
		}
	}
	return false
}
