package statement

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/money"
)

// RefundRow is a refund with the patient named for display: the name and
// the masked ID number, never the full one.
type RefundRow struct {
	Refund
	Name     string `json:"name"`
	IDMasked string `json:"id_masked"`
}

// RefundRows lists the refunds under a deduction with their patients
// (county readers, or the institution the deduction concerns).
func (s *Service) RefundRows(ctx context.Context, deductionID int64) ([]RefundRow, error) {
	inst, err := readScope(ctx)
	if err != nil {
		return nil, err
	}
	d, err := loadDeduction(ctx, s.db, deductionID)
	if err != nil || (inst != 0 && d.InstitutionID != inst) {
		return nil, apperr.NotFoundf("扣款 / deduction")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.deduction_id, r.person_id, r.amount, r.note, r.status, r.refunded_on,
		r.created_by, r.recorded_by, p.name, p.id_number FROM deduction_refunds r JOIN persons p ON p.id = r.person_id
		WHERE r.deduction_id = ? ORDER BY r.id`, deductionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RefundRow
	for rows.Next() {
		var r RefundRow
		var amt int64
		var number string
		if err := rows.Scan(&r.ID, &r.DeductionID, &r.PersonID, &amt, &r.Note, &r.Status, &r.RefundedOn, &r.CreatedBy,
			&r.RecordedBy, &r.Name, &number); err != nil {
			return nil, err
		}
		r.Amount, r.IDMasked = money.Fen(amt), idcard.Mask(number)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RefundPerson finds the patient of a refund by exact ID number (the
// roles that record refunds). Unknown numbers are a field error on
// person_id.
func (s *Service) RefundPerson(ctx context.Context, idNumber string) (int64, error) {
	if _, err := need(ctx, "登记退还患者款项 / record patient refunds", access.Finance, access.Inspector, access.Director); err != nil {
		return 0, err
	}
	number := idcard.Normalize(strings.TrimSpace(idNumber))
	if number == "" {
		return 0, apperr.Field("person_id", "required", "请填写患者身份证号", "the patient's ID number is required")
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM persons WHERE id_number = ? ORDER BY id LIMIT 1`, number).Scan(&id)
	if db.IsNoRows(err) {
		return 0, apperr.Field("person_id", "not_found", "未找到该身份证号的参合人员", "no person has this ID number")
	}
	return id, err
}
