package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/colorme-sync/colorme-sync/internal/accounts"
	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
)

// TestUploadBadRowThenFixed is データ取込 as staff do it: a file with bad rows is
// refused with every problem by line and nothing applied; the fixed file is
// previewed (still nothing applied) and 「取込」 applies it all; the summary links
// to 受注一覧 and データ書出.
func TestUploadBadRowThenFixed(t *testing.T) {
	h := newHarness(t)
	const shop = "up1"
	h.addShopWithOrders(shop, map[int64][]int64{1001: {10011}, 1002: {10021}, 1003: {10031, 10032}})
	staff := h.addUser("staff1", accounts.RoleStaff, "staff-password-1")
	d := dataToday()

	status, page := staff.get("/shops/" + shop + "/upload")
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "<h1>データ取込</h1>")
	assert.Contains(t, page, "受注番号,お届け先ID,伝票番号,出荷日", "the format is on the page")
	assert.Contains(t, page, `href="/shops/up1/upload/sample.csv"`)

	bad := "受注番号,お届け先ID,伝票番号,出荷日\n" +
		"1001,,T-1001," + d + "\n" +
		"1002,,T-1002,2026-02-30\n" + // line 3: not a date (the parser)
		"1003,,T-1003," + d + "\n" // line 4: two deliveries, no id (the OMS)
	status, page = staff.upload(shop, "bad.csv", []byte(bad))
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, page, "問題が2件あります")
	assert.Contains(t, page, "3行目")
	assert.Contains(t, page, "出荷日「2026-02-30」が日付として読めません。2026-05-01 や 2026/5/1 の形で")
	assert.Contains(t, page, "4行目")
	assert.Contains(t, page, "受注番号 1003 にはお届け先が2件 (お届け先ID: 10031, 10032) あります。お届け先IDの列に")
	assertJapaneseProblems(t, page)
	assert.Less(t, strings.Index(page, "3行目"), strings.Index(page, "4行目"), "problems by line")
	assert.NotContains(t, page, `name="token"`, "no 「取込」 for a refused file")
	assert.Contains(t, page, "UTF-8")
	for sale, want := range map[int64][]string{1001: {""}, 1002: {""}, 1003: {"", ""}} {
		assert.Equal(t, want, h.slips(shop, sale), "nothing applied to sale %d", sale)
	}

	fixed := []byte("受注番号,お届け先ID,伝票番号,出荷日\r\n" +
		"1001,,T-1001," + strings.ReplaceAll(d, "-", "/") + "\r\n" +
		"1002,,T-1002,\r\n" +
		"1003,10031,T-1003-1," + d + "\r\n" +
		"1003,10032,T-1003-2," + d + "\r\n" +
		"1001,,T-1001," + d + "\r\n") // line 6 repeats line 2
	sum := sha256.Sum256(fixed)
	status, page = staff.upload(shop, "fixed.csv", fixed)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "fixed.csv")
	assert.Contains(t, page, hex.EncodeToString(sum[:]), "the SHA-256 is shown")
	assert.Contains(t, page, `<dd id="encoding">UTF-8</dd>`)
	assert.Contains(t, page, "ヘッダー行あり")
	assert.Contains(t, page, `<dd id="rows">5行</dd>`)
	assert.Contains(t, page, `<dd id="change-count">4件 (受注3件)</dd>`)
	assert.Contains(t, page, `<dd id="problem-count">0件</dd>`)
	assert.Contains(t, page, "6行目", "the duplicate row is noted")
	for _, cell := range []string{`<td><a href="/shops/up1/orders/1001">1001</a></td>` + "<td>10011</td><td>T-1001</td><td>" + d + "</td>", `<td><a href="/shops/up1/orders/1002">1002</a></td>` + "<td>10021</td><td>T-1002</td><td>-</td>",
		`<td><a href="/shops/up1/orders/1003">1003</a></td>` + "<td>10032</td><td>T-1003-2</td>"} {
		assert.Contains(t, page, cell)
	}
	assert.Equal(t, []string{""}, h.slips(shop, 1001), "a preview applies nothing")

	form := dataApplyForm(t, page)
	// 「取込」 needs the previewed file's SHA-256 and this session.
	wrong := url.Values{"token": form["token"], "sha256": {strings.Repeat("0", 64)}}
	status, page = staff.post("/shops/"+shop+"/upload/apply", wrong)
	assert.Equal(t, http.StatusBadRequest, status, page)
	assert.Contains(t, page, "SHA-256")
	other := h.addUser("staff2", accounts.RoleStaff, "staff-password-2")
	status, page = other.post("/shops/"+shop+"/upload/apply", form)
	assert.Equal(t, http.StatusGone, status, page)
	assert.Contains(t, page, "プレビューしたファイルが見つかりません")
	assert.Equal(t, []string{""}, h.slips(shop, 1001))

	status, page = staff.post("/shops/"+shop+"/upload/apply", form)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込が完了しました: お届け先4件 (受注3件) の伝票番号・出荷日を更新しました。")
	assert.Contains(t, page, "次の発送情報の更新 (スケジュールまたは「発送情報の更新」ボタン) でカラーミーショップに反映されます。",
		"a shop not connected has no on-change export: the page says what sends the change")
	assert.NotContains(t, page, `id="done-auto"`)
	assert.Contains(t, page, `id="upload-done"`)
	assert.Contains(t, page, `href="/shops/up1/orders"`)
	assert.Contains(t, page, `href="/shops/up1/export"`)
	assert.Contains(t, page, "staff1")
	assert.Equal(t, []string{"T-1001 " + d}, h.slips(shop, 1001))
	assert.Equal(t, []string{"T-1002"}, h.slips(shop, 1002))
	assert.Equal(t, []string{"T-1003-1 " + d, "T-1003-2 " + d}, h.slips(shop, 1003))
	assert.Contains(t, h.logs.String(), `"msg":"console: shipping CSV applied","shop":"up1","by":"staff1"`)

	status, page = staff.post("/shops/"+shop+"/upload/apply", form)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "このファイルはすでに取り込み済みです。", "a second click applies nothing again")

	// The same file again changes nothing: no 「取込」.
	status, page = staff.upload(shop, "fixed.csv", fixed)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "変更はありません")
	assert.NotContains(t, page, `name="token"`)
}

