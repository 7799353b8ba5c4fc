package sandbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/sandbox"
)

// TestFaultsDurationJSON: Faults.Timeout and ProductFaults.StaleReads travel as
// Go duration strings; an absent or empty one decodes as 0 (even into a value
// that had one), and any other text is refused with time's own message.
func TestFaultsDurationJSON(t *testing.T) {
	b, err := json.Marshal(sandbox.Faults{Timeout: 1500 * time.Millisecond})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"timeout":"1.5s"`)
	b, err = json.Marshal(sandbox.ProductFaults{StaleReads: 5 * time.Second, LoseAnswers: 2})
	require.NoError(t, err)
	assert.JSONEq(t, `{"stale_reads":"5s","lose_answers":2}`, string(b))

	f := sandbox.Faults{Timeout: time.Minute, Seed: 3}
	require.NoError(t, json.Unmarshal([]byte(`{"timeout":"2s","error_rate":0.5}`), &f))
	assert.Equal(t, sandbox.Faults{Timeout: 2 * time.Second, ErrorRate: 0.5, Seed: 3}, f)
	require.NoError(t, json.Unmarshal([]byte(`{"seed":4}`), &f))
	assert.Equal(t, sandbox.Faults{ErrorRate: 0.5, Seed: 4}, f)
	f.Timeout = time.Minute
	assert.EqualError(t, json.Unmarshal([]byte(`{"timeout":"soon"}`), &f), `time: invalid duration "soon"`)
	assert.Zero(t, f.Timeout)

	p := sandbox.ProductFaults{StaleReads: time.Minute, LoseAnswers: 1}
	require.NoError(t, json.Unmarshal([]byte(`{"stale_reads":"250ms"}`), &p))
	assert.Equal(t, sandbox.ProductFaults{StaleReads: 250 * time.Millisecond, LoseAnswers: 1}, p)
	require.NoError(t, json.Unmarshal([]byte(`{"stale_reads":"","lose_answers":3}`), &p))
	assert.Equal(t, sandbox.ProductFaults{LoseAnswers: 3}, p)
	p.StaleReads = time.Minute
	assert.EqualError(t, json.Unmarshal([]byte(`{"stale_reads":"5"}`), &p), `time: missing unit in duration "5"`)
	assert.Zero(t, p.StaleReads)
}
