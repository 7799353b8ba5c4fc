package shops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// How often a shop's delivery and payment methods are read from ColorMe by
// the scheduled import (two calls: GET /v1/deliveries and /v1/payments), and
// how long it waits after a read that failed.
const (
	MethodsRefreshEvery = 24 * time.Hour
	MethodsRetryEvery   = time.Hour
)

// クール区分 of a delivery method, as staff set it per shop: the values of
// carrier.Cool.
const (
	CoolNone    = ""        // 普通
	CoolChilled = "chilled" // 冷蔵
	CoolFrozen  = "frozen"  // 冷凍
)

// CoolLabel is the Japanese name of a クール区分.
func CoolLabel(cool string) string {
	switch cool {
	case CoolChilled:
		return "冷蔵"
	case CoolFrozen:
		return "冷凍"
	}
	return "なし"
}

// DeliveryMethod is one of a shop's delivery methods (配送方法) as the OMS
// keeps it: what ColorMe's GET /v1/deliveries said, and the shop's own クール区分.
type DeliveryMethod struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	MethodType    string `json:"method_type"` // yamato, yamato_pickup, sagawa, jp, other, or what ColorMe sent
	SlipNumberUse bool   `json:"slip_number_use"`
	SlipNumberURL string `json:"slip_number_url,omitempty"`
	Hidden        bool   `json:"hidden,omitempty"` // display_state hidden
	Sort          int64  `json:"sort"`
	Cool          string `json:"cool,omitempty"` // CoolNone, CoolChilled or CoolFrozen, set by staff
}

// PaymentMethod is one of a shop's payment methods (決済方法) as the OMS keeps
// it (GET /v1/payments).
type PaymentMethod struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Type   int64  `json:"type"`
	COD    bool   `json:"cod"` // 代金引換 (colorme.PaymentMethod.IsCOD)
	Fee    int64  `json:"fee"`
	Hidden bool   `json:"hidden,omitempty"` // display false
	Sort   int64  `json:"sort"`
}

// ShopMethods are a shop's delivery and payment methods and when they were read.
type ShopMethods struct {
	Deliveries []DeliveryMethod `json:"deliveries"` // by sort, then id
	Payments   []PaymentMethod  `json:"payments"`
	ReadAt     time.Time        `json:"read_at,omitzero"`  // last successful read; zero = never
	TriedAt    time.Time        `json:"tried_at,omitzero"` // last read, successful or not
	Error      string           `json:"error,omitempty"`   // why the last read failed
}

// Delivery returns the delivery method with the given id.
func (m ShopMethods) Delivery(id int64) (DeliveryMethod, bool) {
	i := slices.IndexFunc(m.Deliveries, func(d DeliveryMethod) bool { return d.ID == id })
	if i < 0 {
		return DeliveryMethod{}, false
	}
	return m.Deliveries[i], true
}

// Payment returns the payment method with the given id.
func (m ShopMethods) Payment(id int64) (PaymentMethod, bool) {
	i := slices.IndexFunc(m.Payments, func(p PaymentMethod) bool { return p.ID == id })
	if i < 0 {
		return PaymentMethod{}, false
	}
	return m.Payments[i], true
}

// DeliveryLabel is how staff see a delivery method: its name, or its id
// when the OMS does not know it (not read yet, or removed on ColorMe).
func (m ShopMethods) DeliveryLabel(id int64) string {
	d, _ := m.Delivery(id)
	return methodLabel("配送方法", id, d.Name)
}

// PaymentLabel is how staff see a payment method: its name, or its id when
// the OMS does not know it.
func (m ShopMethods) PaymentLabel(id int64) string {
	p, _ := m.Payment(id)
	return methodLabel("決済方法", id, p.Name)
}

// methodLabel is how staff see the method id of a kind (配送方法, 決済方法)
// named name: "" for no method (id 0), its name, or its id when the OMS does
// not know its name.
func methodLabel(kind string, id int64, name string) string {
	switch {
	case id == 0:
		return ""
	case name != "":
		return name
	}
	return fmt.Sprintf("%sID %d (名前未取得)", kind, id)
}

// confirmNames are words in a payment method's name that mean the shop
// confirms the payment itself (銀行振込, 郵便振替, コンビニ払い, ペイジー):
// such sales wait for 入金連携.
var confirmNames = []string{"振込", "振替", "コンビニ", "ペイジー", "Pay-easy"}

