package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/importfile"
	"ncms/internal/registry"
)

// BenchmarkImportHouseholds imports a generated file of NCMS_BENCH_PERSONS
// people (default 100000) into a fresh database per iteration: SQLite, or
// PostgreSQL when NCMS_BENCH_PG=1. The 1,000,000-person figure of
// docs/performance.md comes from
//
//	NCMS_BENCH_PERSONS=1000000 go test ./internal/registry -run '^$' -bench ImportHouseholds -benchtime 1x
func BenchmarkImportHouseholds(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("NCMS_BENCH_PERSONS")); err == nil && v > 0 {
		n = v
	}
	path := filepath.Join(b.TempDir(), "households.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := registry.GenerateHouseholdCSV(f, registry.GenerateOptions{Persons: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var d *db.DB
		if os.Getenv("NCMS_BENCH_PG") == "1" {
			d = dbtest.Postgres(b)
		} else {
			d = dbtest.SQLite(b)
		}
		ctx := benchCounty(b, d)
		file, _ := os.Open(path)
		rd, err := importfile.Open(file, "households.csv", importfile.Options{Columns: registry.HouseholdColumns})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := registry.New(d, registry.Options{}).ImportHouseholds(ctx, rd, registry.ImportOptions{FileName: "households.csv"})
		b.StopTimer()
		if err != nil || res.Imported != n {
			b.Fatalf("imported %d of %d: %v", res.Imported, n, err)
		}
		b.ReportMetric(res.Validate.Seconds(), "validate-s")
		b.ReportMetric(res.Write.Seconds(), "write-s")
		b.ReportMetric(float64(n)/(res.Validate+res.Write).Seconds(), "persons/s")
		rd.Close()
		file.Close()
		d.Close()
		b.StartTimer()
	}
}

// benchCounty creates the county root and returns an administrator's context.
func benchCounty(b *testing.B, d *db.DB) context.Context {
	ctx := context.Background()
	var root int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		root, err = tx.InsertID(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '520123', '修文县', '', '2024-01-01T00:00:00.000000Z')`)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE areas SET path = '/' || CAST(id AS TEXT) || '/' WHERE id = ?`, root)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	a := access.System("bench")
	return access.WithActor(ctx, a)
}
