// Package jst is Japan Standard Time: the zone of ColorMe's dates, of the OMS's
// ship dates (calendar dates in Japan) and of every time shown to shop staff
// and operators, and the layout such a time is written in.
package jst

import "time"

// Zone is Asia/Tokyo. Japan has had no daylight saving time since 1951, so a
// fixed zone is exact and needs no tzdata in the image.
var Zone = time.FixedZone("Asia/Tokyo", 9*60*60)

// Layout is how an instant is written for people: 2026-12-06 22:04:05 JST.
const Layout = "2006-01-02 15:04:05 JST"

// Format writes t in Japan time with Layout.
func Format(t time.Time) string { return t.In(Zone).Format(Layout) }
