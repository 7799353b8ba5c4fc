package teststack

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// TestDevServerRestarts: the core's dev server answers, carries the search
// attribute the workflows set, and starts again on its database file and
// address after Stop.
func TestDevServerRestarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	addr, err := FreeAddr()
	require.NoError(t, err)
	opts := DevServerOptions{HostPort: addr, DBFile: filepath.Join(t.TempDir(), "temporal.db")}
	srv, err := StartDevServer(ctx, opts)
	require.NoError(t, err)
	require.Equal(t, addr, srv.FrontendHostPort())
	attrs, err := srv.Client().OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	require.NoError(t, err)
	require.Contains(t, attrs.GetCustomAttributes(), "ColorMeShop")
	require.NoError(t, srv.Stop())
	<-srv.Done()

	srv, err = StartDevServer(ctx, opts)
	require.NoError(t, err)
	defer func() { _ = srv.Stop() }()
	_, err = srv.Client().CheckHealth(ctx, &client.CheckHealthRequest{})
	require.NoError(t, err)
}
