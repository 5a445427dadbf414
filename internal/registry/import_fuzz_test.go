package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/importfile"
	"ncms/internal/registry"
)

// fuzzImporter is a county (root, one township, one village) on SQLite and
// its administrator, for the import fuzz targets.
func fuzzImporter(f *testing.F) (*registry.Service, context.Context) {
	f.Helper()
	d := dbtest.SQLite(f)
	ctx := context.Background()
	var rootID int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		rootID, err = tx.InsertID(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '520123', '修文县', '', ?)`, db.Timestamp(fixedNow))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", rootID), rootID)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	s := registry.New(d, registry.Options{Now: func() time.Time { return fixedNow }})
	admin := access.WithActor(ctx, access.Actor{UserID: 1, Username: "admin", Role: access.Admin,
		Scope: access.Scope{AreaID: rootID, AreaPath: fmt.Sprintf("/%d/", rootID)}})
	town, err := s.CreateArea(admin, registry.AreaInput{ParentID: rootID, Name: "龙场镇"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.CreateArea(admin, registry.AreaInput{ParentID: town.ID, Name: "红星村"}); err != nil {
		f.Fatal(err)
	}
	return s, admin
}

// fuzzImport opens data as a household file named name and imports it. A
// refusal must be an *apperr.Error (a 4xx for the clerk), never another
// error (a 500) or a panic.
func fuzzImport(t *testing.T, s *registry.Service, admin context.Context, name string, data []byte) {
	rd, err := importfile.Open(bytes.NewReader(data), name, importfile.Options{Columns: registry.HouseholdColumns,
		MaxBytes: 1 << 20, MaxRows: 2000})
	if err != nil {
		if _, ok := apperr.As(err); !ok {
			t.Fatalf("Open: %v is not a user error", err)
		}
		return
	}
	defer rd.Close()
	res, err := s.ImportHouseholds(admin, rd, registry.ImportOptions{FileName: name, MaxErrors: 50})
	if err != nil {
		if _, ok := apperr.As(err); !ok {
			t.Fatalf("ImportHouseholds: %v is not a user error", err)
		}
		return
	}
	if res.Imported != res.Rows || res.Rows == 0 {
		t.Fatalf("imported %d of %d rows without an error", res.Imported, res.Rows)
	}
}

// householdSeeds are the CSV files of testdata/import.
func householdSeeds(f *testing.F) [][]byte {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "import", "*.csv"))
	var out [][]byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		f.Fatal("no seed files in testdata/import")
	}
	return out
}

// FuzzHouseholdCSV: any bytes as a CSV household file give an import or a
// refusal listing the problems, never a panic or an internal error.
func FuzzHouseholdCSV(f *testing.F) {
	s, admin := fuzzImporter(f)
	for _, b := range householdSeeds(f) {
		f.Add(b)
	}
	for _, s := range []string{"", "\xEF\xBB\xBF", "户编号,乡镇,村,组,姓名,身份证号,与户主关系\n", "a,\"b\nc", "户编号,乡镇\n\"\"\"",
		"户编号,乡镇,村,姓名,身份证号,与户主关系\nH1,龙场镇,红星村,张,5.20123E+17,户主\n",
		"户编号,户编号,乡镇,村,姓名,身份证号,与户主关系\n\xff\xfe,,,,,,\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, s, admin, "fuzz.csv", data) })
}

// FuzzHouseholdXLSX: any bytes as a household workbook are read to the end
// or refused with a user error, never a panic or another error. The seeds
// are the CSV seeds written as XLSX; mutations exercise the zip and XML
// readers. The rows are not imported (FuzzHouseholdCSV covers the import
// of rows, whatever their file format): without the database each run is
// fast enough for the fuzzer to explore the workbook reader.
func FuzzHouseholdXLSX(f *testing.F) {
	for _, b := range householdSeeds(f)[:2] {
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")))).ReadAll()
		if err != nil {
			continue
		}
		var buf bytes.Buffer
		if err := importfile.WriteTemplate(&buf, "x.xlsx", registry.HouseholdColumns[:9], recs[1:]); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := importfile.Open(bytes.NewReader(data), "fuzz.xlsx", importfile.Options{Columns: registry.HouseholdColumns,
			MaxBytes: 1 << 20, MaxRows: 2000})
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("Open: %v is not a user error", err)
			}
			return
		}
		defer rd.Close()
		for {
			row, err := rd.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if _, ok := apperr.As(err); !ok {
					t.Fatalf("Next: %v is not a user error", err)
				}
				return
			}
			for _, c := range registry.HouseholdColumns {
				_ = row.Get(c.Key)
			}
		}
	})
}
