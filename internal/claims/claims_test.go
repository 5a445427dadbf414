package claims_test

import (
	"strconv"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// fieldCodes returns the field error codes of err by field.
func fieldCodes(err error) map[string]string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	m := map[string]string{}
	for _, fe := range e.Fields {
		m[fe.Field] = fe.Code
	}
	return m
}

func TestFileRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.person("A1")
		clerk, _ := f.user(access.Enrollment, "A")
		auditBefore := f.count(`SELECT COUNT(*) FROM audit_log`)

		// Deadline: 2 months after discharge. Discharged 2013-03-31 → last day 2013-05-31; today is 2013-06-01.
		late := f.request(p, "county", line("1", "A001", "100.00"))
		late.Begin, late.End = civil.MustParse("2013-03-20"), civil.MustParse("2013-03-31")
		_, err := f.svc.File(clerk, late)
		if got := fieldCodes(err)["endtime"]; got != "deadline" || !strings.Contains(err.Error(), "2013-05-31") {
			t.Fatalf("late claim: %v", err)
		}
		// Discharged 2013-04-01 → last day 2013-06-01 = today: accepted.
		onTime := late
		onTime.Begin, onTime.End = civil.MustParse("2013-03-25"), civil.MustParse("2013-04-01")
		if c, err := f.svc.File(clerk, onTime); err != nil || c.Deadline.String() != "2013-06-01" {
			t.Fatalf("claim filed on the last day: %v", err)
		}

		// Missing documents: no discharge summary for an admission, no village statement for an injury.
		noDocs := f.request(p, "county", line("1", "A001", "100.00"))
		noDocs.Documents = []string{"invoice", "itemized_bill", "id_copy", "card_copy"}
		_, err = f.svc.File(clerk, noDocs)
		if fieldCodes(err)["documents"] != "missing_documents" || !strings.Contains(err.Error(), "出院小结") {
			t.Fatalf("missing discharge summary: %v", err)
		}
		injury := f.request(p, "county", line("1", "A001", "100.00"))
		injury.MedType = "22"
		_, err = f.svc.File(clerk, injury)
		if fieldCodes(err)["documents"] != "missing_documents" || !strings.Contains(err.Error(), "村委会") {
			t.Fatalf("injury without village statement: %v", err)
		}
		// Unknown catalogue code, no bank account, no payee: every field at once.
		bad := f.request(p, "county", line("1", "X999", "100.00"))
		bad.BankAccountNo, bad.PayeeName = "cash", ""
		_, err = f.svc.File(clerk, bad)
		if c := fieldCodes(err); c["bank_account_no"] != "bank_account" || c["payee_name"] != "required" {
			t.Fatalf("bad fields: %v", err)
		}
		bad = f.request(p, "county", line("1", "X999", "100.00"))
		if _, err = f.svc.File(clerk, bad); err == nil || !strings.Contains(err.Error(), "X999") {
			t.Fatalf("unknown code: %v", err)
		}
		// A person of another township is not found for a township A clerk.
		other := f.person("B1")
		if _, err = f.svc.File(clerk, f.request(other, "county", line("1", "A001", "100.00"))); fieldCodes(err)["psn_no"] != "person_not_found" {
			t.Fatalf("person outside scope: %v", err)
		}
		// An institution clerk may not file.
		if _, err = f.svc.File(f.his("county"), f.request(p, "county", line("1", "A001", "100.00"))); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("institution filing: %v", err)
		}
		// Nothing half-written: only the on-time claim, its line, its entry step and its audit row.
		if n := f.count(`SELECT COUNT(*) FROM claims`); n != 1 {
			t.Fatalf("claims = %d, want 1", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM claim_lines`) + f.count(`SELECT COUNT(*) FROM claim_steps`); n != 2 {
			t.Fatalf("lines + steps = %d, want 2", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log`) - auditBefore; n != 1 {
			t.Fatalf("audit rows = %d, want 1", n)
		}
	})
}

