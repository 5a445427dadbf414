package supervise_test

import (
	"strconv"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
	"ncms/internal/statement"
	"ncms/internal/supervise"
	"ncms/internal/supervise/rules"
)

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestSettlementHook: real settlements on both engines open the cases of
// the per-settlement rules, and near misses open none.
func TestSettlementHook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// overlap: at the township 03-01..03-05, at the county hospital 03-03..03-08
		p := f.person("1")
		a := f.stay("town", p, "2008-03-01", "2008-03-05")
		b := f.stay("district", p, "2008-03-03", "2008-03-08")
		if got := f.casesOf(b.ID); got[rules.Overlap] != 1 {
			t.Errorf("overlap not cased: %v", got)
		}
		if got := f.casesOf(a.ID); got[rules.Overlap] != 1 { // the same case names both
			t.Errorf("overlap case lacks the first settlement: %v", got)
		}
		// near miss: transferred the day of discharge
		q := f.person("1")
		f.stay("town", q, "2008-03-01", "2008-03-05")
		c := f.stay("district", q, "2008-03-05", "2008-03-09")
		if got := f.casesOf(c.ID); len(got) != 0 {
			t.Errorf("transfer flagged: %v", got)
		}
		// readmission to the same township hospital 5 days after discharge; near miss 16 days
		r := f.person("1")
		f.stay("town", r, "2008-04-01", "2008-04-03")
		e := f.stay("town", r, "2008-04-08", "2008-04-10")
		if got := f.casesOf(e.ID); got[rules.Readmission] != 1 {
			t.Errorf("readmission not cased: %v", got)
		}
		g := f.stay("town", r, "2008-04-26", "2008-04-28")
		if got := f.casesOf(g.ID); got[rules.Readmission] != 0 {
			t.Errorf("readmission after 16 days flagged: %v", got)
		}
		// line rules on one bill of a man at a township hospital
		m := f.person("1")
		h := f.stay("town", m, "2008-05-01", "2008-05-04",
			line{"D900", 2, "30", 0},   // county-level drug at a township hospital
			line{"C001", 1, "80", 0},   // class C without consent
			line{"S100", 1, "250", 0},  // CT 250 above its 200 ceiling
			line{"D200", 10, "5", 0},   // 5.00 over reference 4.00 + 15% = 4.60
			line{"S300", 1, "60", 0},   // uterus ultrasound for a man
			line{"A001", 3, "20", 0},   // clean
			line{"C001", 1, "80", 1},   // class C with consent: near miss
			line{"D200", 10, "4.6", 0}, // exactly at the mark-up limit: near miss
		)
		got := f.casesOf(h.ID)
		for _, r := range []string{rules.OverTier, rules.ClassC, rules.OverCeiling, rules.Markup, rules.SexAge} {
			if got[r] != 1 {
				t.Errorf("rule %s: %d cases, want 1 (all %v)", r, got[r], got)
			}
		}
		// amounts at issue: ceiling 50.00, mark-up 0.40 × 10 = 4.00
		var amt int64
		if err := d.QueryRowContext(t.Context(), `SELECT amount FROM supervise_cases WHERE rule = ? AND case_key LIKE ?`,
			rules.OverCeiling, rules.OverCeiling+":"+itoa(h.ID)+":%").Scan(&amt); err != nil || amt != 5000 {
			t.Errorf("ceiling case amount %d (%v), want 5000", amt, err)
		}
		// duplicate: the same bill at the same institution the same day, settled on another visit
		w := f.person("2")
		d1 := f.stay("town2", w, "2008-06-01", "2008-06-03", line{"A001", 5, "20", 0})
		d2 := f.stay("town2", w, "2008-06-01", "2008-06-03", line{"A001", 5, "20", 0})
		if got := f.casesOf(d2.ID); got[rules.Duplicate] != 1 || f.casesOf(d1.ID)[rules.Duplicate] != 1 {
			t.Errorf("duplicate not cased: %v", got)
		}
		// (also an overlap: same person, same days) — near miss: one unit more
		d3 := f.stay("town2", w, "2008-06-01", "2008-06-03", line{"A001", 6, "20", 0})
		if got := f.casesOf(d3.ID); got[rules.Duplicate] != 0 {
			t.Errorf("different bill flagged as duplicate: %v", got)
		}

		// a batch over the period finds the same findings and opens nothing new
		run := must[supervise.Run](t)(f.svc.RunScreen(ivan, civil.MustParse("2008-03-01"), civil.MustParse("2008-06-30")))
		if run.Hits == 0 || run.Opened != 0 {
			t.Errorf("batch rerun: %+v, want hits and 0 opened", run)
		}
		// settlements made without the hook are caught by the batch
		n := f.person("1")
		f.clock.Set("2008-07-01")
		x, err := f.stayWith(f.plain, "town", n, "2008-07-01", "2008-07-03", line{"C001", 1, "80", 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.casesOf(x.ID)) != 0 {
			t.Fatal("plain service screened")
		}
		run = must[supervise.Run](t)(f.svc.RunScreen(ivan, civil.MustParse("2008-07-01"), civil.MustParse("2008-07-31")))
		if run.Opened != 1 || f.casesOf(x.ID)[rules.ClassC] != 1 {
			t.Errorf("batch: %+v, cases %v", run, f.casesOf(x.ID))
		}
		if _, err := f.svc.RunScreen(eve, civil.MustParse("2008-07-01"), civil.MustParse("2008-07-31")); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("enrollment clerk ran a screening: %v", err)
		}
	})
}

