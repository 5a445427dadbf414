package registry

import (
	"context"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
)

// EventKind names a dated event in a person's life in the register.
type EventKind string

// The event kinds.
const (
	EvRegistered  EventKind = "registered"  // first registration
	EvBorn        EventKind = "born"        // newborn added to a household
	EvMovedIn     EventKind = "moved_in"    // came into the county (or back)
	EvMovedOut    EventKind = "moved_out"   // left the county
	EvDeceased    EventKind = "deceased"    // died
	EvTransferred EventKind = "transferred" // moved to another household in the county
	EvIDAssigned  EventKind = "id_assigned" // an ID number given later (newborns)
	EvCorrected   EventKind = "corrected"   // a correction of recorded facts, with a reason
)

// Label returns the kind's Chinese and English names.
func (k EventKind) Label() (zh, en string) {
	switch k {
	case EvRegistered:
		return "登记", "registered"
	case EvBorn:
		return "出生登记", "born"
	case EvMovedIn:
		return "迁入", "moved in"
	case EvMovedOut:
		return "迁出", "moved out"
	case EvDeceased:
		return "死亡", "deceased"
	case EvTransferred:
		return "转户", "transferred"
	case EvIDAssigned:
		return "补登身份证号", "ID number assigned"
	case EvCorrected:
		return "信息更正", "corrected"
	}
	return string(k), string(k)
}

// Zh returns the Chinese name of the kind.
func (k EventKind) Zh() string { zh, _ := k.Label(); return zh }

// Event is one dated event of a person.
type Event struct {
	ID          int64
	PersonID    int64
	HouseholdID int64 // the household the person belonged to at the event
	Kind        EventKind
	Date        civil.Date
	Note        string
	Data        string // JSON of what a correction changed
	Created     time.Time
	CreatedBy   string
}

// addEvent writes one event in tx.
func (s *Service) addEvent(ctx context.Context, tx *db.Tx, person, household int64, kind EventKind, date civil.Date, note, data string) error {
	act, _ := actorOf(ctx)
	_, err := tx.ExecContext(ctx, `INSERT INTO person_events (person_id, household_id, kind, event_date, note, data_json, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, person, household, string(kind), date, note, data, s.stamp(), act.Username)
	return err
}

// Events returns a person's events in the order they were recorded.
func (s *Service) Events(ctx context.Context, personID int64) ([]Event, error) {
	if _, err := s.Person(ctx, personID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, person_id, household_id, kind, event_date, note, data_json, created_at, created_by
		FROM person_events WHERE person_id = ? ORDER BY id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var created string
		if err := rows.Scan(&e.ID, &e.PersonID, &e.HouseholdID, &e.Kind, &e.Date, &e.Note, &e.Data, &created, &e.CreatedBy); err != nil {
			return nil, err
		}
		e.Created, _ = db.ParseTimestamp(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// StatusChange records that a person moved out, died, or moved (back) in.
type StatusChange struct {
	Kind EventKind  // EvMovedOut, EvDeceased or EvMovedIn
	Date civil.Date // the day it happened; not in the future, not before birth
	Note string
	// NewHeadID names the member who becomes head when the head leaves and
	// other active members remain (required then).
	NewHeadID int64
}

// lockPerson reads a person for update, checking the writer's scope.
func (s *Service) lockPerson(ctx context.Context, tx *db.Tx, act access.Actor, id int64) (Person, error) {
	p, err := getPerson(ctx, tx, id, s.db.ForUpdate())
	if err != nil || !act.Scope.CoversArea(p.AreaPath) {
		return Person{}, errPersonNotFound
	}
	return p, nil
}

// ChangeStatus records a status event: active → moved out or deceased;
// moved out → active (moved back in). A deceased person cannot change
// further except by Correct.
func (s *Service) ChangeStatus(ctx context.Context, personID int64, ch StatusChange) (Person, error) {
	return s.editPerson(ctx, personID, func(tx *db.Tx, act access.Actor, p Person) error {
		to, err := s.checkStatusChange(p, ch)
		if err != nil {
			return err
		}
		if p.IsHead() && to != Active {
			if err := s.replaceHead(ctx, tx, p, ch.NewHeadID); err != nil {
				return err
			}
		}
		if to == Active && p.Relation == Head {
			if err := s.checkNoOtherHead(ctx, tx, p.HouseholdID, p.ID, "relation"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET status = ?, status_date = ?, updated_at = ? WHERE id = ?`,
			string(to), ch.Date, s.stamp(), p.ID); err != nil {
			return err
		}
		if err := s.syncHead(ctx, tx, p.HouseholdID); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, p.ID, p.HouseholdID, ch.Kind, ch.Date, strings.TrimSpace(ch.Note), ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "person."+string(ch.Kind), "person", p.ID,
			map[string]string{"status": string(p.Status)}, map[string]string{"status": string(to), "date": ch.Date.String(), "note": ch.Note})
	})
}