// assertJapaneseProblems checks that the page's problem list is in staff's
// words: no English message of the parser or the store, no CLI command.
func assertJapaneseProblems(t *testing.T, page string) {
	t.Helper()
	start := strings.Index(page, `<table id="problems"`)
	require.GreaterOrEqual(t, start, 0, "the problems are listed")
	list := page[start : start+strings.Index(page[start:], "</table>")]
	for _, english := range []string{"sale ", "delivery", "tracking", "ship date", "the file", "starter", "`", "&#96;"} {
		assert.NotContains(t, list, english)
	}
}

// TestUploadOMSChangedBeforeApply: an order cancelled between the preview and
// 「取込」 is caught by the apply's own check, and nothing is applied.
func TestUploadOMSChangedBeforeApply(t *testing.T) {
	h := newHarness(t)
	const shop = "up3"
	h.addShopWithOrders(shop, map[int64][]int64{3001: {30011}, 3002: {30021}})
	admin := h.addUser("admin3", accounts.RoleAdmin, "admin-password-3")
	status, page := admin.upload(shop, "ship.csv", []byte("3001,,A-3001,\n3002,,A-3002,\n"))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "ヘッダー行なし")
	form := dataApplyForm(t, page)

	_, err := h.st.SetStatus(context.Background(), shop, 3002, rules.StatusCancelled, time.Now())
	require.NoError(t, err)
	status, page = admin.post("/shops/"+shop+"/upload/apply", form)
	assert.Equal(t, http.StatusConflict, status, page)
	assert.Contains(t, page, "プレビューの後に受注が変わったため、取り込めませんでした。何も変更していません。")
	assert.Contains(t, page, "2行目")
	assert.Contains(t, page, "受注番号 3002 はステータスが「キャンセル」のため、伝票番号を登録できません。本当に出荷した場合は、先に受注ページでステータスを変更してから")
	assertJapaneseProblems(t, page)
	assert.Equal(t, []string{""}, h.slips(shop, 3001), "all or nothing")
	assert.Equal(t, []string{""}, h.slips(shop, 3002))

	status, page = admin.post("/shops/"+shop+"/upload/apply", form)
	assert.Equal(t, http.StatusGone, status, "a refused file must be uploaded again: %s", page)
}