// NeedsConfirmation reports whether staff confirm this method's payments
// (入金待ち until marked 入金済み): bank transfer, postal transfer, convenience
// store or Pay-easy by its name, never 代金引換.
func (p PaymentMethod) NeedsConfirmation() bool {
	if p.COD {
		return false
	}
	for _, w := range confirmNames {
		if strings.Contains(p.Name, w) {
			return true
		}
	}
	return false
}

// ConfirmedPaymentIDs are the ids of the methods whose payments staff confirm
// (NeedsConfirmation), for the 入金待ち filter.
func (m ShopMethods) ConfirmedPaymentIDs() []int64 {
	var ids []int64
	for _, p := range m.Payments {
		if p.NeedsConfirmation() {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// DeliveryNames are the delivery methods' names by id.
func (m ShopMethods) DeliveryNames() map[int64]string {
	out := make(map[int64]string, len(m.Deliveries))
	for _, d := range m.Deliveries {
		if d.Name != "" {
			out[d.ID] = d.Name
		}
	}
	return out
}

// MethodFacts are the plain facts about an order's payment and delivery
// methods that its label options are decided from (carrier.OrderFacts takes
// the same names). Unknown methods leave them empty.
type MethodFacts struct {
	PaymentKnown       bool   `json:"payment_known"`
	PaymentName        string `json:"payment_name,omitempty"`
	PaymentCOD         bool   `json:"payment_cod,omitempty"` // 代金引換
	DeliveryKnown      bool   `json:"delivery_known"`
	DeliveryName       string `json:"delivery_name,omitempty"`
	DeliveryMethodType string `json:"delivery_method_type,omitempty"`
	Cool               string `json:"cool,omitempty"` // the delivery method's クール区分 (CoolNone, CoolChilled, CoolFrozen)
}

// Facts returns the facts of an order paid with paymentID and shipped with
// the delivery method deliveryMethodID.
func (m ShopMethods) Facts(paymentID, deliveryMethodID int64) MethodFacts {
	var f MethodFacts
	if p, ok := m.Payment(paymentID); ok {
		f.PaymentKnown, f.PaymentName, f.PaymentCOD = true, p.Name, p.COD
	}
	if d, ok := m.Delivery(deliveryMethodID); ok {
		f.DeliveryKnown, f.DeliveryName, f.DeliveryMethodType, f.Cool = true, d.Name, d.MethodType, d.Cool
	}
	return f
}

type deliveryMethodRow struct {
	ShopID        string `gorm:"primaryKey;size:63"`
	MethodID      int64  `gorm:"primaryKey;autoIncrement:false"`
	Name          string `gorm:"not null;default:''"`
	MethodType    string `gorm:"size:32;not null;default:''"`
	SlipNumberUse bool   `gorm:"not null;default:false"`
	SlipNumberURL string `gorm:"column:slip_number_url;not null;default:''"`
	Hidden        bool   `gorm:"not null;default:false"`
	Sort          int64  `gorm:"not null;default:0"`
	Cool          string `gorm:"size:16;not null;default:''"`
}

// TableName is the table of the delivery methods.
func (deliveryMethodRow) TableName() string { return "delivery_methods" }

type paymentMethodRow struct {
	ShopID      string `gorm:"primaryKey;size:63"`
	MethodID    int64  `gorm:"primaryKey;autoIncrement:false"`
	Name        string `gorm:"not null;default:''"`
	PaymentType int64  `gorm:"not null;default:0"`
	COD         bool   `gorm:"column:cod;not null;default:false"`
	Fee         int64  `gorm:"not null;default:0"`
	Hidden      bool   `gorm:"not null;default:false"`
	Sort        int64  `gorm:"not null;default:0"`
}

// TableName is the table of the payment methods.
func (paymentMethodRow) TableName() string { return "payment_methods" }

// methodReadRow records a shop's reads of its methods from ColorMe.
type methodReadRow struct {
	ShopID  string `gorm:"primaryKey;size:63"`
	ReadAt  *time.Time
	TriedAt *time.Time
	Error   string `gorm:"not null;default:''"`
}

// TableName is the table of the method reads.
func (methodReadRow) TableName() string { return "method_reads" }

// Methods returns the shop's delivery and payment methods as last read (none
// before the first read).
func (s *Store) Methods(ctx context.Context, shopID string) (ShopMethods, error) {
	db := s.db.WithContext(ctx)
	var ds []deliveryMethodRow
	if err := db.Where("shop_id = ?", shopID).Order("sort, method_id").Find(&ds).Error; err != nil {
		return ShopMethods{}, err
	}
	var ps []paymentMethodRow
	if err := db.Where("shop_id = ?", shopID).Order("sort, method_id").Find(&ps).Error; err != nil {
		return ShopMethods{}, err
	}
	var rd []methodReadRow
	if err := db.Where("shop_id = ?", shopID).Limit(1).Find(&rd).Error; err != nil {
		return ShopMethods{}, err
	}
	m := ShopMethods{Deliveries: make([]DeliveryMethod, len(ds)), Payments: make([]PaymentMethod, len(ps))}
	for i, r := range ds {
		m.Deliveries[i] = DeliveryMethod{ID: r.MethodID, Name: r.Name, MethodType: r.MethodType, SlipNumberUse: r.SlipNumberUse,
			SlipNumberURL: r.SlipNumberURL, Hidden: r.Hidden, Sort: r.Sort, Cool: r.Cool}
	}
	for i, r := range ps {
		m.Payments[i] = PaymentMethod{ID: r.MethodID, Name: r.Name, Type: r.PaymentType, COD: r.COD, Fee: r.Fee, Hidden: r.Hidden, Sort: r.Sort}
	}
	if len(rd) == 1 {
		if rd[0].ReadAt != nil {
			m.ReadAt = *rd[0].ReadAt
		}
		if rd[0].TriedAt != nil {
			m.TriedAt = *rd[0].TriedAt
		}
		m.Error = rd[0].Error
	}
	return m, nil
}

// MethodsSource reads a shop's methods from ColorMe (a *colorme.Client).
type MethodsSource interface {
	DeliveryMethods(ctx context.Context) ([]colorme.DeliveryMethod, error)
	PaymentMethods(ctx context.Context) ([]colorme.PaymentMethod, error)
}

// MethodsRefresh is what a refresh found.
type MethodsRefresh struct {
	Deliveries int  `json:"deliveries"`
	Payments   int  `json:"payments"`
	Changed    bool `json:"changed"` // a method was added, removed or changed since the last read
}

// RefreshMethods reads the shop's delivery and payment methods from ColorMe
// (two calls) and stores them. When a read fails, the methods stored before
// stay, and the failure is recorded (ShopMethods.Error) and returned.
func (s *Store) RefreshMethods(ctx context.Context, shopID string, src MethodsSource, now time.Time) (MethodsRefresh, error) {
	ds, err := src.DeliveryMethods(ctx)
	var ps []colorme.PaymentMethod
	if err == nil {
		ps, err = src.PaymentMethods(ctx)
	}
	if err != nil {
		now := now.UTC()
		row := methodReadRow{ShopID: shopID, TriedAt: &now, Error: truncate(err.Error(), 500)}
		if rerr := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "shop_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"tried_at", "error"})}).Create(&row).Error; rerr != nil {
			return MethodsRefresh{}, errors.Join(err, rerr)
		}
		return MethodsRefresh{}, err
	}
	return s.SaveMethods(ctx, shopID, ds, ps, now)
}

// SaveMethods stores the shop's methods as ColorMe listed them: new ones are
// added, changed ones updated (keeping the shop's クール区分), and those ColorMe
// no longer lists removed. It records a successful read at now.
func (s *Store) SaveMethods(ctx context.Context, shopID string, ds []colorme.DeliveryMethod, ps []colorme.PaymentMethod, now time.Time) (MethodsRefresh, error) {
	res := MethodsRefresh{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var oldD []deliveryMethodRow
		if err := tx.Where("shop_id = ?", shopID).Find(&oldD).Error; err != nil {
			return err
		}
		var oldP []paymentMethodRow
		if err := tx.Where("shop_id = ?", shopID).Find(&oldP).Error; err != nil {
			return err
		}
		cool := map[int64]string{}
		for _, r := range oldD {
			cool[r.MethodID] = r.Cool
		}
		newD := make([]deliveryMethodRow, 0, len(ds))
		for _, d := range ds {
			if d.ID <= 0 || slices.ContainsFunc(newD, func(r deliveryMethodRow) bool { return r.MethodID == d.ID }) {
				continue
			}
			newD = append(newD, deliveryMethodRow{ShopID: shopID, MethodID: d.ID, Name: d.Name, MethodType: truncate(d.MethodType, 32),
				SlipNumberUse: d.SlipNumberUse, SlipNumberURL: d.SlipNumberURL, Hidden: d.DisplayState == "hidden", Sort: d.Sort, Cool: cool[d.ID]})
		}
		newP := make([]paymentMethodRow, 0, len(ps))
		for _, p := range ps {
			if p.ID <= 0 || slices.ContainsFunc(newP, func(r paymentMethodRow) bool { return r.MethodID == p.ID }) {
				continue
			}
			newP = append(newP, paymentMethodRow{ShopID: shopID, MethodID: p.ID, Name: p.Name, PaymentType: p.Type, COD: p.IsCOD(),
				Fee: p.Fee, Hidden: !p.Display, Sort: p.Sort})
		}
		res = MethodsRefresh{Deliveries: len(newD), Payments: len(newP), Changed: !sameRows(oldD, newD, deliveryKey) || !sameRows(oldP, newP, paymentKey)}
		if res.Changed {
			if err := tx.Where("shop_id = ?", shopID).Delete(&deliveryMethodRow{}).Error; err != nil {
				return err
			}
			if err := tx.Where("shop_id = ?", shopID).Delete(&paymentMethodRow{}).Error; err != nil {
				return err
			}
			if len(newD) > 0 {
				if err := tx.Create(&newD).Error; err != nil {
					return err
				}
			}
			if len(newP) > 0 {
				if err := tx.Create(&newP).Error; err != nil {
					return err
				}
			}
		}
		at := now.UTC()
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "shop_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"read_at", "tried_at", "error"})}).
			Create(&methodReadRow{ShopID: shopID, ReadAt: &at, TriedAt: &at}).Error
	})
	return res, err
}

func deliveryKey(r deliveryMethodRow) int64 { return r.MethodID }
func paymentKey(r paymentMethodRow) int64   { return r.MethodID }

// sameRows reports whether a and b hold the same rows, in any order.
func sameRows[T comparable](a, b []T, key func(T) int64) bool {
	if len(a) != len(b) {
		return false
	}
	byKey := make(map[int64]T, len(a))
	for _, r := range a {
		byKey[key(r)] = r
	}
	for _, r := range b {
		if old, ok := byKey[key(r)]; !ok || old != r {
			return false
		}
	}
	return true
}

// ClaimMethodsRefresh reports whether the shop's methods are due to be read
// again (never read, or last read MethodsRefreshEvery ago, and no attempt in
// the last MethodsRetryEvery) and, when they are, records the attempt at now,
// so that of concurrent callers only one reads them.
func (s *Store) ClaimMethodsRefresh(ctx context.Context, shopID string, now time.Time) (bool, error) {
	return s.claimMethods(ctx, shopID, now, now.Add(-MethodsRefreshEvery))
}

// ClaimMethodsRead is ClaimMethodsRefresh for a sale naming a method the OMS
// does not know (added on ColorMe since the last read): due when no read was
// attempted in the last MethodsRetryEvery, however recent the last read.
func (s *Store) ClaimMethodsRead(ctx context.Context, shopID string, now time.Time) (bool, error) {
	return s.claimMethods(ctx, shopID, now, now)
}

// claimMethods records an attempt at now when the last successful read is no
// later than readBefore and no attempt was made in the last MethodsRetryEvery.
func (s *Store) claimMethods(ctx context.Context, shopID string, now, readBefore time.Time) (bool, error) {
	now = now.UTC()
	db := s.db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&methodReadRow{ShopID: shopID}).Error; err != nil {
		return false, err
	}
	res := db.Model(&methodReadRow{}).
		Where("shop_id = ? AND (read_at IS NULL OR read_at <= ?) AND (tried_at IS NULL OR tried_at <= ?)",
			shopID, readBefore.UTC(), now.Add(-MethodsRetryEvery)).
		Update("tried_at", now)
	return res.RowsAffected == 1, res.Error
}

// SetDeliveryCool sets the クール区分 of one of the shop's delivery methods:
// CoolNone, CoolChilled or CoolFrozen. It stays across refreshes.
func (s *Store) SetDeliveryCool(ctx context.Context, shopID string, methodID int64, cool string) error {
	if cool != CoolNone && cool != CoolChilled && cool != CoolFrozen {
		return &staffmsg.StaffError{En: fmt.Sprintf("cool class %q: use none, chilled or frozen", cool),
			Ja: "クール区分は「なし」「冷蔵」「冷凍」から選んでください。"}
	}
	res := s.db.WithContext(ctx).Model(&deliveryMethodRow{}).Where("shop_id = ? AND method_id = ?", shopID, methodID).Update("cool", cool)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return &staffmsg.StaffError{En: fmt.Sprintf("shop %s has no delivery method %d: read the methods again (`starter shop methods -shop %s`)", shopID, methodID, shopID),
			Ja: fmt.Sprintf("配送方法ID %d はこの店舗にありません。「配送・決済方法を再取得」を押してから、もう一度選んでください。", methodID)}
	}
	return nil
}

// truncate cuts s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
