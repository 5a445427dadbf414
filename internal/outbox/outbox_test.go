package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/outbox"
)

func enqueue(t *testing.T, d *db.DB, key string, now time.Time) {
	t.Helper()
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		ok, err := outbox.Enqueue(context.Background(), tx, outbox.Message{Kind: outbox.CompensationPaid, DedupeKey: key,
			Recipient: "13812345678", Body: "【新农合】张*明：补偿 120.00 元"}, now)
		if err == nil && !ok {
			t.Errorf("enqueue %s: not written", key)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func status(t *testing.T, d *db.DB, key string) (st string, attempts int, lastErr string) {
	t.Helper()
	if err := d.QueryRowContext(context.Background(), `SELECT status, attempts, last_error FROM outbox_messages WHERE dedupe_key = ?`,
		key).Scan(&st, &attempts, &lastErr); err != nil {
		t.Fatal(err)
	}
	return
}

// A webhook that fails twice (503) and then accepts: the worker retries
// with backoff (not before the wait is over) and marks the message sent on
// the third attempt; the gateway saw the same message three times.
func TestWebhookRetriesUntilAccepted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var mu sync.Mutex
		var got []map[string]any
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			var m map[string]any
			_ = json.NewDecoder(r.Body).Decode(&m)
			got = append(got, m)
			if r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("Idempotency-Key") != "settlement:1" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if len(got) <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		defer srv.Close()
		snd, err := outbox.ParseSender("webhook:"+srv.URL+"/sms", "s3cret", nil)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		w := &outbox.Worker{DB: d, Sender: snd, Now: func() time.Time { return now }}
		enqueue(t, d, "settlement:1", now)
		ctx := context.Background()
		for i, want := range []outbox.Round{{Retried: 1}, {}, {Retried: 1}, {Sent: 1}, {}} {
			r, err := w.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r != want {
				t.Errorf("round %d: %+v, want %+v", i, r, want)
			}
			switch i {
			case 0:
				now = now.Add(10 * time.Second) // before the 30 s backoff: nothing due
			case 1:
				now = now.Add(25 * time.Second)
			case 2:
				now = now.Add(61 * time.Second) // second wait is 60 s
			}
		}
		st, attempts, _ := status(t, d, "settlement:1")
		if st != outbox.Sent || attempts != 3 {
			t.Errorf("status %s after %d attempts, want sent after 3", st, attempts)
		}
		if len(got) != 3 || got[2]["recipient"] != "13812345678" || got[2]["attempt"] != float64(3) {
			t.Errorf("gateway saw %v", got)
		}
	})
}

// A refusal (4xx) fails the message at once; a gateway that never answers
// well fails it after MaxAttempts; an administrator can put it back.
func TestWebhookPermanentAndExhausted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.Header.Get("Idempotency-Key"), "bad") {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusInternalServerError)
		}))
		defer srv.Close()
		now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		w := &outbox.Worker{DB: d, Sender: &outbox.WebhookSender{URL: srv.URL}, Now: func() time.Time { return now },
			MaxAttempts: 3, Backoff: func(int) time.Duration { return time.Second }}
		enqueue(t, d, "bad:1", now)
		enqueue(t, d, "down:1", now)
		for range 5 {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			now = now.Add(2 * time.Second)
		}
		if st, n, e := status(t, d, "bad:1"); st != outbox.Failed || n != 1 || !strings.Contains(e, "400") {
			t.Errorf("refused message: %s after %d (%s), want failed after 1", st, n, e)
		}
		if st, n, _ := status(t, d, "down:1"); st != outbox.Failed || n != 3 {
			t.Errorf("unanswered message: %s after %d, want failed after 3", st, n)
		}
		var id int64
		_ = d.QueryRowContext(context.Background(), `SELECT id FROM outbox_messages WHERE dedupe_key = 'down:1'`).Scan(&id)
		admin := access.WithActor(context.Background(), access.System("test"))
		clerk := access.WithActor(context.Background(), access.Actor{Username: "eve", Role: access.Enrollment,
			Scope: access.Scope{AreaPath: "/1/"}})
		if err := outbox.Retry(clerk, d, id, now); err == nil {
			t.Error("an enrollment clerk retried a message")
		}
		if err := outbox.Retry(admin, d, id, now); err != nil {
			t.Fatal(err)
		}
		if st, n, _ := status(t, d, "down:1"); st != outbox.Pending || n != 0 {
			t.Errorf("after retry: %s, %d", st, n)
		}
		ms, c, err := outbox.List(admin, d, outbox.Filter{})
		if err != nil || len(ms) != 2 || c.Pending != 1 || c.Failed != 1 {
			t.Errorf("list: %d messages, counts %+v, %v", len(ms), c, err)
		}
	})
}

// The same dedupe key writes one message; the file sender appends JSON
// lines; the log sender never logs the full phone number.
func TestDedupeFileAndLogSenders(t *testing.T) {
	d := dbtest.SQLite(t)
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	enqueue(t, d, "k:1", now)
	_ = d.InTx(context.Background(), func(tx *db.Tx) error {
		ok, err := outbox.Enqueue(context.Background(), tx, outbox.Message{Kind: "x", DedupeKey: "k:1", Recipient: "1", Body: "b"}, now)
		if ok || err != nil {
			t.Errorf("duplicate enqueue: %v %v", ok, err)
		}
		return nil
	})
	path := filepath.Join(t.TempDir(), "sms.jsonl")
	fw := &outbox.Worker{DB: d, Sender: &outbox.FileSender{Path: path}, Now: func() time.Time { return now }}
	if r, err := fw.RunOnce(context.Background()); err != nil || r.Sent != 1 {
		t.Fatalf("file round: %+v %v", r, err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"recipient":"13812345678"`) || strings.Count(string(b), "\n") != 1 {
		t.Errorf("file: %s", b)
	}
	var buf bytes.Buffer
	enqueue(t, d, "k:2", now)
	lw := &outbox.Worker{DB: d, Sender: outbox.LogSender{Log: slog.New(slog.NewTextHandler(&buf, nil))}, Now: func() time.Time { return now }}
	if r, err := lw.RunOnce(context.Background()); err != nil || r.Sent != 1 {
		t.Fatalf("log round: %+v %v", r, err)
	}
	if strings.Contains(buf.String(), "13812345678") || !strings.Contains(buf.String(), "138****5678") {
		t.Errorf("log: %s", buf.String())
	}
	if _, err := outbox.ParseSender("smtp:x", "", nil); err == nil {
		t.Error("unknown sender accepted")
	}
}
