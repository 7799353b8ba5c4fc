package msg

import (
	"regexp"
	"strings"
	"testing"
)

// englishWord is a run of Latin letters that the Japanese of a message must not hold
// (argument values in the tests are digits or Japanese).
var englishWord = regexp.MustCompile(`[A-Za-z_]{3,}`)

// sample formats m with an argument per verb: %d 123, %s 値, %q "値".
func sample(m Message) string {
	var args []any
	for _, v := range verb.FindAllString(m.En, -1) {
		switch v {
		case "%d":
			args = append(args, 123)
		case "%s", "%q":
			args = append(args, "値")
		}
	}
	return m.Format(args...)
}

func TestEveryMessageHasJapanese(t *testing.T) {
	for _, m := range All {
		en := sample(m)
		ja := Ja(en)
		if ja == en || englishWord.MatchString(strings.NewReplacer("ColorMe", "", "API", "").Replace(ja)) {
			t.Errorf("%q: Japanese %q still holds English", en, ja)
		}
		if !Known(en) {
			t.Errorf("%q is not recognised", en)
		}
	}
}

func TestJoinedMessages(t *testing.T) {
	cases := map[string]string{
		DryRun.Format() + "; " + MailStateUnknown.Format("null"):                                                     "プレビューのため書き込んでいません。発送メールは送っていません",
		InvalidNoDate.Format() + "; " + InvalidTail.Format():                                                         "カラーミーショップから注文日時のない受注が届きました。この受注は取り込んでいません",
		ImportDeliveryChanged.Format(7, FieldChange.Format("name", "山田", "佐藤")+", "+PrefChange.Format("東京都", "大阪府")): "お届け先 7: 氏名 「山田」 → 「佐藤」、都道府県 東京都 → 大阪府",
		FlagCancelledShipped.Format(ShippedStatus.Format("出荷済み") + ", " + ShippedSlip.Format(3, "1234")):             "出荷済み (ステータス 出荷済み、お届け先 3 に伝票番号 1234) の受注",
		ImportDetailsChanged.Format("customer_name, memo"):                                                           "購入者氏名、備考",
		NotTarget.Format(RuleStale.Format("2026-01-01T00:00:00+09:00", 3)):                                           "書出対象ではなくなりました: ルール3",
	}
	for en, want := range cases {
		if got := Ja(en); !strings.Contains(got, want) {
			t.Errorf("Ja(%q) = %q, want it to hold %q", en, got, want)
		}
	}
	if got := Ja("colorme: 500 Internal Server Error"); got != "colorme: 500 Internal Server Error" {
		t.Errorf("unknown text changed: %q", got)
	}
}
