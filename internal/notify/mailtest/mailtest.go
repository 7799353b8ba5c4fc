// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) on a
// local port for tests: it keeps every message it accepts, refuses the
// recipients it is told to with 550, and can be stopped and started again on
// the same port to play a mail server that is down.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted mail.
type Message struct {
	From    string
	To      []string
	Subject string // decoded
	Body    string // decoded text
	ID      string // Message-ID
	Raw     []byte
}

// Server is an SMTP server for one test.
type Server struct {
	Addr string // host:port

	mu       sync.Mutex
	msgs     []Message
	refuse   map[string]bool
	srv      *smtp.Server
	received chan struct{}
}

// Start starts a server on a free local port; it stops at t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{refuse: map[string]bool{}, received: make(chan struct{}, 1000)}
	if err := s.listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's SMTP_URL.
func (s *Server) URL() string { return "smtp://" + s.Addr }

func (s *Server) listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("mailtest: listening on %s: %w", addr, err)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.Addr = srv, l.Addr().String()
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
	return nil
}

// Stop closes the server: the port refuses connections until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart listens again on the same port.
func (s *Server) Restart() error { return s.listen(s.Addr) }

// Refuse makes the server answer 550 to RCPT TO addr.
func (s *Server) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[strings.ToLower(addr)] = true
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns once the server holds at least n messages, or the messages it
// holds when timeout passes.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.received:
		case <-deadline:
			return s.Messages()
		}
	}
}

type backend struct{ s *Server }

// NewSession implements smtp.Backend.
func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refused := x.s.refuse[strings.ToLower(to)]
	x.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox: " + to}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, Raw: raw}
	if pm, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Subject, _ = new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
		m.ID = pm.Header.Get("Message-ID")
		body, _ := io.ReadAll(pm.Body)
		m.Body = decodeBody(pm.Header.Get("Content-Transfer-Encoding"), body)
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	select {
	case x.s.received <- struct{}{}:
	default:
	}
	return nil
}

func decodeBody(enc string, body []byte) string {
	if !strings.EqualFold(enc, "base64") {
		return string(body)
	}
	out, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body)))
	if err != nil {
		return string(body)
	}
	return string(out)
}
