package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// ユーザー管理 (admin only): the console's operators, as `starter user` manages
// them. Passwords are typed twice and never shown; the store keeps only a hash
// and refuses to remove or demote the last admin.

// usersData is what the ユーザー管理 page shows.
type usersData struct {
	Users  []accounts.User
	Shops  []shops.Shop       // every shop, to give to staff users
	Given  map[int64][]string // each staff user's shops
	Form   userForm           // the add form's values (never the password)
	MinLen int
}

// userForm is the add form as posted, without the passwords.
type userForm struct {
	Login string
	Role  string
}

func (s *Server) userList(rq *request) error {
	return s.renderUsers(rq, http.StatusOK, userForm{Role: accounts.RoleStaff}, "")
}

func (s *Server) renderUsers(rq *request, status int, form userForm, errMsg string) error {
	users, err := s.acc.Users(rq.ctx())
	if err != nil {
		return err
	}
	shops, err := s.d.Store.Shops.Shops(rq.ctx())
	if err != nil {
		return err
	}
	given, err := s.acc.AllUserShops(rq.ctx())
	if err != nil {
		return err
	}
	return s.renderStatus(rq, status, "users", "ユーザー管理", usersData{Users: users, Shops: shops, Given: given, Form: form, MinLen: accounts.MinPasswordLen}, errMsg)
}

// userShops is 「担当店舗を保存」: the shops a staff user may see and act on.
func (s *Server) userShops(rq *request) error {
	target, err := s.targetUser(rq, rq.r.PathValue("login"))
	if err != nil {
		return err
	}
	if err := rq.r.ParseForm(); err != nil {
		return badRequest("送信内容を読めませんでした。もう一度お試しください。")
	}
	ids := rq.r.PostForm["shop"]
	if err := s.acc.SetUserShops(rq.ctx(), target.Login, ids); err != nil {
		return s.renderUsers(rq, http.StatusBadRequest, userForm{Role: accounts.RoleStaff}, "担当店舗を保存できませんでした ("+err.Error()+")。店舗一覧にある店舗を選んでもう一度お試しください。")
	}
	s.d.Logger.Info("console: user shops set", "login", target.Login, "shops", strings.Join(ids, ","), "by", rq.user.Login)
	msg := fmt.Sprintf("ユーザー「%s」の担当店舗を保存しました (%d店舗)。", target.Login, len(ids))
	if target.IsAdmin() {
		msg += "管理者はすべての店舗を操作できます。担当店舗はスタッフに変えたときに使われます。"
	}
	return s.redirect(rq, "/users", msg)
}

// userAdd is 「ユーザーを追加」.
func (s *Server) userAdd(rq *request) error {
	f := rq.r
	form := userForm{Login: strings.ToLower(strings.TrimSpace(f.PostFormValue("login"))), Role: f.PostFormValue("role")}
	if msg := checkNewUser(form.Login, form.Role); msg != "" {
		return s.renderUsers(rq, http.StatusBadRequest, form, msg)
	}
	pw := f.PostFormValue("password")
	if msg := checkPassword(pw, f.PostFormValue("password_confirm")); msg != "" {
		return s.renderUsers(rq, http.StatusBadRequest, form, msg)
	}
	users, err := s.acc.Users(rq.ctx())
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Login == form.Login {
			return s.renderUsers(rq, http.StatusConflict, form, "ログインID「"+form.Login+"」はすでに使われています。別のログインIDにするか、一覧でそのユーザーのパスワードを再設定してください。")
		}
	}
	u, err := s.acc.CreateUser(rq.ctx(), form.Login, pw, form.Role)
	if err != nil {
		return s.renderUsers(rq, http.StatusBadRequest, form, "ユーザーを追加できませんでした ("+err.Error()+")。入力を確かめてもう一度お試しください。")
	}
	s.d.Logger.Info("console: user added", "login", u.Login, "role", u.Role, "by", rq.user.Login)
	return s.redirect(rq, "/users", fmt.Sprintf("ユーザー「%s」(%s) を追加しました。初期パスワードを本人に伝えてください。", u.Login, roleLabel(u.Role)))
}

// userRole is 「権限を変更」.
func (s *Server) userRole(rq *request) error {
	login, role := rq.r.PathValue("login"), rq.r.PostFormValue("role")
	target, err := s.targetUser(rq, login)
	if err != nil {
		return err
	}
	if role != accounts.RoleAdmin && role != accounts.RoleStaff {
		return badRequest("権限は「管理者」か「スタッフ」から選んでください。")
	}
	if target.Role == role {
		return s.redirect(rq, "/users", fmt.Sprintf("ユーザー「%s」はすでに%sです。", target.Login, roleLabel(role)))
	}
	if err := s.acc.SetRole(rq.ctx(), target.Login, role); err != nil {
		if s.lastAdmin(rq, target) {
			s.d.Logger.Info("console: demoting the last admin refused", "login", target.Login, "by", rq.user.Login)
			return s.renderUsers(rq, http.StatusConflict, userForm{Role: accounts.RoleStaff},
				fmt.Sprintf("ユーザー「%s」は最後の管理者なので、スタッフに変更できません。先に別のユーザーを管理者にしてください。", target.Login))
		}
		return err
	}
	s.d.Logger.Info("console: user role changed", "login", target.Login, "from", target.Role, "to", role, "by", rq.user.Login)
	msg := fmt.Sprintf("ユーザー「%s」の権限を%sに変更しました。", target.Login, roleLabel(role))
	if target.ID == rq.user.ID {
		// An admin who made themself staff can no longer open this page.
		return s.redirect(rq, "/", msg)
	}
	return s.redirect(rq, "/users", msg)
}