// TestSameUserNeverTwoSteps: for every pair of steps of both paths, a user
// who performed the first is refused the second (even holding a role that
// allows it), and another user may take it.
func TestSameUserNeverTwoSteps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		paths := map[bool][]claims.Stage{
			false: {claims.Entry, claims.FirstReview, claims.SecondReview},
			true:  {claims.Entry, claims.Village, claims.Township, claims.County},
		}
		for special, path := range paths {
			for i := range path {
				for j := i + 1; j < len(path); j++ {
					p := f.person("A1")
					r := f.request(p, "county", line("1", "A001", "1000.00"))
					r.Special, r.SpecialReason = special, "家庭困难,申请特殊审批"
					var same access.Actor
					var id int64
					for k := 0; k < j; k++ {
						ctx, a := f.user(roleFor(path[k]))
						if k == i {
							same = a
						}
						var err error
						if k == 0 {
							var c claims.Claim
							c, err = f.svc.File(ctx, r)
							id = c.ID
						} else {
							_, err = f.svc.Decide(ctx, claims.Decision{ClaimID: id, Approve: true})
						}
						if err != nil {
							t.Fatalf("%v step %s: %v", path, path[k], err)
						}
					}
					role, area := roleFor(path[j])
					_, err := f.svc.Decide(f.as(same, role, area), claims.Decision{ClaimID: id, Approve: true})
					if e, ok := apperr.As(err); !ok || e.Code != "same_user" || e.Kind != apperr.Forbidden {
						t.Fatalf("%s then %s by the same user: %v", path[i], path[j], err)
					}
					// A rejection by the same user is refused too.
					_, err = f.svc.Decide(f.as(same, role, area), claims.Decision{ClaimID: id, ReasonCode: "other", Reason: "x"})
					if e, ok := apperr.As(err); !ok || e.Code != "same_user" {
						t.Fatalf("%s then reject %s by the same user: %v", path[i], path[j], err)
					}
					ctx, _ := f.user(role, area)
					c, err := f.svc.Decide(ctx, claims.Decision{ClaimID: id, Approve: true})
					if err != nil {
						t.Fatalf("%s by another user: %v", path[j], err)
					}
					if len(c.Steps) != j+1 {
						t.Fatalf("steps = %d, want %d", len(c.Steps), j+1)
					}
				}
			}
		}
		// Every step of every claim was taken by a different user.
		if n := f.count(`SELECT COUNT(*) FROM (SELECT claim_id, actor_key FROM claim_steps GROUP BY claim_id, actor_key HAVING COUNT(*) > 1) x`); n != 0 {
			t.Fatalf("%d repeated users", n)
		}
	})
}

func TestStagePermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerk, _ := f.user(access.Enrollment, "A")
		c, err := f.svc.File(clerk, f.request(f.person("A1"), "county", line("1", "A001", "1000.00")))
		if err != nil {
			t.Fatal(err)
		}
		// First review awaited: a village user or an enrollment clerk may not take it.
		for _, who := range []struct {
			role access.Role
			area string
		}{{access.Village, "A1"}, {access.Enrollment, "A"}, {access.Finance, "county"}} {
			ctx, _ := f.user(who.role, who.area)
			if _, err := f.svc.Decide(ctx, claims.Decision{ClaimID: c.ID, Approve: true}); apperr.KindOf(err) != apperr.Forbidden {
				t.Errorf("%s took the first review: %v", who.role, err)
			}
		}
		ctx, _ := f.user(access.Reviewer, "A")
		if _, err := f.svc.Decide(ctx, claims.Decision{ClaimID: c.ID, Approve: true}); err != nil {
			t.Fatal(err)
		}
		// Second review is the county center's: a township reviewer may not take it.
		ctx, _ = f.user(access.Reviewer, "A")
		if _, err := f.svc.Decide(ctx, claims.Decision{ClaimID: c.ID, Approve: true}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("township reviewer took the second review: %v", err)
		}
	})
}

func TestRejectionNeedsReasonAndIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerk, _ := f.user(access.Enrollment, "A")
		c, err := f.svc.File(clerk, f.request(f.person("A1"), "county", line("1", "A001", "1000.00")))
		if err != nil {
			t.Fatal(err)
		}
		rev, _ := f.user(access.Reviewer, "A")
		_, err = f.svc.Decide(rev, claims.Decision{ClaimID: c.ID})
		if fc := fieldCodes(err); fc["reason_code"] != "required" || fc["reason"] != "required" {
			t.Fatalf("rejection without reason: %v", err)
		}
		_, err = f.svc.Decide(rev, claims.Decision{ClaimID: c.ID, ReasonCode: "third_party", Reason: "  "})
		if fieldCodes(err)["reason"] != "required" {
			t.Fatalf("rejection with blank reason: %v", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM claim_steps WHERE claim_id = ?`, c.ID); n != 1 {
			t.Fatalf("refused rejection wrote a step: %d steps", n)
		}
		got, err := f.svc.Decide(rev, claims.Decision{ClaimID: c.ID, ReasonCode: "third_party", Reason: "交通事故,有肇事方"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Stage != claims.Rejected || len(got.Steps) != 2 || got.Steps[1].Decision != "rejected" ||
			got.Steps[1].ReasonCode != "third_party" || got.Steps[1].Reason != "交通事故,有肇事方" || got.Steps[1].Step != claims.FirstReview {
			t.Fatalf("rejected claim: stage %s steps %+v", got.Stage, got.Steps)
		}
		var after string
		if err := d.QueryRowContext(f.sys(), `SELECT after_json FROM audit_log WHERE action = 'claims.rejected' AND object_id = ?`,
			strconv.FormatInt(c.ID, 10)).Scan(&after); err != nil || !strings.Contains(after, "交通事故") || !strings.Contains(after, "third_party") {
			t.Fatalf("audit of the rejection: %q %v", after, err)
		}
		var entries int
		entries = f.count(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'claim' AND object_id = ?`, strconv.FormatInt(c.ID, 10))
		if entries != 2 {
			t.Fatalf("audit rows of the claim = %d, want 2 (filed, rejected)", entries)
		}
		// A rejected claim takes no further step.
		other, _ := f.user(access.Reviewer, "county")
		if _, err := f.svc.Decide(other, claims.Decision{ClaimID: c.ID, Approve: true}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("decision on a rejected claim: %v", err)
		}
	})
}

func TestScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerkA, _ := f.user(access.Enrollment, "A")
		c, err := f.svc.File(clerkA, f.request(f.person("A1"), "county", line("1", "A001", "1000.00")))
		if err != nil {
			t.Fatal(err)
		}
		revB, _ := f.user(access.Reviewer, "B")
		if _, err := f.svc.Get(revB, c.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("township B sees township A's claim: %v", err)
		}
		if list, n, err := f.svc.List(revB, claims.Filter{Stage: claims.FirstReview}); err != nil || n != 0 || len(list) != 0 {
			t.Fatalf("township B queue: %d %v", n, err)
		}
		if _, err := f.svc.Decide(revB, claims.Decision{ClaimID: c.ID, Approve: true}); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("township B decides on A's claim: %v", err)
		}
		if _, err := f.svc.Preview(revB, c.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("township B previews A's claim: %v", err)
		}
		revA, _ := f.user(access.Reviewer, "A")
		list, n, err := f.svc.List(revA, claims.Filter{Stage: claims.FirstReview})
		if err != nil || n != 1 || list[0].ID != c.ID {
			t.Fatalf("township A queue: %d %v", n, err)
		}
		counts, err := f.svc.Counts(revA)
		if err != nil || counts[claims.FirstReview] != 1 {
			t.Fatalf("counts: %v %v", counts, err)
		}
		if counts, _ := f.svc.Counts(revB); counts[claims.FirstReview] != 0 {
			t.Fatalf("township B counts: %v", counts)
		}
	})
}

