package statement_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
	"ncms/internal/statement"
)

func TestWithholdingRule(t *testing.T) {
	for _, c := range []struct {
		cost, self string
		limit      money.Rate
		want       string
	}{
		{"10000.00", "2000.00", money.Percent(16), "400.00"},  // 20% against 16%: 2,000 − 1,600
		{"10000.00", "1600.00", money.Percent(16), "0.00"},    // exactly at the limit
		{"10000.00", "1000.00", money.Percent(16), "0.00"},    // below: nothing, never negative
		{"10000.00", "3000.00", money.Percent(20), "1000.00"}, // district: 3,000 − 2,000
		{"333.33", "100.00", money.Percent(16), "46.67"},      // 333.33 × 16% = 53.3328 → 53.33
		{"10000.00", "9000.00", 0, "0.00"},                    // no limit, no withholding
		{"-10000.00", "-2000.00", money.Percent(16), "0.00"},  // a month of reversals withholds nothing
	} {
		if got := statement.Withholding(y(c.cost), y(c.self), c.limit); got != y(c.want) {
			t.Errorf("Withholding(%s, %s, %s) = %s, want %s", c.cost, c.self, c.limit, got, c.want)
		}
	}
	// Year-end (SPEC §9): within the limit everything is returned; otherwise
	// the actual excess is kept.
	for _, c := range []struct {
		cost, self, withheld string
		limit                money.Rate
		kept, returned       string
	}{
		{"20000.00", "3000.00", "400.00", money.Percent(16), "0.00", "400.00"},    // 15% ≤ 16%
		{"20000.00", "4500.00", "1000.00", money.Percent(20), "500.00", "500.00"}, // 22.5%: 4,500 − 4,000 kept
		{"20000.00", "8000.00", "1000.00", money.Percent(20), "1000.00", "0.00"},  // never more than withheld
		{"20000.00", "4000.00", "1000.00", money.Percent(20), "0.00", "1000.00"},  // exactly 20%
	} {
		tu := statement.TrueUp{BaseMedFee: y(c.cost), BaseSelfPaid: y(c.self), Withheld: y(c.withheld), SelfPayLimit: c.limit}
		tu.Settle()
		if tu.Kept != y(c.kept) || tu.Returned != y(c.returned) {
			t.Errorf("true-up %+v: kept %s returned %s, want %s %s", c, tu.Kept, tu.Returned, c.kept, c.returned)
		}
	}
}

