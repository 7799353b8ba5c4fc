package activities

import (
	"context"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// 入金連携 in the export's UpdateSale: paid:true once, and the 入金確認メール
// at most once, by the same rules as the delivery write and the shipping mail.

// updatePayment writes paid:true when the plan says so and ColorMe does not
// show it yet (a retried attempt re-reads first, after the stale-read window,
// so a write whose answer was lost is not repeated), then sends the
// 入金確認メール once (sendPaidMailOnce). The mail is recorded owed in its
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
		mailed, note, err := a.sendPaidMailOnce(ctx, client, in, current, started)
		if err != nil {
			return UpdateSaleResult{}, err
		}
		res.PaidMailed = mailed
		res.Note = joinNote(res.Note, note)
	}
	return res, nil
}

// sendPaidMailOnce is sendMailOnce for the 入金確認メール: its own ledger and
// ColorMe's paid_mail_state (not_yet sends; sent and pass are recorded as
// done; anything else sends nothing). A mail claimed before is confirmed only
// by a read made at least the stale-read window after this attempt started.
func (a *Activities) sendPaidMailOnce(ctx context.Context, client *colorme.Client, in UpdateSaleInput, current *colorme.Sale, started time.Time) (bool, string, error) {
	saleID := in.Plan.SaleID
	prev, err := a.Store.Payments.ClaimPaidMail(ctx, in.ShopID, saleID, in.RunID)
	if err != nil {
		return false, "", err
	}
	switch prev {
	case oms.MailSent:
		if activity.GetInfo(ctx).Attempt > 1 {
			return true, "paid mail sent by an earlier attempt", nil
		}
		return false, "paid mail was already sent", nil
	case oms.MailClaimed:
		if err := a.waitFresh(ctx, started); err != nil {
			return false, "", err
		}
		s, err := a.readSale(ctx, client, saleID)
		if err != nil {
			return false, "", err
		}
		current = &s
		if s.PaidMailState == colorme.MailSent {
			return true, "paid mail sent by an earlier attempt", a.Store.Payments.MarkPaidMailSent(ctx, in.ShopID, saleID)
		}
	}
	if current != nil && current.PaidMailState != colorme.MailNotYet {
		switch current.PaidMailState {
		case colorme.MailSent, colorme.MailPass:
			return false, "ColorMe shows the paid mail as " + current.PaidMailState, a.Store.Payments.MarkPaidMailSent(ctx, in.ShopID, saleID)
		default:
			return false, "paid mail not sent: ColorMe shows paid_mail_state " + strconv.Quote(current.PaidMailState) +
				", not not_yet, so it is never sent twice; send it from ColorMe's order screen if the customer should get it", nil
		}
	}
	if err := client.SendPaidMail(ctx, saleID); err != nil {
		return false, "", classify(ctx, err)
	}
	return true, "", a.Store.Payments.MarkPaidMailSent(ctx, in.ShopID, saleID)
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
