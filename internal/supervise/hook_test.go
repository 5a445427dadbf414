package supervise_test

import (
	"reflect"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
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
