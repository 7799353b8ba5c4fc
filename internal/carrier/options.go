package carrier

import (
	"fmt"
	"strings"

	"golang.org/x/text/width"
)

// Service is the kind of parcel a label is for. "" is the program's regular
// parcel (宅急便, 飛脚宅配便, ゆうパック).
type Service string

// The parcel kinds. Compact and Nekopos are Yamato's: only B2クラウド prints
// them (送り状種類 8, 9 with コレクト, and 7).
const (
	ServiceStandard Service = ""        // 宅急便 / 飛脚宅配便 / ゆうパック
	ServiceCompact  Service = "compact" // 宅急便コンパクト (B2 8; コンパクトコレクト 9)
	ServiceNekopos  Service = "nekopos" // ネコポス, now クロネコゆうパケット (B2 7)
)

// Cool is a label's temperature class (クール区分). "" is none (普通).
type Cool string

// The temperature classes.
const (
	CoolNone    Cool = ""        // 普通
	CoolChilled Cool = "chilled" // 冷蔵 (B2 2, ゆうプリR 保冷種別 1 チルド)
	CoolFrozen  Cool = "frozen"  // 冷凍 (B2 1, ゆうプリR 保冷種別 2)
)

// Options are a label's per-parcel options: 代金引換 and its amount, the
// parcel kind and the temperature class. The zero value is a regular prepaid
// parcel at normal temperature (B2 送り状種類 0, e飛伝 元払, ゆうプリR 元払い).
type Options struct {
	COD       bool    // 代金引換 (B2 コレクト, e飛伝 代引, ゆうプリR 代引き)
	CODAmount int64   // the amount to collect, tax included (yen); a COD label without it is left out
	CODTax    int64   // the consumption tax within CODAmount (B2 内消費税額等, e飛伝 消費税)
	Service   Service // ServiceStandard, ServiceCompact or ServiceNekopos
	Cool      Cool    // CoolNone, CoolChilled or CoolFrozen
}

// OrderFacts are what a label's options are decided from, per order, as plain
// values: the caller reads them from the order and from ColorMe's payment and
// delivery methods (GET /v1/payments, GET /v1/deliveries). Every field may be
// left empty when unknown; nothing is then assumed.
type OrderFacts struct {
	// PaymentCOD is true when the order's payment method is 代金引換 (known
	// from ColorMe's payment method). PaymentName is that method's name: a
	// name containing 代金引換 or 代引 counts as 代金引換 too.
	PaymentCOD  bool
	PaymentName string
	// Total is the order's total (total_price, tax included) and Tax the
	// consumption tax within it (tax): the amount to collect and its tax.
	Total, Tax int64
	// DeliveryName is the delivery method's name as the shop named it (e.g.
	// 「ネコポス」「宅急便コンパクト」「クール便(冷凍)」) and DeliveryMethodType
	// its method_type (yamato, yamato_pickup, sagawa, jp, other).
	DeliveryName       string
	DeliveryMethodType string
	// Cool is staff's choice for this order (CoolNone = none given); it wins
	// over what the delivery method's name says.
	Cool Cool
	// CoolSet says Cool was chosen by staff, so that "normal temperature" can
	// be chosen over a delivery method named クール.
	CoolSet bool
}

// Choice is what staff choose for a whole export (送り状データ出力, `starter
// orders carrier-export -service -cool`): a set field wins over what each
// order says.
type Choice struct {
	Service    Service // the parcel kind of every label, when ServiceSet
	ServiceSet bool
	Cool       Cool // the temperature class of every label, when CoolSet
	CoolSet    bool
}

// ParseChoice reads the per-export choice as the CLI and the console's form
// give it: service "" or "auto" (per order), "standard", "compact",
// "nekopos"; cool "" or "auto" (per order), "none", "chilled", "frozen".
func ParseChoice(service, cool string) (Choice, error) {
	var c Choice
	var ok bool
	if c.Service, c.ServiceSet, ok = choose(service, serviceNames); !ok {
		return c, fmt.Errorf("parcel kind %q: use auto (per order), standard, compact (宅急便コンパクト) or nekopos (ネコポス)", service)
	}
	if c.Cool, c.CoolSet, ok = choose(cool, coolNames); !ok {
		return c, fmt.Errorf("cool class %q: use auto (per order), none, chilled (冷蔵) or frozen (冷凍)", cool)
	}
	return c, nil
}

