package complaint

import (
	"context"

	"ncms/internal/db"
	"ncms/internal/money"
)

const cols = `id, kind, channel, received_on, complainant, contact, COALESCE(institution_id, 0), subject, details, status,
	assignee, due_on, answer, finding, answered_by, confirmed_by, reward, reward_status, reward_paid_on, COALESCE(deduction_id, 0), created_by`

func scan(row interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var reward int64
	err := row.Scan(&it.ID, &it.Kind, &it.Channel, &it.ReceivedOn, &it.Complainant, &it.Contact, &it.InstitutionID, &it.Subject,
		&it.Details, &it.Status, &it.Assignee, &it.DueOn, &it.Answer, &it.Finding, &it.AnsweredBy, &it.ConfirmedBy, &reward,
		&it.RewardStatus, &it.RewardPaidOn, &it.DeductionID, &it.CreatedBy)
	it.Reward = money.Fen(reward)
	return it, err
}

func load(ctx context.Context, q db.Querier, id int64, suffix string) (Item, error) {
	it, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM complaints WHERE id = ?`+suffix, id))
	if db.IsNoRows(err) {
		return it, ErrNotFound
	}
	return it, err
}

// Filter selects items.
type Filter struct {
	Status   string
	Assignee string
	Limit    int // default 200
}

// List returns items, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Item, error) {
	if _, err := need(ctx, "查看投诉举报 / see complaints", Readers...); err != nil {
		return nil, err
	}
	where, args := "1 = 1", []any{}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Assignee != "" {
		where += " AND assignee = ?"
		args = append(args, f.Assignee)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+` FROM complaints WHERE `+where+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Get returns an item and its steps.
func (s *Service) Get(ctx context.Context, id int64) (Item, []Event, error) {
	if _, err := need(ctx, "查看投诉举报 / see complaints", Readers...); err != nil {
		return Item{}, nil, err
	}
	it, err := load(ctx, s.db, id, "")
	if err != nil {
		return it, nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT step, note, username, role, at FROM complaint_events WHERE complaint_id = ? ORDER BY id`, id)
	if err != nil {
		return it, nil, err
	}
	defer rows.Close()
	var evs []Event
	for rows.Next() {
		var e Event
		var at string
		if err := rows.Scan(&e.Step, &e.Note, &e.Username, &e.Role, &at); err != nil {
			return it, nil, err
		}
		e.At, _ = db.ParseTimestamp(at)
		evs = append(evs, e)
	}
	return it, evs, rows.Err()
}
