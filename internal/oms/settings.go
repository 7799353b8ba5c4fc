package oms

import (
	"fmt"
	"strconv"
	"strings"
)

// SettingKeys are the keys Set accepts besides the settings: the shop's own fields.
var SettingKeys = []string{"name", "api_base_url", "client_id", "redirect_url"}

// SettingPairs returns the settings as key/value pairs, in the order shown to staff.
func SettingPairs(s ShopSettings) [][2]string {
	return [][2]string{
		{"import_enabled", strconv.FormatBool(s.ImportEnabled)},
		{"import_interval_minutes", strconv.Itoa(s.ImportIntervalMinutes)},
		{"import_days", strconv.Itoa(s.ImportDays)},
		{"export_enabled", strconv.FormatBool(s.ExportEnabled)},
		{"export_interval_minutes", strconv.Itoa(s.ExportIntervalMinutes)},
		{"export_on_change", strconv.FormatBool(s.ExportOnChange)},
		{"window_days", strconv.Itoa(s.WindowDays)},
		{"require_ship_date", strconv.FormatBool(s.RequireShipDate)},
		{"send_mail", strconv.FormatBool(s.SendMail)},
	}
}

// Set changes one field or setting of the shop by key (see SettingPairs and
// SettingKeys). An unknown key or a bad value is an error naming the key; ranges
// are checked by Settings.Validate.
func (sh *Shop) Set(key, value string) error {
	k, v := strings.TrimSpace(key), strings.TrimSpace(value)
	var err error
	st := &sh.Settings
	switch k {
	case "name":
		sh.Name = v
	case "api_base_url":
		sh.APIBaseURL = v
	case "client_id":
		sh.ClientID = v
	case "redirect_url":
		sh.RedirectURL = v
	case "import_enabled":
		st.ImportEnabled, err = strconv.ParseBool(v)
	case "import_interval_minutes":
		st.ImportIntervalMinutes, err = strconv.Atoi(v)
	case "import_days":
		st.ImportDays, err = strconv.Atoi(v)
	case "export_enabled":
		st.ExportEnabled, err = strconv.ParseBool(v)
	case "export_interval_minutes":
		st.ExportIntervalMinutes, err = strconv.Atoi(v)
	case "export_on_change":
		st.ExportOnChange, err = strconv.ParseBool(v)
	case "window_days":
		st.WindowDays, err = strconv.Atoi(v)
	case "require_ship_date":
		st.RequireShipDate, err = strconv.ParseBool(v)
	case "send_mail":
		st.SendMail, err = strconv.ParseBool(v)
	default:
		return fmt.Errorf("unknown setting %q", k)
	}
	if err != nil {
		return fmt.Errorf("setting %s: bad value %q", k, v)
	}
	return nil
}