// TestClaimEqualsSettlement: the same bill for the same person gives the
// same amounts settled in real time and claimed by hand. The bill: class A
// 9,100 + class B 1,000 (10% self-paid first) = 10,100, in scope 10,000; at
// a county (level 2) hospital, tier 1: (10,000 − 300) × 60% = 5,820.
func TestClaimEqualsSettlement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.person("A1")
		bill := []settle.LineInput{line("1", "A001", "9100.00"), line("2", "B001", "1000.00")}

		his := f.his("county")
		v, err := f.settle.Admit(his, settle.VisitRequest{PersonID: p, MedType: "21", Begin: civil.MustParse("2013-05-01"), Diagnoses: []string{"J18.9"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.settle.UploadLines(his, settle.UploadRequest{VisitID: v.ID, Lines: bill}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.settle.Discharge(his, settle.DischargeRequest{VisitID: v.ID, End: civil.MustParse("2013-05-10")}); err != nil {
			t.Fatal(err)
		}
		st, err := f.settle.Settle(his, settle.SettleRequest{VisitID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		if st.Result.Basic != y("5820.00") || st.Result.FirstSelf != y("100.00") {
			t.Fatalf("real-time: basic %s first self-pay %s", st.Result.Basic, st.Result.FirstSelf)
		}
		// Undo it (totals restored exactly), then claim the same bill by hand.
		if _, err := f.settle.Reverse(his, settle.ReverseRequest{SettlementID: st.ID}); err != nil {
			t.Fatal(err)
		}
		clerk, _ := f.user(access.Enrollment, "A")
		c, err := f.svc.File(clerk, f.request(p, "county", bill...))
		if err != nil {
			t.Fatal(err)
		}
		if c.BillTotal != y("10100.00") || len(c.Lines) != 2 || c.Lines[1].FirstSelf != y("100.00") {
			t.Fatalf("filed: total %s lines %+v", c.BillTotal, c.Lines)
		}
		rev, _ := f.user(access.Reviewer, "A")
		pre, err := f.svc.Preview(rev, c.ID)
		if err != nil || pre.Basic != y("5820.00") || len(pre.Trace) == 0 {
			t.Fatalf("preview: %v", err)
		}
		got := f.approveAll(c.ID).Result
		want := st.Result
		type amt struct{ name, a, b string }
		for _, x := range []amt{
			{"medfee", got.MedFee.String(), want.MedFee.String()}, {"fullown", got.FullOwn.String(), want.FullOwn.String()},
			{"firstself", got.FirstSelf.String(), want.FirstSelf.String()}, {"inscope", got.InScope.String(), want.InScope.String()},
			{"deductible", got.Deductible.String(), want.Deductible.String()}, {"basic", got.Basic.String(), want.Basic.String()},
			{"catastrophic", got.Catastrophic.String(), want.Catastrophic.String()},
			{"assistance", got.Assistance.String(), want.Assistance.String()}, {"other", got.Other.String(), want.Other.String()},
			{"fund", got.FundTotal.String(), want.FundTotal.String()}, {"patient", got.Patient.String(), want.Patient.String()},
		} {
			if x.a != x.b {
				t.Errorf("%s: claim %s, real-time %s", x.name, x.a, x.b)
			}
		}
		if len(got.Funds) != len(want.Funds) {
			t.Fatalf("funds: %d vs %d", len(got.Funds), len(want.Funds))
		}
		ytd, err := f.settle.YTD(f.sys(), p, 2013)
		if err != nil || ytd.Basic != y("5820.00") || ytd.Admissions != 1 {
			t.Fatalf("ytd after the claim: %+v %v", ytd.Totals, err)
		}
	})
}

// TestOutOfCounty: a city (level 3) hospital out of the county without an
// agreement. Without referral the Chongqing rule raises the deductible 5%
// and lowers the ratio 5 points: (10,000 − 840) × 35% = 3,206; with the
// referral certificate: (10,000 − 800) × 40% = 3,680.
func TestOutOfCounty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerk, _ := f.user(access.Enrollment, "A")
		for _, c := range []struct {
			referral bool
			want     string
		}{{false, "3206.00"}, {true, "3680.00"}} {
			r := f.request(f.person("A1"), "city", line("1", "A001", "10000.00"))
			if c.referral {
				r.Documents = append(r.Documents, "referral")
			}
			cl, err := f.svc.File(clerk, r)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.approveAll(cl.ID).Result.Basic; got != y(c.want) {
				t.Errorf("referral %v: basic %s, want %s", c.referral, got, c.want)
			}
		}
	})
}

