package activities_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// The retry paths of 入金連携 in UpdateSale: paid:true is written once and the
// 入金確認メール sent once, whichever request loses its answer.

func paidInput(r *retryRig) activities.UpdateSaleInput {
	return activities.UpdateSaleInput{ShopID: "s1", RunID: r.runID, Plan: rules.Plan{
		SaleID: retrySale, Paid: true, SendPaidMail: true, Outcome: rules.OutcomeUpdated}}
}

func TestUpdateSale_PaymentRetried(t *testing.T) {
	for _, tc := range []struct {
		name           string
		method, suffix string
		applied        bool
		puts, mails    int // requests ColorMe received
	}{
		// The paid PUT lands, its answer is lost: the retry re-reads and writes nothing.
		{"LostPaidAnswerNotRepeated", http.MethodPut, "/v1/sales/1.json", true, 1, 1},
		// The paid PUT never reaches ColorMe: the retry writes it.
		{"PaidFailedBeforeColorMeIsWritten", http.MethodPut, "/v1/sales/1.json", false, 1, 1},
		// The paid mail goes out, its answer is lost: ColorMe's paid_mail_state
		// says sent and the retry sends no second mail.
		{"LostPaidMailAnswerSentOnce", http.MethodPost, "/v1/sales/1/mails.json", true, 1, 1},
		// The paid mail never reaches ColorMe: the retry sends it, once.
		{"PaidMailFailedBeforeColorMeIsSent", http.MethodPost, "/v1/sales/1/mails.json", false, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := setupRetry(t, colorme.MailNotYet)
			r.proxy.fail(tc.method, tc.suffix, tc.applied, nil)
			res, attempts := r.run(t, paidInput(r))

			require.Equal(t, 2, attempts)
			require.True(t, res.PaidWritten)
			require.True(t, res.PaidMailed)
			c := r.sb.Counters()
			require.Equal(t, tc.puts, c.PaidWrites, "paid written once")
			require.Zero(t, c.NoopWrites, "no PUT repeated")
			require.Equal(t, tc.mails, c.PaidMailsBySale[retrySale], "one 入金確認メール")
			s, ok := r.sb.Sale(retrySale)
			require.True(t, ok)
			require.True(t, s.Paid)
			require.Equal(t, colorme.MailSent, s.PaidMailState)
			owed, err := r.a.Store.Payments.PaidMailsOwed(context.Background(), "s1", []int64{retrySale})
			require.NoError(t, err)
			require.Empty(t, owed, "the ledger records the mail as sent")
		})
	}
}

// TestUpdateSale_PaidMailLedgerSentSendsNothing: the ledger already records the
// 入金確認メール sent (an earlier run): nothing is sent again.
func TestUpdateSale_PaidMailLedgerSentSendsNothing(t *testing.T) {
	r := setupRetry(t, colorme.MailNotYet)
	require.NoError(t, r.a.Store.Payments.MarkPaidMailSent(context.Background(), "s1", retrySale))
	res, _ := r.run(t, paidInput(r))
	require.True(t, res.PaidWritten)
	require.False(t, res.PaidMailed)
	require.Contains(t, res.Note, "paid mail was already sent")
	require.Empty(t, r.sb.Counters().PaidMailsBySale)
}
