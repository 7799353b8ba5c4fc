package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// PostWebhook posts msg's payload as JSON to the shop's webhook URL, with the
// event id in the Idempotency-Key header. A 2xx is sent; 408, 429 and 5xx or
// no answer are errors worth retrying; any other answer, or a URL the
// settings no longer accept, is a *PermanentError. No error repeats the URL:
// a chat webhook's URL is a credential.
func PostWebhook(ctx context.Context, hc *http.Client, webhookURL string, msg Message) error {
	if err := shops.CheckWebhookURL(webhookURL); err != nil {
		return &PermanentError{Msg: err.Error()}
	}
	body, err := json.Marshal(msg.Payload)
	if err != nil {
		return &PermanentError{Msg: "encoding the webhook message: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{Msg: "notify_webhook_url cannot be posted to: correct it in APIアクセス設定"}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Idempotency-Key", "colorme-sync-notification-event-"+strconv.FormatInt(msg.Payload.EventID, 10))
	req.Header.Set("User-Agent", "colorme-sync-notify")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("posting to the webhook of shop %q: the receiver did not answer (it is retried)", msg.Payload.Shop.ID)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("the webhook of shop %q answered %d (it is retried): %s", msg.Payload.Shop.ID, resp.StatusCode, answer)
	}
	return &PermanentError{Msg: fmt.Sprintf("the webhook of shop %q refused the message with %d (%s): check notify_webhook_url in APIアクセス設定", msg.Payload.Shop.ID, resp.StatusCode, answer)}
}
