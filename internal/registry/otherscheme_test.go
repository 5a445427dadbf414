package registry_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/registry"
)

func TestDoubleEnrollment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ha := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		hb := must(w.s.RegisterHousehold(w.clerkB, family(w.villB.ID, 20)))(t)
		gone := ha.Members[2]
		must(w.s.ChangeStatus(w.clerkA, gone.ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: civil.MustParse("2024-01-01")}))(t)
		csv := "姓名,身份证号,险种\n" +
			ha.Members[0].Name + "," + ha.Members[0].IDNumber + ",城镇居民\n" + // same name
			"李 秀英," + ha.Members[1].IDNumber + ",\n" + // a space: not a mismatch
			"张晓山," + gone.IDNumber + ",城镇职工\n" + // moved out: not double
			"王五," + hb.Members[0].IDNumber + ",城镇职工医保\n" + // other township, name differs
			"赵六," + idn("1990-01-01", 99, true) + ",城镇居民\n" // not in the register
		entries := must(registry.ReadOtherList(strings.NewReader("\uFEFF"+csv), "urban.csv"))(t)
		if len(entries) != 5 || entries[0].Row != 2 || entries[1].Scheme != "" || entries[3].Scheme != registry.UrbanEmployee {
			t.Fatalf("entries = %+v", entries)
		}
		if _, err := w.s.ImportOtherList(w.clerkA, registry.OtherListInput{Scheme: registry.UrbanResident, Entries: entries}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("clerk import: %v, want forbidden", err)
		}
		b := must(w.s.ImportOtherList(w.admin, registry.OtherListInput{Scheme: registry.UrbanResident, Source: "urban.csv",
			ListDate: civil.MustParse("2024-01-01"), Entries: entries}))(t)
		if b.RowCount != 5 || b.ID == 0 {
			t.Fatalf("batch = %+v", b)
		}
		all := must(w.s.DoubleEnrollments(w.admin, registry.DoubleQuery{}))(t)
		if all.Total != 3 || all.Mismatches != 1 {
			t.Fatalf("admin report: total %d mismatches %d: %+v", all.Total, all.Mismatches, all.Items)
		}
		byName := map[string]registry.DoubleEnrollment{}
		for _, x := range all.Items {
			byName[x.Name] = x
		}
		if x := byName["李秀英"]; x.NameMismatch || x.Scheme != registry.UrbanResident || x.Row != 3 {
			t.Errorf("李秀英 = %+v", x)
		}
		if x, ok := byName[hb.Members[0].Name]; !ok {
			t.Errorf("township B's head missing")
		} else if !x.NameMismatch || x.OtherName != "王五" || x.Scheme != registry.UrbanEmployee {
			t.Errorf("mismatch row = %+v", x)
		}
		a := must(w.s.DoubleEnrollments(w.clerkA, registry.DoubleQuery{BatchID: b.ID}))(t)
		if a.Total != 2 || a.Mismatches != 0 {
			t.Errorf("clerk A report: %+v", a)
		}
		mm := must(w.s.DoubleEnrollments(w.admin, registry.DoubleQuery{OnlyMismatch: true}))(t)
		if mm.Total != 1 {
			t.Errorf("mismatch-only: %+v", mm)
		}
		if bs := must(w.s.OtherBatches(w.admin))(t); len(bs) != 1 || bs[0].Source != "urban.csv" || bs[0].RowCount != 5 {
			t.Errorf("batches = %+v", bs)
		}
	})
}

func TestOtherListRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		good := idn("1980-02-02", 5, true)
		entries := []registry.OtherEntry{
			{Row: 2, IDNumber: good, Name: "甲"},
			{Row: 3, IDNumber: good[:17] + "Y", Name: "乙"},
			{Row: 4, IDNumber: good, Name: "丙"},
			{Row: 5, IDNumber: idn("1981-02-02", 5, true), Name: ""},
			{Row: 6, IDNumber: idn("1982-02-02", 5, true), Name: "丁", Scheme: "新农合"},
		}
		_, err := w.s.ImportOtherList(w.admin, registry.OtherListInput{Scheme: registry.UrbanResident, Entries: entries})
		e, ok := apperr.As(err)
		if !ok || len(e.Fields) != 4 {
			t.Fatalf("err = %v, want 4 row problems", err)
		}
		want := []struct {
			row   int
			field string
		}{{3, "id_number"}, {4, "id_number"}, {5, "name"}, {6, "scheme"}}
		for i, f := range e.Fields {
			if f.Row != want[i].row || f.Field != want[i].field || strings.Contains(f.Value, good[6:14]) {
				t.Errorf("problem %d = %+v, want row %d field %s (masked)", i, f, want[i].row, want[i].field)
			}
		}
		if bs := must(w.s.OtherBatches(w.admin))(t); len(bs) != 0 {
			t.Fatalf("a refused list was stored: %+v", bs)
		}
		b := must(w.s.ImportOtherList(w.admin, registry.OtherListInput{Scheme: registry.UrbanResident, Entries: entries, SkipInvalid: true}))(t)
		if b.RowCount != 1 || len(b.Skipped) != 4 {
			t.Errorf("skip-invalid batch = %+v", b)
		}
	})
}

func TestReadOtherListFormats(t *testing.T) {
	id := idn("1980-02-02", 5, true)
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().String("身份证号,姓名\n" + id + ",张三\n")
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"序号", "公民身份号码", "姓名", "参保类型"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{1, id, "张三", "城镇职工"})
	var xlsx bytes.Buffer
	if err := f.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file string
		data       []byte
		scheme     registry.Scheme
	}{
		{"gb18030 csv", "list.csv", []byte(gbk), ""},
		{"xlsx", "list.xlsx", xlsx.Bytes(), registry.UrbanEmployee},
	}
	for _, c := range cases {
		es, err := registry.ReadOtherList(bytes.NewReader(c.data), c.file)
		if err != nil || len(es) != 1 || es[0].IDNumber != id || es[0].Name != "张三" || es[0].Scheme != c.scheme || es[0].Row != 2 {
			t.Errorf("%s: %+v %v", c.name, es, err)
		}
	}
	if _, err := registry.ReadOtherList(strings.NewReader("a,b\n1,2\n"), "x.csv"); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("missing columns: %v", err)
	}
}