// TestClaimCountsTowardCap: the annual cap (tier 1: 70,000) sees the claim.
// Claim: in scope 115,300 at level 2: (115,300 − 300) × 60% = 69,000. A
// later real-time admission of 10,000 would get 5,820 but only 1,000 of the
// cap is left.
func TestClaimCountsTowardCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.person("A1")
		clerk, _ := f.user(access.Enrollment, "A")
		c, err := f.svc.File(clerk, f.request(p, "county", line("1", "A001", "115300.00")))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.approveAll(c.ID).Result.Basic; got != y("69000.00") {
			t.Fatalf("claim basic %s, want 69000.00", got)
		}
		his := f.his("county")
		v, err := f.settle.Admit(his, settle.VisitRequest{PersonID: p, MedType: "21", Begin: civil.MustParse("2013-05-20")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.settle.UploadLines(his, settle.UploadRequest{VisitID: v.ID, Lines: []settle.LineInput{line("1", "A001", "10000.00")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.settle.Discharge(his, settle.DischargeRequest{VisitID: v.ID, End: civil.MustParse("2013-05-25")}); err != nil {
			t.Fatal(err)
		}
		st, err := f.settle.Settle(his, settle.SettleRequest{VisitID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		if st.Result.Basic != y("1000.00") {
			t.Fatalf("settlement after the claim: basic %s, want 1000.00 (cap 70,000 − 69,000)", st.Result.Basic)
		}
		ytd, _ := f.settle.YTD(f.sys(), p, 2013)
		if ytd.Basic != y("70000.00") || ytd.Admissions != 2 {
			t.Fatalf("ytd: %+v", ytd.Totals)
		}
	})
}

func TestPayment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerk, _ := f.user(access.Enrollment, "A")
		c, err := f.svc.File(clerk, f.request(f.person("A1"), "county", line("1", "A001", "10000.00")))
		if err != nil {
			t.Fatal(err)
		}
		f.approveAll(c.ID)
		fin, _ := f.user(access.Finance, "county")
		pay, err := f.svc.ListPayable(fin, civil.Date{})
		if err != nil || len(pay) != 1 || pay[0].Amount != y("5820.00") || pay[0].BankAccountNo != "6228480012345678" ||
			pay[0].PayeeName != "王五" || pay[0].Reference != claims.Reference(c.ID) {
			t.Fatalf("payable: %+v %v", pay, err)
		}
		if _, err := f.svc.ListPayable(clerk, civil.Date{}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("clerk lists payables: %v", err)
		}
		mark := func() error {
			return d.InTx(fin, func(tx *db.Tx) error {
				return f.svc.MarkPaid(fin, tx, c.ID, "B201306-01", civil.MustParse("2013-06-20"))
			})
		}
		if err := mark(); err != nil {
			t.Fatal(err)
		}
		if err := mark(); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("paid twice: %v", err)
		}
		got, _ := f.svc.Get(fin, c.ID)
		if got.Stage != claims.Paid || got.BatchRef != "B201306-01" || got.PaidDate.String() != "2013-06-20" {
			t.Fatalf("paid claim: %s %q %s", got.Stage, got.BatchRef, got.PaidDate)
		}
		if pay, _ := f.svc.ListPayable(fin, civil.Date{}); len(pay) != 0 {
			t.Fatalf("still payable: %+v", pay)
		}
		// The books: approval Dr 5101 basic expense 5,820 / Cr 2102 payable to the person; payment Dr 2102 / Cr 1001 bank.
		sum := func(q string, args ...any) string {
			var v int64
			if err := d.QueryRowContext(fin, q, args...).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return money.Fen(v).String()
		}
		person := strconv.FormatInt(c.PersonID, 10)
		if got := sum(`SELECT COALESCE(SUM(credit - debit), 0) FROM ledger_postings WHERE account = '2102' AND sub_key = ?`, person); got != "0.00" {
			t.Errorf("payable to the person after payment = %s, want 0.00", got)
		}
		if got := sum(`SELECT COALESCE(SUM(credit), 0) FROM ledger_postings WHERE account = '2102' AND event_kind = 'claim'`); got != "5820.00" {
			t.Errorf("claim credited to 2102 = %s, want 5820.00", got)
		}
		if got := sum(`SELECT COALESCE(SUM(debit - credit), 0) FROM ledger_postings WHERE account LIKE '51%' AND event_kind = 'claim'`); got != "5820.00" {
			t.Errorf("claim expense = %s, want 5820.00", got)
		}
		if got := sum(`SELECT COALESCE(SUM(credit - debit), 0) FROM ledger_postings WHERE account = '1001' AND event_kind = 'claim_payment'`); got != "5820.00" {
			t.Errorf("bank paid out = %s, want 5820.00", got)
		}
		if got := sum(`SELECT COALESCE(SUM(debit) - SUM(credit), 0) FROM ledger_postings`); got != "0.00" {
			t.Errorf("trial balance off by %s", got)
		}
	})
}

// TestConcurrentApprovalsShareTheCap: two claims of one person, each worth
// 69,000 of basic compensation, approved at the same moment by different
// reviewers. The cap (70,000) is shared exactly: one gets 69,000, the other
// the remaining 1,000, whatever the order.
func TestConcurrentApprovalsShareTheCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.person("A1")
		clerk, _ := f.user(access.Enrollment, "A")
		var ids []int64
		for i := 0; i < 2; i++ {
			r := f.request(p, "county", line("1", "A001", "115300.00"))
			r.Invoice = "INV-" + strconv.Itoa(i)
			c, err := f.svc.File(clerk, r)
			if err != nil {
				t.Fatal(err)
			}
			first, _ := f.user(access.Reviewer, "A")
			if _, err := f.svc.Decide(first, claims.Decision{ClaimID: c.ID, Approve: true}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		errs := make(chan error, 2)
		for _, id := range ids {
			ctx, _ := f.user(access.Reviewer, "county")
			go func(id int64) {
				_, err := f.svc.Decide(ctx, claims.Decision{ClaimID: id, Approve: true})
				errs <- err
			}(id)
		}
		for range ids {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		total := money.Fen(0)
		for _, id := range ids {
			c, _ := f.svc.Get(f.sys(), id)
			got = append(got, c.Result.Basic.String())
			total += c.Result.Basic
		}
		if total != y("70000.00") || !(got[0] == "69000.00" && got[1] == "1000.00" || got[0] == "1000.00" && got[1] == "69000.00") {
			t.Fatalf("basic of the two claims: %v", got)
		}
		ytd, _ := f.settle.YTD(f.sys(), p, 2013)
		if ytd.Basic != y("70000.00") {
			t.Fatalf("ytd basic %s", ytd.Basic)
		}
	})
}