// userPassword is 「パスワードを再設定」: the new password is typed twice; the
// user's sessions end.
func (s *Server) userPassword(rq *request) error {
	target, err := s.targetUser(rq, rq.r.PathValue("login"))
	if err != nil {
		return err
	}
	pw := rq.r.PostFormValue("password")
	if msg := checkPassword(pw, rq.r.PostFormValue("password_confirm")); msg != "" {
		return s.renderUsers(rq, http.StatusBadRequest, userForm{Role: accounts.RoleStaff}, "「"+target.Login+"」のパスワードを再設定できませんでした: "+msg)
	}
	if err := s.acc.SetPassword(rq.ctx(), target.Login, pw); err != nil {
		return err
	}
	s.d.Logger.Info("console: user password reset", "login", target.Login, "by", rq.user.Login)
	if target.ID == rq.user.ID {
		return s.redirect(rq, "/login", "パスワードを変更しました。新しいパスワードでログインし直してください。")
	}
	return s.redirect(rq, "/users", fmt.Sprintf("ユーザー「%s」のパスワードを再設定しました。ログイン中だった画面はログアウトされます。新しいパスワードを本人に伝えてください。", target.Login))
}

// userDelete is 「削除」: it needs the confirmation box ticked.
func (s *Server) userDelete(rq *request) error {
	target, err := s.targetUser(rq, rq.r.PathValue("login"))
	if err != nil {
		return err
	}
	if rq.r.PostFormValue("confirm") != "on" {
		return s.renderUsers(rq, http.StatusBadRequest, userForm{Role: accounts.RoleStaff},
			"ユーザー「"+target.Login+"」は削除していません。削除するときは「確認」にチェックを入れてから「削除」を押してください。")
	}
	if err := s.acc.DeleteUser(rq.ctx(), target.Login); err != nil {
		if s.lastAdmin(rq, target) {
			s.d.Logger.Info("console: deleting the last admin refused", "login", target.Login, "by", rq.user.Login)
			return s.renderUsers(rq, http.StatusConflict, userForm{Role: accounts.RoleStaff},
				fmt.Sprintf("ユーザー「%s」は最後の管理者なので削除できません。先に別のユーザーを管理者にしてください。", target.Login))
		}
		return err
	}
	s.d.Logger.Info("console: user deleted", "login", target.Login, "role", target.Role, "by", rq.user.Login)
	if target.ID == rq.user.ID {
		return s.redirect(rq, "/login", "自分のユーザー「"+target.Login+"」を削除しました。")
	}
	return s.redirect(rq, "/users", fmt.Sprintf("ユーザー「%s」を削除しました。", target.Login))
}

// targetUser finds the user a /users/{login}/… action is about.
func (s *Server) targetUser(rq *request, login string) (accounts.User, error) {
	users, err := s.acc.Users(rq.ctx())
	if err != nil {
		return accounts.User{}, err
	}
	login = strings.ToLower(strings.TrimSpace(login))
	for _, u := range users {
		if u.Login == login {
			return u, nil
		}
	}
	return accounts.User{}, notFound("ユーザー「" + login + "」は見つかりません。すでに削除されたかもしれません。ユーザー管理の一覧から選び直してください。")
}

// lastAdmin reports whether target is an admin with no other admin beside it:
// what the store refuses to remove or demote.
func (s *Server) lastAdmin(rq *request, target accounts.User) bool {
	if !target.IsAdmin() {
		return false
	}
	users, err := s.acc.Users(rq.ctx())
	if err != nil {
		return false
	}
	for _, u := range users {
		if u.IsAdmin() && u.ID != target.ID {
			return false
		}
	}
	return true
}

// checkNewUser names what is wrong with a new login or role, in staff's words.
func checkNewUser(login, role string) string {
	if role != accounts.RoleAdmin && role != accounts.RoleStaff {
		return "権限は「管理者」か「スタッフ」から選んでください。"
	}
	if err := accounts.ValidateUser(login, strings.Repeat("x", accounts.MinPasswordLen), role); err != nil {
		return "ログインIDは半角英小文字・数字と . _ @ - の2〜63文字で、英小文字か数字で始めてください (例: yamada)。"
	}
	return ""
}

// checkPassword names what is wrong with a password typed twice.
func checkPassword(pw, confirm string) string {
	switch {
	case pw == "":
		return "パスワードを入力してください。"
	case pw != confirm:
		return "パスワードと確認用のパスワードが一致しません。同じパスワードを2回入力してください。"
	case len([]rune(pw)) < accounts.MinPasswordLen:
		return fmt.Sprintf("パスワードは%d文字以上にしてください。", accounts.MinPasswordLen)
	case len(pw) > 72:
		return "パスワードは72バイト (半角72文字) 以内にしてください。"
	}
	if err := accounts.ValidateUser("check", pw, accounts.RoleStaff); err != nil {
		return "このパスワードは使えません (" + err.Error() + ")。"
	}
	return ""
}

// roleLabel is a role in staff's words.
func roleLabel(role string) string {
	if role == accounts.RoleAdmin {
		return "管理者"
	}
	return "スタッフ"
}
