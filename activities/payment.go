package activities

import (
	"context"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
)

// 入金連携 in the export's UpdateSale: paid:true once, and the 入金確認メール
// at most once, by the same rules as the delivery write and the shipping mail.

// updatePayment writes paid:true when the plan says so and ColorMe does not
// show it yet (a retried attempt re-reads first, after the stale-read window,
// so a write whose answer was lost is not repeated), then sends the
// 入金確認メール once (sendOnce with paidMail). The mail is recorded owed in its
// ledger before the write: should it fail after the write landed, a later run
// still sends it. res is what the delivery part did.
func (a *Activities) updatePayment(ctx context.Context, client *colorme.Client, in UpdateSaleInput, res UpdateSaleResult, started time.Time) (UpdateSaleResult, error) {
	saleID := in.Plan.SaleID
	if in.Plan.SendPaidMail {
		if err := a.Store.Payments.MarkPaidMailOwed(ctx, in.ShopID, saleID, in.RunID); err != nil {
			return UpdateSaleResult{}, err
		}
	}
	var current *colorme.Sale
	if in.Plan.Paid {
		if activity.GetInfo(ctx).Attempt > 1 {
			if err := a.waitFresh(ctx, started); err != nil {
				return UpdateSaleResult{}, err
			}
			s, err := a.readSale(ctx, client, saleID)
			if err != nil {
				return UpdateSaleResult{}, err
			}
			if s.Canceled {
				res.Note = joinNote(res.Note, "sale was cancelled on ColorMe meanwhile: not marked paid")
				return res, nil
			}
			current = &s
		}
		if current != nil && current.Paid {
			res.PaidWritten, res.Written = true, true
			res.Note = joinNote(res.Note, "paid written by an earlier attempt whose answer was lost")
		} else {
			s, err := client.MarkPaid(ctx, saleID)
			if err != nil {
				return UpdateSaleResult{}, classify(ctx, err)
			}
			current = &s
			res.PaidWritten, res.Written = true, true
		}
	}
	if in.Plan.SendPaidMail {
		mailed, note, err := a.sendOnce(ctx, client, in, a.paidMail(), current, started, activity.GetInfo(ctx).Attempt > 1)
		if err != nil {
			return UpdateSaleResult{}, err
		}
		res.PaidMailed = mailed
		res.Note = joinNote(res.Note, note)
	}
	return res, nil
}

// paidMail is the 入金確認メール: its own ledger and ColorMe's paid_mail_state.
func (a *Activities) paidMail() saleMail {
	return saleMail{name: "paid mail", claim: a.Store.Payments.ClaimPaidMail, markSent: a.Store.Payments.MarkPaidMailSent,
		state: func(s colorme.Sale) string { return s.PaidMailState },
		send:  (*colorme.Client).SendPaidMail, unknown: paidMailUnknownNote}
}

func paidMailUnknownNote(state string) string {
	return "paid mail not sent: ColorMe shows paid_mail_state " + strconv.Quote(state) +
		", not not_yet, so it is never sent twice; send it from ColorMe's order screen if the customer should get it"
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
