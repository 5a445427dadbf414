package settle

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/enroll"
)

// EnrollCoverage is the coverage of internal/enroll (enrollment in force on
// the day, waiting period, newborns through the mother); New uses it when
// Options.Coverage is nil. A settlement under it reads the coverage facts
// in its visit query (enroll.CoverQuery) instead of calling CoveredOn: the
// same answer, one round trip less.
var EnrollCoverage Coverage = enrollCoverage{}

// enrollCoverage is EnrollCoverage's type, so that the settlement can tell
// it from other coverages.
type enrollCoverage struct{}

// CoveredOn answers with enroll.CoverageOf.
func (enrollCoverage) CoveredOn(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverageInfo, error) {
	c, err := enroll.CoverageOf(ctx, q, personID, d)
	if err != nil {
		return CoverageInfo{}, err
	}
	return coverageInfo(c), nil
}

// coverageInfo is the settlement's view of enroll's answer.
func coverageInfo(c enroll.Coverage) CoverageInfo {
	return CoverageInfo{Covered: c.Covered, Tier: c.Tier, From: c.From, To: c.To, Zh: c.ZhMessage, En: c.EnMessage}
}