// TestPanyuMonthsAndYearEnd follows two institutions through two months
// and the year-end true-up, every figure computed by hand from the Panyu
// scheme (town 70%, district 50%) and agreement (town ≤ 16%, district ≤ 20%).
func TestPanyuMonthsAndYearEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, statement.Options{})
		f.terms("town", statement.Panyu("township"), 0)
		f.terms("district", statement.Panyu("county"), y("100000.00"))

		f.clock.Set("2008-01-20")
		f.admit("town", "8000.00", "2000.00")     // fund 8,000 × 70% = 5,600; self-paid 20%
		f.admit("district", "7000.00", "3000.00") // fund 7,000 × 50% = 3,500; self-paid 30%
		f.clock.Set("2008-02-03")
		town1 := f.approve("town", period("2008-01"))
		dist1 := f.approve("district", period("2008-01"))
		want := []struct {
			st                                                 statement.Statement
			adv, med, self, withheld, payable, paidBef, budget string
		}{
			{town1, "5600.00", "10000.00", "2000.00", "400.00", "5200.00", "0.00", "0.00"},       // 2,000 − 1,600
			{dist1, "3500.00", "10000.00", "3000.00", "1000.00", "2500.00", "0.00", "100000.00"}, // 3,000 − 2,000
		}
		for _, w := range want {
			st := w.st
			if st.Advanced != y(w.adv) || st.MedFee != y(w.med) || st.BaseSelfPaid != y(w.self) || st.Withheld != y(w.withheld) ||
				st.Payable != y(w.payable) || st.Budget != y(w.budget) || st.Settlements != 1 || st.Status != statement.Approved {
				t.Errorf("%s %s: %+v", st.InstitutionName, st.Period, st)
			}
		}
		if town1.SelfPaidShare() != money.Percent(20) || town1.SelfPayLimit != money.Percent(16) {
			t.Errorf("town share %s limit %s, want 20%% and 16%%", town1.SelfPaidShare(), town1.SelfPayLimit)
		}
		if dist1.BudgetLeft() != y("97500.00") {
			t.Errorf("district budget left %s, want 97500.00", dist1.BudgetLeft())
		}

		f.clock.Set("2008-02-15")
		f.admit("town", "9000.00", "1000.00")     // fund 6,300; 10%
		f.admit("district", "8500.00", "1500.00") // fund 4,250; 15%
		f.clock.Set("2008-03-02")
		town2 := f.approve("town", period("2008-02"))
		if town2.Withheld != 0 || town2.Payable != y("6300.00") {
			t.Errorf("town February: withheld %s payable %s, want 0.00 6300.00", town2.Withheld, town2.Payable)
		}
		f.clock.Set("2009-01-05")
		if _, err := f.svc.YearEnd(alice, f.inst["district"], 2008); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("true-up with February's settlements in no statement: %v", err)
		}
		if pv, err := f.svc.PreviewYearEnd(audi, f.inst["district"], 2008); err != nil || pv.Untaken != 1 || pv.Ready() ||
			pv.Withheld != y("1000.00") || pv.Done {
			t.Fatalf("district preview with February in no statement: %v %+v", err, pv)
		}
		st, err := f.svc.Prepare(alice, f.inst["district"], period("2008-02"))
		if err != nil || st.Withheld != 0 || st.Payable != y("4250.00") {
			t.Fatalf("district February: %v %+v", err, st)
		}
		if _, err := f.svc.YearEnd(alice, f.inst["district"], 2008); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("true-up with a draft statement: %v", err)
		}
		if _, err := f.svc.Check(bob, st.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(dora, st.ID, ""); err != nil {
			t.Fatal(err)
		}

		// The preview gives the figures the true-up will record, and records nothing.
		pv, err := f.svc.PreviewYearEnd(audi, f.inst["district"], 2008)
		if err != nil || !pv.Ready() || pv.BaseMedFee != y("20000.00") || pv.BaseSelfPaid != y("4500.00") ||
			pv.Kept != y("500.00") || pv.Returned != y("500.00") || f.count(`SELECT COUNT(*) FROM withholding_trueups`) != 0 {
			t.Fatalf("district preview: %v %+v", err, pv)
		}
		if _, err := f.svc.PreviewYearEnd(eve, f.inst["district"], 2008); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("preview by an enrollment clerk: %v", err)
		}
		// Town: 3,000 of 20,000 = 15% ≤ 16%: all 400 returned.
		tu, err := f.svc.YearEnd(alice, f.inst["town"], 2008)
		if err != nil || tu.BaseMedFee != y("20000.00") || tu.BaseSelfPaid != y("3000.00") || tu.Withheld != y("400.00") ||
			tu.Kept != 0 || tu.Returned != y("400.00") {
			t.Fatalf("town true-up: %v %+v", err, tu)
		}
		// District: 4,500 of 20,000 = 22.5% > 20%: 4,500 − 4,000 = 500 kept, 500 returned.
		tu, err = f.svc.YearEnd(alice, f.inst["district"], 2008)
		if err != nil || tu.Withheld != y("1000.00") || tu.Kept != y("500.00") || tu.Returned != y("500.00") {
			t.Fatalf("district true-up: %v %+v", err, tu)
		}
		if _, err := f.svc.YearEnd(alice, f.inst["district"], 2008); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("second true-up: %v", err)
		}
		if pv, err := f.svc.PreviewYearEnd(audi, f.inst["district"], 2008); err != nil || !pv.Done || pv.Ready() || pv.ID != tu.ID {
			t.Fatalf("preview after the true-up: %v %+v", err, pv)
		}
		if _, err := f.svc.Prepare(alice, f.inst["town"], period("2008-12")); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("a statement of a trued-up year: %v", err)
		}
		// The returned withholding is paid with the next statement.
		jan, err := f.svc.Prepare(alice, f.inst["town"], period("2009-01"))
		if err != nil || jan.Returned != y("400.00") || jan.Payable != y("400.00") || jan.Advanced != 0 {
			t.Fatalf("town January 2009: %v %+v", err, jan)
		}
		if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'statement.trueup'`) != 2 {
			t.Error("true-ups not in the audit trail")
		}
	})
}

// TestMakerChecker: the preparer can never check, approve or reject its own
// statement; the final approval needs a director who did not check it; each
// step is in the audit trail and the history with its reason.
func TestMakerChecker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, statement.Options{})
		f.clock.Set("2008-01-20")
		f.admit("town", "1000.00", "")
		f.clock.Set("2008-02-02")
		if _, err := f.svc.Prepare(eve, f.inst["town"], period("2008-01")); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("enrollment clerk prepared: %v", err)
		}
		if _, err := f.svc.Prepare(dora, f.inst["town"], period("2008-01")); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("director prepared: %v", err)
		}
		st, err := f.svc.Prepare(alice, f.inst["town"], period("2008-01"))
		if err != nil || st.PreparedBy != "alice" || st.Payable != y("700.00") {
			t.Fatalf("prepare: %v %+v", err, st)
		}
		for _, c := range []struct {
			name string
			do   func() error
			kind apperr.Kind
		}{
			{"preparer checks", func() error { _, err := f.svc.Check(alice, st.ID, ""); return err }, apperr.Forbidden},
			{"preparer rejects", func() error { _, err := f.svc.Reject(alice, st.ID, "重算"); return err }, apperr.Forbidden},
			{"approve a draft", func() error { _, err := f.svc.Approve(dora, st.ID, ""); return err }, apperr.Conflict},
			{"inspector checks", func() error { _, err := f.svc.Check(ivan, st.ID, ""); return err }, apperr.Forbidden},
			{"reject without reason", func() error { _, err := f.svc.Reject(bob, st.ID, "  "); return err }, apperr.Invalid},
		} {
			if err := c.do(); apperr.KindOf(err) != c.kind {
				t.Errorf("%s: %v, want kind %d", c.name, err, c.kind)
			}
		}
		if _, err := f.svc.Reject(bob, st.ID, "扣款未录入 / deduction missing"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddDeduction(ivan, statement.Deduction{InstitutionID: f.inst["town"], Amount: y("100.00"),
			Reason: "分解住院", SourceType: "inspection_case", SourceRef: "JC-2008-001"}); err != nil {
			t.Fatal(err)
		}
		// Bob refreshes the rejected draft: now he is its preparer.
		st, err = f.svc.Prepare(bob, f.inst["town"], period("2008-01"))
		if err != nil || st.Deducted != y("100.00") || st.Payable != y("600.00") || st.PreparedBy != "bob" {
			t.Fatalf("refresh: %v %+v", err, st)
		}
		if _, err := f.svc.Check(bob, st.ID, ""); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("bob checked what he prepared: %v", err)
		}
		if _, err := f.svc.Check(dan, st.ID, "已核"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(dan, st.ID, ""); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("the checker approved: %v", err)
		}
		if _, err := f.svc.Approve(alice, st.ID, ""); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("finance approved: %v", err)
		}
		if _, err := f.svc.Approve(dora, st.ID, "同意支付"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Prepare(alice, f.inst["town"], period("2008-01")); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("approved statement prepared again: %v", err)
		}
		evs, err := f.svc.Events(audi, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.Step+":"+e.Username+":"+e.Reason)
		}
		wantEv := "prepare:alice:|reject:bob:扣款未录入 / deduction missing|refresh:bob:|check:dan:已核|approve:dora:同意支付"
		if strings.Join(got, "|") != wantEv {
			t.Errorf("history:\n %s\nwant\n %s", strings.Join(got, "|"), wantEv)
		}
		rows, err := audit.List(context.Background(), d, audit.Filter{ObjectType: "statement", ObjectID: itoa(st.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for i := len(rows) - 1; i >= 0; i-- {
			acts = append(acts, rows[i].Username+":"+rows[i].Action)
		}
		wantAudit := "alice:statement.prepare bob:statement.reject bob:statement.refresh dan:statement.check dora:statement.approve"
		if strings.Join(acts, " ") != wantAudit {
			t.Errorf("audit: %s\nwant %s", strings.Join(acts, " "), wantAudit)
		}
		if !strings.Contains(rows[3].After, "扣款未录入") {
			t.Errorf("the reject reason is not in the audit row: %s", rows[3].After)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
