package connect_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/internal/connect"
)

func TestParseCallback(t *testing.T) {
	for in, want := range map[string]connect.Callback{
		"https://oms.example.com/cb?code=ABC&state=S1":              {Code: "ABC", State: "S1"},
		"  http://127.0.0.1:8765/callback?state=S2&code=X%2BY#frag": {Code: "X+Y", State: "S2"},
		"?error=access_denied&state=S3":                             {Error: "access_denied", State: "S3"},
		"code=Z&state=S4":                                           {Code: "Z", State: "S4"},
		"RAWCODE123\n":                                              {Code: "RAWCODE123"},
	} {
		got, err := connect.ParseCallback(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "   ", "two words", "https://oms.example.com/cb?foo=bar"} {
		_, err := connect.ParseCallback(in)
		assert.Equal(t, connect.KindBadInput, connect.KindOf(err), in)
	}
}

func TestIsLocal(t *testing.T) {
	assert.True(t, connect.IsLocal("http://localhost:8765/callback"))
	assert.True(t, connect.IsLocal("http://127.0.0.1/cb"))
	assert.True(t, connect.IsLocal("http://[::1]:9000/cb"))
	assert.False(t, connect.IsLocal("https://localhost/cb"), "we serve plain http only")
	assert.False(t, connect.IsLocal("https://oms.example.com/cb"))
}