// TestUploadShiftJIS: a Shift_JIS file as Japanese Excel saves it, with a header
// only Shift_JIS can carry, is read, previewed and applied.
func TestUploadShiftJIS(t *testing.T) {
	h := newHarness(t)
	const shop = "up2"
	h.addShopWithOrders(shop, map[int64][]int64{2001: {20011}, 2002: {20021}})
	staff := h.addUser("staff-sjis", accounts.RoleStaff, "staff-password-s")
	d := dataToday()
	sjis, err := japanese.ShiftJIS.NewEncoder().String("受注番号,お問い合わせ番号,出荷日,備考\r\n2001,S-2001," + d + ",ギフト包装\r\n2002,S-2002,,\r\n")
	require.NoError(t, err)
	status, page := staff.upload(shop, "出荷実績.csv", []byte(sjis))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, `<dd id="encoding">Shift_JIS (CP932)</dd>`)
	assert.Contains(t, page, "出荷実績.csv")
	assert.Contains(t, page, `<dd id="change-count">2件 (受注2件)</dd>`)
	status, page = staff.post("/shops/"+shop+"/upload/apply", dataApplyForm(t, page))
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "取込が完了しました")
	assert.Equal(t, []string{"S-2001 " + d}, h.slips(shop, 2001))
	assert.Equal(t, []string{"S-2002"}, h.slips(shop, 2002))
}

// TestUploadSizeAndEmpty: an oversize file, an empty one and none at all each
// say what to do, and change nothing.
func TestUploadSizeAndEmpty(t *testing.T) {
	h := newHarness(t)
	const shop = "up4"
	h.addShopWithOrders(shop, map[int64][]int64{4001: {40011}})
	staff := h.addUser("staff4", accounts.RoleStaff, "staff-password-4")

	big := []byte("4001,,B-4001,\n" + strings.Repeat("#", app.MaxCSVBytes))
	status, page := staff.upload(shop, "big.csv", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Contains(t, page, "ファイルが大きすぎます (上限 32MB)")
	assert.Contains(t, page, "ファイルにしてからアップロードしてください")
	assert.Contains(t, page, `id="upload-form"`, "the form is there to choose another file")

	status, page = staff.upload(shop, "empty.csv", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "ファイル「empty.csv」は空です")

	status, page = staff.upload(shop, "blank.csv", []byte("\r\n\r\n"))
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, page, "ファイル全体")
	assert.Contains(t, page, "ファイルが空です。")
	assertJapaneseProblems(t, page)

	status, page = staff.post("/shops/"+shop+"/upload", url.Values{"x": {"1"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, page, "ファイルが選ばれていません")
	assert.Equal(t, []string{""}, h.slips(shop, 4001))
}

// TestUploadSample: the sample offered for download is a valid file in the
// format docs/orders.md (Shipping-results CSV) describes.
func TestUploadSample(t *testing.T) {
	h := newHarness(t)
	h.addShopWithOrders("up5", map[int64][]int64{5001: {50011}})
	staff := h.addUser("staff5", accounts.RoleStaff, "staff-password-5")
	resp, err := staff.c.Get(h.base + "/shops/up5/upload/sample.csv")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	assert.Contains(t, string(body), "受注番号,お届け先ID,伝票番号,出荷日\r\n")
	parsed := shipcsv.Parse(body)
	assert.Empty(t, parsed.Errors)
	assert.True(t, parsed.Header)
	assert.Len(t, parsed.Rows, 2)

	// Without a session the page sends the browser to the login.
	resp, err = http.Get(h.base + "/shops/up5/upload")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, "/login", resp.Request.URL.Path)
}

// dataTokenField and dataShaField find the hidden fields of the 「取込」 form.
var (
	dataTokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)
	dataShaField   = regexp.MustCompile(`name="sha256" value="([0-9a-f]{64})"`)
)

