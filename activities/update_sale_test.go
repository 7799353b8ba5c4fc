package activities_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// The retry paths of UpdateSale: only a second attempt re-reads the sale
// (stillNeeded) and meets a claimed mail in the ledger (sendOnce), so
// these tests run the real activity under a small workflow with a retry
// policy, against the sandbox behind a proxy that fails chosen requests.

// faulty sits in front of the sandbox. For the first request matching a
// rule it either answers 500 without passing the request on (lost before
// ColorMe), or passes it on and then answers 500 (applied, answer lost).
type faulty struct {
	h     http.Handler
	mu    sync.Mutex
	rules []*faultRule
	puts  []string // bodies of the PUTs passed to the sandbox
}

type faultRule struct {
	method, suffix string
	apply          bool   // pass the request on before answering 500
	before         func() // runs before the request is answered (or passed on)
	used           bool
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var hit *faultRule
	for _, fr := range f.rules {
		if !fr.used && r.Method == fr.method && strings.HasSuffix(r.URL.Path, fr.suffix) {
			fr.used, hit = true, fr
			break
		}
	}
	if r.Method == http.MethodPut {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if hit == nil || hit.apply {
			f.puts = append(f.puts, string(b))
		}
	}
	f.mu.Unlock()
	if hit == nil {
		f.h.ServeHTTP(w, r)
		return
	}
	if hit.before != nil {
		hit.before()
	}
	if hit.apply {
		f.h.ServeHTTP(httptest.NewRecorder(), r)
	}
	http.Error(w, `{"errors":[{"code":500000,"message":"internal error"}]}`, http.StatusInternalServerError)
}

func (f *faulty) fail(method, suffix string, apply bool, before func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &faultRule{method: method, suffix: suffix, apply: apply, before: before})
}

func (f *faulty) putBodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.puts...)
}

type retryRig struct {
	a     *activities.Activities
	sb    *sandbox.Server
	proxy *faulty
	runID int64
}

const retrySale = int64(1)

// setupRetry makes the rig; the sandbox serves fresh reads and the activities
// trust them at once (no stale-read window) unless the test sets both.
func setupRetry(t *testing.T, mailState string) *retryRig {
	t.Helper()
	st := testenv.OpenStore(t)
	sb := sandbox.New(sandbox.Options{Tokens: []string{"tok-123456"}})
	proxy := &faulty{h: sb}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	require.NoError(t, st.Shops.CreateShop(ctx, shops.Shop{ID: "s1", APIBaseURL: srv.URL}))
	require.NoError(t, st.Shops.SetAccessToken(ctx, "s1", "tok-123456"))
	sb.Seed(colorme.Sale{ID: retrySale, DeliveredMailState: mailState, SaleDeliveries: []colorme.SaleDelivery{{ID: 11}}})
	runID, err := st.StartRun(ctx, oms.Run{ShopID: "s1", Kind: oms.KindExport, RunKey: "k-" + t.Name(), AsOf: time.Now().UTC()})
	require.NoError(t, err)
	return &retryRig{a: &activities.Activities{Store: st, ColorMe: &activities.ClientFactory{Store: st}, StaleReadWindow: -1},
		sb: sb, proxy: proxy, runID: runID}
}

func (r *retryRig) input(sendMail bool) activities.UpdateSaleInput {
	slip, delivered := "TRK000001", true
	return activities.UpdateSaleInput{ShopID: "s1", RunID: r.runID, Plan: rules.Plan{
		SaleID: retrySale, SendMail: sendMail, Outcome: rules.OutcomeUpdated,
		Deliveries: []colorme.DeliveryUpdate{{ID: 11, SlipNumber: &slip, Delivered: &delivered}},
	}}
}

// run executes UpdateSale as a workflow does, retried up to three attempts,
// and returns its result and the number of attempts made.
func (r *retryRig) run(t *testing.T, in activities.UpdateSaleInput) (activities.UpdateSaleResult, int) {
	t.Helper()
	env := testenv.WorkflowEnv() // quiet: attempt 1 fails on purpose
	env.RegisterActivity(r.a)
	attempts := 0
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in activities.UpdateSaleInput) (activities.UpdateSaleResult, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
		})
		var res activities.UpdateSaleResult
		err := workflow.ExecuteActivity(ctx, r.a.UpdateSale, in).Get(ctx, &res)
		return res, err
	}, workflow.RegisterOptions{Name: "UpdateSaleOnce"})
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { attempts++ })
	env.ExecuteWorkflow("UpdateSaleOnce", in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res activities.UpdateSaleResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res, attempts
}

func (r *retryRig) mailOwed(t *testing.T) bool {
	t.Helper()
	owed, err := r.a.Store.MailsOwed(context.Background(), "s1", []int64{retrySale})
	require.NoError(t, err)
	return owed[retrySale]
}