// TestBlockingRule: a rule configured to block refuses the settlement and
// stores nothing; the same bill settles once the rule only flags.
func TestBlockingRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		cfg := rules.Default(2008)
		cfg.Rules[rules.ClassC] = rules.Setting{Enabled: true, Block: true}
		if _, err := f.svc.SaveConfig(ivan, cfg); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("inspector saved the configuration: %v", err)
		}
		must[rules.Config](t)(f.svc.SaveConfig(admin, cfg))
		p := f.person("1")
		_, err := f.stayWith(f.settle, "town", p, "2008-03-01", "2008-03-03", line{"C001", 1, "80", 0})
		if e, ok := apperr.As(err); !ok || e.Code != "screen_blocked" {
			t.Fatalf("class C without consent settled with blocking on: %v", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM settlements`); n != 0 {
			t.Errorf("%d settlements stored after a refusal", n)
		}
		// near miss: with consent it settles
		f.stay("town", f.person("1"), "2008-03-01", "2008-03-03", line{"C001", 1, "80", 1})
		bad := rules.Default(2008)
		bad.Rules["nope"] = rules.Setting{Enabled: true}
		if _, err := f.svc.SaveConfig(admin, bad); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("unknown rule accepted: %v", err)
		}
	})
}

// TestBlacklist: a blocked person cannot settle or file; an institution
// under review settles and every settlement opens a case; lifting works.
func TestBlacklist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.Set("2008-03-01")
		p := f.person("1")
		e := must[supervise.Entry](t)(f.svc.AddToBlacklist(ivan, supervise.Entry{Subject: supervise.SubjectPerson, PersonID: p,
			Effect: supervise.EffectBlock, Reason: "冒名住院 2 次", From: civil.MustParse("2008-03-01")}))
		_, err := f.stayWith(f.settle, "town", p, "2008-03-01", "2008-03-03")
		if ae, ok := apperr.As(err); !ok || ae.Code != "blacklisted" {
			t.Fatalf("blacklisted person settled: %v", err)
		}
		if err := f.svc.CheckClaim(ivan, d, p, 0, civil.MustParse("2008-03-01")); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("blacklisted person may file a claim: %v", err)
		}
		// near miss: the entry starts tomorrow for another person
		q := f.person("1")
		must[supervise.Entry](t)(f.svc.AddToBlacklist(ivan, supervise.Entry{Subject: supervise.SubjectPerson, PersonID: q,
			Effect: supervise.EffectBlock, Reason: "future", From: civil.MustParse("2008-04-01")}))
		f.stay("town", q, "2008-03-01", "2008-03-03")
		// lifted: settles
		must[supervise.Entry](t)(f.svc.LiftBlacklist(ivan, e.ID, "查明系他人冒用"))
		f.stay("town", p, "2008-03-05", "2008-03-20")
		// institution under review: settles, case opened
		must[supervise.Entry](t)(f.svc.AddToBlacklist(ivan, supervise.Entry{Subject: supervise.SubjectInstitution,
			InstitutionID: f.inst["district"], Effect: supervise.EffectReview, Reason: "挂床住院", From: civil.MustParse("2008-03-01")}))
		st := f.stay("district", f.person("1"), "2008-05-01", "2008-05-03")
		if got := f.casesOf(st.ID); got[rules.Blacklisted] != 1 {
			t.Errorf("review entry opened no case: %v", got)
		}
		// staff: the doctor at the township hospital is blocked
		must[supervise.Entry](t)(f.svc.AddToBlacklist(ivan, supervise.Entry{Subject: supervise.SubjectStaff,
			InstitutionID: f.inst["town"], StaffName: "李医生", Effect: supervise.EffectBlock, Reason: "虚开处方", From: civil.MustParse("2008-03-01")}))
		if _, err := f.stayWith(f.settle, "town", f.person("1"), "2008-06-01", "2008-06-03"); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("visit of a blacklisted doctor settled: %v", err)
		}
		f.stay("town2", f.person("1"), "2008-06-01", "2008-06-03") // same name elsewhere: near miss
		if _, err := f.svc.AddToBlacklist(ivan, supervise.Entry{Subject: supervise.SubjectPerson, Effect: "block", Reason: "x"}); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("entry without a person accepted: %v", err)
		}
	})
}

// TestCaseWorkflowDeduction: assign, investigate, close with a deduction
// recorded through internal/statement.
func TestCaseWorkflowDeduction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		st := f.stay("town", f.person("1"), "2008-03-01", "2008-03-03", line{"S100", 1, "250", 0})
		list, n, err := f.svc.Cases(ivan, supervise.Filter{Rule: rules.OverCeiling})
		if err != nil || n != 1 {
			t.Fatalf("cases %d %v", n, err)
		}
		id := list[0].ID
		c := must[supervise.Case](t)(f.svc.Case(ivan, id))
		if len(c.Evidence) != 1 || c.Evidence[0].SettlementID != st.ID || c.Evidence[0].LineID == 0 {
			t.Errorf("evidence %+v", c.Evidence)
		}
		if _, err := f.svc.Investigate(ivan, id, ""); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("investigated unassigned: %v", err)
		}
		must[supervise.Case](t)(f.svc.Assign(ivan, id, "ivan"))
		must[supervise.Case](t)(f.svc.Investigate(ivan, id, "调取处方"))
		if _, err := f.svc.Close(ivan, id, supervise.CloseRequest{Outcome: supervise.OutcomeDeduction, Note: "超限价收费"}); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("deduction without amount: %v", err)
		}
		c = must[supervise.Case](t)(f.svc.Close(ivan, id, supervise.CloseRequest{Outcome: supervise.OutcomeDeduction,
			Note: "超限价收费", Amount: money.Yuan(50)}))
		if c.Status != supervise.StatusClosed || c.DeductionID == 0 || len(c.Notes) != 4 {
			t.Errorf("closed case %+v", c)
		}
		ds, err := statement.New(d, statement.Options{}).Deductions(ivan, statement.DeductionFilter{InstitutionID: f.inst["town"]})
		if err != nil || len(ds) != 1 || ds[0].Amount != money.Yuan(50) || ds[0].SourceRef != itoa(id) || ds[0].SourceType != "inspection_case" {
			t.Errorf("deduction %+v %v", ds, err)
		}
		if _, err := f.svc.AddNote(ivan, id, "x"); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("closed case changed: %v", err)
		}
		cnt := must[supervise.Counts](t)(f.svc.Counts(ivan))
		if cnt.ByStatus[supervise.StatusClosed] != 1 {
			t.Errorf("counts %+v", cnt)
		}
	})
}

// TestSampling: 15% of 20 real-time settlements = 3, reproducible from the
// recorded seed; follow-up 2% of 20 inpatients = 1 (at least one).
func TestSampling(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for i := 0; i < 20; i++ {
			f.stay("town2", f.person("1"), "2008-03-01", "2008-03-03")
		}
		p := statement.Period{Year: 2008, Month: 3}
		sm := must[supervise.Sample](t)(f.svc.Draw(ivan, supervise.SpotRealtime, p, 12345))
		if sm.Population != 20 || len(sm.Items) != 3 || sm.Seed != 12345 {
			t.Fatalf("sample %+v", sm)
		}
		ok := must[bool](t)(f.svc.Verify(ivan, sm.ID))
		if !ok {
			t.Error("the draw is not reproducible from its seed")
		}
		// the same seed over the same population draws the same items
		var ids []int64
		for _, it := range sm.Items {
			ids = append(ids, it.RefID)
		}
		var pop []int64
		rows, err := d.QueryContext(t.Context(), `SELECT id FROM settlements`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			pop = append(pop, id)
		}
		rows.Close()
		again := rules.Sample(12345, pop, money.Percent(15))
		for i := range ids {
			if again[i] != ids[i] {
				t.Fatalf("redraw %v, recorded %v", again, ids)
			}
		}
		if _, err := f.svc.Draw(ivan, supervise.SpotRealtime, p, 1); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("second draw of the month: %v", err)
		}
		fu := must[supervise.Sample](t)(f.svc.Draw(ivan, supervise.FollowUp, p, 0))
		if len(fu.Items) != 1 || fu.Seed == 0 {
			t.Errorf("follow-up %+v", fu)
		}
		it := must[supervise.SampleItem](t)(f.svc.RecordOutcome(ivan, sm.ID, 2, "discrepancy", "患者称只住了 1 天"))
		if it.CaseID == 0 {
			t.Error("discrepancy opened no case")
		}
		must[supervise.SampleItem](t)(f.svc.RecordOutcome(ivan, sm.ID, 1, "confirmed", ""))
		sm = must[supervise.Sample](t)(f.svc.Sample(ivan, sm.ID))
		if sm.Done != 2 || sm.Items[0].Outcome != "confirmed" {
			t.Errorf("work list %+v", sm)
		}
	})
}

// TestIndicatorsDataset: a hand-computed month. Township A: 5 stays of 2
// days, 100.00 each (drug). Township B: 5 stays, 100.00 each, and township
// C: 5 stays, 400.00 each: C's average cost per stay (400.00) is above
// 1.5 × its peers' mean (100.00) and its case is opened once.
func TestIndicatorsDataset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.inst["town3"] = f.insert(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since,
			paasid, created_at, updated_at) VALUES ('H440113000009', '化龙镇卫生院', 'township', TRUE, TRUE, TRUE, 'active', '2008-01-01',
			'paas-town3', ?, ?)`, now(), now())
		for i := 0; i < 5; i++ {
			f.stay("town", f.person("1"), "2008-03-01", "2008-03-03", line{"A001", 5, "20", 0})
			f.stay("town2", f.person("1"), "2008-03-01", "2008-03-03", line{"A001", 5, "20", 0})
			f.stay("town3", f.person("1"), "2008-03-01", "2008-03-03", line{"A001", 20, "20", 0})
		}
		p := statement.Period{Year: 2008, Month: 3}
		rows, run, err := f.svc.ComputeIndicators(ivan, p)
		if err != nil {
			t.Fatal(err)
		}
		byInst := map[int64]supervise.IndicatorRow{}
		for _, r := range rows {
			byInst[r.InstitutionID] = r
		}
		c := byInst[f.inst["town3"]]
		if c.Values[rules.AvgStayCost] != 40000 || c.Values[rules.DrugShare] != 10000 || c.Values[rules.AvgLOS] != 200 {
			t.Errorf("town3 values %v", c.Values)
		}
		if !c.Flagged(rules.AvgStayCost) || byInst[f.inst["town"]].Flagged(rules.AvgStayCost) {
			t.Errorf("flags: town3 %+v town %+v", c.Flags, byInst[f.inst["town"]].Flags)
		}
		// drug share 100% is above the 45% limit for all three: 3 cases
		if run.Opened != 3 {
			t.Errorf("run %+v", run)
		}
		_, run, err = f.svc.ComputeIndicators(ivan, p)
		if err != nil || run.Opened != 0 {
			t.Errorf("rerun opened %d (%v)", run.Opened, err)
		}
		stored := must[[]supervise.IndicatorRow](t)(f.svc.Indicators(ivan, p))
		if len(stored) != 3 {
			t.Errorf("stored %d rows", len(stored))
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
