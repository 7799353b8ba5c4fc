// Package rules holds the shipping-export rules (発送情報の更新) of DESIGN §2 as pure
// functions: which OMS orders are targets, and what ColorMe must be told for each.
package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/jst"
	"github.com/colorme-sync/colorme-sync/internal/msg"
)

// OMS order statuses (value — label).
const (
	StatusNew              = "new"               // 新規受付
	StatusProcessing       = "processing"        // 処理中
	StatusAwaitingPayment  = "awaiting_payment"  // 入金待ち
	StatusAwaitingShipment = "awaiting_shipment" // 発送待ち
	StatusShipped          = "shipped"           // 出荷済み
	StatusCompleted        = "completed"         // 完了
	StatusOnHold           = "on_hold"           // 保留
	StatusCancelled        = "cancelled"         // キャンセル
)

// Statuses lists every OMS status in workflow order.
var Statuses = []string{StatusNew, StatusProcessing, StatusAwaitingPayment, StatusAwaitingShipment,
	StatusShipped, StatusCompleted, StatusOnHold, StatusCancelled}

// StatusLabels maps each OMS status to its Japanese label.
var StatusLabels = map[string]string{
	StatusNew: "新規受付", StatusProcessing: "処理中", StatusAwaitingPayment: "入金待ち",
	StatusAwaitingShipment: "発送待ち", StatusShipped: "出荷済み", StatusCompleted: "完了",
	StatusOnHold: "保留", StatusCancelled: "キャンセル",
}

// ValidStatus reports whether s is a known OMS status.
func ValidStatus(s string) bool {
	_, ok := StatusLabels[s]
	return ok
}

// Tokyo is jst.Zone (Asia/Tokyo), where ship dates are calendar dates; the
// rules' name for it.
var Tokyo = jst.Zone

// DefaultWindowDays is the default 作成期間.
const DefaultWindowDays = 3

