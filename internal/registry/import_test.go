package registry_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
	"ncms/internal/importfile"
	"ncms/internal/registry"
)

func testdata(name string) string { return filepath.Join("..", "..", "testdata", "import", name) }

// openImport opens a file for the household import.
func openImport(t *testing.T, name string, data []byte, opt importfile.Options) (*importfile.Reader, error) {
	t.Helper()
	if data == nil {
		var err error
		if data, err = os.ReadFile(testdata(name)); err != nil {
			t.Fatal(err)
		}
	}
	opt.Columns = registry.HouseholdColumns
	return importfile.Open(bytes.NewReader(data), name, opt)
}

// xlsxOf converts a CSV test file to a workbook with the same rows.
func xlsxOf(t *testing.T, name string) []byte {
	t.Helper()
	b, _ := os.ReadFile(testdata(name))
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := importfile.WriteTemplate(&buf, "x.xlsx", registry.HouseholdColumns[:9], recs[1:]); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func count(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportFormats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, tc := range []struct {
			name   string
			data   []byte
			format importfile.Format
		}{
			{"households_good.csv", nil, importfile.CSVUTF8BOM},
			{"households_gb18030.csv", nil, importfile.CSVGB18030},
			{"households_utf8_nobom.csv", nil, importfile.CSVUTF8},
			{"households.xlsx", xlsxOf(t, "households_good.csv"), importfile.XLSX},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, dbtest.SQLite(t))
				if d.Dialect() == db.Postgres {
					w = newWorld(t, dbtest.Postgres(t))
				}
				rd, err := openImport(t, tc.name, tc.data, importfile.Options{})
				if err != nil {
					t.Fatal(err)
				}
				res, err := w.s.ImportHouseholds(w.admin, rd, registry.ImportOptions{FileName: tc.name})
				if err != nil || res.Imported != 10 || res.Households != 4 || res.Format != string(tc.format) {
					t.Fatalf("import: %+v, %v", res, err)
				}
				// 龙场镇/红星村/一组 and 扎佐镇/新民村 exist: 二组, 新寨村 and 三组 are new.
				if res.AreasCreated != 3 {
					t.Errorf("areas created = %d, want 3", res.AreasCreated)
				}
				checkImported(t, w)
			})
		}
	})
}

// checkImported checks what the good file registers.
func checkImported(t *testing.T, w *world) {
	t.Helper()
	h, err := w.s.HouseholdByNumber(w.admin, "H002")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Members) != 1 || h.HeadName != "王德福" || h.Phone != "0851-82345678" {
		t.Fatalf("H002 = %+v", h)
	}
	m := h.Members[0]
	if !m.Categories.Has(registry.Wubao) || !m.Categories.Has(registry.Disabled) || m.Sex != idcard.Male || m.BirthDate.String() != "1955-11-11" {
		t.Errorf("王德福 = %+v", m)
	}
	if h.Areas[len(h.Areas)-1].Name != "二组" || !strings.HasPrefix(h.Areas[len(h.Areas)-1].Code, w.villA.Code) {
		t.Errorf("H002 area = %+v, want 二组 under %s", h.Areas[len(h.Areas)-1], w.villA.Code)
	}
	h4, err := w.s.HouseholdByNumber(w.admin, "H004")
	if err != nil {
		t.Fatal(err)
	}
	if len(h4.Members) != 3 || h4.HeadName != "赵春生" || h4.AreaNames() != "扎佐镇 新民村 三组" {
		t.Fatalf("H004 = %+v", h4)
	}
	for _, p := range h4.Members {
		if p.Name == "钱玉梅" && (!p.Categories.Has(registry.Dibao) || !p.Categories.Has(registry.Disabled) || p.Relation != "妻") {
			t.Errorf("钱玉梅 = %+v", p)
		}
	}
	ev, err := w.s.Events(w.admin, h4.Members[0].ID)
	if err != nil || len(ev) != 1 || ev[0].Kind != registry.EvRegistered || !strings.Contains(ev[0].Note, "第") {
		t.Errorf("events = %+v, %v", ev, err)
	}
	// The id sequences moved past the reserved ids: registering goes on.
	if _, err := w.s.RegisterHousehold(w.admin, family(w.villA.ID, 500)); err != nil {
		t.Fatalf("register after import: %v", err)
	}
	if n := count(t, w.d, `SELECT COUNT(*) FROM audit_log WHERE action = 'household.import'`); n != 1 {
		t.Errorf("import audit rows = %d", n)
	}
	if n := count(t, w.d, `SELECT COUNT(*) FROM audit_log WHERE action IN ('person.create', 'household.create')`); n != 4 {
		t.Errorf("per-record audit rows = %d, want only the 4 of the household registered by hand", n)
	}
}

func TestImportAliasesAndOptionalColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, name := range []string{"households_aliases.csv", "households_english.csv"} {
			rd, err := openImport(t, name, nil, importfile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.s.ImportHouseholds(w.admin, rd, registry.ImportOptions{FileName: name})
			if name == "households_english.csv" {
				// Same people as the aliases file: refused as duplicates.
				if e, ok := apperr.As(err); !ok || res.ErrorCount < 2 || e.Fields[0].Code != "household_exists" {
					t.Fatalf("english after aliases: %+v %v", res, err)
				}
				continue
			}
			if err != nil || res.Imported != 2 {
				t.Fatalf("%s: %+v %v", name, res, err)
			}
		}
		h, err := w.s.HouseholdByNumber(w.admin, "H001")
		if err != nil {
			t.Fatal(err)
		}
		if h.Address != "红星村1号" || h.HeadName != "张大山" || h.Members[0].Relation != registry.Head ||
			!h.Members[0].Categories.Has(registry.Dibao) || !h.Members[0].Categories.Has(registry.Wubao) {
			t.Fatalf("H001 = %+v / %+v", h, h.Members)
		}
	})
}

func TestImportEnglishHeaders(t *testing.T) {
	w := newWorld(t, dbtest.SQLite(t))
	rd, err := openImport(t, "households_english.csv", nil, importfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.s.ImportHouseholds(w.admin, rd, registry.ImportOptions{})
	if err != nil || res.Imported != 3 || res.Households != 1 {
		t.Fatalf("%+v %v", res, err)
	}
}

// TestImportReportsEveryError: one file with many kinds of mistakes gets
// all of them reported, each with its row and column, and nothing written.
func TestImportReportsEveryError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		before := count(t, d, `SELECT COUNT(*) FROM areas`)
		rd, err := openImport(t, "households_errors.csv", nil, importfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.s.ImportHouseholds(w.admin, rd, registry.ImportOptions{FileName: "e.csv"})
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || len(e.Fields) != res.ErrorCount {
			t.Fatalf("err = %v", err)
		}
		var got []string
		for _, f := range res.Errors {
			got = append(got, f.Field+"@"+strconv.Itoa(f.Row)+":"+f.Code)
			if f.Zh == "" || f.En == "" {
				t.Errorf("error without message: %+v", f)
			}
		}
		want := []string{
			"姓名@3:required", "身份证号@4:idcard.length", "身份证号@5:duplicate_in_file", "与户主关系@6:two_heads",
			"与户主关系@7:no_head", "乡镇@8:household_place", "人员类别@9:unknown_category", "身份证号@10:id_scientific",
			"与户主关系@11:no_head", "与户主关系@11:required", "联系电话@12:bad_phone",
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("errors:\n got %v\nwant %v", got, want)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM persons`) + count(t, d, `SELECT COUNT(*) FROM households`); n != 0 {
			t.Fatalf("refused import wrote %d rows", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM areas`); n != before {
			t.Fatalf("refused import created areas: %d -> %d", before, n)
		}
	})
}

func TestImportScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		rd, err := openImport(t, "households_good.csv", nil, importfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Clerk A may add 新寨村 under 龙场镇 but not touch 扎佐镇 (rows 9–11).
		res, err := w.s.ImportHouseholds(w.clerkA, rd, registry.ImportOptions{})
		if err == nil || res.ErrorCount != 1 || res.Errors[0].Row != 9 || res.Errors[0].Code != "out_of_scope" {
			t.Fatalf("clerk A: %+v %v", res, err)
		}
		rd.Reset()
		if _, err := w.s.ImportHouseholds(w.clerkB, rd, registry.ImportOptions{}); err == nil {
			t.Fatal("clerk B imported into 龙场镇")
		}
	})
}

func TestImportFileTooLarge(t *testing.T) {
	_, err := openImport(t, "households_good.csv", nil, importfile.Options{MaxBytes: 500})
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.TooLarge {
		t.Fatalf("err = %v", err)
	}
	rd, err := openImport(t, "households_good.csv", nil, importfile.Options{MaxRows: 5})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, dbtest.SQLite(t))
	_, err = w.s.ImportHouseholds(w.admin, rd, registry.ImportOptions{})
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.TooLarge {
		t.Fatalf("err = %v", err)
	}
	if n := count(t, w.d, `SELECT COUNT(*) FROM persons`); n != 0 {
		t.Fatalf("wrote %d persons", n)
	}
}

func TestGenerateHouseholdCSV(t *testing.T) {
	var a, b bytes.Buffer
	n1, err1 := registry.GenerateHouseholdCSV(&a, registry.GenerateOptions{Persons: 500, Seed: 7})
	n2, err2 := registry.GenerateHouseholdCSV(&b, registry.GenerateOptions{Persons: 500, Seed: 7})
	if err1 != nil || err2 != nil || n1 != n2 || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("generator is not deterministic")
	}
	w := newWorld(t, dbtest.SQLite(t))
	rd, err := importfile.Open(bytes.NewReader(a.Bytes()), "g.csv", importfile.Options{Columns: registry.HouseholdColumns})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.s.ImportHouseholds(w.admin, rd, registry.ImportOptions{})
	if err != nil || res.Imported != 500 || res.Households != n1 {
		t.Fatalf("%+v %v", res, err)
	}
}
