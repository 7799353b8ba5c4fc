package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUserManagement is ユーザー管理: an admin adds, re-roles, resets and deletes
// operators; staff are refused; the last admin can be neither demoted nor
// removed; no password or hash ever reaches a page or the log.
func TestUserManagement(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const bossPW, staffPW, newPW = "boss-password-1", "yamada-initial-1", "yamada-second-22"
	boss := h.addUser("boss", accounts.RoleAdmin, bossPW)
	secrets := []string{bossPW, staffPW, newPW, "$2a$", "$2b$"}
	noSecrets := func(page string) {
		t.Helper()
		for _, s := range secrets {
			assert.NotContains(t, page, s)
		}
	}

	status, page := boss.get("/users")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "<h1>ユーザー管理</h1>")
	assert.Contains(t, page, `id="user-boss"`)
	noSecrets(page)

	add := func(login, role, pw, confirm string) (int, string) {
		return boss.post("/users", url.Values{"login": {login}, "role": {role}, "password": {pw}, "password_confirm": {confirm}})
	}
	status, page = add("yamada", "staff", staffPW, staffPW+"x")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "パスワードと確認用のパスワードが一致しません")
	assert.Contains(t, page, `value="yamada"`, "the login is kept in the form")
	noSecrets(page)
	status, page = add("yamada", "staff", "short", "short")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "パスワードは10文字以上にしてください")
	status, page = add("Bad Login!", "staff", staffPW, staffPW)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "ログインIDは半角英小文字・数字")
	status, _ = add("yamada", "owner", staffPW, staffPW)
	assert.Equal(t, http.StatusBadRequest, status)
	users, err := h.st.Accounts.Users(ctx)
	require.NoError(t, err)
	assert.Len(t, users, 1, "nothing added by refused forms")

	status, page = add("yamada", "staff", staffPW, staffPW)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ユーザー「yamada」(スタッフ) を追加しました")
	assert.Contains(t, page, `id="user-yamada"`)
	noSecrets(page)
	status, page = add("yamada", "admin", staffPW, staffPW)
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, page, "ログインID「yamada」はすでに使われています")

	// Staff cannot reach ユーザー管理 nor its actions.
	yamada := h.login("yamada", staffPW)
	status, page = yamada.get("/users")
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, page, "この操作は管理者 (admin) だけができます")
	assert.NotContains(t, page, `id="user-boss"`)
	for _, path := range []string{"/users/boss/delete", "/users/boss/role", "/users/boss/password"} {
		status, _ = yamada.post(path, url.Values{"confirm": {"on"}, "role": {"staff"}, "password": {newPW}, "password_confirm": {newPW}})
		assert.Equal(t, http.StatusForbidden, status, path)
	}
	status, _ = yamada.post("/users", url.Values{"login": {"sneaky"}, "role": {"admin"}, "password": {newPW}, "password_confirm": {newPW}})
	assert.Equal(t, http.StatusForbidden, status)
	_, body := yamada.get("/shops")
	assert.NotContains(t, body, `href="/users"`, "staff do not see the menu entry")
	_, body = boss.get("/shops")
	assert.Contains(t, body, `href="/users"`)

	// The last admin can be neither demoted nor removed.
	status, page = boss.post("/users/boss/role", url.Values{"role": {"staff"}})
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, page, "ユーザー「boss」は最後の管理者なので、スタッフに変更できません。先に別のユーザーを管理者にしてください。")
	assert.Contains(t, page, `<meta name="get-url" content="/users">`, "a reload shows ユーザー管理, not the form sent again")
	status, page = boss.post("/users/boss/delete", url.Values{"confirm": {"on"}})
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, page, "ユーザー「boss」は最後の管理者なので削除できません。")
	status, page = boss.post("/users/yamada/delete", url.Values{})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "「確認」にチェックを入れてから")
	status, _ = boss.post("/users/nobody/role", url.Values{"role": {"admin"}})
	assert.Equal(t, http.StatusNotFound, status)
	users, err = h.st.Accounts.Users(ctx)
	require.NoError(t, err)
	require.Len(t, users, 2)
	assert.Equal(t, accounts.RoleAdmin, users[0].Role, "boss is still admin")

	// Role change, both ways.
	status, page = boss.post("/users/yamada/role", url.Values{"role": {"admin"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ユーザー「yamada」の権限を管理者に変更しました。")
	status, _ = yamada.get("/users")
	assert.Equal(t, http.StatusOK, status, "yamada is admin now")
	status, page = boss.post("/users/yamada/role", url.Values{"role": {"staff"}})
	require.Equal(t, http.StatusOK, status, page)
	status, _ = yamada.get("/users")
	assert.Equal(t, http.StatusForbidden, status)

	// Password reset: typed twice; the user's sessions end; the new one works.
	status, page = boss.post("/users/yamada/password", url.Values{"password": {newPW}, "password_confirm": {newPW + "!"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "一致しません")
	status, page = boss.post("/users/yamada/password", url.Values{"password": {newPW}, "password_confirm": {newPW}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ユーザー「yamada」のパスワードを再設定しました")
	noSecrets(page)
	_, page = yamada.get("/shops")
	assert.Contains(t, page, `action="/login"`, "yamada's session ended")
	_, err = h.st.Accounts.Authenticate(ctx, "yamada", staffPW)
	assert.ErrorIs(t, err, accounts.ErrBadLogin)
	yamada = h.login("yamada", newPW)

	// Delete.
	status, page = boss.post("/users/yamada/delete", url.Values{"confirm": {"on"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ユーザー「yamada」を削除しました。")
	assert.NotContains(t, page, `id="user-yamada"`)
	_, page = yamada.get("/shops")
	assert.Contains(t, page, `action="/login"`, "a deleted user's session ends")

	logs := h.logs.String()
	assert.Contains(t, logs, `"msg":"console: user added","login":"yamada","role":"staff","by":"boss"`)
	assert.Contains(t, logs, `"msg":"console: user deleted","login":"yamada","role":"staff","by":"boss"`)
	assert.Contains(t, logs, `"msg":"console: user password reset","login":"yamada","by":"boss"`)
	noSecrets(logs)
}

// TestUserManagementSelf: an admin who makes themself staff or resets their own
// password is sent where they still may go.
func TestUserManagementSelf(t *testing.T) {
	h := newHarness(t)
	const pw1, pw2 = "first-admin-pw", "second-admin-pw"
	a := h.addUser("alice", accounts.RoleAdmin, pw1)
	h.addUser("bob", accounts.RoleAdmin, pw2)

	status, page := a.post("/users/alice/password", url.Values{"password": {"alice-new-pass"}, "password_confirm": {"alice-new-pass"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "新しいパスワードでログインし直してください")
	assert.Contains(t, page, `action="/login"`)
	a = h.login("alice", "alice-new-pass")

	status, page = a.post("/users/alice/role", url.Values{"role": {"staff"}})
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ユーザー「alice」の権限をスタッフに変更しました。")
	status, _ = a.get("/users")
	assert.Equal(t, http.StatusForbidden, status)
}
