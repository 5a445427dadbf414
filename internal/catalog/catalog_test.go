package catalog_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/catalog"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/engine"
	"ncms/internal/money"
)

var now = time.Date(2024, 6, 15, 2, 0, 0, 0, time.UTC)

var (
	admin = access.WithActor(context.Background(), access.Actor{UserID: 1, Username: "admin", Role: access.Admin,
		Scope: access.Scope{AreaID: 1, AreaPath: "/1/"}})
	clerk = access.WithActor(context.Background(), access.Actor{UserID: 2, Username: "his", Role: access.Institution,
		Scope: access.Scope{InstitutionID: 5}})
)

func newService(d *db.DB) *catalog.Service {
	return catalog.New(d, catalog.Options{Now: func() time.Time { return now }})
}

func date(s string) civil.Date { return civil.MustParse(s) }

func cefixime(from string, share int64) catalog.Input {
	return catalog.Input{Code: "XJ01DDA080A001010101445", Name: "头孢克肟胶囊", Kind: catalog.Drug, Class: engine.ClassB,
		SelfPay: money.Percent(share), Unit: "粒", ValidFrom: date(from)}
}

func TestVersionsByDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		steps := []struct {
			in   catalog.Input
			want catalog.Action
		}{
			{cefixime("2023-01-01", 10), catalog.Created},
			{cefixime("2023-01-01", 10), catalog.Unchanged},
			{cefixime("2024-01-01", 10), catalog.Unchanged}, // same terms, still open-ended
			{cefixime("2024-01-01", 20), catalog.NewVersion},
			{cefixime("2024-01-01", 15), catalog.Updated},
		}
		for i, st := range steps {
			_, act, err := s.Save(admin, st.in)
			if err != nil || act != st.want {
				t.Fatalf("step %d: %v %v, want %v", i, act, err, st.want)
			}
		}
		_, _, err := s.Save(admin, cefixime("2023-06-01", 12))
		if e, ok := apperr.As(err); !ok || e.Fields[0].Code != "before_latest" {
			t.Fatalf("earlier version: %v", err)
		}
		for _, c := range []struct {
			on   string
			want string // selfpay fraction, "" not found
		}{
			{"2022-12-31", ""}, {"2023-01-01", "0.1000"}, {"2023-12-31", "0.1000"}, {"2024-01-01", "0.1500"}, {"2030-01-01", "0.1500"},
		} {
			e, err := catalog.Lookup(context.Background(), d, "XJ01DDA080A001010101445", date(c.on))
			got := ""
			if err == nil {
				got = e.SelfPay.Fraction()
			} else if err != catalog.ErrNotFound {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("on %s: selfpay %q, want %q", c.on, got, c.want)
			}
		}
		vs, err := s.Versions(clerk, "XJ01DDA080A001010101445")
		if err != nil || len(vs) != 2 || vs[0].ValidTo != date("2023-12-31") || !vs[1].ValidTo.IsZero() {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		found, total, err := s.Search(clerk, catalog.Filter{Query: "头孢", On: date("2023-05-01")})
		if err != nil || total != 1 || found[0].SelfPay != money.Percent(10) {
			t.Fatalf("search = %+v %d %v", found, total, err)
		}
		trail, _ := audit.List(admin, d, audit.Filter{ObjectType: "catalog_entry"})
		if len(trail) != 3 {
			t.Fatalf("audit rows = %d, want 3 (create, version, update)", len(trail))
		}
	})
}

func TestAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		if _, _, err := s.Save(clerk, cefixime("2024-01-01", 10)); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("institution clerk saving: %v", err)
		}
		if _, err := s.Import(clerk, catalog.Template()); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("institution clerk importing: %v", err)
		}
		p := access.WithActor(context.Background(), access.Actor{Role: access.Participant})
		if _, _, err := s.Search(p, catalog.Filter{}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("participant searching: %v", err)
		}
		_, _, err := s.Save(admin, catalog.Input{Code: "A B", Kind: catalog.Drug, Class: engine.ClassA, SelfPay: money.Percent(5), Restricted: true})
		e, ok := apperr.As(err)
		if !ok {
			t.Fatalf("bad input: %v", err)
		}
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Field+":"+f.Code)
		}
		if got := strings.Join(fields, " "); got != "med_list_codg:code_format name:required selfpay_prop:selfpay_not_b restriction:required" {
			t.Fatalf("fields = %s", got)
		}
	})
}

const halfValid = "编码,名称,类型,类别,自付比例,限价,单价,单位,基本药物,限定使用,限定范围,报销级别,生效日期\n" +
	"X001,阿莫西林胶囊,药品,甲,,,0.25,粒,是,否,,,2024-01-01\n" +
	"X002,头孢克肟胶囊,药品,丁,0.1,,3.2,粒,否,否,,,2024-01-01\n" +
	"X003,国产人工髋关节,诊疗项目,乙,1.5,,20000,套,否,否,,\"county,city\",2024-01-01\n" +
	"X004,复方丹参滴丸,药品,乙,0.12345,-1,0.35,丸,否,否,,,2024-01-01\n" +
	"X001,阿莫西林胶囊,药品,甲,,,0.25,粒,是,否,,clinic,2024-13-01\n"

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		rows, err := catalog.ReadFile(strings.NewReader(halfValid), "items.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Import(admin, rows)
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			t.Fatalf("import = %v", err)
		}
		var got []string
		for _, f := range e.Fields {
			if f.Zh == "" || f.En == "" {
				t.Errorf("row %d %s: message missing", f.Row, f.Field)
			}
			got = append(got, f.Field+"@"+strconv.Itoa(f.Row)+":"+f.Code)
		}
		want := "class@3:class selfpay_prop@4:selfpay_range selfpay_prop@5:selfpay_range price_cap@5:price " +
			"levels@6:level valid_from@6:date med_list_codg@6:duplicate"
		if strings.Join(got, " ") != want {
			t.Fatalf("row errors:\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		var n int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM catalog_entries`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d entries written by a failed import", n)
		}
		res, err := s.Import(admin, catalog.Template())
		if err != nil || res.Rows != 3 || res.Counts[catalog.Created] != 3 {
			t.Fatalf("template import = %+v, %v", res, err)
		}
		e2, err := catalog.Lookup(context.Background(), d, "XJ01DDA080A001010101445", date("2024-06-01"))
		if err != nil || e2.SelfPay != money.Percent(10) || !e2.Restricted || e2.Restriction != "限二线用药" ||
			strings.Join(e2.Levels, ",") != "township,county,city,province" || e2.PriceCap.String() != "3.50" || e2.FeeType != "09" {
			t.Fatalf("imported entry = %+v, %v", e2, err)
		}
		// A version dated before the latest one fails the whole file.
		again := catalog.Template()
		again[1][14], again[2][14] = "2025-01-01", "2023-01-01"
		if _, err := s.Import(admin, again); err == nil || !strings.Contains(err.Error(), "valid_from") {
			t.Fatalf("import with an old version = %v", err)
		}
		if vs, _ := s.Versions(admin, "XJ01CAA040A001010101445"); len(vs) != 1 {
			t.Fatalf("failed import left %d versions", len(vs))
		}
	})
}

func TestReadXLSX(t *testing.T) {
	f := excelize.NewFile()
	for i, row := range catalog.Template() {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := catalog.ReadFile(&buf, "目录.XLSX")
	if err != nil || len(rows) != 4 || rows[2][1] != "头孢克肟胶囊" {
		t.Fatalf("rows = %v, %v", rows, err)
	}
	if _, err := catalog.ReadFile(strings.NewReader("x"), "a.pdf"); err == nil {
		t.Fatal("pdf accepted")
	}
}
