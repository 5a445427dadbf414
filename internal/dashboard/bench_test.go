package dashboard

import (
	"context"
	"os"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/fund"
	"ncms/internal/stats"
)

// BenchmarkParts times the dashboard's parts on an existing database
// (NCMS_DASH_DB=sqlite:/path, e.g. one `ncms demo --no-serve` built).
func BenchmarkParts(b *testing.B) {
	dsn := os.Getenv("NCMS_DASH_DB")
	if dsn == "" {
		b.Skip("NCMS_DASH_DB not set")
	}
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	ctx := access.WithActor(context.Background(), access.System("bench"))
	var root string
	_ = d.QueryRowContext(ctx, `SELECT path FROM areas WHERE parent_id IS NULL`).Scan(&root)
	ctx = access.WithActor(context.Background(), access.Actor{Username: "b", Role: access.Director, Scope: access.Scope{AreaPath: root}})
	s := New(d, nil)
	year := time.Now().Year()
	for b.Loop() {
		t := time.Now()
		_, _ = fund.Build(ctx, d, year)
		b.Logf("fund %v", time.Since(t))
		t = time.Now()
		_, err := s.stats.Table(ctx, stats.Query{Report: "summary", Period: stats.Year(year), ByNone: true})
		b.Logf("summary %v %v", time.Since(t), err)
		t = time.Now()
		_, _ = s.groups(ctx, year, stats.ByLevel)
		b.Logf("level %v", time.Since(t))
		t = time.Now()
		var dd Data
		_ = s.growth(ctx, &dd, dd.AsOf.AddDays(0))
		_ = s.open(ctx, &dd)
		b.Logf("growth+open %v", time.Since(t))
	}
}
