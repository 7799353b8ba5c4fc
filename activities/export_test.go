package activities_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/colorme-sync/colorme-sync/activities"
	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/sandbox"
	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

func setup(t *testing.T) (*activities.Activities, *sandbox.Server, *testsuite.TestActivityEnvironment) {
	t.Helper()
	st := testenv.OpenStore(t)
	sb := sandbox.New(sandbox.Options{Tokens: []string{"tok-123456"}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	require.NoError(t, st.CreateShop(ctx, oms.Shop{ID: "s1", APIBaseURL: srv.URL}))
	require.NoError(t, st.SetAccessToken(ctx, "s1", "tok-123456"))
	sb.Seed(colorme.Sale{ID: 1, SaleDeliveries: []colorme.SaleDelivery{{ID: 11}}})
	a := &activities.Activities{Store: st, ColorMe: &activities.ClientFactory{Store: st}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return a, sb, env
}

// TestMalformedColorMeAnswer ends the activity with a clear, retryable error,
// not a panic.
func TestMalformedColorMeAnswer(t *testing.T) {
	a, sb, env := setup(t)
	sb.SetFaults(sandbox.Faults{MalformedRate: 1})
	_, err := env.ExecuteActivity(a.ReadColorMeState, activities.ReadColorMeStateInput{ShopID: "s1", SaleIDs: []int64{1}})
	require.Error(t, err)
	require.Contains(t, err.Error(), "malformed response body")
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.Equal(t, activities.ErrColorMeUnavailable, appErr.Type())
	require.False(t, appErr.NonRetryable())
}

// TestRevokedTokenIsNotRetried classifies 401 as ReconnectNeeded, without the token in the message.
func TestRevokedTokenIsNotRetried(t *testing.T) {
	a, sb, env := setup(t)
	sb.RevokeToken("tok-123456")
	_, err := env.ExecuteActivity(a.ReadColorMeState, activities.ReadColorMeStateInput{ShopID: "s1", SaleIDs: []int64{1}})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, activities.ErrReconnectNeeded, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.NotContains(t, err.Error(), "tok-123456")
}

// TestUnknownShop says which shop and what to do.
func TestUnknownShop(t *testing.T) {
	a, _, env := setup(t)
	_, err := env.ExecuteActivity(a.ReadColorMeState, activities.ReadColorMeStateInput{ShopID: "nope", SaleIDs: []int64{1}})
	require.ErrorContains(t, err, `shop "nope" does not exist`)
}
