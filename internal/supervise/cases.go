package supervise

import (
	"context"
	"strconv"
	"strings"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/money"
	"ncms/internal/statement"
	"ncms/internal/supervise/rules"
)

// Case statuses and outcomes.
const (
	StatusOpen          = "open"
	StatusAssigned      = "assigned"
	StatusInvestigating = "investigating"
	StatusClosed        = "closed"

	OutcomeNoIssue   = "no_issue"
	OutcomeDeduction = "deduction"
	OutcomeReferral  = "referral"
)

// Statuses lists the case statuses in workflow order.
var Statuses = []string{StatusOpen, StatusAssigned, StatusInvestigating, StatusClosed}

// StatusLabel returns a status's or an outcome's Chinese and English names.
func StatusLabel(s string) (zh, en string) {
	switch s {
	case StatusOpen:
		return "待分派", "open"
	case StatusAssigned:
		return "已分派", "assigned"
	case StatusInvestigating:
		return "调查中", "investigating"
	case StatusClosed:
		return "已结案", "closed"
	case OutcomeNoIssue:
		return "未发现问题", "no issue"
	case OutcomeDeduction:
		return "扣款", "deduction"
	case OutcomeReferral:
		return "移送处理", "referral"
	}
	return s, s
}

// Case is a supervision case.
type Case struct {
	ID            int64      `json:"id"`
	Rule          string     `json:"rule"`
	Key           string     `json:"key"`
	Source        string     `json:"source"` // settlement, batch, indicator, sample, blacklist, manual
	InstitutionID int64      `json:"institution_id,omitempty"`
	Institution   string     `json:"institution_name,omitempty"`
	PersonID      int64      `json:"person_id,omitempty"`
	Period        string     `json:"period,omitempty"`
	SummaryZh     string     `json:"summary_zh"`
	SummaryEn     string     `json:"summary_en"`
	Amount        money.Fen  `json:"amount"`
	Status        string     `json:"status"`
	Assignee      string     `json:"assignee,omitempty"`
	Outcome       string     `json:"outcome,omitempty"`
	OutcomeNote   string     `json:"outcome_note,omitempty"`
	DeductionID   int64      `json:"deduction_id,omitempty"`
	OpenedAt      time.Time  `json:"opened_at"`
	OpenedBy      string     `json:"opened_by"`
	ClosedBy      string     `json:"closed_by,omitempty"`
	Evidence      []Evidence `json:"evidence,omitempty"`
	Notes         []Note     `json:"notes,omitempty"`
}

// Evidence links a case to a settlement and optionally one of its lines.
type Evidence struct {
	SettlementID int64  `json:"setl_id,omitempty"`
	VisitID      int64  `json:"mdtrt_id,omitempty"`
	LineID       int64  `json:"line_id,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Note is one entry of a case's history.
type Note struct {
	At       time.Time `json:"at"`
	Username string    `json:"username"`
	Action   string    `json:"action"`
	Note     string    `json:"note,omitempty"`
}

// openCase opens a case for hit in tx unless one with the same key exists;
// it reports whether a case was opened.
func (s *Service) openCase(ctx context.Context, tx *db.Tx, h rules.Hit, source, period string, runID int64, by string) (int64, bool, error) {
	var inst, person, run any
	if h.InstitutionID != 0 {
		inst = h.InstitutionID
	}
	if h.PersonID != 0 {
		person = h.PersonID
	}
	if runID != 0 {
		run = runID
	}
	now := s.stamp()
	id, err := tx.InsertID(ctx, `INSERT INTO supervise_cases (rule, case_key, source, institution_id, person_id, period,
		summary_zh, summary_en, amount, status, run_id, opened_at, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)
		ON CONFLICT (case_key) DO NOTHING`, h.Rule, h.Key, source, inst, person, period, h.Zh, h.En, int64(h.Amount), run, now, by)
	if db.IsNoRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	for i, e := range h.Evidence {
		if _, err := tx.ExecContext(ctx, `INSERT INTO supervise_evidence (case_id, seq, settlement_id, visit_id, line_id, note)
			VALUES (?, ?, ?, ?, ?, ?)`, id, i+1, nullID(e.SettlementID), nullID(e.VisitID), nullID(e.LineID), e.Note); err != nil {
			return 0, false, err
		}
	}
	if err := addNote(ctx, tx, id, now, by, "opened", source); err != nil {
		return 0, false, err
	}
	return id, true, audit.Record(ctx, tx, "supervise.case.open", "supervise_case", id, nil,
		map[string]any{"rule": h.Rule, "key": h.Key, "source": source, "amount": h.Amount})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func addNote(ctx context.Context, tx *db.Tx, caseID int64, at, by, action, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO supervise_case_notes (case_id, at, username, action, note) VALUES (?, ?, ?, ?, ?)`,
		caseID, at, by, action, note)
	return err
}

// Filter selects cases.
type Filter struct {
	Status        string // "" any; "active" = not closed
	Rule          string
	InstitutionID int64
	Assignee      string
	Limit         int // default 200
	Offset        int
}

