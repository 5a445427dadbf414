package settle

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/enroll"
)

// EnrollCoverage is the coverage of internal/enroll (enrollment in force on
// the day, waiting period, newborns through the mother); New uses it when
// Options.Coverage is nil.
var EnrollCoverage Coverage = CoverageFunc(func(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverageInfo, error) {
	c, err := enroll.CoverageOf(ctx, q, personID, d)
	if err != nil {
		return CoverageInfo{}, err
	}
	return CoverageInfo{Covered: c.Covered, Tier: c.Tier, From: c.From, To: c.To, Zh: c.ZhMessage, En: c.EnMessage}, nil
})
