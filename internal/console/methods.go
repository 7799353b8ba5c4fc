package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/shops"
	"github.com/colorme-sync/colorme-sync/internal/staffmsg"
)

// 配送・決済方法: the shop's delivery and payment methods as last read from
// ColorMe, each delivery method with its label program (送り状ソフト) and the
// shop's クール区分; 「再取得」 reads them again now (as `starter shop methods
// -refresh`), 「保存」 sets a method's クール区分 (as `-cool`).

// methodsData is what the page shows.
type methodsData struct {
	Methods    shops.ShopMethods
	Deliveries []methodLine
	NeverRead  bool
}

// methodLine is one delivery method with its program and クール区分 choices.
type methodLine struct {
	shops.DeliveryMethod
	Program string // "" = no known carrier
	Cools   []orderOption
}

func (s *Server) methodsPage(rq *request) error {
	return s.renderMethods(rq, http.StatusOK, "")
}

func (s *Server) renderMethods(rq *request, status int, errMsg string) error {
	m, err := s.d.Store.Shops.Methods(rq.ctx(), rq.shop.ID)
	if err != nil {
		return err
	}
	data := methodsData{Methods: m, NeverRead: m.ReadAt.IsZero()}
	for _, d := range m.Deliveries {
		line := methodLine{DeliveryMethod: d, Program: app.ProgramName(d)}
		for _, c := range []string{shops.CoolNone, shops.CoolChilled, shops.CoolFrozen} {
			v := c
			if v == "" {
				v = "none"
			}
			line.Cools = append(line.Cools, orderOption{Value: v, Label: shops.CoolLabel(c), Selected: c == d.Cool})
		}
		data.Deliveries = append(data.Deliveries, line)
	}
	return s.renderStatus(rq, status, "methods", "配送・決済方法", data, errMsg)
}

// methodsRefresh is 「再取得」: the methods read from ColorMe now.
func (s *Server) methodsRefresh(rq *request) error {
	res, err := app.RefreshMethods(rq.ctx(), s.d.Config, s.d.Store, s.d.HTTPClient, rq.shop.ID, s.d.Now())
	if msg := staffmsg.StaffMessage(err); msg != "" {
		s.d.Logger.Warn("console: reading the shop's methods failed", "shop", rq.shop.ID, "by", rq.user.Login, "err", err)
		return s.renderMethods(rq, http.StatusBadGateway, msg)
	}
	if err != nil {
		return err
	}
	s.d.Logger.Info("console: shop methods read", "shop", rq.shop.ID, "by", rq.user.Login, "deliveries", res.Deliveries, "payments", res.Payments, "changed", res.Changed)
	msg := fmt.Sprintf("カラーミーショップから配送方法 %d 件・決済方法 %d 件を読み込みました (前回から変更%s)。", res.Deliveries, res.Payments, map[bool]string{true: "あり", false: "なし"}[res.Changed])
	return s.redirect(rq, "/shops/"+rq.shop.ID+"/methods", msg)
}

// methodsCool is 「保存」 of a delivery method's クール区分.
func (s *Server) methodsCool(rq *request) error {
	id, err := strconv.ParseInt(rq.r.PathValue("method"), 10, 64)
	if err != nil || id <= 0 {
		return notFound("配送方法が見つかりません。配送・決済方法の画面から操作してください。")
	}
	cool := rq.r.PostFormValue("cool")
	if cool == "none" {
		cool = shops.CoolNone
	}
	err = s.d.Store.Shops.SetDeliveryCool(rq.ctx(), rq.shop.ID, id, cool)
	if msg := staffmsg.StaffMessage(err); msg != "" {
		return s.renderMethods(rq, http.StatusBadRequest, msg)
	}
	if err != nil {
		return err
	}
	s.d.Logger.Info("console: delivery method cool class set", "shop", rq.shop.ID, "method", id, "cool", cool, "by", rq.user.Login)
	return s.redirect(rq, "/shops/"+rq.shop.ID+"/methods", fmt.Sprintf("配送方法ID %d のクール区分を「%s」にしました。", id, shops.CoolLabel(cool)))
}
