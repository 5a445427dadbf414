package engine

import (
	"testing"
	"time"

	"ncms/internal/civil"
)

// validDate must agree with civil.Date.Valid on every date near the
// calendar's edges: each day 0–32 of each month 0–13 of years around leap
// years and centuries, and years outside 1–9999.
func TestValidDateMatchesCivil(t *testing.T) {
	for _, y := range []int{-1, 0, 1, 4, 100, 1900, 2000, 2023, 2024, 2100, 2400, 9999, 10000, 1 << 40} {
		for m := time.Month(0); m <= 13; m++ {
			for d := -1; d <= 32; d++ {
				date := civil.Date{Year: y, Month: m, Day: d}
				if got, want := validDate(date), date.Valid(); got != want {
					t.Fatalf("validDate(%+v) = %v, civil says %v", date, got, want)
				}
			}
		}
	}
}
