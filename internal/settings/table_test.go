package settings

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTableRows(t *testing.T) {
	keys, fields := map[string]bool{}, map[string]bool{}
	for _, d := range Table {
		assert.False(t, keys[d.Key], "key %s twice", d.Key)
		assert.False(t, fields[d.Field], "field %s twice", d.Field)
		keys[d.Key], fields[d.Field] = true, true
		assert.NotEmpty(t, d.Label, "%s: Japanese label", d.Key)
		assert.NotEmpty(t, d.LabelEN, "%s: English label", d.Key)
		switch v := d.Default.(type) {
		case int:
			assert.True(t, d.Min <= v && v <= d.Max, "%s: default %d outside %d..%d", d.Key, v, d.Min, d.Max)
			assert.Positive(t, d.Min, "%s: min", d.Key)
			assert.NotEmpty(t, d.Unit, "%s: unit", d.Key)
			assert.NotEmpty(t, d.UnitEN, "%s: English unit", d.Key)
		case bool:
			assert.Zero(t, d.Max, "%s: a switch has no bounds", d.Key)
		case string:
			if d.Check != nil {
				require.NoError(t, d.Check(v), "%s: default fails its check", d.Key)
				assert.NotEmpty(t, d.Invalid, "%s: staff message for a failed check", d.Key)
			}
		default:
			t.Errorf("%s: default %v is not a bool, int or string", d.Key, d.Default)
		}
		got, ok := Lookup(d.Key)
		assert.True(t, ok && got == d, "Lookup(%s)", d.Key)
	}
	assert.Panics(t, func() { Get("no_such_setting") })
}

// sample holds the table's fields, as shops.ShopSettings does.
type sample struct {
	ImportEnabled         bool   `json:"import_enabled"`
	ImportIntervalMinutes int    `json:"import_interval_minutes"`
	ImportDays            int    `json:"import_days"`
	ExportEnabled         bool   `json:"export_enabled"`
	ExportIntervalMinutes int    `json:"export_interval_minutes"`
	ExportOnChange        bool   `json:"export_on_change"`
	StockEnabled          bool   `json:"stock_enabled"`
	StockIntervalMinutes  int    `json:"stock_interval_minutes"`
	WindowDays            int    `json:"window_days"`
	RequireShipDate       bool   `json:"require_ship_date"`
	SendMail              bool   `json:"send_mail"`
	SendPaidMail          bool   `json:"send_paid_mail"`
	NotifyEmail           string `json:"notify_email"`
	NotifyWebhookURL      string `json:"notify_webhook_url"`
	NotifySaleFailures    int    `json:"notify_sale_failures"`
	NotifyLagMinutes      int    `json:"notify_lag_minutes"`
}

func TestSetDefaultsProblems(t *testing.T) {
	var s sample
	Defaults(&s)
	assert.Equal(t, 7, s.ImportDays)
	assert.True(t, s.ExportOnChange)
	require.Empty(t, Problems(s))

	require.NoError(t, Set(&s, " window_days ", " 366 "))
	require.NoError(t, Set(&s, "send_mail", "true"))
	require.NoError(t, Set(&s, "notify_email", "not an address"))
	assert.EqualError(t, Set(&s, "import_days", "seven"), `setting import_days: bad value "seven"`)
	assert.EqualError(t, Set(&s, "export_enabled", "maybe"), `setting export_enabled: bad value "maybe"`)
	assert.EqualError(t, Set(&s, "nope", "1"), `unknown setting "nope"`)
	assert.True(t, s.SendMail)

	ps := Problems(s)
	require.Len(t, ps, 2)
	assert.Equal(t, "window_days must be between 1 and 365, got 366", ps[0].Err.Error())
	assert.Equal(t, "作成期間は1〜365日で入力してください", ps[0].Staff())
	assert.Equal(t, NotifyEmail, ps[1].Def)
	assert.Contains(t, ps[1].Staff(), "メールアドレスをカンマ区切りで")
	assert.ErrorContains(t, Validate(s), "notify_email:")

	pairs := Pairs(s)
	require.Len(t, pairs, len(Table))
	assert.Equal(t, [2]string{"window_days", "366"}, pairs[8])
	assert.Equal(t, [2]string{"send_mail", "true"}, pairs[10])
}

func TestVerify(t *testing.T) {
	require.NoError(t, Verify(reflectType[sample]()))
	type missing struct {
		ImportEnabled bool `json:"import_enabled"`
		Extra         int  `json:"extra"`
	}
	err := Verify(reflectType[missing]())
	assert.ErrorContains(t, err, "setting import_days: missing has no field ImportDays")
	assert.ErrorContains(t, err, "field missing.Extra has no row")
	type wrong struct {
		ImportEnabled string `json:"import_on"`
	}
	err = Verify(reflectType[wrong]())
	assert.ErrorContains(t, err, `field ImportEnabled has json tag "import_on"`)
}

func TestBoundsAndClamp(t *testing.T) {
	assert.Equal(t, "1-1440 minutes", NotifyLagMinutes.Bounds())
	assert.Equal(t, 1, NotifyLagMinutes.Clamp(0))
	assert.Equal(t, 100, NotifySaleFailures.Clamp(1000))
	assert.NoError(t, ImportDays.CheckInt(365))
	assert.EqualError(t, ImportDays.CheckInt(0), "import_days must be between 1 and 365, got 0")
}

func reflectType[T any]() reflect.Type { return reflect.TypeFor[T]() }
