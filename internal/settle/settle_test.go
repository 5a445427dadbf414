package settle_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
	"ncms/internal/settle"
)

func TestInpatientSettleReverse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("county")
		p := f.person(1)
		v := f.admission(ctx, p, line("1", "A001", "10000.00"))

		before := f.counts()
		pre, err := f.svc.PreSettle(ctx, settle.SettleRequest{VisitID: v, MedFee: y("10000.00")})
		if err != nil {
			t.Fatal(err)
		}
		if pre.ID != 0 || pre.Result.Basic != y("5820.00") || pre.Result.Deductible != y("300.00") {
			t.Fatalf("pre-settle: id %d basic %s deductible %s, want 0, 5820.00, 300.00", pre.ID, pre.Result.Basic, pre.Result.Deductible)
		}
		if after := f.counts(); !reflect.DeepEqual(before, after) {
			t.Fatalf("pre-settle wrote rows: %v -> %v", before, after)
		}

		st, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MedFee: y("10000.00"), MsgID: "M1"})
		if err != nil {
			t.Fatal(err)
		}
		if st.ID == 0 || st.Result.Basic != y("5820.00") || st.CashPay != y("4180.00") || st.Result.FundTotal != y("5820.00") {
			t.Fatalf("settle: %+v", st.Result)
		}
		if st.SchemeCode != "chongqing-2013" || st.SchemeVersion != 1 || st.MsgID != "M1" {
			t.Fatalf("scheme/msgid not recorded: %s v%d %q", st.SchemeCode, st.SchemeVersion, st.MsgID)
		}
		ytd, _ := f.svc.YTD(f.ctx, p, 2013)
		if ytd.Basic != y("5820.00") || ytd.Admissions != 1 {
			t.Fatalf("ytd after settle: %+v", ytd.Totals)
		}
		got, err := f.svc.Get(ctx, st.ID)
		if err != nil || got.Result.Basic != st.Result.Basic || got.ID != st.ID {
			t.Fatalf("get: %v %+v", err, got)
		}
		if _, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("second settle without lines: %v", err)
		}

		rev, err := f.svc.Reverse(ctx, settle.ReverseRequest{VisitID: v, SettlementID: st.ID, MsgID: "M2"})
		if err != nil {
			t.Fatal(err)
		}
		if rev.Reverses != st.ID || rev.Result.Basic != -st.Result.Basic || rev.Result.MedFee != -st.Result.MedFee ||
			rev.CashPay != -st.CashPay || rev.Result.Funds[0].Pay != -st.Result.Funds[0].Pay {
			t.Fatalf("reversal does not negate: %+v", rev.Result)
		}
		ytd, _ = f.svc.YTD(f.ctx, p, 2013)
		if ytd.Basic != 0 || ytd.Admissions != 0 || ytd.Cost != 0 || len(ytd.Pools) != 0 {
			t.Fatalf("ytd after reversal: %+v", ytd)
		}
		if _, err := f.svc.Reverse(ctx, settle.ReverseRequest{SettlementID: st.ID}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("second reversal: %v", err)
		}
		// After a reversal the lines are unsettled: the HIS may settle again.
		again, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v})
		if err != nil || again.Result.Basic != y("5820.00") {
			t.Fatalf("settle after reversal: %v", err)
		}
		f.checkStored()
	})
}

