package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Sender delivers one message. An error means "try again later" unless it
// is marked Permanent, which fails the message at once.
type Sender interface {
	// Name identifies the sender in the message row ("log", "file", "webhook").
	Name() string
	Send(ctx context.Context, m Message) error
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying (e.g. the gateway refused the
// number).
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// LogSender writes each message to the log (kind, id, masked recipient,
// body) and reports it sent: for installations without a gateway, and for
// trying the system out.
type LogSender struct{ Log *slog.Logger }

// Name implements Sender.
func (LogSender) Name() string { return "log" }

// Send implements Sender.
func (s LogSender) Send(_ context.Context, m Message) error {
	if s.Log != nil {
		s.Log.Info("outbox message", "id", m.ID, "kind", m.Kind, "to", MaskPhone(m.Recipient), "body", m.Body)
	}
	return nil
}

// FileSender appends each message as one JSON line to a file that another
// program (an SMS modem's software) picks up. The file holds the full
// phone number: keep it readable by that program only (mode 0600).
type FileSender struct {
	Path string
	mu   sync.Mutex
}

// Name implements Sender.
func (*FileSender) Name() string { return "file" }

// Send implements Sender.
func (s *FileSender) Send(_ context.Context, m Message) error {
	b, err := json.Marshal(wireOf(m))
	if err != nil {
		return Permanent(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WebhookSender posts each message as JSON to an HTTP endpoint (an SMS
// gateway adapter). A 2xx answer is delivery; 4xx other than 408 and 429
// is a permanent refusal; anything else (5xx, timeouts) is retried.
type WebhookSender struct {
	URL    string
	Token  string // sent as "Authorization: Bearer TOKEN" when set
	Client *http.Client
}

// Name implements Sender.
func (*WebhookSender) Name() string { return "webhook" }

// wire is the JSON a webhook receives and a file line holds.
type wire struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Key       string `json:"dedupe_key"`
	Recipient string `json:"recipient"`
	Body      string `json:"body"`
	Attempt   int    `json:"attempt"`
	CreatedAt string `json:"created_at"`
}

func wireOf(m Message) wire {
	return wire{ID: m.ID, Kind: m.Kind, Key: m.DedupeKey, Recipient: m.Recipient, Body: m.Body,
		Attempt: m.Attempts + 1, CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339)}
}

// Send implements Sender.
func (s *WebhookSender) Send(ctx context.Context, m Message) error {
	b, err := json.Marshal(wireOf(m))
	if err != nil {
		return Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(b))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.DedupeKey)
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	hc := s.Client
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", redactURL(err))
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != 408 && res.StatusCode != 429:
		return Permanent(fmt.Errorf("webhook: refused with status %d", res.StatusCode))
	}
	return fmt.Errorf("webhook: status %d", res.StatusCode)
}

// redactURL drops the URL (which may carry a key) from a client error.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// ParseSender builds the sender named by spec: "log" (the default when
// spec is empty), "file:PATH", or "webhook:URL" (token from the
// environment variable NCMS_OUTBOX_TOKEN, passed here as token).
func ParseSender(spec, token string, log *slog.Logger) (Sender, error) {
	switch {
	case spec == "" || spec == "log":
		return LogSender{Log: log}, nil
	case strings.HasPrefix(spec, "file:"):
		p := strings.TrimPrefix(spec, "file:")
		if p == "" {
			return nil, errors.New("outbox: file: needs a path")
		}
		return &FileSender{Path: p}, nil
	case strings.HasPrefix(spec, "webhook:"):
		u, err := url.Parse(strings.TrimPrefix(spec, "webhook:"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("outbox: webhook: needs an http(s) URL")
		}
		return &WebhookSender{URL: u.String(), Token: token}, nil
	}
	return nil, fmt.Errorf("outbox: unknown sender %q (log, file:PATH, webhook:URL)", spec)
}
