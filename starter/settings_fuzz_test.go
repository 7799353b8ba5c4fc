package main

import (
	"strings"
	"testing"

	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// FuzzApplySettings feeds arbitrary key=value lists to the settings parser of
// `starter shop set`: it must never panic, and whatever it accepts must be valid.
func FuzzApplySettings(f *testing.F) {
	for _, seed := range []string{
		"window_days=3", "window_days=0", "send_mail=true require_ship_date=false",
		"import_interval_minutes=30 import_days=7", "export_enabled=maybe", "=", "name=ショップ",
		"window_days=99999999999999999999", "unknown=1", "api_base_url=https://api.shop-pro.jp",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := shops.Shop{ID: "fuzz", Settings: shops.DefaultSettings()}
		if err := applySettings(&s, strings.Fields(in)); err == nil {
			if verr := s.Settings.Validate(); verr != nil {
				t.Fatalf("accepted %q but the settings are invalid: %v", in, verr)
			}
		}
	})
}