func TestOutpatientQuota(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("township")
		p := f.person(1)
		pay := func(total string) settle.Settlement {
			v, err := f.svc.Register(ctx, settle.VisitRequest{PersonID: p, MedType: "11", Begin: civil.MustParse("2013-03-02"), Diagnoses: []string{"J06.9"}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.svc.UploadLines(ctx, settle.UploadRequest{VisitID: v.ID, Lines: []settle.LineInput{line("1", "A001", total), line("2", "C001", "5.00")}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Lines[1].FullOwn != y("5.00") || res.Lines[1].ChrgitmLv != "03" || res.Lines[0].InScope != y(total) {
				t.Fatalf("line split: %+v", res.Lines)
			}
			st, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v.ID})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		// The 60-yuan yearly quota: 45 then 15 of the next 30.
		if st := pay("45.00"); st.Result.Basic != y("45.00") || st.CashPay != y("5.00") || st.ClrType != "11" {
			t.Fatalf("first: basic %s cash %s", st.Result.Basic, st.CashPay)
		}
		if st := pay("30.00"); st.Result.Basic != y("15.00") || st.CashPay != y("20.00") {
			t.Fatalf("second: basic %s cash %s", st.Result.Basic, st.CashPay)
		}
		days, err := f.svc.DailyTotals(f.ctx, f.inst["township"], civil.MustParse("2000-01-01"), civil.MustParse("2100-01-01"))
		if err != nil || len(days) != 1 || days[0].Settled != 2 || days[0].MedFee != y("85.00") || days[0].FundPay != y("60.00") {
			t.Fatalf("daily totals: %v %+v", err, days)
		}
		f.checkStored()
	})
}

// TestConcurrentCap: 50 settlements at once for one person whose cap
// (70,000) is below their sum (50 × 5,820): the basic fund pays exactly the
// cap and the totals equal the sum of the settlements.
func TestConcurrentCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("county")
		p := f.person(1)
		const n = 50
		visits := make([]int64, n)
		for i := range visits {
			visits[i] = f.admission(ctx, p, line("1", "A001", "10000.00"))
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range visits {
			wg.Add(1)
			go func(v int64) {
				defer wg.Done()
				_, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MsgID: fmt.Sprintf("C%d", v)})
				errs <- err
			}(visits[i])
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var basic, cost, cnt int64
		if err := d.QueryRowContext(context.Background(), `SELECT SUM(hifp_pay), SUM(medfee_sumamt), COUNT(*) FROM settlements WHERE person_id = ?`, p).
			Scan(&basic, &cost, &cnt); err != nil {
			t.Fatal(err)
		}
		ytd, _ := f.svc.YTD(f.ctx, p, 2013)
		if cnt != n || money.Fen(basic) != y("70000.00") || ytd.Basic != money.Fen(basic) || ytd.Cost != money.Fen(cost) || ytd.Admissions != n {
			t.Fatalf("settlements %d basic %d cost %d; ytd %+v", cnt, basic, cost, ytd.Totals)
		}
		f.checkStored()
	})
}

func TestRetries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("county")
		p := f.person(1)
		v := f.admission(ctx, p, line("1", "A001", "10000.00"))
		req := settle.SettleRequest{VisitID: v, MsgID: "R1"}
		a, err := f.svc.Settle(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Settle(ctx, req)
		if err != nil || b.ID != a.ID || b.Result.Basic != a.Result.Basic {
			t.Fatalf("sequential retry: %v, ids %d %d", err, a.ID, b.ID)
		}
		if _, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MsgID: "R1", Invoice: "X"}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("same msgid, other body: %v", err)
		}

		v2 := f.admission(ctx, p, line("1", "A001", "1000.00"))
		ids := make([]int64, 4)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				st, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v2, MsgID: "R2"})
				if err != nil {
					t.Error(err)
				}
				ids[i] = st.ID
			}(i)
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == 0 {
				t.Fatalf("concurrent retry ids %v", ids)
			}
		}
		if n := f.count("settlements"); n != 2 {
			t.Fatalf("settlements %d, want 2", n)
		}
	})
}

func TestCompensate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("county")
		p := f.person(1)
		v := f.admission(ctx, p, line("1", "A001", "10000.00"))
		st, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MsgID: "S1"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Compensate(ctx, settle.CompensateRequest{MsgID: "K1", OrigMsgID: "S1", OrigInfno: "2304"})
		if err != nil || c.Effect != "settlement_reversed" {
			t.Fatalf("2601: %v %+v", err, c)
		}
		ytd, _ := f.svc.YTD(f.ctx, p, 2013)
		if ytd.Basic != 0 {
			t.Fatalf("ytd after 2601: %s", ytd.Basic)
		}
		if rev, err := f.svc.Get(ctx, c.ID); err != nil || rev.Reverses != st.ID || rev.Result.Basic != -st.Result.Basic {
			t.Fatalf("2601 reversal: %v %+v", err, rev)
		}
		if _, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MsgID: "S1"}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("retry of a compensated message: %v", err)
		}
		// 2601 first: the late original is refused and nothing settles.
		if c, err := f.svc.Compensate(ctx, settle.CompensateRequest{MsgID: "K2", OrigMsgID: "S9", OrigInfno: "2304"}); err != nil || c.Effect != "tombstone" {
			t.Fatalf("tombstone: %v %+v", err, c)
		}
		n := f.count("settlements")
		if _, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MsgID: "S9"}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("late original: %v", err)
		}
		if f.count("settlements") != n {
			t.Fatal("late original settled")
		}
		// 2601 of a registration cancels the visit.
		reg, err := f.svc.Register(ctx, settle.VisitRequest{MsgID: "G1", PersonID: p, MedType: "11", Begin: civil.MustParse("2013-06-01")})
		if err != nil {
			t.Fatal(err)
		}
		if c, err := f.svc.Compensate(ctx, settle.CompensateRequest{MsgID: "K3", OrigMsgID: "G1"}); err != nil || c.Effect != "visit_cancelled" {
			t.Fatalf("2601 registration: %v %+v", err, c)
		}
		if got, _ := f.svc.GetVisit(ctx, reg.ID); got.Status != settle.Cancelled {
			t.Fatalf("visit status %s", got.Status)
		}
		f.checkStored()
	})
}
