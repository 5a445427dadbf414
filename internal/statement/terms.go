package statement

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/institution"
	"ncms/internal/money"
)

// Scopes of the self-paid limit: which settlements it applies to.
const (
	ScopeInpatient = "inpatient" // admissions only (clr_type 21), as in the Panyu agreement
	ScopeAll       = "all"       // every settlement
)

// Terms are the agreement terms of an institution for one year.
type Terms struct {
	InstitutionID int64      `json:"institution_id"`
	Year          int        `json:"year"`
	SelfPayLimit  money.Rate `json:"selfpay_limit"` // 0: no withholding
	Scope         string     `json:"selfpay_scope"` // inpatient or all
	Budget        money.Fen  `json:"budget"`        // 0: no budget
	UpdatedBy     string     `json:"updated_by,omitempty"`
}

// Panyu returns the Panyu agreement limit for an institution level (SPEC
// §7.2 C, §9): town (township) hospitals 16%, district (county) hospitals
// 20%; 0 (no limit) for the other levels.
func Panyu(l institution.Level) money.Rate {
	switch l {
	case institution.Township:
		return money.Percent(16)
	case institution.County:
		return money.Percent(20)
	}
	return 0
}

func (t Terms) check() error {
	var c apperr.Collector
	if t.Year < 2000 || t.Year > 2100 {
		c.AddField("year", "year", "年度无效", "invalid year")
	}
	if t.SelfPayLimit < 0 || t.SelfPayLimit >= money.Whole {
		c.AddField("selfpay_limit", "range", "自费比例上限应在 0 到 100% 之间", "the self-paid limit must be from 0 to under 100%")
	}
	if t.Scope != ScopeInpatient && t.Scope != ScopeAll {
		c.AddField("selfpay_scope", "scope", "适用范围应为 inpatient 或 all", "the scope must be inpatient or all")
	}
	if t.Budget < 0 {
		c.AddField("budget", "negative", "预算不能为负", "the budget must not be negative")
	}
	return c.Err()
}

// SetTerms records an institution's agreement terms for a year (finance,
// director or the scheme administrator). Statements prepared afterwards
// use them; statements already prepared keep the terms they were made with.
func (s *Service) SetTerms(ctx context.Context, t Terms) (Terms, error) {
	a, err := need(ctx, "设置协议条款 / set agreement terms", access.Finance, access.Director, access.Admin)
	if err != nil {
		return Terms{}, err
	}
	t.Scope = strings.TrimSpace(t.Scope)
	if t.Scope == "" {
		t.Scope = ScopeInpatient
	}
	if err := t.check(); err != nil {
		return Terms{}, err
	}
	t.UpdatedBy = a.Username
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := institution.Load(ctx, tx, t.InstitutionID); err != nil {
			return err
		}
		before, found, err := loadTerms(ctx, tx, t.InstitutionID, t.Year)
		if err != nil {
			return err
		}
		if found {
			_, err = tx.ExecContext(ctx, `UPDATE statement_terms SET selfpay_limit_bp = ?, selfpay_scope = ?, budget = ?,
				updated_at = ?, updated_by = ? WHERE institution_id = ? AND year = ?`,
				int64(t.SelfPayLimit), t.Scope, int64(t.Budget), s.stamp(), a.Username, t.InstitutionID, t.Year)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO statement_terms (institution_id, year, selfpay_limit_bp, selfpay_scope,
				budget, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				t.InstitutionID, t.Year, int64(t.SelfPayLimit), t.Scope, int64(t.Budget), s.stamp(), a.Username)
		}
		if err != nil {
			return err
		}
		var b any
		if found {
			b = before
		}
		return audit.Record(ctx, tx, "statement.terms", "institution", t.InstitutionID, b, t)
	})
	return t, err
}

