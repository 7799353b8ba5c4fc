package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

func paidSale(paid bool, mail string) colorme.Sale {
	return colorme.Sale{ID: 1, Paid: paid, PaidMailState: mail, SaleDeliveries: []colorme.SaleDelivery{{ID: 10}}}
}

// TestPaymentPlan: paid:true only for a sale the OMS has 入金済み and ColorMe
// does not; never paid:false; the 入金確認メール with the setting, only while
// not_yet, when this write turns the sale paid or an earlier run's mail is owed.
func TestPaymentPlan(t *testing.T) {
	on := rules.Options{SendPaidMail: true}
	o := rules.Order{SaleID: 1, Deliveries: []rules.Delivery{{ID: 10}}}
	paid := o
	paid.Paid = true

	p := rules.Evaluate(o, paidSale(false, colorme.MailNotYet), on)
	assert.False(t, p.Paid, "not marked in the OMS: nothing")
	assert.Equal(t, rules.OutcomeUnchanged, p.Outcome)

	p = rules.Evaluate(o, paidSale(true, colorme.MailNotYet), on)
	assert.False(t, p.Paid, "paid on ColorMe, not in the OMS: never unpaid")
	assert.False(t, p.NeedsWrite())

	p = rules.Evaluate(paid, paidSale(false, colorme.MailNotYet), rules.Options{})
	assert.True(t, p.Paid)
	assert.False(t, p.SendPaidMail, "setting off: no mail")
	assert.Equal(t, rules.OutcomeUpdated, p.Outcome)

	p = rules.Evaluate(paid, paidSale(false, colorme.MailNotYet), on)
	assert.True(t, p.Paid)
	assert.True(t, p.SendPaidMail)

	p = rules.Evaluate(paid, paidSale(true, colorme.MailNotYet), on)
	assert.False(t, p.NeedsWrite(), "already paid on ColorMe, no mail owed: nothing")

	owed := paid
	owed.PaidMailOwed = true
	p = rules.Evaluate(owed, paidSale(true, colorme.MailNotYet), on)
	assert.False(t, p.Paid)
	assert.True(t, p.SendPaidMail, "an owed mail goes")

	for _, state := range []string{colorme.MailSent, colorme.MailPass} {
		p = rules.Evaluate(owed, paidSale(true, state), on)
		assert.False(t, p.NeedsWrite(), state)
	}
	p = rules.Evaluate(paid, paidSale(false, ""), on)
	assert.True(t, p.Paid)
	assert.False(t, p.SendPaidMail, "unknown mail state: never risk a second mail")
	assert.Contains(t, p.Reason, "paid_mail_state null")

	split := paidSale(false, colorme.MailNotYet)
	split.Segment = &colorme.Segment{ParentSaleID: 9, Splitted: true}
	p = rules.Evaluate(paid, split, on)
	assert.True(t, p.Paid)
	assert.False(t, p.SendPaidMail, "ColorMe sends a split sale's paid mail from the parent only")

	cancelled := paidSale(false, colorme.MailNotYet)
	cancelled.Canceled = true
	p = rules.Evaluate(paid, cancelled, on)
	assert.False(t, p.NeedsWrite())
	assert.Equal(t, rules.OutcomeSkipped, p.Outcome)
}
