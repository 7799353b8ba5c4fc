package shops

import (
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/settings"
)

// SettingKeys are the keys Set accepts besides the settings: the shop's own fields.
var SettingKeys = []string{"name", "api_base_url", "client_id", "redirect_url"}

// SettingPairs returns the settings as key/value pairs, in the order shown to staff.
func SettingPairs(s ShopSettings) [][2]string { return settings.Pairs(s) }

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
	return settings.Set(&sh.Settings, k, v)
}
