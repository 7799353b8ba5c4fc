package colorme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxMessageRunes bounds APIError.Message taken from a response body.
const maxMessageRunes = 200

// DecodeError is a 2xx response whose body is not the JSON the operation expects.
// It is retryable: a truncated or garbled body is usually transient (a proxy or a
// cut connection), and every operation that decodes its body (reads and the
// idempotent PUT) is safe to repeat.
type DecodeError struct {
	Op  string // e.g. "GET /v1/sales.json"
	Err error  // what was wrong with the body
}

// Error implements error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("colorme %s: malformed response body: %v", e.Op, e.Err)
}

// Unwrap returns the underlying decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Retryable reports true: see the type's comment.
func (e *DecodeError) Retryable() bool { return true }

// Retryable reports whether err, returned by a Client, may succeed when tried again:
// retryable *APIError and *DecodeError. Context ends and other errors are not.
func Retryable(err error) bool {
	if _, ok := errors.AsType[*DecodeError](err); ok {
		return true
	}
	if ae, ok := AsAPIError(err); ok {
		return ae.Retryable()
	}
	return false
}

// statusError builds the *APIError of a non-2xx response from its (partial) body.
func (c *Client) statusError(op string, resp *http.Response, body []byte) *APIError {
	ae := &APIError{Op: op, Status: resp.StatusCode}
	ae.Code, ae.Message, ae.Fields = errorMessage(body)
	if ae.Message == "" {
		ae.Message = http.StatusText(resp.StatusCode)
	}
	ae.Message = c.scrub(ae.Message)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		ae.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return ae
}

// errorMessage reads ColorMe's {"errors":[…]} (every error, each with the field
// it names), an OAuth {"error","error_description"} or, failing both, the body
// text itself.
func errorMessage(body []byte) (code int, msg string, fields []string) {
	var cm ErrorBody
	if json.Unmarshal(body, &cm) == nil && len(cm.Errors) > 0 {
		msgs := make([]string, 0, len(cm.Errors))
		for _, e := range cm.Errors {
			m := e.Message
			if e.Field != "" {
				fields = append(fields, e.Field)
				m = strings.TrimSpace(e.Field + ": " + m)
			}
			if m != "" {
				msgs = append(msgs, m)
			}
		}
		return cm.Errors[0].Code, truncate(strings.Join(msgs, "; ")), fields
	}
	var oa struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &oa) == nil && oa.Error != "" {
		if oa.ErrorDescription != "" {
			return 0, truncate(oa.Error + ": " + oa.ErrorDescription), nil
		}
		return 0, truncate(oa.Error), nil
	}
	return 0, truncate(string(body)), nil
}

// truncate makes s one valid-UTF-8 line of at most maxMessageRunes runes.
func truncate(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if utf8.RuneCountInString(s) <= maxMessageRunes {
		return s
	}
	return string([]rune(s)[:maxMessageRunes]) + "…"
}

// maxRetryAfter caps a Retry-After hint, so a bogus value cannot stall a caller for days.
const maxRetryAfter = time.Hour

// parseRetryAfter reads Retry-After as delta-seconds or an HTTP-date; 0 when absent,
// invalid or past, at most maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil && t.After(now) {
		d = t.Sub(now)
	}
	return min(d, maxRetryAfter)
}

// transportError describes a failed round trip. When ctx itself ended, it returns
// ctx.Err() wrapped: the caller gave up, ColorMe did not fail.
func (c *Client) transportError(ctx context.Context, op, prefix string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("colorme %s: %w", op, ctx.Err())
	}
	var msg string
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		msg = fmt.Sprintf("timeout after %s", c.timeout)
	case errors.As(err, &ne) && ne.Timeout():
		msg = "timeout: " + innerError(err)
	default:
		msg = innerError(err)
	}
	return &APIError{Op: op, Status: 0, Message: c.scrub(prefix + msg)}
}

// innerError drops the *url.Error wrapper, whose text repeats the method and URL.
func innerError(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// scrub removes the access token from a message, should anything ever echo it.
func (c *Client) scrub(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}
