package claims

import (
	"context"
	"strconv"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// Payable is an approved, unpaid claim as the bank batch needs it.
type Payable struct {
	ClaimID       int64      `json:"claim_id"`
	Reference     string     `json:"reference"` // the transfer's reference: "BX" + claim id
	PayeeName     string     `json:"payee_name"`
	BankName      string     `json:"bank_name"`
	BankAccountNo string     `json:"bank_account_no"` // full: for the bank file only, never for logs
	Amount        money.Fen  `json:"amount"`
	PersonID      int64      `json:"psn_no"`
	AreaPath      string     `json:"-"`
	Approved      civil.Date `json:"approved_date"`
}

// Reference is the bank transfer reference of claim id.
func Reference(id int64) string { return "BX" + strconv.FormatInt(id, 10) }

// canPay reports whether the actor may list or pay claims: county-wide
// finance clerks and directors.
func canPay(a access.Actor) bool {
	return a.Can(access.Finance, access.Director, access.Admin) && countyWide(a.Scope)
}

var errPayRole = apperr.New(apperr.Forbidden, "forbidden", "仅县级财务人员可办理报销支付", "only county finance staff may pay claims")

// ListPayable returns the approved, unpaid claims with an amount to pay,
// approved on or before through (zero: any day), oldest first. County
// finance staff only.
func (s *Service) ListPayable(ctx context.Context, through civil.Date) ([]Payable, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !canPay(a) {
		return nil, errPayRole
	}
	q := `SELECT id, payee_name, bank_name, bank_account_no, fund_pay_sumamt, person_id, area_path, approved_date
		FROM claims WHERE stage = 'approved' AND fund_pay_sumamt > 0`
	var args []any
	if through.Valid() {
		q, args = q+` AND approved_date <= ?`, append(args, through)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Payable
	for rows.Next() {
		var p Payable
		var amt int64
		if err := rows.Scan(&p.ClaimID, &p.PayeeName, &p.BankName, &p.BankAccountNo, &amt, &p.PersonID, &p.AreaPath,
			&p.Approved); err != nil {
			return nil, err
		}
		p.Amount, p.Reference = fen(amt), Reference(p.ClaimID)
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkPaid records, in the caller's transaction (the bank batch's), that an
// approved claim was paid in batch batchRef on day date. A claim is paid
// once; one not approved (or already paid) is a conflict.
func (s *Service) MarkPaid(ctx context.Context, tx *db.Tx, claimID int64, batchRef string, date civil.Date) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !canPay(a) {
		return errPayRole
	}
	batchRef = strings.TrimSpace(batchRef)
	if batchRef == "" || len(batchRef) > 64 {
		return apperr.Field("batch_ref", "required", "缺少银行批次号", "the bank batch reference is required")
	}
	if !date.Valid() {
		return apperr.Field("paid_date", "required", "缺少支付日期", "the payment date is required")
	}
	var amt, person int64
	var stage string
	var year int
	err = tx.QueryRowContext(ctx, `SELECT stage, fund_pay_sumamt, person_id, COALESCE(ytd_year, 0) FROM claims WHERE id = ?`+
		tx.DB().ForUpdate(), claimID).Scan(&stage, &amt, &person, &year)
	if db.IsNoRows(err) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if stage != string(Approved) || amt <= 0 {
		return apperr.New(apperr.Conflict, "not_payable", "该申请不是待支付状态(已支付、未审批或金额为零)",
			"the claim is not awaiting payment (paid, not approved, or nothing to pay)")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE claims SET stage = 'paid', batch_ref = ?, paid_date = ?, updated_at = ?
		WHERE id = ? AND stage = 'approved'`, batchRef, date, s.stamp(), claimID); err != nil {
		return err
	}
	if err := postPayment(ctx, tx, year, claimID, person, fen(amt), date, batchRef); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "claims.paid", "claim", claimID, map[string]any{"stage": stage},
		map[string]any{"stage": Paid, "batch_ref": batchRef, "paid_date": date, "amount": fen(amt)})
}
