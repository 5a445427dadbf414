package claims

import (
	"context"
	"encoding/json"
	"strings"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/idcard"
	"ncms/internal/money"
)

func fen(v int64) money.Fen { return money.Fen(v) }

const claimCols = `c.id, c.person_id, p.name, COALESCE(p.id_number, ''), c.household_id, c.area_path,
	COALESCE((SELECT a.name FROM areas a JOIN households h ON h.area_id = a.id WHERE h.id = c.household_id), ''),
	c.institution_id, i.name, c.med_type, c.clr_type, c.begin_date, c.end_date, c.diagnoses, c.referral, c.third_party,
	c.special, c.special_reason, c.invoice_no, c.documents, c.filed_date, c.deadline, c.payee_name, c.bank_name,
	c.bank_account_no, c.bill_total, c.stage, c.scheme_id, c.ytd_year, c.kind, c.result_json, c.approved_date,
	c.batch_ref, c.paid_date`

const claimFrom = ` FROM claims c JOIN persons p ON p.id = c.person_id JOIN institutions i ON i.id = c.institution_id`

func scanClaim(row interface{ Scan(...any) error }) (Claim, error) {
	var c Claim
	var idNo, diag, docs, body, stage string
	var end, approved, paid *civil.Date
	var scheme *int64
	var year *int
	var total int64
	err := row.Scan(&c.ID, &c.PersonID, &c.PersonName, &idNo, &c.HouseholdID, &c.AreaPath, &c.AreaName,
		&c.InstitutionID, &c.Institution, &c.MedType, &c.ClrType, &c.Begin, &end, &diag, &c.Referral, &c.ThirdParty,
		&c.Special, &c.SpecialReason, &c.Invoice, &docs, &c.Filed, &c.Deadline, &c.PayeeName, &c.BankName,
		&c.BankAccountNo, &total, &stage, &scheme, &year, &c.Kind, &body, &approved, &c.BatchRef, &paid)
	if err != nil {
		return c, err
	}
	c.IDMasked, c.BillTotal, c.Stage = idcard.Mask(idNo), fen(total), Stage(stage)
	if end != nil {
		c.End = *end
	}
	if approved != nil {
		c.Approved = *approved
	}
	if paid != nil {
		c.PaidDate = *paid
	}
	if scheme != nil {
		c.SchemeID = *scheme
	}
	if year != nil {
		c.Year = *year
	}
	if diag != "" {
		c.Diagnoses = strings.Split(diag, ",")
	}
	if docs != "" {
		c.Documents = strings.Split(docs, ",")
	}
	if body != "" {
		c.Result = new(engine.Result)
		if err := json.Unmarshal([]byte(body), c.Result); err != nil {
			return c, err
		}
	}
	return c, nil
}

// load reads a claim in the actor's scope (outside it: not found).
func (s *Service) load(ctx context.Context, q db.Querier, a access.Actor, id int64) (Claim, error) {
	c, err := scanClaim(q.QueryRowContext(ctx, `SELECT `+claimCols+claimFrom+` WHERE c.id = ?`, id))
	if db.IsNoRows(err) || (err == nil && !a.Scope.CoversArea(c.AreaPath)) {
		return Claim{}, errNotFound
	}
	return c, err
}

// Get returns a claim with its lines and steps. A claim of a person outside
// the actor's area is not found.
func (s *Service) Get(ctx context.Context, id int64) (Claim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return Claim{}, err
	}
	c, err := s.load(ctx, s.db, a, id)
	if err != nil {
		return c, err
	}
	if c.Lines, err = s.lines(ctx, id); err != nil {
		return c, err
	}
	c.Steps, err = s.steps(ctx, id)
	return c, err
}

func (s *Service) lines(ctx context.Context, id int64) ([]Line, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT line_no, code, name, class, qty, price, total, fee_date, fulamt_ownpay,
		overlmt, preselfpay, inscp, reason FROM claim_lines WHERE claim_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var qty, price, total, full, over, first, in int64
		if err := rows.Scan(&l.No, &l.Code, &l.Name, &l.Class, &qty, &price, &total, &l.Date, &full, &over, &first,
			&in, &l.Reason); err != nil {
			return nil, err
		}
		l.Qty, l.Price, l.Total = engine.Qty(qty), engine.Price(price), fen(total)
		l.FullOwn, l.OverLimit, l.FirstSelf, l.InScope = fen(full), fen(over), fen(first), fen(in)
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Service) steps(ctx context.Context, id int64) ([]Step, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT step, decision, reason_code, reason, username, role, at
		FROM claim_steps WHERE claim_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Step
	for rows.Next() {
		var st Step
		var step, at string
		if err := rows.Scan(&step, &st.Decision, &st.ReasonCode, &st.Reason, &st.Username, &st.Role, &at); err != nil {
			return nil, err
		}
		st.Step = Stage(step)
		if st.At, err = db.ParseTimestamp(at); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Filter selects claims for a queue or a search.
type Filter struct {
	Stage    Stage // "" any
	PersonID int64 // 0 any
	Limit    int   // default 50, at most 500
	Offset   int
}

// List returns the claims in the actor's area matching f, oldest filing
// first, and how many match in all.
func (s *Service) List(ctx context.Context, f Filter) ([]Claim, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	cond, arg := a.Scope.AreaFilter("c.area_path")
	where, args := ` WHERE `+cond, []any{}
	if arg != nil {
		args = append(args, arg)
	}
	if f.Stage != "" {
		where, args = where+` AND c.stage = ?`, append(args, string(f.Stage))
	}
	if f.PersonID != 0 {
		where, args = where+` AND c.person_id = ?`, append(args, f.PersonID)
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM claims c`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+claimCols+claimFrom+where+` ORDER BY c.id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// Counts returns the number of claims at each stage in the actor's area.
func (s *Service) Counts(ctx context.Context) (map[Stage]int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	cond, arg := a.Scope.AreaFilter("area_path")
	var args []any
	if arg != nil {
		args = append(args, arg)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT stage, COUNT(*) FROM claims WHERE `+cond+` GROUP BY stage`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Stage]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[Stage(st)] = n
	}
	return out, rows.Err()
}
