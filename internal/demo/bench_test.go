package demo_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/db/dbtest"
	"ncms/internal/demo"
	"ncms/internal/institution"
)

// BenchmarkRun builds a county on SQLite (NCMS_DEMO_SIZE, default 0.05;
// profile with -cpuprofile).
func BenchmarkRun(b *testing.B) {
	key, _ := institution.NewKey(make([]byte, 32))
	size := 0.05
	if v, err := strconv.ParseFloat(os.Getenv("NCMS_DEMO_SIZE"), 64); err == nil {
		size = v
	}
	for b.Loop() {
		d := dbtest.SQLite(b)
		start := time.Now()
		res, err := demo.Run(context.Background(), d, demo.Options{Seed: 1, Size: size, Key: key, BcryptCost: bcrypt.MinCost, Progress: os.Stderr})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Visits)/time.Since(start).Seconds(), "visits/s")
	}
}
