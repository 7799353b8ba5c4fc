package metrics

import "sync"

// MaxShops is how many shops get their own shop label; the shops seen after
// them share the label OtherShops, so a deployment with many shops keeps a
// bounded number of series. Shops are labelled in the order the process
// first meets them.
const MaxShops = 50

// OtherShops is the shop label of every shop past the first MaxShops.
const OtherShops = "other"

var shopLabels = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

// ShopLabel returns the shop label of shopID: the shop ID itself for the first
// MaxShops shops the process meets, OtherShops for the rest, "" for none.
func ShopLabel(shopID string) string {
	if shopID == "" {
		return ""
	}
	shopLabels.Lock()
	defer shopLabels.Unlock()
	if shopLabels.seen[shopID] {
		return shopID
	}
	if len(shopLabels.seen) >= MaxShops {
		return OtherShops
	}
	shopLabels.seen[shopID] = true
	return shopID
}
