package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// eachDSN runs body on a fresh SQLite database and a fresh PostgreSQL
// database (skipped, unless CI, when PostgreSQL is not running).
func eachDSN(t *testing.T, body func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { body(t, dbtest.SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { body(t, dbtest.PostgresDSN(t)) })
}

// importRun runs "ncms import households ARGS --json" and decodes the summary.
func importRun(t *testing.T, dsn string, args ...string) (int, importJSON, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runImport(context.Background(), append([]string{"households", "--db", dsn, "--json"}, args...), &out, &errb)
	var res importJSON
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("exit %d: stdout is not JSON (%v): %s\nstderr: %s", code, err, out.String(), errb.String())
	}
	return code, res, errb.String()
}

// counts returns the rows of the registry tables and import audit rows.
func counts(t *testing.T, dsn string) map[string]int {
	t.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out := map[string]int{}
	for name, q := range map[string]string{
		"persons": `SELECT COUNT(*) FROM persons`, "households": `SELECT COUNT(*) FROM households`,
		"events": `SELECT COUNT(*) FROM person_events WHERE kind = 'registered'`, "areas": `SELECT COUNT(*) FROM areas`,
		"audit": `SELECT COUNT(*) FROM audit_log WHERE action = 'household.import'`,
		"heads": `SELECT COUNT(*) FROM households h JOIN persons p ON p.id = h.head_person_id AND p.relation = '户主'`,
	} {
		var n int
		if err := d.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = n
	}
	return out
}

func initDB(t *testing.T, dsn string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := runInit(context.Background(), []string{"--db", dsn, "--county-code", "520123", "--county-name", "修文县"}, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
}

// TestImportDoneWhen is the acceptance: a 10-row file with one wrong
// check character is refused naming its row and column and writes nothing;
// the corrected file imports 10 people; importing it again is refused
// (duplicates) and writes nothing.
func TestImportDoneWhen(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		initDB(t, dsn)
		before := counts(t, dsn)

		code, res, _ := importRun(t, dsn, repo("testdata/import/households_bad_check.csv"))
		if code == 0 || res.Imported != 0 || len(res.Errors) != 1 {
			t.Fatalf("bad file: exit %d, %+v", code, res)
		}
		if e := res.Errors[0]; e.Row != 7 || e.Column != "身份证号" || e.Code != "idcard.check_char" || e.MessageZh == "" || e.MessageEn == "" {
			t.Fatalf("error = %+v, want row 7, column 身份证号, idcard.check_char", e)
		}
		if got := counts(t, dsn); !sameCounts(got, before) {
			t.Fatalf("refused import wrote: before %v, after %v", before, got)
		}

		code, res, stderr := importRun(t, dsn, repo("testdata/import/households_good.csv"))
		if code != 0 || res.Imported != 10 || res.Households != 4 || len(res.Errors) != 0 {
			t.Fatalf("good file: exit %d, %+v, %s", code, res, stderr)
		}
		after := counts(t, dsn)
		// 8 new areas: 龙场镇 (红星村: 一组, 二组; 新寨村), 扎佐镇 (新民村: 三组).
		want := map[string]int{"persons": 10, "households": 4, "events": 10, "audit": 1, "heads": 4, "areas": before["areas"] + 8}
		if res.AreasCreated != 8 || !sameCounts(after, want) {
			t.Fatalf("after import: %v (areas created %d), want %v", after, res.AreasCreated, want)
		}

		code, res, _ = importRun(t, dsn, repo("testdata/import/households_good.csv"))
		if code == 0 || res.Imported != 0 {
			t.Fatalf("second import: exit %d, %+v", code, res)
		}
		dups := 0
		for _, e := range res.Errors {
			if e.Code == "duplicate_id" {
				dups++
			}
		}
		if dups != 10 {
			t.Fatalf("second import: %d duplicate_id errors, want 10: %+v", dups, res.Errors)
		}
		if got := counts(t, dsn); !sameCounts(got, after) {
			t.Fatalf("refused import wrote: before %v, after %v", after, got)
		}
	})
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func TestImportTextReport(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	initDB(t, dsn)
	var out, errb bytes.Buffer
	code := runImport(context.Background(), []string{"households", repo("testdata/import/households_errors.csv"), "--db", dsn}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"第3行 row 3, 姓名", "第4行 row 4, 身份证号", "第10行 row 10, 身份证号: 身份证号被表格软件改成了科学计数法", "未导入任何数据"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, errb.String())
		}
	}
	if strings.Contains(errb.String(), "520123197001014") {
		t.Errorf("report shows a full ID number:\n%s", errb.String())
	}
}

func TestImportTemplate(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"t.csv", "t.xlsx"} {
		var out, errb bytes.Buffer
		path := filepath.Join(dir, name)
		if code := runImport(context.Background(), []string{"households", "--template", path}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d %s", name, code, errb.String())
		}
		b, _ := os.ReadFile(path)
		if name == "t.csv" && !strings.HasPrefix(string(b), "\xEF\xBB\xBF户编号,乡镇,村,组,姓名,身份证号,与户主关系,联系电话,人员类别,性别,出生日期,地址\r\n") {
			t.Fatalf("csv template = %q", b)
		}
		if name == "t.xlsx" && !bytes.HasPrefix(b, []byte("PK")) {
			t.Fatalf("xlsx template is not a zip")
		}
	}
	// An empty template imports nothing and says so.
	dsn := dbtest.SQLiteDSN(t)
	initDB(t, dsn)
	code, res, _ := importRun(t, dsn, filepath.Join(dir, "t.xlsx"))
	if code == 0 || res.ErrorCount != 1 || res.Errors[0].Code != "no_rows" {
		t.Fatalf("empty template import: exit %d %+v", code, res)
	}
}

func TestImportGenerateAndUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.csv")
	var out, errb bytes.Buffer
	if code := runImport(context.Background(), []string{"households", "--generate", "50", path}, &out, &errb); code != 0 {
		t.Fatalf("generate: exit %d %s", code, errb.String())
	}
	dsn := dbtest.SQLiteDSN(t)
	initDB(t, dsn)
	if code, res, _ := importRun(t, dsn, path); code != 0 || res.Imported != 50 {
		t.Fatalf("generated file: exit %d %+v", code, res)
	}
	if code := runImport(context.Background(), []string{"people"}, &out, &errb); code != 2 {
		t.Fatalf("unknown kind: exit %d", code)
	}
	if code, res, _ := importRun(t, dsn, filepath.Join(t.TempDir(), "missing.csv")); code != 1 || res.Message == "" {
		t.Fatalf("missing file: exit %d %+v", code, res)
	}
}
