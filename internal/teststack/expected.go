package teststack

import (
	"time"

	"github.com/colorme-sync/colorme-sync/internal/colorme"
	"github.com/colorme-sync/colorme-sync/internal/rules"
)

// Expected applies the rules to orders and ColorMe's sales independently of the
// workflow: the end state every sale must have after one export at asOf, the
// number of writes and the number of shipping mails.
func Expected(orders []rules.Order, sales []colorme.Sale, asOf time.Time, opt rules.Options) (map[int64]colorme.Sale, int, int) {
	bySale := map[int64]colorme.Sale{}
	for _, s := range sales {
		bySale[s.ID] = s
	}
	writes, mails := 0, 0
	for _, o := range orders {
		if !rules.IsTarget(o, asOf, opt.WindowDays) {
			continue
		}
		s := bySale[o.SaleID]
		p := rules.Evaluate(o, s, opt)
		if len(p.Deliveries) > 0 {
			writes++
		}
		if p.SendMail {
			mails++
			s.DeliveredMailState = colorme.MailSent
		}
		for _, u := range p.Deliveries {
			for i := range s.SaleDeliveries {
				if s.SaleDeliveries[i].ID != u.ID {
					continue
				}
				if u.SlipNumber != nil {
					v := *u.SlipNumber
					s.SaleDeliveries[i].SlipNumber = &v
				}
				if u.Delivered != nil {
					s.SaleDeliveries[i].Delivered = *u.Delivered
				}
			}
		}
		bySale[o.SaleID] = s
	}
	return bySale, writes, mails
}