// TermsOf returns an institution's terms for a year (zero terms, scope
// inpatient, when none are recorded).
func (s *Service) TermsOf(ctx context.Context, institutionID int64, year int) (Terms, error) {
	if _, err := readScopeFor(ctx, institutionID); err != nil {
		return Terms{}, err
	}
	t, _, err := loadTerms(ctx, s.db, institutionID, year)
	return t, err
}

// readScopeFor checks the actor may read institution id's records.
func readScopeFor(ctx context.Context, id int64) (int64, error) {
	inst, err := readScope(ctx)
	if err == nil && inst != 0 && inst != id {
		return inst, institution.ErrNotFound
	}
	return inst, err
}

func loadTerms(ctx context.Context, q db.Querier, inst int64, year int) (Terms, bool, error) {
	t := Terms{InstitutionID: inst, Year: year, Scope: ScopeInpatient}
	var limit, budget int64
	err := q.QueryRowContext(ctx, `SELECT selfpay_limit_bp, selfpay_scope, budget, updated_by FROM statement_terms
		WHERE institution_id = ? AND year = ?`, inst, year).Scan(&limit, &t.Scope, &budget, &t.UpdatedBy)
	if db.IsNoRows(err) {
		return t, false, nil
	}
	t.SelfPayLimit, t.Budget = money.Rate(limit), money.Fen(budget)
	return t, err == nil, err
}

// Deduction is a deduction against an institution for a violation, taken
// at the next monthly statement.
type Deduction struct {
	ID            int64      `json:"id"`
	InstitutionID int64      `json:"institution_id"`
	Amount        money.Fen  `json:"amount"`
	Reason        string     `json:"reason"`
	SourceType    string     `json:"source_type,omitempty"` // e.g. inspection_case
	SourceRef     string     `json:"source_ref,omitempty"`  // the case id there
	FoundOn       civil.Date `json:"found_on"`
	Status        string     `json:"status"` // open, taken, cancelled
	StatementID   int64      `json:"statement_id,omitempty"`
	CreatedBy     string     `json:"created_by"`
	CancelReason  string     `json:"cancel_reason,omitempty"`
}

// Deduction statuses.
const (
	DeductionOpen      = "open"
	DeductionTaken     = "taken"
	DeductionCancelled = "cancelled"
)

// AddDeduction records a deduction (finance, inspector or director). It is
// taken by the next statement prepared for the institution.
func (s *Service) AddDeduction(ctx context.Context, d Deduction) (Deduction, error) {
	a, err := need(ctx, "登记扣款 / record deductions", access.Finance, access.Inspector, access.Director)
	if err != nil {
		return Deduction{}, err
	}
	d.Reason, d.SourceType, d.SourceRef = strings.TrimSpace(d.Reason), strings.TrimSpace(d.SourceType), strings.TrimSpace(d.SourceRef)
	if d.FoundOn.IsZero() {
		d.FoundOn = s.Today()
	}
	var c apperr.Collector
	if d.InstitutionID == 0 {
		c.AddField("institution_id", "required", "请选择医疗机构", "choose an institution")
	}
	if d.Amount <= 0 {
		c.AddField("amount", "positive", "扣款金额应大于 0", "the amount must be positive")
	}
	if d.Reason == "" {
		c.AddField("reason", "required", "请填写扣款原因", "a reason is required")
	}
	if d.FoundOn.After(s.Today()) {
		c.AddField("found_on", "future", "日期不能晚于今天", "the date must not be in the future")
	}
	if err := c.Err(); err != nil {
		return Deduction{}, err
	}
	d.Status, d.CreatedBy, d.StatementID = DeductionOpen, a.Username, 0
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := institution.Load(ctx, tx, d.InstitutionID); err != nil {
			return apperr.Field("institution_id", "not_found", "医疗机构不存在", "institution not found")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO deductions (institution_id, amount, reason, source_type, source_ref, found_on,
			status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.InstitutionID, int64(d.Amount), d.Reason,
			d.SourceType, d.SourceRef, d.FoundOn, d.Status, s.stamp(), a.Username)
		if err != nil {
			return err
		}
		d.ID = id
		return audit.Record(ctx, tx, "statement.deduction.add", "deduction", id, nil, d)
	})
	return d, err
}

