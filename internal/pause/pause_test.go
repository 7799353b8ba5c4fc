package pause_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/pause"
)

func TestForSleeps(t *testing.T) {
	start := time.Now()
	require.NoError(t, pause.For(context.Background(), 20*time.Millisecond))
	require.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
}

func TestForEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	require.ErrorIs(t, pause.For(ctx, time.Hour), context.Canceled)
}

func TestForNothingToWait(t *testing.T) {
	require.NoError(t, pause.For(context.Background(), 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, pause.For(ctx, -time.Second), context.Canceled)
	require.ErrorIs(t, pause.For(ctx, time.Hour), context.Canceled)
}
