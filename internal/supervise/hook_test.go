package supervise_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/db/dbtest/county"
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/settle"
	"ncms/internal/supervise"
	"ncms/internal/supervise/rules"
)

// TestDuplicateCandidatesSameAsBefore: the duplicate candidates read by
// looking the ids up first are, for every settlement, exactly those the
// single query of before read — more than 20 candidates (only the 20
// latest count), the same invoice number at the institution and at
// another, a reversed settlement, another settlement of the same visit, the
// same total on another day.
func TestDuplicateCandidatesSameAsBefore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := t.Context()
		stay := func(key string, p int64, begin, end string, lines ...line) settle.Settlement {
			st, err := f.stayWith(f.plain, key, p, begin, end, lines...)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		// 23 times the same bill: the earliest 3 are beyond the 20 latest
		w := f.person("2")
		var same []settle.Settlement
		for range 23 {
			same = append(same, stay("town2", w, "2008-06-01", "2008-06-03", line{"A001", 5, "20", 0}))
		}
		stay("town2", w, "2008-06-01", "2008-06-03", line{"A001", 6, "20", 0}) // one unit more
		stay("town2", w, "2008-07-01", "2008-07-03", line{"A001", 5, "20", 0}) // the same total another day
		stay("town", w, "2008-08-01", "2008-08-03", line{"A001", 5, "20", 0})  // another institution
		if _, err := f.plain.Reverse(f.ctx("town2"), settle.ReverseRequest{VisitID: same[5].VisitID, SettlementID: same[5].ID}); err != nil {
			t.Fatal(err)
		}
		// another settlement of the same visit (as after a reversal and a new settlement)
		f.Exec(`UPDATE settlements SET visit_id = ? WHERE id = ?`, same[10].VisitID, same[11].ID)
		// invoice numbers: the same at town (two persons), and at town2
		x, y := f.person("1"), f.person("2")
		i1 := stay("town", x, "2008-09-01", "2008-09-02", line{"S001", 1, "30", 0})
		i2 := stay("town", y, "2008-09-10", "2008-09-12", line{"S100", 1, "150", 0})
		i3 := stay("town2", y, "2008-09-20", "2008-09-22", line{"S001", 1, "30", 0})
		for _, id := range []int64{i1.ID, i2.ID, i3.ID, same[0].ID} {
			f.Exec(`UPDATE settlements SET invono = 'FP0001' WHERE id = ?`, id)
		}

		bills, err := supervise.LoadBills(ctx, d, `1 = 1`)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, b := range bills {
			ls, err := supervise.SettlementLines(ctx, d, `f.settlement_id = ?`, b.SettlementID)
			if err != nil {
				t.Fatal(err)
			}
			b.Lines = ls[b.SettlementID]
			want, err := supervise.DuplicateCandidatesBefore(ctx, d, b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := supervise.DuplicateCandidates(ctx, d, b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("settlement %d: candidates\n%+v\nbefore\n%+v", b.SettlementID, got, want)
			}
			if len(want) > 0 {
				found++
			}
			if b.SettlementID == i2.ID && (len(got) != 1 || got[0].SettlementID != i1.ID) {
				t.Errorf("same invoice number at the institution: %+v", got)
			}
		}
		// most of the 23 see 19 or 20 others; the near misses none
		if found < 20 || found == len(bills) {
			t.Errorf("%d of %d settlements have candidates: the cases are not exercised", found, len(bills))
		}
		// the latest of the 23: the 20 latest candidates are the same total
		// another day and same[22..4]; left out itself, the reversed same[5]
		// and the other day
		ids := func(bs []rules.Bill) []int64 {
			var out []int64
			for _, b := range bs {
				out = append(out, b.SettlementID)
			}
			return out
		}
		var want []int64
		for i := 4; i < 22; i++ {
			if i != 5 {
				want = append(want, same[i].ID)
			}
		}
		if got := ids(candidatesOf(t, d, bills, same[22].ID)); !reflect.DeepEqual(got, want) {
			t.Errorf("candidates of the latest: %v, want %v", got, want)
		}
		// same[11] was moved to same[10]'s visit: not a candidate of it
		for _, id := range ids(candidatesOf(t, d, bills, same[10].ID)) {
			if id == same[11].ID || id == same[10].ID {
				t.Errorf("a settlement of the same visit is a candidate: %d", id)
			}
		}
	})
}