const caseCols = `c.id, c.rule, c.case_key, c.source, COALESCE(c.institution_id, 0), COALESCE(i.name, ''), COALESCE(c.person_id, 0),
	c.period, c.summary_zh, c.summary_en, c.amount, c.status, c.assignee, c.outcome, c.outcome_note, COALESCE(c.deduction_id, 0),
	c.opened_at, c.opened_by, c.closed_by`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var amt int64
	var opened string
	err := row.Scan(&c.ID, &c.Rule, &c.Key, &c.Source, &c.InstitutionID, &c.Institution, &c.PersonID, &c.Period, &c.SummaryZh,
		&c.SummaryEn, &amt, &c.Status, &c.Assignee, &c.Outcome, &c.OutcomeNote, &c.DeductionID, &opened, &c.OpenedBy, &c.ClosedBy)
	c.Amount = money.Fen(amt)
	if err == nil {
		c.OpenedAt, _ = db.ParseTimestamp(opened)
	}
	return c, err
}

func (f Filter) where() (string, []any) {
	w, args := "1 = 1", []any{}
	switch f.Status {
	case "":
	case "active":
		w += " AND c.status <> 'closed'"
	default:
		w += " AND c.status = ?"
		args = append(args, f.Status)
	}
	if f.Rule != "" {
		w += " AND c.rule = ?"
		args = append(args, f.Rule)
	}
	if f.InstitutionID != 0 {
		w += " AND c.institution_id = ?"
		args = append(args, f.InstitutionID)
	}
	if f.Assignee != "" {
		w += " AND c.assignee = ?"
		args = append(args, f.Assignee)
	}
	return w, args
}

// Cases lists cases, newest first, with the number matching the filter.
func (s *Service) Cases(ctx context.Context, f Filter) ([]Case, int, error) {
	if _, err := need(ctx, Readers); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	w, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM supervise_cases c WHERE `+w, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseCols+` FROM supervise_cases c LEFT JOIN institutions i ON i.id = c.institution_id
		WHERE `+w+` ORDER BY c.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, n, rows.Err()
}

// Counts are the numbers of cases by status and, for cases not closed, by rule.
type Counts struct {
	ByStatus map[string]int `json:"by_status"`
	ByRule   map[string]int `json:"by_rule"` // active cases
}

// Counts counts cases by status and active cases by rule.
func (s *Service) Counts(ctx context.Context) (Counts, error) {
	if _, err := need(ctx, Readers); err != nil {
		return Counts{}, err
	}
	c := Counts{ByStatus: map[string]int{}, ByRule: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, `SELECT status, rule, COUNT(*) FROM supervise_cases GROUP BY status, rule`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var st, rule string
		var n int
		if err := rows.Scan(&st, &rule, &n); err != nil {
			return c, err
		}
		c.ByStatus[st] += n
		if st != StatusClosed {
			c.ByRule[rule] += n
		}
	}
	return c, rows.Err()
}

// ErrCaseNotFound is returned for an unknown case.
var ErrCaseNotFound = apperr.New(apperr.NotFound, "case_not_found", "未找到该稽核案件", "case not found")

// Case returns a case with its evidence and history.
func (s *Service) Case(ctx context.Context, id int64) (Case, error) {
	if _, err := need(ctx, Readers); err != nil {
		return Case{}, err
	}
	return loadCase(ctx, s.db, id, true)
}

func loadCase(ctx context.Context, q db.Querier, id int64, full bool) (Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM supervise_cases c LEFT JOIN institutions i ON i.id = c.institution_id
		WHERE c.id = ?`, id))
	if db.IsNoRows(err) {
		return c, ErrCaseNotFound
	}
	if err != nil || !full {
		return c, err
	}
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(settlement_id, 0), COALESCE(visit_id, 0), COALESCE(line_id, 0), note
		FROM supervise_evidence WHERE case_id = ? ORDER BY seq`, id)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var e Evidence
		if err := rows.Scan(&e.SettlementID, &e.VisitID, &e.LineID, &e.Note); err != nil {
			rows.Close()
			return c, err
		}
		c.Evidence = append(c.Evidence, e)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT at, username, action, note FROM supervise_case_notes WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var n Note
		var at string
		if err := rows.Scan(&at, &n.Username, &n.Action, &n.Note); err != nil {
			return c, err
		}
		n.At, _ = db.ParseTimestamp(at)
		c.Notes = append(c.Notes, n)
	}
	return c, rows.Err()
}

