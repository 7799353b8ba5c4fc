package shops_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// methodLists is a MethodsSource serving fixed lists, or failing.
type methodLists struct {
	ds    []colorme.DeliveryMethod
	ps    []colorme.PaymentMethod
	err   error
	calls int
}

func (m *methodLists) DeliveryMethods(context.Context) ([]colorme.DeliveryMethod, error) {
	m.calls++
	return m.ds, m.err
}

func (m *methodLists) PaymentMethods(context.Context) ([]colorme.PaymentMethod, error) {
	m.calls++
	return m.ps, m.err
}

// TestMethodsRefresh: a refresh stores both lists; the next one with the same
// lists changes nothing; a changed list adds, updates and removes methods while
// the shop's クール区分 stays; a failed read keeps the lists and records why.
func TestMethodsRefresh(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "alpha")
		createShop(t, s, "beta")
		m, err := s.Shops.Methods(ctx, "alpha")
		require.NoError(t, err)
		assert.Empty(t, m.Deliveries)
		assert.True(t, m.ReadAt.IsZero())
		assert.Equal(t, "配送方法ID 3 (名前未取得)", m.DeliveryLabel(3))

		at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		src := &methodLists{ds: sandbox.DefaultDeliveryMethods(), ps: sandbox.DefaultPaymentMethods()}
		res, err := s.Shops.RefreshMethods(ctx, "alpha", src, at)
		require.NoError(t, err)
		assert.Equal(t, shops.MethodsRefresh{Deliveries: 6, Payments: 4, Changed: true}, res)
		m, err = s.Shops.Methods(ctx, "alpha")
		require.NoError(t, err)
		require.Len(t, m.Deliveries, 6)
		assert.Equal(t, shops.DeliveryMethod{ID: 3, Name: "飛脚宅配便 (佐川急便)", MethodType: "sagawa", SlipNumberUse: true,
			SlipNumberURL: "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=", Sort: 3}, m.Deliveries[2])
		assert.Equal(t, "飛脚宅配便 (佐川急便)", m.DeliveryLabel(3))
		assert.Equal(t, "代金引換", m.PaymentLabel(752))
		assert.True(t, at.Equal(m.ReadAt), "read at %s", m.ReadAt)
		assert.Empty(t, m.Error)
		assert.Equal(t, shops.MethodFacts{PaymentKnown: true, PaymentName: "代金引換", PaymentCOD: true, DeliveryKnown: true,
			DeliveryName: "ネコポス", DeliveryMethodType: "yamato"}, m.Facts(752, 4))
		assert.Equal(t, shops.MethodFacts{PaymentKnown: true, PaymentName: "クレジットカード"}, m.Facts(751, 99))
		other, err := s.Shops.Methods(ctx, "beta")
		require.NoError(t, err)
		assert.Empty(t, other.Deliveries, "per shop")

		require.NoError(t, s.Shops.SetDeliveryCool(ctx, "alpha", 1, shops.CoolFrozen))
		var se *staffmsg.StaffError
		require.ErrorAs(t, s.Shops.SetDeliveryCool(ctx, "alpha", 99, shops.CoolChilled), &se)
		assert.Contains(t, se.Ja, "配送方法ID 99")
		require.ErrorAs(t, s.Shops.SetDeliveryCool(ctx, "alpha", 1, "warm"), &se)

		res, err = s.Shops.RefreshMethods(ctx, "alpha", src, at.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, res.Changed, "same lists")

		src.ds = append(src.ds[:5:5], colorme.DeliveryMethod{ID: 7, Name: "西濃運輸", MethodType: "seino"})
		src.ds[0].Name = "宅急便"
		src.ps = src.ps[:2]
		res, err = s.Shops.RefreshMethods(ctx, "alpha", src, at.Add(2*time.Hour))
		require.NoError(t, err)
		assert.Equal(t, shops.MethodsRefresh{Deliveries: 6, Payments: 2, Changed: true}, res)
		m, err = s.Shops.Methods(ctx, "alpha")
		require.NoError(t, err)
		d, ok := m.Delivery(1)
		require.True(t, ok)
		assert.Equal(t, "宅急便", d.Name)
		assert.Equal(t, shops.CoolFrozen, d.Cool, "the shop's クール区分 stays")
		_, ok = m.Delivery(6)
		assert.False(t, ok, "removed on ColorMe")
		assert.Equal(t, "seino", m.Facts(0, 7).DeliveryMethodType, "an unknown method_type is kept")
		assert.Equal(t, "決済方法ID 753 (名前未取得)", m.PaymentLabel(753))

		src.err = errors.New("colorme GET /v1/deliveries.json: 503")
		_, err = s.Shops.RefreshMethods(ctx, "alpha", src, at.Add(3*time.Hour))
		require.Error(t, err)
		m, err = s.Shops.Methods(ctx, "alpha")
		require.NoError(t, err)
		assert.Len(t, m.Deliveries, 6, "a failed read keeps the lists")
		assert.Contains(t, m.Error, "503")
		assert.True(t, at.Add(2*time.Hour).Equal(m.ReadAt))
		assert.True(t, at.Add(3*time.Hour).Equal(m.TriedAt))
	})
}

// TestClaimMethodsRefresh: the scheduled refresh is due when the methods were
// never read, then once a day; after a failed read, once an hour; of two
// callers at the same time only one claims it.
func TestClaimMethodsRefresh(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		ctx := context.Background()
		createShop(t, s, "alpha")
		at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		claim := func(at time.Time) bool {
			ok, err := s.Shops.ClaimMethodsRefresh(ctx, "alpha", at)
			require.NoError(t, err)
			return ok
		}
		require.True(t, claim(at), "never read")
		require.False(t, claim(at), "claimed already")
		src := &methodLists{ds: sandbox.DefaultDeliveryMethods(), ps: sandbox.DefaultPaymentMethods()}
		_, err := s.Shops.RefreshMethods(ctx, "alpha", src, at)
		require.NoError(t, err)
		assert.False(t, claim(at.Add(23*time.Hour)))
		require.True(t, claim(at.Add(24*time.Hour)), "a day later")

		src.err = errors.New("timeout")
		_, err = s.Shops.RefreshMethods(ctx, "alpha", src, at.Add(24*time.Hour))
		require.Error(t, err)
		assert.False(t, claim(at.Add(24*time.Hour+59*time.Minute)))
		assert.True(t, claim(at.Add(25*time.Hour)), "an hour after a failed read")

		// A sale naming an unknown method: a read an hour after the last attempt, however recent the last read.
		src.err = nil
		_, err = s.Shops.RefreshMethods(ctx, "alpha", src, at.Add(25*time.Hour))
		require.NoError(t, err)
		unknown := func(at time.Time) bool {
			ok, err := s.Shops.ClaimMethodsRead(ctx, "alpha", at)
			require.NoError(t, err)
			return ok
		}
		assert.False(t, unknown(at.Add(25*time.Hour+30*time.Minute)))
		assert.True(t, unknown(at.Add(26*time.Hour)))
		assert.False(t, unknown(at.Add(26*time.Hour)), "claimed already")
		assert.False(t, claim(at.Add(26*time.Hour)), "the daily read is not due")
	})
}