// CancelDeduction cancels an open deduction, or one taken by a statement
// that is still a draft (whose figures are then recomputed), with a reason.
func (s *Service) CancelDeduction(ctx context.Context, id int64, reason string) (Deduction, error) {
	a, err := need(ctx, "撤销扣款 / cancel deductions", access.Finance, access.Inspector, access.Director)
	if err != nil {
		return Deduction{}, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return Deduction{}, apperr.Field("reason", "required", "请填写撤销原因", "a reason is required")
	}
	var out Deduction
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		d, err := loadDeduction(ctx, tx, id)
		if err != nil {
			return err
		}
		var st Statement
		switch d.Status {
		case DeductionOpen:
		case DeductionTaken:
			if st, err = loadStatement(ctx, tx, d.StatementID, true); err != nil {
				return err
			}
			if st.Status != Draft {
				return apperr.New(apperr.Conflict, "deduction_in_statement", "该扣款已计入结算单 "+st.Period.String()+"(非草稿),不能撤销",
					"the deduction is in the statement for "+st.Period.String()+", which is past draft")
			}
		default:
			return apperr.New(apperr.Conflict, "deduction_cancelled", "该扣款已撤销", "the deduction is already cancelled")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deductions SET status = ?, statement_id = NULL, cancelled_at = ?, cancelled_by = ?,
			cancel_reason = ? WHERE id = ?`, DeductionCancelled, s.stamp(), a.Username, reason, id); err != nil {
			return err
		}
		if st.ID != 0 {
			if _, err := s.compute(ctx, tx, st.ID); err != nil {
				return err
			}
		}
		out = d
		out.Status, out.StatementID, out.CancelReason = DeductionCancelled, 0, reason
		return audit.Record(ctx, tx, "statement.deduction.cancel", "deduction", id, d, out)
	})
	return out, err
}

const deductionCols = `id, institution_id, amount, reason, source_type, source_ref, found_on, status,
	COALESCE(statement_id, 0), created_by, cancel_reason`

func scanDeduction(row interface{ Scan(...any) error }) (Deduction, error) {
	var d Deduction
	var amt int64
	err := row.Scan(&d.ID, &d.InstitutionID, &amt, &d.Reason, &d.SourceType, &d.SourceRef, &d.FoundOn, &d.Status,
		&d.StatementID, &d.CreatedBy, &d.CancelReason)
	d.Amount = money.Fen(amt)
	return d, err
}

func loadDeduction(ctx context.Context, q db.Querier, id int64) (Deduction, error) {
	d, err := scanDeduction(q.QueryRowContext(ctx, `SELECT `+deductionCols+` FROM deductions WHERE id = ?`, id))
	if db.IsNoRows(err) {
		return d, apperr.NotFoundf("扣款 / deduction")
	}
	return d, err
}

// DeductionFilter selects deductions.
type DeductionFilter struct {
	InstitutionID int64
	Status        string
	StatementID   int64
	Limit         int // default 200
}

// Deductions lists deductions, newest first.
func (s *Service) Deductions(ctx context.Context, f DeductionFilter) ([]Deduction, error) {
	inst, err := readScope(ctx)
	if err != nil {
		return nil, err
	}
	if inst != 0 {
		f.InstitutionID = inst
	}
	where, args := "1 = 1", []any{}
	if f.InstitutionID != 0 {
		where += " AND institution_id = ?"
		args = append(args, f.InstitutionID)
	}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.StatementID != 0 {
		where += " AND statement_id = ?"
		args = append(args, f.StatementID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deductionCols+` FROM deductions WHERE `+where+` ORDER BY id DESC LIMIT `+itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Deduction
	for rows.Next() {
		d, err := scanDeduction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
