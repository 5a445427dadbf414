package supervise

import (
	"context"
	"strings"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// Blacklist subjects and effects.
const (
	SubjectPerson      = "person"
	SubjectStaff       = "staff" // a doctor (visits.doctor_name) at an institution
	SubjectInstitution = "institution"

	EffectBlock  = "block"  // settlement and claim filing refused
	EffectReview = "review" // every settlement opens a review case
)

// SubjectLabel returns a subject's or an effect's Chinese and English names.
func SubjectLabel(s string) (zh, en string) {
	switch s {
	case SubjectPerson:
		return "参合人员", "person"
	case SubjectStaff:
		return "医务人员", "staff"
	case SubjectInstitution:
		return "医疗机构", "institution"
	case EffectBlock:
		return "暂停报销", "blocked"
	case EffectReview:
		return "逐笔复核", "every claim reviewed"
	}
	return s, s
}

func moneyFen(v int64) money.Fen { return money.Fen(v) }

// Entry is one blacklist entry.
type Entry struct {
	ID            int64      `json:"id"`
	Subject       string     `json:"subject"` // person, staff, institution
	PersonID      int64      `json:"person_id,omitempty"`
	PersonName    string     `json:"person_name,omitempty"`
	InstitutionID int64      `json:"institution_id,omitempty"`
	Institution   string     `json:"institution_name,omitempty"`
	StaffName     string     `json:"staff_name,omitempty"`
	Reason        string     `json:"reason"`
	Effect        string     `json:"effect"` // block, review
	From          civil.Date `json:"valid_from"`
	To            civil.Date `json:"valid_to"` // zero: open-ended
	CreatedBy     string     `json:"created_by"`
	Created       time.Time  `json:"created_at"`
	LiftedBy      string     `json:"lifted_by,omitempty"`
	LiftReason    string     `json:"lift_reason,omitempty"`
}

// Active reports whether the entry is in force on day d.
func (e Entry) Active(d civil.Date) bool {
	return e.LiftedBy == "" && !d.Before(e.From) && (e.To.IsZero() || !d.After(e.To))
}

const entryCols = `b.id, b.subject, COALESCE(b.person_id, 0), COALESCE(p.name, ''), COALESCE(b.institution_id, 0), COALESCE(i.name, ''),
	b.staff_name, b.reason, b.effect, b.valid_from, b.valid_to, b.created_by, b.created_at, b.lifted_by, b.lift_reason`

const entryFrom = ` FROM supervise_blacklist b LEFT JOIN persons p ON p.id = b.person_id LEFT JOIN institutions i ON i.id = b.institution_id`

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var created string
	err := row.Scan(&e.ID, &e.Subject, &e.PersonID, &e.PersonName, &e.InstitutionID, &e.Institution, &e.StaffName, &e.Reason,
		&e.Effect, &e.From, &e.To, &e.CreatedBy, &created, &e.LiftedBy, &e.LiftReason)
	if err == nil {
		e.Created, _ = db.ParseTimestamp(created)
	}
	return e, err
}

// inForce returns the entries in force on day that concern the person, the
// institution, or the doctor of visit (at that institution). Zero ids are
// not matched.
func inForce(ctx context.Context, q db.Querier, personID, institutionID, visitID int64, day civil.Date) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+entryFrom+`
		WHERE b.lifted_at IS NULL AND b.valid_from <= ? AND (b.valid_to IS NULL OR b.valid_to >= ?)
		AND ((b.subject = 'person' AND b.person_id = ?) OR (b.subject = 'institution' AND b.institution_id = ?)
		  OR (b.subject = 'staff' AND b.institution_id = ? AND b.staff_name <> ''
		      AND b.staff_name = (SELECT doctor_name FROM visits WHERE id = ?)))
		ORDER BY b.id`, day, day, personID, institutionID, institutionID, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddToBlacklist records an entry (inspector or director).
