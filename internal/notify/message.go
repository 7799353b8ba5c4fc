package notify

import (
	"fmt"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// Message is what one event says, on every channel.
type Message struct {
	Subject string
	Text    string // the plain text of a mail, and the webhook's "text"
	Payload Payload
}

// Payload is the webhook's JSON body: Slack shows "text"; the rest is for
// programs.
type Payload struct {
	Text           string  `json:"text"`
	Event          Kind    `json:"event"`
	State          Event   `json:"state"` // opened, repeated or resolved
	NotificationID int64   `json:"notification_id"`
	EventID        int64   `json:"event_id"` // the same on a retried delivery: deduplicate by it
	Shop           ShopRef `json:"shop"`
	Run            int64   `json:"run,omitempty"`
	Sales          []int64 `json:"sales,omitempty"`
	Summary        string  `json:"summary"`
	Detail         string  `json:"detail"`
	ConsoleURL     string  `json:"console_url"`
	Occurrences    int     `json:"occurrences"`
}

// ShopRef names the shop in a payload.
type ShopRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Render writes the message of event ev for the shop (its display name), with
// links into the console at consoleURL.
func Render(ev EventOf, sh shops.Shop, consoleURL string) Message {
	n := ev.Notification
	name := sh.Name
	if name == "" {
		name = sh.ID
	}
	link := strings.TrimRight(consoleURL, "/") + n.FixPath
	var subject, body string
	switch ev.Event {
	case EventResolved:
		subject = fmt.Sprintf("【復旧】%s: %s", name, n.Summary)
		body = fmt.Sprintf("「%s」のお知らせです。\n\n復旧しました: %s\nこの問題は解消しました。対応は不要です。\n\nコンソール: %s\n", name, n.Summary, link)
	case EventRepeated:
		subject = fmt.Sprintf("【継続】%s: %s", name, n.Summary)
		body = fmt.Sprintf("「%s」のお知らせです。\n\n引き続き: %s (これまでに%d回)\n%s\n\n対処する画面: %s\n", name, n.Summary, n.Occurrences, n.Detail, link)
	default:
		subject = fmt.Sprintf("【要対応】%s: %s", name, n.Summary)
		body = fmt.Sprintf("「%s」のお知らせです。\n\n%s\n%s\n\n対処する画面: %s\n", name, n.Summary, n.Detail, link)
	}
	body += "\n-- \ncolorme-sync (カラーミーショップ連携) からの自動送信です。送り先はAPIアクセス設定の「通知先」で変えられます。\n"
	return Message{Subject: "[colorme-sync] " + subject, Text: body, Payload: Payload{
		Text: subject + "\n" + firstLine(body, n, ev.Event) + "\n" + link, Event: n.Kind, State: ev.Event, NotificationID: n.ID, EventID: ev.ID,
		Shop: ShopRef{ID: sh.ID, Name: name}, Run: n.RunID, Sales: n.Sales, Summary: n.Summary, Detail: n.Detail,
		ConsoleURL: link, Occurrences: n.Occurrences}}
}

// firstLine is the short text a chat shows under the subject.
func firstLine(_ string, n Notification, ev Event) string {
	if ev == EventResolved {
		return "この問題は解消しました。対応は不要です。"
	}
	return n.Detail
}
