package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// RefreshMethods reads the shop's delivery and payment methods (配送方法・決済方法)
// from ColorMe now and stores them: the on-demand refresh of the console's
// 「再取得」 and `starter shop methods -refresh`. It makes two calls within
// the shop's API budget (COLORME_BUDGET_PER_MINUTE), as the worker's do. Its
// failures are *staffmsg.StaffError saying what to do.
func RefreshMethods(ctx context.Context, cfg config.Config, st *stores.Stores, httpClient *http.Client, shopID string, now time.Time) (shops.MethodsRefresh, error) {
	shop, err := st.Shops.Shop(ctx, shopID)
	if err != nil {
		return shops.MethodsRefresh{}, err
	}
	if !shop.HasAccessToken {
		return shops.MethodsRefresh{}, &staffmsg.StaffError{
			En: fmt.Sprintf("shop %s is not connected to ColorMe: connect it first (`starter shop connect -shop %s`)", shopID, shopID),
			Ja: "この店舗はまだカラーミーショップに接続していません。APIアクセス設定で「取得する」を押して接続してから、もう一度押してください。"}
	}
	f := &activities.ClientFactory{Store: st, BudgetPerMinute: cfg.BudgetPerMinute, Timeout: cfg.ColorMeTimeout, HTTPClient: httpClient}
	client, err := f.For(ctx, shopID)
	if err != nil {
		return shops.MethodsRefresh{}, err
	}
	res, err := st.Shops.RefreshMethods(ctx, shopID, client, now)
	if err != nil {
		return res, methodsError(shopID, err)
	}
	return res, nil
}

// methodsError says what to do about a failed read of the methods.
func methodsError(shopID string, err error) error {
	if ae, ok := colorme.AsAPIError(err); ok && ae.Unauthorized() {
		return &staffmsg.StaffError{Err: err,
			En: fmt.Sprintf("ColorMe refused the shop's access token (%s): reconnect the shop (`starter shop connect -shop %s`)", ae.Message, shopID),
			Ja: "カラーミーショップがアクセスキーを受け付けませんでした。APIアクセス設定で「取得する」を押して接続し直してください。"}
	}
	return &staffmsg.StaffError{Err: err,
		En: fmt.Sprintf("the delivery and payment methods could not be read from ColorMe (%v): the ones read before stay; try again later", err),
		Ja: "カラーミーショップから配送方法・決済方法を読めませんでした (前回読んだものはそのまま使います)。しばらくしてから、もう一度「再取得」を押してください。"}
}