func (s *Service) AddToBlacklist(ctx context.Context, e Entry) (Entry, error) {
	a, err := need(ctx, Workers)
	if err != nil {
		return Entry{}, err
	}
	e.Reason, e.StaffName = strings.TrimSpace(e.Reason), strings.TrimSpace(e.StaffName)
	if e.From.IsZero() {
		e.From = s.Today()
	}
	var c apperr.Collector
	switch e.Subject {
	case SubjectPerson:
		if e.PersonID <= 0 {
			c.AddField("person_id", "required", "请指定参合人员", "choose the person")
		}
		e.InstitutionID, e.StaffName = 0, ""
	case SubjectInstitution:
		if e.InstitutionID <= 0 {
			c.AddField("institution_id", "required", "请选择医疗机构", "choose the institution")
		}
		e.PersonID, e.StaffName = 0, ""
	case SubjectStaff:
		if e.InstitutionID <= 0 {
			c.AddField("institution_id", "required", "请选择医务人员所在机构", "choose the staff member's institution")
		}
		if e.StaffName == "" {
			c.AddField("staff_name", "required", "请填写医务人员姓名(与结算记录中的医生姓名一致)", "the staff name (as the visits' doctor name) is required")
		}
		e.PersonID = 0
	default:
		c.AddField("subject", "invalid", "请选择对象类别", "choose person, staff or institution")
	}
	if e.Effect != EffectBlock && e.Effect != EffectReview {
		c.AddField("effect", "invalid", "请选择处理方式(暂停报销或逐笔复核)", "choose the effect (block or review)")
	}
	if e.Reason == "" {
		c.AddField("reason", "required", "请填写原因", "a reason is required")
	}
	if !e.To.IsZero() && e.To.Before(e.From) {
		c.AddField("valid_to", "order", "截止日期早于起始日期", "the end is before the start")
	}
	if err := c.Err(); err != nil {
		return Entry{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if e.PersonID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE id = ?`, e.PersonID).Scan(&n); err != nil {
				return err
			} else if n == 0 {
				return apperr.Field("person_id", "not_found", "未找到该参合人员", "person not found")
			}
		}
		if e.InstitutionID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM institutions WHERE id = ?`, e.InstitutionID).Scan(&n); err != nil {
				return err
			} else if n == 0 {
				return apperr.Field("institution_id", "not_found", "未找到该医疗机构", "institution not found")
			}
		}
		var to any
		if !e.To.IsZero() {
			to = e.To
		}
		id, err := tx.InsertID(ctx, `INSERT INTO supervise_blacklist (subject, person_id, institution_id, staff_name, reason, effect,
			valid_from, valid_to, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Subject, nullID(e.PersonID),
			nullID(e.InstitutionID), e.StaffName, e.Reason, e.Effect, e.From, to, s.stamp(), a.Username)
		if err != nil {
			return err
		}
		e.ID, e.CreatedBy = id, a.Username
		return audit.Record(ctx, tx, "supervise.blacklist.add", "supervise_blacklist", id, nil, e)
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, e.ID)
}

func (s *Service) entry(ctx context.Context, id int64) (Entry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, `SELECT `+entryCols+entryFrom+` WHERE b.id = ?`, id))
	if db.IsNoRows(err) {
		return e, apperr.New(apperr.NotFound, "blacklist_not_found", "未找到该黑名单记录", "blacklist entry not found")
	}
	return e, err
}

// LiftBlacklist lifts an entry with a reason; it stays on record.
func (s *Service) LiftBlacklist(ctx context.Context, id int64, reason string) (Entry, error) {
	a, err := need(ctx, Workers)
	if err != nil {
		return Entry{}, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return Entry{}, apperr.Field("reason", "required", "请填写解除原因", "a reason is required")
	}
	before, err := s.entry(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE supervise_blacklist SET lifted_at = ?, lifted_by = ?, lift_reason = ?
			WHERE id = ? AND lifted_at IS NULL`, s.stamp(), a.Username, reason, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "already_lifted", "该记录已解除", "the entry is already lifted")
		}
		return audit.Record(ctx, tx, "supervise.blacklist.lift", "supervise_blacklist", id, before, map[string]any{"lift_reason": reason})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// Blacklist lists entries, newest first; with current, only those in force
// today.
func (s *Service) Blacklist(ctx context.Context, current bool) ([]Entry, error) {
	if _, err := need(ctx, Readers); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+entryCols+entryFrom+` ORDER BY b.id DESC LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := s.Today()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		if !current || e.Active(today) {
			out = append(out, e)
		}
	}
	return out, rows.Err()
}
