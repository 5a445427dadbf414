package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ncms/internal/db/dbtest"
)

// ncms report writes the county tables as CSV and Excel, and refuses bad
// flags with exit code 2.
func TestReportCommand(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := dispatch(ctx, []string{"init", "--db", dsn, "--county-code", "520221", "--county-name", "盘县"}, &out, &errb); code != 0 {
		t.Fatalf("init: %d %s", code, errb.String())
	}
	out.Reset()
	if code := dispatch(ctx, []string{"report", "compensation", "--year", "2026", "--quarter", "2", "--by", "level", "--format", "csv", "--db", dsn}, &out, &errb); code != 0 {
		t.Fatalf("report: %d %s", code, errb.String())
	}
	if s := out.String(); !strings.Contains(s, "盘县新农合补偿情况统计表") || !strings.Contains(s, "2026年第2季度") || !strings.Contains(s, "合计") {
		t.Errorf("csv:\n%s", s)
	}
	file := filepath.Join(t.TempDir(), "m.xlsx")
	if code := dispatch(ctx, []string{"report", "monthly", "--year", "2026", "--format", "xlsx", "--out", file, "--db", dsn}, &out, &errb); code != 0 {
		t.Fatalf("report xlsx: %d %s", code, errb.String())
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 4+12+1 || rows[0][0] != "盘县新农合月度补偿统计表" || rows[len(rows)-1][0] != "合计" {
		t.Errorf("workbook rows: %d, first %v, last %v", len(rows), rows[0], rows[len(rows)-1])
	}
	for _, bad := range [][]string{{"report", "summary"}, {"report", "summary", "--year", "2026", "--month", "2", "--quarter", "1"},
		{"report", "summary", "--year", "2026", "--by", "street"}, {"report", "summary", "--year", "2026", "--format", "pdf"}} {
		if code := dispatch(ctx, append(bad, "--db", dsn), &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	_ = os.Remove(file)
}
