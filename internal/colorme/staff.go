package colorme

import (
	"fmt"
	"strings"
)

// fieldNames are the staff's words for the request fields ColorMe names in its
// validation errors (422): the fields the sync sends.
var fieldNames = map[string]string{
	"slip_number":     "伝票番号",
	"delivered":       "発送済み",
	"id":              "お届け先ID",
	"sale_deliveries": "お届け先",
	"type":            "メールの種類",
	"mail":            "メール",
}

// fieldName gives a field ColorMe named in the staff's words, the name as
// ColorMe wrote it beside: "伝票番号 (slip_number)". An array path such as
// sale_deliveries[0].slip_number is named by its last part.
func fieldName(f string) string {
	last := f
	if i := strings.LastIndexAny(f, ".]"); i >= 0 && i+1 < len(f) {
		last = f[i+1:]
	}
	if n, ok := fieldNames[last]; ok {
		return n + " (" + f + ")"
	}
	return f
}

// StaffMessage says, in Japanese for shop staff, what ColorMe refused and what
// to do next: for a validation error (422) the fields ColorMe named; for a 404
// that the sale or delivery is not on ColorMe; for a 500 ColorMe answers to our
// request every time, that the request cannot be sent. ColorMe's own message
// follows, so nothing it said is lost.
func (e *APIError) StaffMessage() string {
	var what string
	switch {
	case e.Status == 422 && len(e.Fields) > 0:
		names := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			names[i] = fieldName(f)
		}
		what = fmt.Sprintf("カラーミーショップが入力内容を受け付けませんでした（項目: %s）。受注の%sを確認・修正してから、もう一度発送情報を更新してください。",
			strings.Join(names, "、"), strings.Join(names, "・"))
	case e.Status == 422:
		what = "カラーミーショップが入力内容を受け付けませんでした。カラーミーショップの受注画面で受注の状態（キャンセル済みでないか等）を確認してから、もう一度発送情報を更新してください。"
	case e.Status == 404:
		what = "カラーミーショップに該当する受注またはお届け先がありません。カラーミーショップで受注が削除・変更されていないか確認し、受注を取り込み直してください。"
	case e.Status == 400:
		what = "カラーミーショップがリクエストを受け付けませんでした。このままでは再試行しても成功しないため、システム管理者に連絡してください。"
	case e.Status >= 500:
		what = "カラーミーショップがこのリクエストに対して繰り返しサーバーエラーを返しました。同じ内容では成功しないため、再試行を止めました。システム管理者に連絡してください。"
	default:
		what = "カラーミーショップとの通信に失敗しました。時間をおいてもう一度実行してください。"
	}
	return what + " [" + e.Error() + "]"
}