func (r *retryRig) requireWritten(t *testing.T) {
	t.Helper()
	s, ok := r.sb.Sale(retrySale)
	require.True(t, ok)
	require.Equal(t, "TRK000001", s.SaleDeliveries[0].Slip())
	require.True(t, s.SaleDeliveries[0].Delivered)
}

// TestUpdateSale_LostWriteAnswerNotRepeated: the PUT lands but its answer is
// lost; the retried attempt re-reads the sale, finds the write there and sends
// no second PUT.
func TestUpdateSale_LostWriteAnswerNotRepeated(t *testing.T) {
	r := setupRetry(t, "")
	r.proxy.fail(http.MethodPut, "/v1/sales/1.json", true, nil)
	res, attempts := r.run(t, r.input(false))

	require.Equal(t, 2, attempts)
	require.True(t, res.Written)
	require.False(t, res.Mailed)
	require.Equal(t, "written by an earlier attempt whose answer was lost", res.Note)
	c := r.sb.Counters()
	require.Equal(t, 1, c.Writes, "the retry writes nothing")
	require.Equal(t, 1, c.WritesApplied)
	require.Equal(t, 0, c.Mails)
	r.requireWritten(t)
}

// TestUpdateSale_RetryWritesWhatIsMissing: the first PUT never reaches
// ColorMe and meanwhile the slip number appears there (written by hand); the
// retried attempt writes only the delivered flag.
func TestUpdateSale_RetryWritesWhatIsMissing(t *testing.T) {
	r := setupRetry(t, "")
	slip := "TRK000001"
	r.proxy.fail(http.MethodPut, "/v1/sales/1.json", false, func() {
		r.sb.Seed(colorme.Sale{ID: retrySale, SaleDeliveries: []colorme.SaleDelivery{{ID: 11, SlipNumber: &slip}}})
	})
	res, attempts := r.run(t, r.input(false))

	require.Equal(t, 2, attempts)
	require.True(t, res.Written)
	require.Empty(t, res.Note)
	puts := r.proxy.putBodies()
	require.Len(t, puts, 1)
	require.Contains(t, puts[0], `"delivered":true`)
	require.NotContains(t, puts[0], "slip_number", "the slip ColorMe shows is not written again")
	require.Equal(t, 1, r.sb.Counters().Writes)
	r.requireWritten(t)
}

// TestUpdateSale_MailRetried: the write lands and the mail request fails; the
// retry finds the mail claimed in the ledger and reads ColorMe's mail state to
// decide whether to send it. Either way ColorMe sends one mail, the write is
// not repeated and the ledger records the mail as sent.
func TestUpdateSale_MailRetried(t *testing.T) {
	for _, tc := range []struct {
		name    string
		applied bool // the failed request reached ColorMe; only its answer was lost
		note    string
	}{
		// The mail goes out but its answer is lost: ColorMe's mail state says
		// sent, and the retry sends no second mail.
		{"LostMailAnswerSentOnce", true, "shipping mail sent by an earlier attempt"},
		// The mail request is lost before ColorMe: its mail state is still
		// not_yet, and the retry sends it: once.
		{"MailFailedBeforeColorMeIsSent", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := setupRetry(t, colorme.MailNotYet)
			r.proxy.fail(http.MethodPost, "/v1/sales/1/mails.json", tc.applied, nil)
			res, attempts := r.run(t, r.input(true))

			require.Equal(t, 2, attempts)
			require.True(t, res.Written)
			require.True(t, res.Mailed)
			require.Equal(t, tc.note, res.Note)
			c := r.sb.Counters()
			require.Equal(t, 1, c.Mails, "one mail request")
			require.Equal(t, 1, c.MailsBySale[retrySale], "one mail sent")
			require.Equal(t, 1, c.Writes, "the write of the first attempt is not repeated")
			require.False(t, r.mailOwed(t), "the ledger records the mail as sent")
			r.requireWritten(t)
		})
	}
}

// TestUpdateSale_LedgerSentSendsNothing: the ledger already records the mail
// as sent (an earlier run): a first attempt sends nothing, whatever ColorMe's
// mail state says.
func TestUpdateSale_LedgerSentSendsNothing(t *testing.T) {
	r := setupRetry(t, colorme.MailNotYet)
	require.NoError(t, r.a.Store.MarkMailSent(context.Background(), "s1", retrySale))
	res, attempts := r.run(t, r.input(true))

	require.Equal(t, 1, attempts)
	require.True(t, res.Written)
	require.False(t, res.Mailed)
	require.Equal(t, "shipping mail was already sent", res.Note)
	require.Equal(t, 0, r.sb.Counters().Mails)
}
