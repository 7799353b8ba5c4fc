package sandbox

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// Route kinds of the shop's method lists.
const (
	kindDeliveryMethods = "deliveries" // GET /v1/deliveries(.json) (配送方法一覧)
	kindPaymentMethods  = "payments"   // GET /v1/payments(.json) (決済方法一覧)
)

// methodsKind returns the route kind of a method-list path, with or without
// .json as ColorMe's paths go, or "".
func methodsKind(path string) string {
	switch strings.TrimSuffix(path, ".json") {
	case "/v1/deliveries":
		return kindDeliveryMethods
	case "/v1/payments":
		return kindPaymentMethods
	}
	return ""
}

// The sandbox shop's account id, as ColorMe names a shop in its answers.
const sandboxAccountID = "PA01234567"

// DefaultDeliveryMethods are the sandbox shop's delivery methods (配送方法) until
// seeded otherwise: Yamato's 宅急便, ネコポス and 宅急便コンパクト, 佐川's 飛脚宅配便,
// 日本郵便's ゆうパック and a 店頭受取 without carrier (method_type other). Ids 1–3
// are those the demo's sales use (internal/demo).
func DefaultDeliveryMethods() []colorme.DeliveryMethod {
	m := func(id int64, name, typ string, slip bool, url string) colorme.DeliveryMethod {
		return colorme.DeliveryMethod{ID: id, AccountID: sandboxAccountID, Name: name, MethodType: typ, SlipNumberUse: slip, SlipNumberURL: url,
			DisplayState: "showing", Sort: id, ChargeFreeType: "not_free", ChargeType: "fixed", TaxIncluded: true,
			MakeDate: 1704034800, UpdateDate: 1704034800}
	}
	const yamato = "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number00=1&number01="
	return []colorme.DeliveryMethod{
		m(1, "宅急便 (ヤマト運輸)", colorme.MethodYamato, true, yamato),
		m(2, "ゆうパック (日本郵便)", colorme.MethodJP, true, "https://trackings.post.japanpost.jp/services/srv/search/?requestNo1="),
		m(3, "飛脚宅配便 (佐川急便)", colorme.MethodSagawa, true, "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo="),
		m(4, "ネコポス", colorme.MethodYamato, true, yamato),
		m(5, "宅急便コンパクト", colorme.MethodYamato, true, yamato),
		m(6, "店頭受取", colorme.MethodOther, false, ""),
	}
}

// DefaultPaymentMethods are the sandbox shop's payment methods (決済方法) until
// seeded otherwise; ids 751–753 are those the demo's sales use. 代金引換 carries
// its fee table (cod), as ColorMe gives it.
func DefaultPaymentMethods() []colorme.PaymentMethod {
	m := func(id int64, name string, typ, fee int64) colorme.PaymentMethod {
		return colorme.PaymentMethod{ID: id, AccountID: sandboxAccountID, Name: name, Type: typ, Fee: fee, Display: true, Sort: id - 750,
			MakeDate: 1704034800, UpdateDate: 1704034800}
	}
	cod := m(752, "代金引換", 2, 330)
	cod.Cod = &colorme.CodSetting{FeeMax: 1100, Fees: [][]int64{{10000, 330}, {30000, 440}, {100000, 660}, {300000, 1100}}}
	return []colorme.PaymentMethod{
		m(751, "クレジットカード", 1, 0),
		cod,
		m(753, "銀行振込", 0, 0),
		m(754, "コンビニ払い", 3, 0),
	}
}

// shopMethods are the sandbox shop's delivery and payment methods.
type shopMethods struct {
	deliveries []colorme.DeliveryMethod
	payments   []colorme.PaymentMethod
}

func defaultShopMethods() shopMethods {
	return shopMethods{deliveries: DefaultDeliveryMethods(), payments: DefaultPaymentMethods()}
}

// SeedDeliveryMethods replaces the shop's delivery methods (nil: none).
func (s *Server) SeedDeliveryMethods(ms ...colorme.DeliveryMethod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.methods.deliveries = slices.Clone(ms)
}

// SeedPaymentMethods replaces the shop's payment methods (nil: none).
func (s *Server) SeedPaymentMethods(ms ...colorme.PaymentMethod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.methods.payments = slices.Clone(ms)
}

// DeliveryMethods returns the shop's delivery methods.
func (s *Server) DeliveryMethods() []colorme.DeliveryMethod {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.methods.deliveries)
}

// PaymentMethods returns the shop's payment methods.
func (s *Server) PaymentMethods() []colorme.PaymentMethod {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.methods.payments)
}

// serveMethods answers GET /v1/deliveries or /v1/payments (the gate passed) and
// counts it in Counters.MethodReads.
func (s *Server) serveMethods(kind string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters.MethodReads++
	if kind == kindPaymentMethods {
		return http.StatusOK, map[string]any{"payments": nonNil(slices.Clone(s.methods.payments))}
	}
	return http.StatusOK, map[string]any{"deliveries": nonNil(slices.Clone(s.methods.deliveries))}
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// registerMethodsAdmin mounts the methods' admin API (no authentication, as
// all of /_sandbox/):
//
//	GET /_sandbox/deliveries  the delivery methods
//	PUT /_sandbox/deliveries  JSON array of colorme.DeliveryMethod: replace them
//	GET /_sandbox/payments    the payment methods
//	PUT /_sandbox/payments    JSON array of colorme.PaymentMethod: replace them
func (s *Server) registerMethodsAdmin() {
	methodsAdmin(s, "deliveries", s.DeliveryMethods, func(m colorme.DeliveryMethod) int64 { return m.ID }, s.SeedDeliveryMethods)
	methodsAdmin(s, "payments", s.PaymentMethods, func(m colorme.PaymentMethod) int64 { return m.ID }, s.SeedPaymentMethods)
}

// methodsAdmin registers GET /_sandbox/<path> (the methods, from list) and PUT
// (a JSON array of them, each with a positive distinct id: replace them, seed).
func methodsAdmin[M any](s *Server, path string, list func() []M, id func(M) int64, seed func(...M)) {
	s.mux.HandleFunc("GET /_sandbox/"+path, adminGet(func() []M { return nonNil(list()) }))
	s.mux.HandleFunc("PUT /_sandbox/"+path, adminSeed(seed, func(ms []M) error { return validIDs(ms, id) }))
}

// validIDs refuses methods unless every one has a positive, distinct id.
func validIDs[M any](ms []M, id func(M) int64) error {
	seen := map[int64]bool{}
	for _, m := range ms {
		if id(m) <= 0 || seen[id(m)] {
			return errors.New("every method needs a positive id, each once")
		}
		seen[id(m)] = true
	}
	return nil
}
