package oms_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shipplan"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// assertStaffJa checks a message for shop staff: Japanese sentences naming no
// CLI command.
func assertStaffJa(t *testing.T, ja, en string) {
	t.Helper()
	assert.NotEmpty(t, ja, "no Japanese for %q", en)
	assert.True(t, strings.HasSuffix(ja, "。"), "%q is not a sentence", ja)
	assert.NotContains(t, ja, "`")
	assert.NotContains(t, ja, "starter")
	assert.True(t, strings.ContainsFunc(ja, func(r rune) bool { return r >= 0x3040 && r <= 0x30ff }), "%q has no kana", ja)
}

// TestShipmentMessagesInJapanese triggers every rejection and note of
// ApplyShipments: each keeps its English (the CLI's) and has a Japanese version
// for the console.
func TestShipmentMessagesInJapanese(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		t0 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		seedImported(t, s, 8, t0)
		require.NoError(t, s.UpsertOrders(ctx, "myshop", []rules.Order{{SaleID: 200, Status: rules.StatusAwaitingShipment, OrderedAt: t0, UpdatedAt: t0}}))
		_, err := s.SetStatus(ctx, "myshop", 3, rules.StatusCancelled, t0)
		require.NoError(t, err)
		_, err = s.SetStatus(ctx, "myshop", 4, rules.StatusNew, t0)
		require.NoError(t, err)
		_, err = s.Bundle(ctx, "myshop", 5, []int64{6}, t0)
		require.NoError(t, err)
		rep, err := s.ApplyShipments(ctx, "myshop", []shipplan.Shipment{{Line: 1, SaleID: 7, TrackingNumber: "OLD-7"}}, false, t0)
		require.NoError(t, err)
		require.True(t, rep.Applied)

		rows := []shipplan.Shipment{
			{Line: 1, SaleID: 0, TrackingNumber: "A"},
			{Line: 2, SaleID: 1, DeliveryID: -1, TrackingNumber: "A"},
			{Line: 3, SaleID: 1, TrackingNumber: " "},
			{Line: 4, SaleID: 1, TrackingNumber: " A"},
			{Line: 5, SaleID: 1, TrackingNumber: "A", ShipDate: "2026-13-01"},
			{Line: 6, SaleID: 999, TrackingNumber: "A"},
			{Line: 7, SaleID: 200, TrackingNumber: "A"},
			{Line: 8, SaleID: 100, TrackingNumber: "A"},
			{Line: 9, SaleID: 100, DeliveryID: 7, TrackingNumber: "A"},
			{Line: 10, SaleID: 3, TrackingNumber: "A"},
			{Line: 11, SaleID: 1, TrackingNumber: "A", ShipDate: "2026-04-01"},
			{Line: 12, SaleID: 2, TrackingNumber: "B-1"},
			{Line: 13, SaleID: 2, TrackingNumber: "B-2"},
			{Line: 14, SaleID: 8, TrackingNumber: "C", ShipDate: "2026-05-02"},
			{Line: 15, SaleID: 8, TrackingNumber: "C"},
			{Line: 16, SaleID: 4, TrackingNumber: "D"},
			{Line: 17, SaleID: 6, TrackingNumber: "E"},
			{Line: 18, SaleID: 6, TrackingNumber: "E"},
			{Line: 19, SaleID: 7, TrackingNumber: "NEW-7"},
		}
		rep, err = s.ApplyShipments(ctx, "myshop", rows, false, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, rep.Applied)
		want := map[int][2]string{ // line: English, Japanese
			1:  {"sale id must be a positive number, got 0", "受注番号 0 は正しくありません"},
			2:  {"sale_delivery id must be a positive number, got -1", "お届け先ID -1 は正しくありません"},
			3:  {"the tracking number (伝票番号) is empty", "伝票番号が空欄です"},
			4:  {`tracking number " A" must be 1 to 64 characters without surrounding spaces`, "伝票番号「 A」の前後に空白があるか"},
			5:  {`ship date "2026-13-01" is not a date YYYY-MM-DD`, "出荷日「2026-13-01」が日付として読めません"},
			6:  {"sale 999 is not an order of shop myshop: import it first or check the sale id", "受注番号 999 は店舗「myshop」の受注データにありません。受注番号を確かめてください。カラーミーショップにある新しい受注なら、受注取得"},
			7:  {"sale 200 has no deliveries in the OMS: re-import it", "受注番号 200 にはお届け先がありません。受注取得"},
			8:  {"sale 100 has 2 deliveries (1001, 1002): put the sale_delivery id in the second column", "受注番号 100 にはお届け先が2件 (お届け先ID: 1001, 1002) あります"},
			9:  {"sale 100 has no delivery 7 (its deliveries: 1001, 1002): check the sale_delivery id", "受注番号 100 にお届け先ID 7 はありません (この受注のお届け先ID: 1001, 1002)"},
			10: {"sale 3 is キャンセル (cancelled): set its status first if it really shipped", "受注ページでステータスを変更してから"},
			11: {"ship date 2026-04-01 is before sale 1 was ordered (2026-05-01): check the date", "出荷日 2026-04-01 が受注番号 1 の注文日 (2026-05-01) より前です"},
			12: {"sale 2 delivery 21: tracking number B-1 conflicts with later rows for the same delivery (see below)", "受注番号 2 のお届け先ID 21 (伝票番号 B-1) は、後の行"},
			13: {"sale 2 delivery 21 gets tracking number B-2 here but B-1 on line 12", "この行では B-2、12行目では B-1 です"},
			14: {"sale 8 delivery 81: tracking number C conflicts with later rows", "受注番号 8 のお届け先ID 81"},
			15: {`sale 8 delivery 81 gets ship date "" here but "2026-05-02" on line 14: keep one ship date per delivery`, "この行では空欄、14行目では「2026-05-02」です"},
		}
		remedies := map[int]staffmsg.Remedy{6: {Do: staffmsg.RemedyImport}, 7: {Do: staffmsg.RemedyImport}, 10: {Do: staffmsg.RemedySetStatus, Sale: 3}}
		require.Len(t, rep.Rejected, len(want), "%+v", rep.Rejected)
		for _, m := range rep.Rejected {
			w, ok := want[m.Line]
			require.True(t, ok, "unexpected rejection %+v", m)
			if m.Line == 15 || m.Line == 1 {
				assert.Equal(t, w[0], m.Message)
			}
			assert.Contains(t, m.Message, w[0])
			assert.Contains(t, m.Ja, w[1])
			assertStaffJa(t, m.Ja, m.Message)
			assert.NotContains(t, m.Message, "starter", "the store names no CLI command: the remedy says what to do")
			assert.Equal(t, remedies[m.Line], m.Remedy, "line %d", m.Line)
		}
		wantNotes := map[int][2]string{
			16: {"sale 4 is still 新規受付 (new): it is not exported until its status moves on", "ステータスが「新規受付」のままです"},
			17: {"sale 6 is bundled into sale 5: only sale 5's deliveries are exported", "受注番号 6 は親注文 5 に同梱された子注文です"},
			18: {"repeats line 17: applied once", "17行目と同じ内容です。1回だけ反映します。"},
			19: {"sale 7 delivery 71: tracking number NEW-7 replaces OLD-7", "受注番号 7 のお届け先ID 71 の伝票番号は、OLD-7 から NEW-7 への上書きです。"},
		}
		require.Len(t, rep.Notes, len(wantNotes), "%+v", rep.Notes)
		for _, m := range rep.Notes {
			w, ok := wantNotes[m.Line]
			require.True(t, ok, "unexpected note %+v", m)
			assert.Equal(t, w[0], m.Message)
			assert.Contains(t, m.Ja, w[1])
			assertStaffJa(t, m.Ja, m.Message)
		}
	})
}

