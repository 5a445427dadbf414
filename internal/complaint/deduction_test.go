package complaint_test

import (
	"context"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/complaint"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
	"ncms/internal/statement"
)

func addInstitution(t *testing.T, d *db.DB, code, name string) int64 {
	t.Helper()
	var id int64
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO institutions (code, name, level, in_county, agreement, networked, bank_name,
			bank_account_name, bank_account_no, status, status_since, paasid, created_at, updated_at)
			VALUES (?, ?, 'township', TRUE, TRUE, TRUE, '农村信用社', ?, ?, 'active', '2026-01-01', ?, ?, ?)`,
			code, name, name, "0062"+code, "paas-"+code, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A confirmed, substantiated complaint raises one deduction notice to its
// institution in one transaction: linked both ways, with a history row and
// an audit record; never twice, never from an unconfirmed or untrue one.
func TestRaiseDeduction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		setup(t, d)
		inst := addInstitution(t, d, "H5202220001", "石桥镇卫生院")
		now := func() time.Time { return time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC) }
		s := complaint.New(d, now)
		st := statement.New(d, statement.Options{Now: now})
		ivan, iris, dora := as("ivan", access.Inspector), as("iris", access.Inspector), as("dora", access.Director)
		in := statement.NoticeInput{Deduction: statement.Deduction{Amount: money.MustParse("120.00")}, Text: "多收检查费"}
		it, err := s.Receive(ivan, complaint.Item{Kind: complaint.Complaint, Channel: "visit", Complainant: "钱七",
			Subject: "检查费多收", Details: "B超收了两次", InstitutionID: inst})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RaiseDeduction(dora, st, it.ID, in); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("raised from an open complaint: %v", err)
		}
		if _, err := s.Assign(dora, it.ID, "iris", civil.Date{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Answer(iris, it.ID, "属实,多收B超费120元", complaint.Substantiated); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Confirm(dora, it.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RaiseDeduction(ivan, st, it.ID, in); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("inspector raised: %v", err)
		}
		bad := in
		bad.Amount = 0
		if _, _, err := s.RaiseDeduction(dora, st, it.ID, bad); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("zero amount: %v", err)
		}
		got, ded, err := s.RaiseDeduction(dora, st, it.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.DeductionID != ded.ID || ded.InstitutionID != inst || ded.Status != statement.DeductionNoticed ||
			ded.SourceType != complaint.DeductionSource || ded.Reason == "" {
			t.Errorf("raised: %+v %+v", got, ded)
		}
		if _, _, err := s.RaiseDeduction(dora, st, it.ID, in); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("raised twice: %v", err)
		}
		back, evs, err := s.Get(dora, it.ID)
		if err != nil || back.DeductionID != ded.ID || evs[len(evs)-1].Step != "deduction" {
			t.Errorf("read back: %+v %+v %v", back, evs, err)
		}
		if _, n, err := st.DeductionNoticeOf(dora, ded.ID); err != nil || n.Text != "多收检查费" {
			t.Errorf("notice: %+v %v", n, err)
		}
		var audits, deds int
		_ = d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.deduction'`).Scan(&audits)
		_ = d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM deductions`).Scan(&deds)
		if audits != 1 || deds != 1 {
			t.Errorf("%d audit rows, %d deductions; want 1, 1", audits, deds)
		}

		// Unsubstantiated: nothing to deduct, nothing written.
		un, _ := s.Receive(ivan, complaint.Item{Kind: complaint.Complaint, Channel: "visit", Complainant: "孙八",
			Subject: "态度差", Details: "x", InstitutionID: inst})
		_, _ = s.Assign(dora, un.ID, "iris", civil.Date{})
		_, _ = s.Answer(iris, un.ID, "不属实", complaint.Unsubstantiated)
		_, _ = s.Confirm(dora, un.ID, false, "")
		if _, _, err := s.RaiseDeduction(dora, st, un.ID, in); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("raised from an unsubstantiated complaint: %v", err)
		}
		_ = d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM deductions`).Scan(&deds)
		if deds != 1 {
			t.Errorf("%d deductions after the refused raise", deds)
		}
	})
}