// dataApplyForm returns the 「取込」 form's fields of a preview page.
func dataApplyForm(t *testing.T, page string) url.Values {
	t.Helper()
	tok, sum := dataTokenField.FindStringSubmatch(page), dataShaField.FindStringSubmatch(page)
	require.NotNil(t, tok, "the preview offers 「取込」")
	require.NotNil(t, sum)
	return url.Values{"token": {tok[1]}, "sha256": {sum[1]}}
}

// addShopWithOrders creates a shop and its orders, ordered two days ago and
// awaiting shipment: sale id → delivery ids.
func (h *harness) addShopWithOrders(shopID string, orders map[int64][]int64) {
	h.t.Helper()
	h.addShop(shopID, shopID)
	ordered := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	var list []rules.Order
	for sale, dels := range orders {
		o := rules.Order{SaleID: sale, Status: rules.StatusAwaitingShipment, OrderedAt: ordered, UpdatedAt: ordered}
		for _, d := range dels {
			o.Deliveries = append(o.Deliveries, rules.Delivery{ID: d})
		}
		list = append(list, o)
	}
	require.NoError(h.t, h.st.UpsertOrders(context.Background(), shopID, list))
}

// slips returns the tracking number and ship date of each of a sale's deliveries.
func (h *harness) slips(shopID string, sale int64) []string {
	h.t.Helper()
	o, err := h.st.Order(context.Background(), shopID, sale)
	require.NoError(h.t, err)
	out := make([]string, len(o.Deliveries))
	for i, d := range o.Deliveries {
		out[i] = strings.TrimSpace(d.SlipNumber + " " + d.ShippedOn)
	}
	return out
}

// dataToday is today's date in JST, a ship date every test order accepts.
func dataToday() string { return time.Now().In(rules.Tokyo).Format(time.DateOnly) }

// TestUploadNotCSV: a PNG (or a workbook) is refused as a whole, before any of
// it is read as a CSV: no format claimed, no line numbers, nothing applied.
func TestUploadNotCSV(t *testing.T) {
	h := newHarness(t)
	const shop = "up5"
	h.addShopWithOrders(shop, map[int64][]int64{5001: {50011}})
	staff := h.addUser("staff5", accounts.RoleStaff, "staff-password-5")

	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), []byte("\n\n5001,,B-5001,\n")...)
	status, page := staff.upload(shop, "label.png", png)
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	assert.Contains(t, page, "「label.png」は読み込みませんでした: 選んだファイルはPNG画像で、CSVファイルではありません。何も読み込んでいません。")
	assert.NotContains(t, page, "として読み込みました")
	assert.NotContains(t, ordSection(t, page, `<p class="error"`, "</p>"), "行目")
	assert.NotContains(t, page, `id="problem-count"`, "no preview of lines")
	assert.Contains(t, page, `id="upload-form"`, "the form is there to choose another file")

	status, page = staff.upload(shop, "results.xlsx", []byte("PK\x03\x04\x14\x00\x06\x00"))
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	assert.Contains(t, page, "Excelのブック (.xlsx) かZIPファイル")
	assert.Equal(t, []string{""}, h.slips(shop, 5001))
}
