package statement

import (
	"context"
	"strconv"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/institution"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// TrueUp is the year-end settlement of an institution's withholding
// (Panyu rule, SPEC §9): if the year's average self-paid share is within
// the limit everything withheld is returned; otherwise the actual excess
// (self-paid − limit × cost over the year) is kept and the rest returned.
// Identity: Withheld = Kept + Returned.
type TrueUp struct {
	ID            int64      `json:"id"`
	InstitutionID int64      `json:"institution_id"`
	Year          int        `json:"year"`
	BaseMedFee    money.Fen  `json:"base_medfee"`
	BaseSelfPaid  money.Fen  `json:"base_selfpaid"`
	SelfPayLimit  money.Rate `json:"selfpay_limit"`
	Withheld      money.Fen  `json:"withheld"`
	Kept          money.Fen  `json:"kept"`
	Returned      money.Fen  `json:"returned"`
	StatementID   int64      `json:"statement_id,omitempty"` // the statement that paid Returned back
	CreatedBy     string     `json:"created_by"`
}

// Settle computes kept and returned from the year's figures.
func (t *TrueUp) Settle() {
	t.Kept = money.Min(t.Withheld, Withholding(t.BaseMedFee, t.BaseSelfPaid, t.SelfPayLimit))
	t.Returned = t.Withheld - t.Kept
}

// YearEnd makes the true-up of an institution's withholding for a year
// (finance or director), after the year has ended and every statement of
// the year is approved. The returned amount is paid with the institution's
// next statement. A year is trued up once; afterwards no statement of that
// year can be prepared.
func (s *Service) YearEnd(ctx context.Context, institutionID int64, year int) (TrueUp, error) {
	a, err := need(ctx, "年终清算 / make the year-end true-up", access.Finance, access.Director)
	if err != nil {
		return TrueUp{}, err
	}
	y := strconv.Itoa(year)
	if !s.Today().After(civil.New(year, 12, 31)) {
		return TrueUp{}, apperr.Field("year", "not_ended", y+" 年度尚未结束", "the year "+y+" has not ended")
	}
	t := TrueUp{InstitutionID: institutionID, Year: year, CreatedBy: a.Username}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var code string
		err := tx.QueryRowContext(ctx, `SELECT code FROM institutions WHERE id = ?`+tx.DB().ForUpdate(), institutionID).Scan(&code)
		if db.IsNoRows(err) {
			return institution.ErrNotFound
		}
		if err != nil {
			return err
		}
		fig, err := yearFigures(ctx, tx, institutionID, year)
		if err != nil {
			return err
		}
		if fig.Pending > 0 || fig.Untaken > 0 {
			return errYearOpen(year)
		}
		t.BaseMedFee, t.BaseSelfPaid, t.Withheld, t.SelfPayLimit = fig.BaseMedFee, fig.BaseSelfPaid, fig.Withheld, fig.SelfPayLimit
		t.Settle()
		med, self, withheld := int64(t.BaseMedFee), int64(t.BaseSelfPaid), int64(t.Withheld)
		t.ID, err = tx.InsertID(ctx, `INSERT INTO withholding_trueups (institution_id, year, base_medfee, base_selfpaid,
			selfpay_limit_bp, withheld, kept, returned, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			institutionID, year, med, self, int64(t.SelfPayLimit), withheld, int64(t.Kept), int64(t.Returned), s.stamp(), a.Username)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "trued_up", y+" 年度已清算", "the year "+y+" is already trued up")
		}
		if err != nil {
			return err
		}
		if _, err := ledger.PostIfAny(ctx, tx, ledger.ForWithholdingRefund(year, s.Today(), t.ID, institutionID,
			t.Returned, t.Kept, "年终清算 / true-up "+y+" "+code)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "statement.trueup", "institution", institutionID, nil, t)
	})
	return t, err
}

// TrueUps lists the true-ups of a year (every institution the actor sees).
func (s *Service) TrueUps(ctx context.Context, year int) ([]TrueUp, error) {
	inst, err := readScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, institution_id, year, base_medfee, base_selfpaid, selfpay_limit_bp, withheld,
		kept, returned, COALESCE(statement_id, 0), created_by FROM withholding_trueups WHERE year = ? AND (? = 0 OR institution_id = ?)
		ORDER BY institution_id`, year, inst, inst)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrueUp
	for rows.Next() {
		var t TrueUp
		var f [6]int64
		if err := rows.Scan(&t.ID, &t.InstitutionID, &t.Year, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &t.StatementID, &t.CreatedBy); err != nil {
			return nil, err
		}
		t.BaseMedFee, t.BaseSelfPaid, t.SelfPayLimit = money.Fen(f[0]), money.Fen(f[1]), money.Rate(f[2])
		t.Withheld, t.Kept, t.Returned = money.Fen(f[3]), money.Fen(f[4]), money.Fen(f[5])
		out = append(out, t)
	}
	return out, rows.Err()
}