// candidatesOf returns the duplicate candidates of settlement id, one of bills.
func candidatesOf(t *testing.T, d *db.DB, bills []rules.Bill, id int64) []rules.Bill {
	t.Helper()
	for _, b := range bills {
		if b.SettlementID == id {
			got, err := supervise.DuplicateCandidates(t.Context(), d, b)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
	}
	t.Fatalf("settlement %d not found", id)
	return nil
}

// linesCheck is a screening hook that, before screening, compares the lines
// settlement hands over with those the hook read before (settlementLines)
// in the same transaction.
type linesCheck struct {
	*supervise.Service
	t    *testing.T
	seen []int // lines handed over, per settlement
}

func (c *linesCheck) ScreenSettlement(ctx context.Context, tx *db.Tx, sc settle.Screened) error {
	c.t.Helper()
	if sc.Lines == nil {
		c.t.Errorf("settlement %d: no lines handed over", sc.Settlement.ID)
	}
	got, err := supervise.OwnLines(ctx, tx, sc)
	if err != nil {
		return err
	}
	read, err := supervise.SettlementLines(ctx, tx, `f.settlement_id = ?`, sc.Settlement.ID)
	if err != nil {
		return err
	}
	if want := read[sc.Settlement.ID]; !reflect.DeepEqual(got, want) {
		c.t.Errorf("settlement %d: lines handed over\n%+v\nread\n%+v", sc.Settlement.ID, got, want)
	}
	c.seen = append(c.seen, len(sc.Lines))
	return c.Service.ScreenSettlement(ctx, tx, sc)
}

// TestScreenedLinesAsRead: the lines settlement hands the hook (read as it
// marks them settled) are, on both engines, exactly the rules.Line values
// the hook read itself before: catalogue lines of every kind (reference
// price, fee type, levels, ceiling, class C with consent), a line whose
// catalogue entry is not found, a refund line and a revoked line left
// out.
func TestScreenedLinesAsRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		check := &linesCheck{Service: f.svc, t: t}
		svc := settle.New(d, settle.Options{Coverage: county.Always("2008-01-01", "2008-12-31"), Now: f.clock.Now, NoTrace: true, Screen: check})
		f.Exec(`UPDATE catalog_entries SET fee_type = '11' WHERE code = 'D200'`)
		f.Exec(`UPDATE catalog_entries SET fee_type = '09' WHERE code = 'A001'`)
		ctx := f.ctx("town")
		upload := func(v int64, day string, sn int, init string, ls ...line) {
			t.Helper()
			var in []settle.LineInput
			for i, l := range ls {
				p := money.MustParse(l.price)
				in = append(in, settle.LineInput{SN: fmt.Sprint(sn + i), InitSN: init, Code: l.code, Qty: engine.Qty(l.qty * 10000),
					Price: engine.Price(int64(p) * 10000), Total: money.Fen(int64(p) * l.qty), Date: civil.MustParse(day), Approval: l.approval})
			}
			if _, err := svc.UploadLines(ctx, settle.UploadRequest{VisitID: v, Lines: in}); err != nil {
				t.Fatal(err)
			}
		}
		settleVisit := func(v int64) settle.Settlement {
			t.Helper()
			st, err := svc.Settle(ctx, settle.SettleRequest{VisitID: v})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}

		// an inpatient stay: every kind of line, one not in the catalogue
		f.clock.Set("2008-03-01")
		v1, err := svc.Admit(ctx, settle.VisitRequest{PersonID: f.person("1"), MedType: "21", Begin: civil.MustParse("2008-03-01"),
			Diagnoses: []string{"J18.9"}, DoctorName: "李医生"})
		if err != nil {
			t.Fatal(err)
		}
		upload(v1.ID, "2008-03-01", 1, "",
			line{"D900", 2, "30", 0}, line{"C001", 1, "80", 0}, line{"S100", 1, "250", 0}, line{"D200", 10, "5", 0},
			line{"S300", 1, "60", 0}, line{"A001", 3, "20", 0}, line{"C001", 1, "80", 1})
		upload(v1.ID, "2008-03-02", 20, "", line{"A001", 2, "20", 0}, line{"S001", 1, "15", 0})
		upload(v1.ID, "2008-03-02", 30, "1", line{"D900", -1, "30", 0}) // refunds one unit of line 1
		if _, err := svc.RevokeLines(ctx, settle.RevokeRequest{VisitID: v1.ID, SNs: []string{"21"}}); err != nil {
			t.Fatal(err)
		}
		// a line whose catalogue entry is not found (as a line imported from the old system)
		f.Exec(`UPDATE fee_lines SET catalog_id = 987654321 WHERE visit_id = ? AND feedetl_sn = '6'`, v1.ID)
		f.clock.Set("2008-03-05")
		if _, err := svc.Discharge(ctx, settle.DischargeRequest{VisitID: v1.ID, End: civil.MustParse("2008-03-05")}); err != nil {
			t.Fatal(err)
		}
		settleVisit(v1.ID)

		// another stay, at the county hospital: the first stay's lines are not the second's
		ctx = f.ctx("district")
		f.clock.Set("2008-04-01")
		v2, err := svc.Admit(ctx, settle.VisitRequest{PersonID: f.person("2"), MedType: "21", Begin: civil.MustParse("2008-04-01"),
			Diagnoses: []string{"J06.9"}, DoctorName: "王医生"})
		if err != nil {
			t.Fatal(err)
		}
		upload(v2.ID, "2008-04-01", 1, "", line{"D200", 4, "4.6", 0}, line{"S300", 1, "60", 0}, line{"D900", 1, "30", 0})
		f.Exec(`UPDATE fee_lines SET catalog_id = 0 WHERE visit_id = ? AND feedetl_sn = '2'`, v2.ID)
		f.clock.Set("2008-04-03")
		if _, err := svc.Discharge(ctx, settle.DischargeRequest{VisitID: v2.ID, End: civil.MustParse("2008-04-03")}); err != nil {
			t.Fatal(err)
		}
		settleVisit(v2.ID)

		if want := []int{9, 3}; !reflect.DeepEqual(check.seen, want) {
			t.Errorf("lines handed over per settlement %v, want %v", check.seen, want)
		}
	})
}