// Order is an OMS order as the rules see it.
type Order struct {
	SaleID             int64      `json:"sale_id"`
	Status             string     `json:"status"`
	OrderedAt          time.Time  `json:"ordered_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	BundleParentSaleID int64      `json:"bundle_parent_sale_id,omitempty"` // 0 = not bundled
	Deliveries         []Delivery `json:"deliveries"`
	// MailOwed: an earlier export planned this sale's shipping mail and the mail
	// ledger has not recorded it sent (e.g. the mail failed after the delivery
	// write landed).
	MailOwed bool `json:"mail_owed,omitempty"`
	// Paid: staff marked the sale 入金済み in the OMS (入金連携); the export
	// then makes ColorMe show it paid.
	Paid bool `json:"paid,omitempty"`
	// PaidMailOwed: an earlier export planned this sale's 入金確認メール and its
	// ledger has not recorded it sent.
	PaidMailOwed bool `json:"paid_mail_owed,omitempty"`
}

// Delivery is the OMS side of one ColorMe sale_delivery.
type Delivery struct {
	ID         int64  `json:"id"`                    // ColorMe sale_delivery id
	SlipNumber string `json:"slip_number,omitempty"` // tracking number (伝票番号), "" = none
	ShippedOn  string `json:"shipped_on,omitempty"`  // ship date (出荷日) YYYY-MM-DD in JST, "" = none
}

// Options are the run options that change the plan.
type Options struct {
	WindowDays      int  `json:"window_days"`
	RequireShipDate bool `json:"require_ship_date"`
	SendMail        bool `json:"send_mail"`
	// SendPaidMail: send ColorMe's 入金確認メール when the export marks a sale
	// paid (入金確認メールを送る).
	SendPaidMail bool `json:"send_paid_mail,omitempty"`
}

// Window returns the bounds of rules 2 and 3 at asOf: orders placed at or after
// orderedSince and updated at or after updatedSince are inside.
//
// The calendar year of rule 2 is taken on the Tokyo calendar, so the bound depends
// only on the instant asOf, not on the zone it is written in: AddDate works on the
// wall clock of asOf's location, and e.g. 2028-03-01T05:00+09:00 and the same
// instant 2028-02-29T20:00Z would otherwise give bounds a day apart.
func Window(asOf time.Time, windowDays int) (orderedSince, updatedSince time.Time) {
	return asOf.In(Tokyo).AddDate(-1, 0, 0), asOf.Add(-time.Duration(windowDays) * 24 * time.Hour)
}

// Excluded says which rule keeps an order from being a target, and why.
type Excluded struct {
	Rule   int    // 1–4, the rule of the package comment; 0: the order is a target
	Reason string // in English (msg catalogue; msg.Ja for staff), prefixed "rule N: "; "" for a target
}

// Exclude returns the first rule that excludes the order at asOf (Rule 0 when
// it is a target). Callers branch on Rule, never on Reason's text.
func Exclude(o Order, asOf time.Time, windowDays int) Excluded {
	orderedSince, updatedSince := Window(asOf, windowDays)
	rule := func(n int, m msg.Message, args ...any) Excluded {
		return Excluded{Rule: n, Reason: m.Format(args...)}
	}
	switch {
	case o.Status == StatusNew:
		return rule(1, msg.RuleNew)
	case o.Status == StatusCancelled:
		return rule(1, msg.RuleCancelled)
	case o.OrderedAt.Before(orderedSince):
		return rule(2, msg.RuleOld, o.OrderedAt.In(Tokyo).Format(time.RFC3339), asOf.In(Tokyo).Format(time.RFC3339))
	case o.UpdatedAt.Before(updatedSince):
		return rule(3, msg.RuleStale, o.UpdatedAt.In(Tokyo).Format(time.RFC3339), windowDays)
	case o.BundleParentSaleID != 0 && o.BundleParentSaleID != o.SaleID:
		return rule(4, msg.RuleBundled, o.BundleParentSaleID)
	}
	return Excluded{}
}

// Exclusion returns why the order is not a target at asOf (Exclude's Reason),
// or "" when it is one.
func Exclusion(o Order, asOf time.Time, windowDays int) string {
	return Exclude(o, asOf, windowDays).Reason
}

// IsTarget reports whether the order is exported at asOf (rules 1–4).
func IsTarget(o Order, asOf time.Time, windowDays int) bool {
	return Exclusion(o, asOf, windowDays) == ""
}

// Outcome is what a run did with one order.
type Outcome string

// The outcomes of one order in a run.
const (
	OutcomeUpdated   Outcome = "updated"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeSkipped   Outcome = "skipped"
	OutcomeFailed    Outcome = "failed"
	// OutcomePlanned is what a dry run records for an order it would update.
	OutcomePlanned Outcome = "planned"
)

// MinDays and MaxDays bound every look-back in days: the export window
// (window_days) and the import's days.
const (
	MinDays = 1
	MaxDays = 365
)

// MaxTrackingNumberLen is the longest tracking number (伝票番号) the OMS and
// the shipment CSV accept.
const MaxTrackingNumberLen = 64

// ValidDays reports whether d lies within MinDays..MaxDays.
func ValidDays(d int) bool { return d >= MinDays && d <= MaxDays }

// Plan is what must be written to ColorMe for one sale.
type Plan struct {
	SaleID     int64                    `json:"sale_id"`
	Deliveries []colorme.DeliveryUpdate `json:"deliveries,omitempty"` // empty = no write
	SendMail   bool                     `json:"send_mail,omitempty"`  // send the delivered mail after the write
	// Paid: write paid:true (入金済み); never false. SendPaidMail: send the
	// 入金確認メール after it.
	Paid         bool    `json:"paid,omitempty"`
	SendPaidMail bool    `json:"send_paid_mail,omitempty"`
	Outcome      Outcome `json:"outcome"` // updated (to be), unchanged, skipped, failed
	Reason       string  `json:"reason,omitempty"`
}

// NeedsWrite reports whether the plan writes to ColorMe.
func (p Plan) NeedsWrite() bool {
	return len(p.Deliveries) > 0 || p.SendMail || p.Paid || p.SendPaidMail
}

// Evaluate decides what ColorMe must show for a target order, given the sale as
// ColorMe shows it now (DESIGN §2). It never clears a slip number, never sends
// delivered=false and plans nothing when ColorMe already agrees.
func Evaluate(o Order, sale colorme.Sale, opt Options) Plan {
	p := Plan{SaleID: o.SaleID}
	if sale.Canceled {
		p.Outcome, p.Reason = OutcomeSkipped, msg.SaleCancelled.Format()
		return p
	}
	onColorMe := make(map[int64]colorme.SaleDelivery, len(sale.SaleDeliveries))
	for _, d := range sale.SaleDeliveries {
		onColorMe[d.ID] = d
	}
	after := make(map[int64]bool, len(sale.SaleDeliveries)) // delivered after the write
	for _, d := range sale.SaleDeliveries {
		after[d.ID] = d.Delivered
	}
	var unknown []string
	for _, d := range o.Deliveries {
		cm, ok := onColorMe[d.ID]
		if !ok {
			unknown = append(unknown, fmt.Sprint(d.ID))
			continue
		}
		slip := strings.TrimSpace(d.SlipNumber)
		var u colorme.DeliveryUpdate
		if slip != "" && slip != cm.Slip() {
			s := slip
			u.SlipNumber = &s
		}
		if DeliveredWanted(d, opt.RequireShipDate) && !cm.Delivered {
			t := true
			u.Delivered = &t
			after[d.ID] = true
		}
		if u.SlipNumber != nil || u.Delivered != nil {
			u.ID = d.ID
			p.Deliveries = append(p.Deliveries, u)
		}
	}
	if len(unknown) > 0 {
		p.Deliveries = nil
		p.Outcome = OutcomeFailed
		p.Reason = msg.UnknownDelivery.Format(strings.Join(unknown, ", "))
		return p
	}
	// The shipping mail goes when this run turns the sale delivered (all its
	// deliveries), or when an earlier run did and its mail is still owed — and
	// only while ColorMe says not_yet: sent and pass mean no, and null (or any
	// other value) is unknown, so nothing is sent rather than risk a second mail.
	turns := len(p.Deliveries) > 0 && !sale.AllDelivered() && allDeliveredAfter(sale, after)
	owed := o.MailOwed && sale.AllDelivered() && allDeliveredAfter(sale, after)
	if opt.SendMail && (turns || owed) {
		switch sale.DeliveredMailState {
		case colorme.MailNotYet:
			p.SendMail = true
		case colorme.MailSent, colorme.MailPass:
		default:
			p.Reason = MailStateUnknownNote(sale.DeliveredMailState)
		}
	}
	planPayment(&p, o, sale, opt)
	if p.NeedsWrite() {
		p.Outcome = OutcomeUpdated
	} else {
		p.Outcome = OutcomeUnchanged
	}
	return p
}

// planPayment adds 入金連携 to the plan: paid:true when the OMS has the sale
// 入金済み and ColorMe does not (never paid:false), and, with SendPaidMail, the
// 入金確認メール when this write turns the sale paid or an earlier run's mail
// is still owed — only while ColorMe's paid_mail_state is not_yet, and never
// for a split-off sale (ColorMe sends the paid mail of the parent only).
func planPayment(p *Plan, o Order, sale colorme.Sale, opt Options) {
	if !o.Paid {
		return
	}
	p.Paid = !sale.Paid
	if !opt.SendPaidMail || (!p.Paid && !o.PaidMailOwed) {
		return
	}
	if sale.Segment != nil && sale.Segment.ParentSaleID != 0 && sale.Segment.ParentSaleID != sale.ID {
		p.Reason = joinNote(p.Reason, fmt.Sprintf("paid mail not sent: sale %d is split off sale %d and ColorMe sends the 入金確認メール of the parent only", sale.ID, sale.Segment.ParentSaleID))
		return
	}
	switch sale.PaidMailState {
	case colorme.MailNotYet:
		p.SendPaidMail = true
	case colorme.MailSent, colorme.MailPass:
	default:
		shown := "null"
		if sale.PaidMailState != "" {
			shown = strconv.Quote(sale.PaidMailState)
		}
		p.Reason = joinNote(p.Reason, "paid mail not sent: ColorMe shows paid_mail_state "+shown+
			", not not_yet, so whether it went is unknown and it is never sent twice; send it from ColorMe's order screen if the customer should get it")
	}
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// MailStateUnknownNote explains why no shipping mail was sent for a sale whose
// delivered_mail_state is neither not_yet, sent nor pass (null in ColorMe's
// documented example).
func MailStateUnknownNote(state string) string {
	shown := "null"
	if state != "" {
		shown = strconv.Quote(state)
	}
	return msg.MailStateUnknown.Format(shown)
}

// DeliveredWanted reports whether the rules want the delivery marked 配送済み: it
// has a tracking number, and a ship date too when requireShipDate (the checkbox) is on.
func DeliveredWanted(d Delivery, requireShipDate bool) bool {
	if strings.TrimSpace(d.SlipNumber) == "" {
		return false
	}
	return !requireShipDate || strings.TrimSpace(d.ShippedOn) != ""
}

// allDeliveredAfter reports whether every delivery of the sale is delivered once
// the plan is applied. It walks the sale's slice, not the map, to stay
// deterministic inside workflows.
func allDeliveredAfter(sale colorme.Sale, after map[int64]bool) bool {
	if len(sale.SaleDeliveries) == 0 {
		return false
	}
	for _, d := range sale.SaleDeliveries {
		if !after[d.ID] {
			return false
		}
	}
	return true
}
