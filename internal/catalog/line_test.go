package catalog_test

import (
	"context"
	"testing"

	"ncms/internal/catalog"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/engine"
	"ncms/internal/money"
)

func qty(s string) engine.Qty {
	q, err := engine.ParseQty(s)
	if err != nil {
		panic(err)
	}
	return q
}

func price(s string) engine.Price {
	p, err := engine.ParsePrice(s)
	if err != nil {
		panic(err)
	}
	return p
}

// TestLinesThroughEngine maps sandbox entries and bill lines to engine
// lines and checks the engine's split (SPEC §13.9 and the other reasons).
func TestLinesThroughEngine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		if _, err := s.CreateSandbox(admin, date("2024-01-01")); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, code, level        string
			qty, price               string
			approval                 int
			full, over, first, scope string
			reason                   string
		}{
			{"domestic joint (SPEC 13.9)", "C330800001-01", "county", "1", "20000", 0, "0.00", "0.00", "6000.00", "14000.00", ""},
			{"imported joint", "C330800001-02", "city", "1", "45000", 0, "0.00", "0.00", "27000.00", "18000.00", ""},
			{"ICU 10 days (SPEC 13.9)", "F110900001", "county", "10", "500", 0, "0.00", "0.00", "1000.00", "4000.00", ""},
			{"class A drug", "XJ01CAA040A001010101445", "township", "24", "0.25", 0, "0.00", "0.00", "0.00", "6.00", ""},
			{"class B 10%", "XJ01DDA080A001010101445", "township", "6", "3.20", 0, "0.00", "0.00", "1.92", "17.28", ""},
			{"over price ceiling", "S210300001", "county", "1", "200", 0, "0.00", "20.00", "18.00", "162.00", ""},
			{"class C", "S331600001", "county", "1", "3000", 0, "3000.00", "0.00", "0.00", "0.00", "class_c"},
			{"joint at a township hospital", "C330800001-01", "township", "1", "20000", 0, "20000.00", "0.00", "0.00", "0.00", "level"},
			{"restricted without approval", "XB05AAR010B002010100520", "county", "2", "380", 0, "760.00", "0.00", "0.00", "0.00", "not_approved"},
			{"restricted, approved", "XB05AAR010B002010100520", "county", "2", "380", 1, "0.00", "0.00", "38.00", "722.00", ""},
			{"not listed", "NOSUCHCODE", "county", "1", "15", 0, "15.00", "0.00", "0.00", "0.00", "not_listed"},
			{"refund of ICU day", "F110900001", "county", "-1", "500", 0, "0.00", "0.00", "-100.00", "-400.00", ""},
		}
		for _, c := range cases {
			b := catalog.BillLine{ID: "1", Code: c.code, Name: "院内名称", Qty: qty(c.qty), Price: price(c.price),
				Date: date("2024-06-01"), Approval: c.approval}
			lines, entries, err := catalog.Resolve(context.Background(), d, date("2024-06-01"), []catalog.BillLine{b})
			if err != nil {
				t.Fatal(err)
			}
			if (entries[0] == nil) != (c.reason == "not_listed") {
				t.Errorf("%s: entry = %v", c.name, entries[0])
			}
			sp, err := engine.ClassifyLine(&lines[0], c.level, civil.Date{})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got := [4]string{sp.FullOwn.String(), sp.OverLimit.String(), sp.FirstSelf.String(), sp.InScope.String()}
			want := [4]string{c.full, c.over, c.first, c.scope}
			if got != want || sp.Reason.String() != c.reason || sp.FullOwn+sp.OverLimit+sp.FirstSelf+sp.InScope != sp.Total {
				t.Errorf("%s: split %v reason %q, want %v %q", c.name, got, sp.Reason, want, c.reason)
			}
		}
	})
}

// TestLineMapping checks every field Entry.Line copies.
func TestLineMapping(t *testing.T) {
	e := catalog.Entry{Code: "X", Name: "目录名", Class: engine.ClassA, SelfPay: money.Percent(10), PriceCap: price("2"),
		Levels: []string{"county"}, Essential: true, Restricted: true}
	b := catalog.BillLine{ID: "7", Code: "X", Name: "院内名", Qty: qty("2"), Price: price("1.5"), Total: 300, Date: date("2024-02-01"), Approval: 1}
	l := e.Line(b)
	if l.ID != "7" || l.Code != "X" || l.Name != "目录名" || l.Class != engine.ClassA || l.SelfPay != 0 ||
		l.PriceCap != price("2") || len(l.Levels) != 1 || !l.Essential || !l.Restricted || l.Approval != 1 ||
		l.Qty != qty("2") || l.Price != price("1.5") || l.Total != 300 || l.Date != date("2024-02-01") {
		t.Fatalf("line = %+v", l)
	}
	e.Class = engine.ClassB
	if l := e.Line(b); l.SelfPay != engine.Ratio(money.Percent(10)) {
		t.Fatalf("class B share = %v", l.SelfPay)
	}
	if n := catalog.NotListed(b); n.Class != engine.ClassNone || n.Name != "院内名" {
		t.Fatalf("not listed = %+v", n)
	}
}