// step changes a case in one transaction: it loads and checks the case
// (closed cases are final), calls fn to give the new row, writes it with a
// history note and the audit row.
func (s *Service) step(ctx context.Context, id int64, action, note string, fn func(c *Case) error) (Case, error) {
	a, err := need(ctx, Workers)
	if err != nil {
		return Case{}, err
	}
	var out Case
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		before, err := loadCase(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if before.Status == StatusClosed {
			return apperr.New(apperr.Conflict, "case_closed", "案件已结案", "the case is closed")
		}
		c := before
		if err := fn(&c); err != nil {
			return err
		}
		now := s.stamp()
		var closedAt any
		if c.Status == StatusClosed {
			closedAt, c.ClosedBy = now, a.Username
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_cases SET status = ?, assignee = ?, outcome = ?, outcome_note = ?,
			deduction_id = ?, closed_at = ?, closed_by = ? WHERE id = ?`, c.Status, c.Assignee, c.Outcome, c.OutcomeNote,
			nullID(c.DeductionID), closedAt, c.ClosedBy, id); err != nil {
			return err
		}
		if err := addNote(ctx, tx, id, now, a.Username, action, note); err != nil {
			return err
		}
		out = c
		return audit.Record(ctx, tx, "supervise.case."+action, "supervise_case", id, before, c)
	})
	if err != nil {
		return Case{}, err
	}
	return s.Case(ctx, out.ID)
}

// Assign gives the case to an inspector (status assigned).
func (s *Service) Assign(ctx context.Context, id int64, assignee string) (Case, error) {
	assignee = strings.TrimSpace(assignee)
	if assignee == "" {
		return Case{}, apperr.Field("assignee", "required", "请填写承办人", "an assignee is required")
	}
	return s.step(ctx, id, "assign", assignee, func(c *Case) error {
		c.Assignee = assignee
		if c.Status == StatusOpen {
			c.Status = StatusAssigned
		}
		return nil
	})
}

// Investigate marks the case as under investigation.
func (s *Service) Investigate(ctx context.Context, id int64, note string) (Case, error) {
	return s.step(ctx, id, "investigate", strings.TrimSpace(note), func(c *Case) error {
		if c.Assignee == "" {
			return apperr.New(apperr.Conflict, "not_assigned", "请先分派承办人", "assign the case first")
		}
		c.Status = StatusInvestigating
		return nil
	})
}

// AddNote records a note on an open case.
func (s *Service) AddNote(ctx context.Context, id int64, note string) (Case, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return Case{}, apperr.Field("note", "required", "请填写内容", "the note is empty")
	}
	return s.step(ctx, id, "note", note, func(*Case) error { return nil })
}

// CloseRequest closes a case with its outcome. A deduction outcome needs
// an amount: it records a deduction against the case's institution through
// internal/statement (source inspection_case, ref = case id), taken at the
// institution's next monthly statement.
type CloseRequest struct {
	Outcome string    `json:"outcome"` // no_issue, deduction, referral
	Note    string    `json:"note"`
	Amount  money.Fen `json:"amount"` // deduction amount
}

// Close closes the case. For a deduction, the deduction is recorded first
// (its own transaction, by statement.AddDeduction); a retry after a failure
// finds it by its source reference and does not record it twice.
func (s *Service) Close(ctx context.Context, id int64, r CloseRequest) (Case, error) {
	if _, err := need(ctx, Workers); err != nil {
		return Case{}, err
	}
	r.Note = strings.TrimSpace(r.Note)
	var col apperr.Collector
	switch r.Outcome {
	case OutcomeNoIssue, OutcomeReferral:
	case OutcomeDeduction:
		if r.Amount <= 0 {
			col.AddField("amount", "positive", "扣款金额应大于 0", "the deduction amount must be positive")
		}
	default:
		col.AddField("outcome", "invalid", "请选择结案结论", "choose an outcome")
	}
	if r.Note == "" {
		col.AddField("note", "required", "请填写结案意见", "a closing note is required")
	}
	if err := col.Err(); err != nil {
		return Case{}, err
	}
	c, err := loadCase(ctx, s.db, id, false)
	if err != nil {
		return Case{}, err
	}
	if c.Status == StatusClosed {
		return Case{}, apperr.New(apperr.Conflict, "case_closed", "案件已结案", "the case is closed")
	}
	var dedID int64
	if r.Outcome == OutcomeDeduction {
		if c.InstitutionID == 0 {
			return Case{}, apperr.Field("outcome", "no_institution", "该案件未关联医疗机构,不能扣款", "the case names no institution to deduct from")
		}
		if dedID, err = s.deduct(ctx, c, r); err != nil {
			return Case{}, err
		}
	}
	return s.step(ctx, id, "close", r.Outcome+": "+r.Note, func(x *Case) error {
		x.Status, x.Outcome, x.OutcomeNote, x.DeductionID = StatusClosed, r.Outcome, r.Note, dedID
		return nil
	})
}

// DeductionSource is the source_type of deductions recorded by cases.
const DeductionSource = "inspection_case"

func (s *Service) deduct(ctx context.Context, c Case, r CloseRequest) (int64, error) {
	ref := strconv.FormatInt(c.ID, 10)
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM deductions WHERE source_type = ? AND source_ref = ? AND status <> 'cancelled'
		ORDER BY id LIMIT 1`, DeductionSource, ref).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !db.IsNoRows(err) {
		return 0, err
	}
	st := statement.New(s.db, statement.Options{Now: s.now})
	d, err := st.AddDeduction(ctx, statement.Deduction{InstitutionID: c.InstitutionID, Amount: r.Amount,
		Reason: "稽核案件 " + ref + ": " + r.Note, SourceType: DeductionSource, SourceRef: ref})
	return d.ID, err
}