// serviceNames and coolNames are the choices ParseChoice reads besides auto.
var (
	serviceNames = map[string]Service{"standard": ServiceStandard, string(ServiceCompact): ServiceCompact, string(ServiceNekopos): ServiceNekopos}
	coolNames    = map[string]Cool{"none": CoolNone, string(CoolChilled): CoolChilled, string(CoolFrozen): CoolFrozen}
)

// choose reads one choice of ParseChoice, any case: "" or "auto" leaves it to
// each order (set false), a name of named chooses its value; ok is false for
// anything else.
func choose[T any](v string, named map[string]T) (choice T, set, ok bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" || v == "auto" {
		return choice, false, true
	}
	choice, ok = named[v]
	return choice, ok, ok
}

// Decide returns the options of an order's labels: 代金引換 with the order's
// total and tax when its payment method is 代金引換; the parcel kind and the
// temperature class from the export's choice, else from the order (staff's
// cool class, then the delivery method's name: ネコポス / クロネコゆうパケット,
// コンパクト, 冷凍, 冷蔵 / クール / チルド). It is pure; whether a program can
// print the result is Export's to say.
func Decide(f OrderFacts, c Choice) Options {
	var o Options
	if f.PaymentCOD || isCODName(f.PaymentName) {
		o.COD, o.CODAmount, o.CODTax = true, f.Total, f.Tax
	}
	name := width.Fold.String(f.DeliveryName)
	switch {
	case c.ServiceSet:
		o.Service = c.Service
	case f.DeliveryMethodType != "" && f.DeliveryMethodType != "yamato":
		// ネコポス and コンパクト are Yamato's; another carrier's method is a regular parcel
	case strings.Contains(name, "ネコポス") || strings.Contains(name, "クロネコゆうパケット"):
		o.Service = ServiceNekopos
	case strings.Contains(name, "コンパクト"):
		o.Service = ServiceCompact
	}
	switch {
	case c.CoolSet:
		o.Cool = c.Cool
	case f.CoolSet:
		o.Cool = f.Cool
	case strings.Contains(name, "冷凍"):
		o.Cool = CoolFrozen
	case strings.Contains(name, "冷蔵") || strings.Contains(name, "クール") || strings.Contains(name, "チルド"):
		o.Cool = CoolChilled
	}
	return o
}

// ForParcel returns the options of the i-th parcel (0-based) of an order
// whose options are o: 代金引換 is collected once, with the first parcel; the
// others are prepaid, and moved reports that 代金引換 was taken off this one.
func (o Options) ForParcel(i int) (out Options, moved bool) {
	if !o.COD || i == 0 {
		return o, false
	}
	o.COD, o.CODAmount, o.CODTax = false, 0, 0
	return o, true
}

// isCODName reports whether a payment method's name says 代金引換.
func isCODName(name string) bool {
	n := width.Fold.String(name)
	return strings.Contains(n, "代金引換") || strings.Contains(n, "代引")
}

// Label names of the options, for messages.
func (s Service) ja() string {
	switch s {
	case ServiceCompact:
		return "宅急便コンパクト"
	case ServiceNekopos:
		return "ネコポス"
	}
	return "通常の荷物"
}

func (s Service) en() string {
	switch s {
	case ServiceCompact:
		return "TA-Q-BIN Compact"
	case ServiceNekopos:
		return "Nekopos"
	}
	return "a regular parcel"
}

func (c Cool) ja() string {
	switch c {
	case CoolChilled:
		return "クール冷蔵"
	case CoolFrozen:
		return "クール冷凍"
	}
	return "普通"
}

func (c Cool) en() string {
	switch c {
	case CoolChilled:
		return "chilled"
	case CoolFrozen:
		return "frozen"
	}
	return "normal"
}
