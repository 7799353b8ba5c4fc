package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/jst"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/settings"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// addressChanged is how the import words the flag of an address changed after
// shipping (internal/importplan).
const addressChanged = "address changed after shipping"

// maxListed is how many sales a message lists.
const maxListed = 20

// PausedBySystem returns the kinds of the shop's schedules that colorme-sync
// paused and that stay paused although the shop's settings want them running.
type PausedBySystem func(ctx context.Context, sh shops.Shop) ([]oms.Kind, error)

// Detect finds the shop's problems now (the kinds of ShopKinds). paused may be
// nil: KindSchedulePaused is then not looked for.
func Detect(ctx context.Context, st *stores.Stores, sh shops.Shop, now time.Time, paused PausedBySystem) ([]Condition, error) {
	if !sh.HasAccessToken && !sh.ReconnectNeeded {
		return nil, nil // not connected yet: APIアクセス設定 says what to do
	}
	base := "/shops/" + sh.ID
	var out []Condition
	if sh.ReconnectNeeded {
		out = append(out, Condition{ShopID: sh.ID, Kind: KindReconnect, Marker: sh.ReconnectReason,
			Summary: "カラーミーショップへの再接続が必要です",
			Detail: "カラーミーショップがアクセスキーを受け付けませんでした (" + sh.ReconnectReason + ")。自動取得・自動書き出しは一時停止しています。" +
				"コンソールのAPIアクセス設定で「取得する」を押して接続し直してください。接続し直すと自動処理は再開します。",
			FixPath: base + "/settings"})
	}
	db := st.DB().WithContext(ctx)
	if !sh.ReconnectNeeded {
		for _, kind := range []oms.Kind{oms.KindImport, oms.KindExport, oms.KindStock} {
			c, err := runFailed(db, sh, kind)
			if err != nil {
				return nil, err
			}
			if c != nil {
				out = append(out, *c)
			}
		}
		if paused != nil {
			kinds, err := paused(ctx, sh)
			if err != nil {
				return nil, err
			}
			for _, k := range kinds {
				out = append(out, Condition{ShopID: sh.ID, Kind: KindSchedulePaused, Key: string(k),
					Summary: kindName(k) + "が一時停止されたままです",
					Detail: "システムが一時停止した" + kindName(k) + "が、接続し直した後も止まったままです。" +
						"APIアクセス設定で「設定を保存」を押すと再開します。",
					FixPath: base + "/settings"})
			}
		}
		c, err := lagging(ctx, st, db, sh, now)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	c, err := saleFailing(db, sh)
	if err != nil {
		return nil, err
	}
	if c != nil {
		out = append(out, *c)
	}
	for _, addr := range []bool{false, true} {
		c, err := flagged(db, sh, addr)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

func kindName(k oms.Kind) string {
	switch k {
	case oms.KindImport:
		return "自動取得 (受注取得)"
	case oms.KindStock:
		return "自動在庫連携"
	}
	return "自動書き出し (発送情報の更新)"
}

type runLine struct {
	ID     int64
	Status string
	Error  string
}

// runFailed is KindRunFailed when the shop's latest finished run of kind failed.
func runFailed(db *gorm.DB, sh shops.Shop, kind oms.Kind) (*Condition, error) {
	var runs []runLine
	err := db.Table("runs").Select("id, status, error").
		Where("shop_id = ? AND kind = ? AND dry_run = ? AND status <> ?", sh.ID, kind, false, oms.RunRunning).
		Order("id DESC").Limit(1).Scan(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("reading the last %s run of shop %q: %w", kind, sh.ID, err)
	}
	if len(runs) == 0 || runs[0].Status != string(oms.RunFailed) || strings.Contains(runs[0].Error, shops.TokenRefused) {
		return nil, nil // a 401 is KindReconnect's, and reconnecting fixes it
	}
	r := runs[0]
	what := "発送情報の更新 (書き出し)"
	switch kind {
	case oms.KindImport:
		what = "受注取得"
	case oms.KindStock:
		what = "在庫連携"
	}
	return &Condition{ShopID: sh.ID, Kind: KindRunFailed, Key: string(kind), Marker: strconv.FormatInt(r.ID, 10), RunID: r.ID,
		Summary: what + "が失敗しました",
		Detail: fmt.Sprintf("実行 #%d が失敗しました (%s)。自動処理ログで内容を確かめてください。次の実行が成功すると復旧のお知らせが届きます。",
			r.ID, clip(r.Error, 300)),
		FixPath: fmt.Sprintf("/shops/%s/runs/%d", sh.ID, r.ID)}, nil
}

// saleFailing is KindSaleFailing when sales failed in each of the shop's last
// notify_sale_failures exports.
func saleFailing(db *gorm.DB, sh shops.Shop) (*Condition, error) {
	n := settings.NotifySaleFailures.Clamp(sh.Settings.NotifySaleFailures)
	var ids []int64
	err := db.Table("runs").Where("shop_id = ? AND kind = ? AND dry_run = ? AND status <> ?", sh.ID, oms.KindExport, false, oms.RunRunning).
		Order("id DESC").Limit(n).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("reading the last exports of shop %q: %w", sh.ID, err)
	}
	if len(ids) < n {
		return nil, nil
	}
	var sales []int64
	err = db.Table("run_outcomes").Where("run_id IN ? AND outcome = ?", ids, "failed").
		Group("sale_id").Having("count(*) = ?", n).Order("sale_id").Pluck("sale_id", &sales).Error
	if err != nil {
		return nil, fmt.Errorf("reading the failing sales of shop %q: %w", sh.ID, err)
	}
	if len(sales) == 0 {
		return nil, nil
	}
	listed := sales[:min(len(sales), maxListed)]
	return &Condition{ShopID: sh.ID, Kind: KindSaleFailing, Marker: joinSales(sales), RunID: ids[0], Sales: listed,
		Summary: fmt.Sprintf("%d件の受注が%d回続けて書き出しに失敗しています", len(sales), n),
		Detail: fmt.Sprintf("受注番号 %s の書き出しが%d回続けて失敗しました。自動処理ログで失敗の理由を確かめ、受注を直してから「失敗分を再実行」を押してください。",
			saleList(listed, len(sales)), n),
		FixPath: fmt.Sprintf("/shops/%s/runs/%d", sh.ID, ids[0])}, nil
}

// flagged is KindOrdersFlagged (or, with addr, KindAddressChanged) when the
// shop has orders the import flagged 要確認.
func flagged(db *gorm.DB, sh shops.Shop, addr bool) (*Condition, error) {
	q := db.Table("orders").Where("shop_id = ? AND flag_reason <> ''", sh.ID)
	if addr {
		q = q.Where("flag_reason LIKE ?", "%"+addressChanged+"%")
	} else {
		q = q.Where("flag_reason NOT LIKE ?", "%"+addressChanged+"%")
	}
	var sales []int64
	if err := q.Order("sale_id").Pluck("sale_id", &sales).Error; err != nil {
		return nil, fmt.Errorf("reading the flagged orders of shop %q: %w", sh.ID, err)
	}
	if len(sales) == 0 {
		return nil, nil
	}
	listed := sales[:min(len(sales), maxListed)]
	c := Condition{ShopID: sh.ID, Kind: KindOrdersFlagged, Marker: joinSales(sales), Sales: listed,
		Summary: fmt.Sprintf("要確認の受注が%d件あります", len(sales)),
		Detail: "受注取得で確認が必要な受注が見つかりました (受注番号 " + saleList(listed, len(sales)) + ")。" +
			"受注一覧の「要確認」で理由を確かめ、カラーミーショップとこの受注管理の内容をそろえてください。",
		FixPath: "/shops/" + sh.ID + "/orders?only=" + oms.OnlyFlagged}
	if addr {
		c.Kind = KindAddressChanged
		c.Summary = fmt.Sprintf("出荷後にお届け先が変更された受注が%d件あります", len(sales))
		c.Detail = "出荷済みの受注のお届け先がカラーミーショップで変更されました (受注番号 " + saleList(listed, len(sales)) + ")。" +
			"お客様と配送業者に荷物の届け先を確かめてください。受注一覧の「要確認」に理由があります。"
	}
	return &c, nil
}

// lagging is KindExportLagging when the shop exports on change and an order
// changed more than notify_lag_minutes ago is still past the last completed
// export's watermark: the change has not reached ColorMe.
func lagging(ctx context.Context, st *stores.Stores, db *gorm.DB, sh shops.Shop, now time.Time) (*Condition, error) {
	if !sh.Settings.ExportOnChange {
		return nil, nil
	}
	wm, ok, err := st.ExportWatermark(ctx, sh.ID)
	if err != nil || !ok {
		return nil, err
	}
	lag := time.Duration(settings.NotifyLagMinutes.Clamp(sh.Settings.NotifyLagMinutes)) * time.Minute
	var n int64
	err = db.Table("orders").Where("shop_id = ? AND updated_at > ? AND updated_at < ?", sh.ID, wm.UTC(), now.Add(-lag).UTC()).Count(&n).Error
	if err != nil {
		return nil, fmt.Errorf("reading the changes not exported of shop %q: %w", sh.ID, err)
	}
	if n == 0 {
		return nil, nil
	}
	return &Condition{ShopID: sh.ID, Kind: KindExportLagging,
		Summary: fmt.Sprintf("変更がカラーミーショップに%d分以上反映されていません", int(lag/time.Minute)),
		Detail: fmt.Sprintf("%d件の受注の変更が、%d分たってもカラーミーショップに書き出されていません。自動処理ログで書き出しが動いているか確かめてください。"+
			"止まっている場合はデータ書出から書き出せます。", n, int(lag/time.Minute)),
		FixPath: "/shops/" + sh.ID + "/runs"}, nil
}

func saleList(listed []int64, total int) string {
	parts := make([]string, len(listed))
	for i, id := range listed {
		parts[i] = strconv.FormatInt(id, 10)
	}
	s := strings.Join(parts, "、")
	if total > len(listed) {
		s += fmt.Sprintf(" ほか%d件", total-len(listed))
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// NoWorker is the watchdog's condition for one shop: no worker has polled the
// task queue since lastSeen (zero: none seen).
func NoWorker(shopID string, after time.Duration, lastSeen time.Time) Condition {
	seen := "これまでに動いた記録がありません"
	if !lastSeen.IsZero() {
		seen = "最後に動いたのは " + lastSeen.In(jst.Zone).Format("2006-01-02 15:04") + " (日本時間) です"
	}
	return Condition{ShopID: shopID, Kind: KindNoWorker,
		Summary: fmt.Sprintf("処理を実行するワーカーが%d分以上動いていません", int(after/time.Minute)),
		Detail: "受注取得・発送情報の更新を実行するワーカーが止まっています (" + seen + ")。この間、自動処理は実行されません。" +
			"システム担当者にワーカー (bin/worker) の起動を依頼してください。",
		FixPath: "/status"}
}
