package notify

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// smtpServer is a parsed SMTP_URL.
type smtpServer struct {
	addr, host  string
	implicitTLS bool
	user, pass  string
}

func parseSMTPURL(raw string) (smtpServer, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return smtpServer{}, errors.New("SMTP_URL must be smtp://[user:password@]host:port or smtps://[user:password@]host:port (e.g. smtp://mail.example.com:587)")
	}
	s := smtpServer{host: u.Hostname(), implicitTLS: u.Scheme == "smtps"}
	port := u.Port()
	if port == "" {
		port = "25"
		if s.implicitTLS {
			port = "465"
		}
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	return s, nil
}

// PermanentError is a delivery that retrying cannot fix: a mail address the
// server refuses, a webhook that answers 4xx, a setting that is wrong.
type PermanentError struct{ Msg string }

func (e *PermanentError) Error() string { return e.Msg }

// IsPermanent reports whether err is a *PermanentError.
func IsPermanent(err error) bool {
	_, ok := errors.AsType[*PermanentError](err)
	return ok
}

// MailResult says, per address, what the server did with a message.
type MailResult struct {
	Sent    []string
	Refused map[string]string // address → the server's answer (5xx: for good)
}

// SendMail sends msg to each address through the server of SMTP_URL, in one
// transaction. An address the server refuses for good is in Refused; when it
// refuses every address the error is a *PermanentError. Any other failure
// (the server down, a 4xx) is an error worth retrying. id becomes the
// Message-ID, so a mail sent again after a lost answer is the same message.
func SendMail(smtpURL, from string, to []string, msg Message, id string, timeout time.Duration) (MailResult, error) {
	res := MailResult{Refused: map[string]string{}}
	srv, err := parseSMTPURL(smtpURL)
	if err != nil {
		return res, &PermanentError{Msg: err.Error()}
	}
	var conn net.Conn
	d := &net.Dialer{Timeout: timeout}
	if srv.implicitTLS {
		conn, err = tls.DialWithDialer(d, "tcp", srv.addr, &tls.Config{ServerName: srv.host, MinVersion: tls.VersionTLS12})
	} else {
		conn, err = d.Dial("tcp", srv.addr)
	}
	if err != nil {
		return res, fmt.Errorf("connecting to the mail server %s: %w", srv.addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, srv.host)
	if err != nil {
		_ = conn.Close()
		return res, fmt.Errorf("mail server %s: %w", srv.addr, classify(err))
	}
	defer func() { _ = c.Close() }()
	if !srv.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: srv.host, MinVersion: tls.VersionTLS12}); err != nil {
				return res, fmt.Errorf("mail server %s: STARTTLS: %w", srv.addr, err)
			}
		}
	}
	if srv.user != "" {
		// PlainAuth sends the password only over TLS or to localhost.
		if err := c.Auth(smtp.PlainAuth("", srv.user, srv.pass, srv.host)); err != nil {
			return res, fmt.Errorf("mail server %s: logging in as %s: %w", srv.addr, srv.user, classify(err))
		}
	}
	if err := c.Mail(from); err != nil {
		return res, fmt.Errorf("mail server %s: sender %s (NOTIFY_FROM): %w", srv.addr, from, classify(err))
	}
	for _, addr := range to {
		if err := c.Rcpt(addr); err != nil {
			if IsPermanent(classify(err)) {
				res.Refused[addr] = err.Error()
				continue
			}
			return res, fmt.Errorf("mail server %s: recipient %s: %w", srv.addr, addr, err)
		}
		res.Sent = append(res.Sent, addr)
	}
	if len(res.Sent) == 0 {
		return res, &PermanentError{Msg: fmt.Sprintf("the mail server refused every address of notify_email (%s): correct them in APIアクセス設定", refusedList(res.Refused))}
	}
	w, err := c.Data()
	if err != nil {
		return MailResult{Refused: res.Refused}, fmt.Errorf("mail server %s: %w", srv.addr, classify(err))
	}
	if _, err := w.Write(mailBytes(from, res.Sent, msg, id)); err != nil {
		return MailResult{Refused: res.Refused}, fmt.Errorf("mail server %s: writing the message: %w", srv.addr, err)
	}
	if err := w.Close(); err != nil {
		return MailResult{Refused: res.Refused}, fmt.Errorf("mail server %s: %w", srv.addr, classify(err))
	}
	_ = c.Quit()
	return res, nil
}

// classify makes a 5xx answer a *PermanentError; other errors stay as they are.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &PermanentError{Msg: err.Error()}
	}
	return err
}

func refusedList(m map[string]string) string {
	var parts []string
	for a, why := range m {
		parts = append(parts, a+": "+why)
	}
	return strings.Join(parts, "; ")
}

// mailBytes is the message: UTF-8 text, base64, Japanese subject as an encoded word.
func mailBytes(from string, to []string, msg Message, id string) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from)
	h("To", strings.Join(to, ", "))
	h("Subject", mime.BEncoding.Encode("UTF-8", msg.Subject))
	h("Date", time.Now().Format(time.RFC1123Z))
	h("Message-ID", "<"+id+"@colorme-sync>")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(msg.Text))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}
