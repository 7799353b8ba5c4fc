package oms

import (
	"fmt"
	"strconv"
	"strings"
)

// SettingKeys are the keys Set accepts besides the settings: the shop's own fields.
var SettingKeys = []string{"name", "api_base_url", "client_id", "redirect_url"}

// settingField is one setting: its key and where it is held (*bool, *int or *string).
type settingField struct {
	key string
	ptr any
}

// settingFields are s's settings, in the order shown to staff.
func settingFields(s *ShopSettings) []settingField {
	return []settingField{
		{"import_enabled", &s.ImportEnabled},
		{"import_interval_minutes", &s.ImportIntervalMinutes},
		{"import_days", &s.ImportDays},
		{"export_enabled", &s.ExportEnabled},
		{"export_interval_minutes", &s.ExportIntervalMinutes},
		{"export_on_change", &s.ExportOnChange},
		{"window_days", &s.WindowDays},
		{"require_ship_date", &s.RequireShipDate},
		{"send_mail", &s.SendMail},
		{"notify_email", &s.NotifyEmail},
		{"notify_webhook_url", &s.NotifyWebhookURL},
		{"notify_sale_failures", &s.NotifySaleFailures},
		{"notify_lag_minutes", &s.NotifyLagMinutes},
		{"stock_enabled", &s.StockEnabled},
		{"stock_interval_minutes", &s.StockIntervalMinutes},
	}
}

// SettingPairs returns the settings as key/value pairs, in the order shown to staff.
func SettingPairs(s ShopSettings) [][2]string {
	fields := settingFields(&s)
	out := make([][2]string, len(fields))
	for i, f := range fields {
		switch p := f.ptr.(type) {
		case *bool:
			out[i] = [2]string{f.key, strconv.FormatBool(*p)}
		case *int:
			out[i] = [2]string{f.key, strconv.Itoa(*p)}
		case *string:
			out[i] = [2]string{f.key, *p}
		}
	}
	return out
}

// Set changes one field or setting of the shop by key (see SettingPairs and
// SettingKeys). An unknown key or a bad value is an error naming the key; ranges
// are checked by Settings.Validate.
func (sh *Shop) Set(key, value string) error {
	k, v := strings.TrimSpace(key), strings.TrimSpace(value)
	own := map[string]*string{"name": &sh.Name, "api_base_url": &sh.APIBaseURL, "client_id": &sh.ClientID, "redirect_url": &sh.RedirectURL}
	if p, ok := own[k]; ok {
		*p = v
		return nil
	}
	for _, f := range settingFields(&sh.Settings) {
		if f.key != k {
			continue
		}
		var err error
		switch p := f.ptr.(type) {
		case *bool:
			*p, err = strconv.ParseBool(v)
		case *int:
			*p, err = strconv.Atoi(v)
		case *string:
			*p = v
		}
		if err != nil {
			return fmt.Errorf("setting %s: bad value %q", k, v)
		}
		return nil
	}
	return fmt.Errorf("unknown setting %q", k)
}