// checkStatusChange returns the status the change leads to, or why not.
func (s *Service) checkStatusChange(p Person, ch StatusChange) (Status, error) {
	today := s.Today()
	switch {
	case ch.Date.IsZero():
		return "", apperr.Field("date", "required", "请填写日期", "date is required")
	case ch.Date.After(today):
		return "", apperr.Field("date", "future", "日期不能晚于今天", "date cannot be in the future")
	case ch.Date.Before(p.BirthDate):
		return "", apperr.Field("date", "before_birth", "日期早于出生日期", "date is before the birth date")
	case !p.StatusDate.IsZero() && ch.Date.Before(p.StatusDate):
		return "", apperr.Field("date", "before_last", "日期早于上次状态变更（"+p.StatusDate.String()+"）",
			"date is before the last status change ("+p.StatusDate.String()+")")
	}
	if p.Status == Deceased {
		return "", apperr.New(apperr.Conflict, "deceased", "该人员已登记死亡，只能通过更正修改", "the person is recorded as deceased; use a correction")
	}
	switch {
	case ch.Kind == EvMovedOut && p.Status == Active:
		return MovedOut, nil
	case ch.Kind == EvDeceased && p.Status == Active:
		return Deceased, nil
	case ch.Kind == EvMovedIn && p.Status == MovedOut:
		return Active, nil
	}
	return "", apperr.New(apperr.Conflict, "bad_status_change",
		"当前状态（"+p.Status.Zh()+"）不能进行“"+ch.Kind.Zh()+"”", "cannot record "+string(ch.Kind)+" for a person who is "+string(p.Status))
}

// replaceHead makes newHead the head when the current head p leaves.
// newHead is required when other active members remain.
func (s *Service) replaceHead(ctx context.Context, tx *db.Tx, p Person, newHead int64) error {
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE household_id = ? AND status = 'active' AND id <> ?`,
		p.HouseholdID, p.ID).Scan(&others); err != nil {
		return err
	}
	if others == 0 && newHead == 0 {
		return nil
	}
	var hh int64
	var status string
	err := tx.QueryRowContext(ctx, `SELECT household_id, status FROM persons WHERE id = ?`, newHead).Scan(&hh, &status)
	if newHead == 0 || newHead == p.ID || err != nil || hh != p.HouseholdID || status != string(Active) {
		return apperr.Field("new_head_id", "new_head_required", "户主离开后须从本户在册成员中指定新户主",
			"the head is leaving: choose a new head among the active members")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET relation = '其他', updated_at = ? WHERE id = ?`, s.stamp(), p.ID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE persons SET relation = ?, updated_at = ? WHERE id = ?`, Head, s.stamp(), newHead)
	return err
}

// checkNoOtherHead refuses a second active head in a household.
func (s *Service) checkNoOtherHead(ctx context.Context, q db.Querier, household, self int64, field string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE household_id = ? AND status = 'active' AND relation = ? AND id <> ?`,
		household, Head, self).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		e := apperr.Field(field, "two_heads", "该户已有户主，一户只能有一名户主", "the household already has a head")
		e.Kind = apperr.Conflict
		return e
	}
	return nil
}

// syncHead sets households.head_person_id to the active member marked 户主.
func (s *Service) syncHead(ctx context.Context, tx *db.Tx, household int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE households SET head_person_id =
		(SELECT MIN(id) FROM persons WHERE household_id = ? AND status = 'active' AND relation = ?), updated_at = ? WHERE id = ?`,
		household, Head, s.stamp(), household)
	return err
}

// editPerson runs edit in a write transaction on the person, locked and
// within the writer's scope, and returns the person as stored afterwards.
func (s *Service) editPerson(ctx context.Context, id int64, edit func(tx *db.Tx, act access.Actor, p Person) error) (Person, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := writer(ctx)
		if err != nil {
			return err
		}
		p, err := s.lockPerson(ctx, tx, act, id)
		if err != nil {
			return err
		}
		return edit(tx, act, p)
	})
	if err != nil {
		return Person{}, err
	}
	return s.Person(ctx, id)
}