// TestConfigCached: the settlement hook reads the year's configuration once
// per configTTL. A configuration saved through any Service over the
// database applies to the next settlement; one written by another process
// after configTTL; a blacklist entry at once.
func TestConfigCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var ttl atomic.Int64 // nanoseconds added to the clock of configTTL
		start := time.Now()
		supervise.SetConfigClock(d, func() time.Time { return start.Add(time.Duration(ttl.Load())) })
		classC := line{"C001", 1, "80", 0} // class C without consent
		blocked := func(day string) bool {
			t.Helper()
			_, err := f.stayWith(f.settle, "town", f.person("1"), day, day, classC)
			if e, ok := apperr.As(err); ok && e.Code == "screen_blocked" {
				return true
			}
			if err != nil {
				t.Fatal(err)
			}
			return false
		}
		if blocked("2008-03-01") { // the defaults, now cached
			t.Fatal("blocked by the defaults")
		}
		// saved through another Service (as the console's): applies at once
		cfg := rules.Default(2008)
		cfg.Rules[rules.ClassC] = rules.Setting{Enabled: true, Block: true}
		if _, err := supervise.New(d, supervise.Options{}).SaveConfig(admin, cfg); err != nil {
			t.Fatal(err)
		}
		if !blocked("2008-03-02") {
			t.Fatal("the saved configuration did not apply to the next settlement")
		}
		// written by another process: used after configTTL
		js, err := json.Marshal(rules.Default(2008))
		if err != nil {
			t.Fatal(err)
		}
		f.Exec(`UPDATE supervise_config SET config_json = ? WHERE year = 2008`, string(js))
		if !blocked("2008-03-03") {
			t.Fatal("configuration read again within configTTL")
		}
		ttl.Store(int64(supervise.ConfigTTL))
		if blocked("2008-03-04") {
			t.Fatal("another process's change not seen after configTTL")
		}
		// the blacklist is read every time: an entry made a moment ago refuses
		p := f.person("1")
		if _, err := f.svc.AddToBlacklist(ivan, supervise.Entry{Subject: supervise.SubjectPerson, PersonID: p,
			Effect: supervise.EffectBlock, Reason: "冒名住院", From: civil.MustParse("2008-03-01")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.stayWith(f.settle, "town", p, "2008-03-05", "2008-03-06"); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("blacklisted a moment ago and settled: %v", err)
		}
	})
}

// TestScreeningStatements: screening a clean inpatient settlement (no hit,
// no possible duplicate; the configuration cached) costs three statements
// in its transaction — the blacklist, the person's other stays, the ids of
// possible duplicates — and settlement's own statements stay as they are
// (the lines come back from the UPDATE that marks them settled).
func TestScreeningStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		one := func(svc *settle.Service, day string) db.Counts {
			t.Helper()
			ctx := f.ctx("town")
			f.clock.Set(day)
			v, err := svc.Admit(ctx, settle.VisitRequest{PersonID: f.person("1"), MedType: "21", Begin: civil.MustParse(day),
				Diagnoses: []string{"J18.9"}, DoctorName: "李医生"})
			if err != nil {
				t.Fatal(err)
			}
			var in []settle.LineInput
			for i, code := range []string{"A001", "S001", "A001"} {
				in = append(in, settle.LineInput{SN: fmt.Sprint(i + 1), Code: code, Qty: 10000, Price: 20_000_000, Total: 2000,
					Date: civil.MustParse(day)})
			}
			if _, err := svc.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID, Lines: in}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Discharge(ctx, settle.DischargeRequest{VisitID: v.ID, End: civil.MustParse(day)}); err != nil {
				t.Fatal(err)
			}
			c0 := d.Counts()
			st, err := svc.Settle(ctx, settle.SettleRequest{VisitID: v.ID})
			if err != nil {
				t.Fatal(err)
			}
			n := d.Counts().Sub(c0)
			if got := f.casesOf(st.ID); len(got) != 0 {
				t.Fatalf("the settlement is not clean: %v", got)
			}
			return n
		}
		one(f.plain, "2008-03-02") // statements prepared, configuration cached
		one(f.settle, "2008-03-03")
		plain, screened := one(f.plain, "2008-03-04"), one(f.settle, "2008-03-05")
		if plain.Reads != screened.Reads || plain.Writes != screened.Writes || screened.TxStatements != plain.TxStatements+3 {
			t.Errorf("statements of a settlement: %+v without screening, %+v with: want 3 more in the transaction", plain, screened)
		}
	})
}
