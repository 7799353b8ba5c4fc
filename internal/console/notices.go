package console

import (
	"github.com/colorme-sync/colorme-sync/internal/notify"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// noticeLine is one open problem on お知らせ.
type noticeLine struct {
	notify.Notification
	ShopName string
}

// notices is お知らせ: the open problems of every shop the user sees (an
// admin every shop, staff the shops they were given), newest first, each with
// the page where it is fixed.
func (s *Server) notices(rq *request) error {
	shops, err := s.shopsFor(rq.ctx(), rq.user)
	if err != nil {
		return err
	}
	names := map[string]string{}
	ids := make([]string, 0, len(shops))
	for _, sh := range shops {
		names[sh.ID], ids = shopName(sh), append(ids, sh.ID)
	}
	open, err := notify.NewStore(s.d.Store.DB()).Open(rq.ctx(), ids)
	if err != nil {
		return err
	}
	lines := make([]noticeLine, len(open))
	for i, n := range open {
		lines[i] = noticeLine{Notification: n, ShopName: names[n.ShopID]}
	}
	return s.render(rq, "notices", "お知らせ", map[string]any{"Lines": lines})
}

// openNotices counts the open problems of the shops the user sees, for the
// header's お知らせ link; a failure only hides the count.
func (s *Server) openNotices(rq *request) int {
	counts, err := notify.NewStore(s.d.Store.DB()).CountOpen(rq.r.Context())
	if err != nil {
		s.d.Logger.Warn("console: counting the open notifications failed", "error", err)
		return 0
	}
	shops, err := s.shopsFor(rq.r.Context(), rq.user)
	if err != nil {
		s.d.Logger.Warn("console: listing the user's shops for お知らせ failed", "error", err)
		return 0
	}
	n := 0
	for _, sh := range shops {
		n += counts[sh.ID]
	}
	return n
}

func shopName(sh shops.Shop) string {
	if sh.Name != "" {
		return sh.Name
	}
	return sh.ID
}
