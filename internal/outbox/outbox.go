// Package outbox keeps the messages the scheme sends to participants (SPEC
// §11: compensation paid, contribution due, notice published) and delivers
// them through a pluggable Sender (log, file, HTTP webhook to an SMS
// gateway) with retries and exponential backoff.
//
// A message is written in the transaction of the event that causes it
// (Enqueue, e.g. when a notice is published) or by a sweep that reads what
// happened since the last sweep (SweepCompensation). Each message has a
// dedupe key, so a sweep run twice or an event retried writes it once. The
// Worker, started by `ncms serve`, takes due messages, sends them and
// records the result; a message that keeps failing is marked failed after
// MaxAttempts. The recipient's phone number is only ever shown masked
// (MaskPhone) outside the message itself.
package outbox

import (
	"context"
	"time"

	"ncms/internal/db"
)

// Message kinds.
const (
	CompensationPaid = "compensation_paid"
	ContributionDue  = "contribution_due"
	NoticePublished  = "notice_published"
)

// Statuses of a message.
const (
	Pending = "pending"
	Sent    = "sent"
	Failed  = "failed"
)

// Message is one message to one recipient.
type Message struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	DedupeKey string    `json:"dedupe_key"`
	Recipient string    `json:"recipient"` // phone number
	PersonID  int64     `json:"person_id,omitempty"`
	Body      string    `json:"body"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at"`
	LastError string    `json:"last_error,omitempty"`
	Sender    string    `json:"sender,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// KindLabel names a message kind in Chinese and English.
func KindLabel(kind string) (zh, en string) {
	switch kind {
	case CompensationPaid:
		return "补偿到账", "compensation paid"
	case ContributionDue:
		return "缴费提醒", "contribution due"
	case NoticePublished:
		return "公示发布", "notice published"
	}
	return kind, kind
}

// MaskPhone hides the middle of a phone number: "13812345678" becomes
// "138****5678". Shorter or odd input keeps at most a quarter of itself at
// each end.
func MaskPhone(s string) string {
	r := []rune(s)
	if len(r) == 11 {
		return string(r[:3]) + "****" + string(r[7:])
	}
	keep := min(3, len(r)/4)
	for i := keep; i < len(r)-keep; i++ {
		r[i] = '*'
	}
	return string(r)
}

// Enqueue writes m in tx, due at once, unless a message with the same
// dedupe key exists (then it reports false). A message without a recipient
// is not written.
func Enqueue(ctx context.Context, tx *db.Tx, m Message, now time.Time) (bool, error) {
	if m.Recipient == "" || m.DedupeKey == "" || m.Body == "" {
		return false, nil
	}
	var pid any
	if m.PersonID != 0 {
		pid = m.PersonID
	}
	ts := db.Timestamp(now)
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox_messages (kind, dedupe_key, recipient, person_id, body, status,
		attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
		m.Kind, m.DedupeKey, m.Recipient, pid, m.Body, Pending, ts, ts)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