// TestOperationErrorsInJapanese: every refusal of SetStatus, Bundle and
// Unbundle is a StaffError: Error() is the English the CLI prints (unchanged,
// with the store's context), StaffMessage the Japanese for the console.
func TestOperationErrorsInJapanese(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "myshop")
		t0 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		seedImported(t, s, 6, t0)
		_, err := s.SetStatus(ctx, "myshop", 3, rules.StatusCancelled, t0)
		require.NoError(t, err)
		_, err = s.Bundle(ctx, "myshop", 5, []int64{6}, t0)
		require.NoError(t, err)

		call := func(f func() error) error { return f() }
		cases := []struct {
			name     string
			err      error
			en, ja   string
			notFound bool
		}{
			{"status not an OMS status", call(func() error { _, err := s.SetStatus(ctx, "myshop", 1, "sent", t0); return err }),
				`status "sent" is not an OMS status: use one of `, "ステータス「sent」はありません。「新規受付」", false},
			{"status of an unknown order", call(func() error { _, err := s.SetStatus(ctx, "myshop", 999, rules.StatusShipped, t0); return err }),
				"setting the status of sale 999 (shop \"myshop\"): sale 999 is not an order of shop \"myshop\": not found (import it first, or check the number)",
				"受注番号 999 は店舗「myshop」の受注データにありません。受注番号を確かめてください。カラーミーショップにある新しい受注なら、受注取得 (APIアクセス設定の自動取得「今すぐ実行」)を実行してから、もう一度操作してください。", true},
			{"bundle without children", call(func() error { _, err := s.Bundle(ctx, "myshop", 5, nil, t0); return err }),
				"bundle: name at least one child order", "同梱する子注文の受注番号を1つ以上入力してください。", false},
			{"bundle naming an order twice", call(func() error { _, err := s.Bundle(ctx, "myshop", 5, []int64{5}, t0); return err }),
				"bundle: sale 5 is named twice (the parent cannot be its own child)", "受注番号 5 が2回指定されています", false},
			{"bundle an unknown and a cancelled order", call(func() error { _, err := s.Bundle(ctx, "myshop", 1, []int64{999, 3}, t0); return err }),
				"bundling [999 3] into sale 1 (shop \"myshop\"): sale 999 is not an order of shop \"myshop\": not found (import it first, or check the number)\nsale 3 is キャンセル (cancelled): a cancelled order cannot ship",
				"受注番号 999 は店舗「myshop」の受注データにありません。", true},
			{"bundle into a child", call(func() error { _, err := s.Bundle(ctx, "myshop", 6, []int64{1}, t0); return err }),
				"sale 6 is itself bundled into sale 5: bundle into 5 instead, or unbundle 6 first", "受注番号 6 は親注文 5 に同梱された子注文のため、親注文にできません。", false},
			{"bundle a parent as a child", call(func() error { _, err := s.Bundle(ctx, "myshop", 1, []int64{5}, t0); return err }),
				"sale 5 is the parent of a bundle of 1 other orders: unbundle it first or make it the parent", "受注番号 5 は子注文1件の親注文のため、子注文にできません。", false},
			{"bundle a child of another bundle", call(func() error { _, err := s.Bundle(ctx, "myshop", 1, []int64{6}, t0); return err }),
				"sale 6 is already bundled into sale 5: unbundle it first", "受注番号 6 はすでに親注文 5 に同梱されています。先に受注 6 のページで「同梱を解除」", false},
			{"unbundle an unknown order", call(func() error { _, err := s.Unbundle(ctx, "myshop", 999, t0); return err }),
				"unbundling sale 999 (shop \"myshop\"): sale 999 is not an order of shop", "受注番号 999 は店舗「myshop」の受注データにありません。", true},
			{"unbundle an order not bundled", call(func() error { _, err := s.Unbundle(ctx, "myshop", 1, t0); return err }),
				"unbundling sale 1 (shop \"myshop\"): sale 1 is not bundled: nothing to do", "受注番号 1 は同梱されていないため", false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				require.Error(t, c.err)
				assert.Contains(t, c.err.Error(), c.en)
				var se *staffmsg.StaffError
				require.True(t, errors.As(c.err, &se), "%v is not a StaffError", c.err)
				ja := staffmsg.StaffMessage(c.err)
				assert.Contains(t, ja, c.ja)
				assertStaffJa(t, ja, c.err.Error())
				assert.Equal(t, c.notFound, errors.Is(c.err, oms.ErrNotFound))
			})
		}
		joined := cases[4]
		assert.Contains(t, staffmsg.StaffMessage(joined.err), "受注番号 3 はステータスが「キャンセル」のため同梱できません", "every problem of a bundle, in Japanese")
		remedies := map[string][]staffmsg.Remedy{ // by case; the others have none
			"status of an unknown order":              {{Do: staffmsg.RemedyImport}},
			"bundle an unknown and a cancelled order": {{Do: staffmsg.RemedyImport}},
			"bundle a parent as a child":              {{Do: staffmsg.RemedyUnbundle, Sale: 5}},
			"bundle a child of another bundle":        {{Do: staffmsg.RemedyUnbundle, Sale: 6}},
			"unbundle an unknown order":               {{Do: staffmsg.RemedyImport}},
		}
		for _, c := range cases {
			assert.Equal(t, remedies[c.name], staffmsg.Remedies(c.err), c.name)
			assert.NotContains(t, c.err.Error(), "starter", "%s: the store names no CLI command", c.name)
		}
		assert.Nil(t, staffmsg.Remedies(nil))
		assert.Empty(t, staffmsg.StaffMessage(errors.New("connection reset")), "an unexpected error has no Japanese")
		assert.Empty(t, staffmsg.StaffMessage(nil))
	})
}
