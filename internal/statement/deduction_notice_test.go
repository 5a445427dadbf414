package statement_test

import (
	"context"
	"testing"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/statement"
)

// A deduction notice goes to the institution, which responds; the
// director confirms a lower amount; only then does the next statement take
// it. A withdrawn notice is never taken. Refunds to overcharged patients
// are tracked until refunded.
func TestDeductionNoticeFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, statement.Options{})
		f.clock.Set("2008-03-10")
		f.admit("town", "1000.00", "")
		town := access.WithActor(context.Background(), access.Actor{Username: "clerk.town", Role: access.Institution,
			Scope: access.Scope{InstitutionID: f.inst["town"]}})
		other := access.WithActor(context.Background(), access.Actor{Username: "clerk.other", Role: access.Institution,
			Scope: access.Scope{InstitutionID: f.inst["other"]}})
		in := statement.NoticeInput{Deduction: statement.Deduction{InstitutionID: f.inst["town"], Amount: y("300.00"),
			Reason: "挂床住院 3 人次", SourceType: "complaint", SourceRef: "7"}, Text: "经核查,贵院3月存在挂床住院,拟扣款300元。"}
		if _, err := f.svc.IssueDeductionNotice(eve, in); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("enrollment clerk issued a notice: %v", err)
		}
		ded, err := f.svc.IssueDeductionNotice(ivan, in)
		if err != nil {
			t.Fatal(err)
		}
		wd, err := f.svc.IssueDeductionNotice(ivan, statement.NoticeInput{Deduction: statement.Deduction{InstitutionID: f.inst["town"],
			Amount: y("50.00"), Reason: "重复收费"}})
		if err != nil {
			t.Fatal(err)
		}
		// Not taken while under notice.
		st, err := f.svc.Prepare(alice, f.inst["town"], period("2008-03"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Deducted != 0 {
			t.Errorf("statement took a deduction under notice: %s", st.Deducted)
		}
		if _, err := f.svc.DecideDeduction(dora, ded.ID, true, 0, ""); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("decided before the response or the last day: %v", err)
		}
		if _, err := f.svc.RespondToDeduction(other, ded.ID, "不是我们"); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another institution responded: %v", err)
		}
		if _, err := f.svc.RespondToDeduction(town, ded.ID, "其中1人确有请假条,附后"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideDeduction(ivan, ded.ID, true, 0, ""); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("inspector decided: %v", err)
		}
		if _, err := f.svc.DecideDeduction(dora, ded.ID, true, y("200.00"), ""); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("lower amount without a note: %v", err)
		}
		if _, err := f.svc.DecideDeduction(dora, ded.ID, true, y("400.00"), "x"); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("higher amount: %v", err)
		}
		got, err := f.svc.DecideDeduction(dora, ded.ID, true, y("200.00"), "1人有请假条,核减100元")
		if err != nil || got.Status != statement.DeductionOpen || got.Amount != y("200.00") {
			t.Fatalf("confirm: %+v %v", got, err)
		}
		if _, err := f.svc.RespondToDeduction(town, ded.ID, "再议"); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("responded after the decision: %v", err)
		}
		// The other notice: no response by its last day, then withdrawn.
		f.clock.Set("2008-03-18")
		if got, err := f.svc.DecideDeduction(dora, wd.ID, false, 0, "证据不足"); err != nil || got.Status != statement.DeductionCancelled {
			t.Fatalf("withdraw: %+v %v", got, err)
		}
		st, err = f.svc.Prepare(alice, f.inst["town"], period("2008-03"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Deducted != y("200.00") {
			t.Errorf("statement deducted %s, want 200.00", st.Deducted)
		}
		_, n, err := f.svc.DeductionNoticeOf(town, ded.ID)
		if err != nil || n.Decision != "confirmed" || n.OriginalAmount != y("300.00") || n.Response == "" {
			t.Errorf("notice as the institution sees it: %+v %v", n, err)
		}
		if _, _, err := f.svc.DeductionNoticeOf(other, ded.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another institution read the notice: %v", err)
		}
		// Refunds to patients.
		p := f.person()
		r, err := f.svc.AddRefund(ivan, statement.Refund{DeductionID: ded.ID, PersonID: p, Amount: y("120.00"), Note: "多收床位费"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MarkRefunded(ivan, r.ID, civil.MustParse("2008-03-19")); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("refunded in the future: %v", err)
		}
		if r, err = f.svc.MarkRefunded(ivan, r.ID, civil.MustParse("2008-03-18")); err != nil || r.Status != "refunded" {
			t.Fatalf("refunded: %+v %v", r, err)
		}
		if _, err := f.svc.MarkRefunded(ivan, r.ID, civil.MustParse("2008-03-18")); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("refunded twice: %v", err)
		}
		rs, err := f.svc.Refunds(town, ded.ID)
		if err != nil || len(rs) != 1 || rs[0].RefundedOn.String() != "2008-03-18" {
			t.Errorf("refunds: %+v %v", rs, err)
		}
		// The existing list still shows every deduction with its status.
		ds, err := f.svc.Deductions(audi, statement.DeductionFilter{InstitutionID: f.inst["town"]})
		if err != nil || len(ds) != 2 {
			t.Errorf("deductions: %+v %v", ds, err)
		}
	})
}
