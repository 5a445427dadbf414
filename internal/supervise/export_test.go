package supervise

import (
	"context"
	"time"

	"ncms/internal/db"
	"ncms/internal/supervise/rules"
)

// For the tests of package supervise_test.
var (
	SettlementLines     = settlementLines
	LoadBills           = loadBills
	DuplicateCandidates = duplicateCandidates
	OwnLines            = ownLines
)

// DuplicateCandidatesBefore is duplicateCandidates as it was before the
// candidate ids were looked up first (one query with the ids as an
// IN-subquery, then the lines bill by bill): the reference the faster one
// must agree with in every case.
func DuplicateCandidatesBefore(ctx context.Context, q db.Querier, b rules.Bill) ([]rules.Bill, error) {
	cand := `SELECT id FROM settlements WHERE person_id = ? AND institution_id = ? AND medfee_sumamt = ?`
	args := []any{b.PersonID, b.InstitutionID, int64(b.MedFee)}
	if b.Invoice != "" {
		cand += ` UNION SELECT id FROM settlements WHERE institution_id = ? AND invono = ? AND invono <> ''`
		args = append(args, b.InstitutionID, b.Invoice)
	}
	where := `s.id IN (SELECT id FROM (` + cand + `) c ORDER BY id DESC LIMIT 20) AND s.id <> ? AND s.visit_id <> ? AND ` + live + ` AND
		(s.person_id = ? AND v.begin_date = ? AND s.medfee_sumamt = ?`
	args = append(args, b.SettlementID, b.VisitID, b.PersonID, b.Begin, int64(b.MedFee))
	if b.Invoice != "" {
		where += ` OR s.invono = ?`
		args = append(args, b.Invoice)
	}
	where += `)`
	bills, err := loadBills(ctx, q, where, args...)
	if err != nil || len(bills) == 0 {
		return nil, err
	}
	for i := range bills {
		ls, err := settlementLines(ctx, q, `f.settlement_id = ?`, bills[i].SettlementID)
		if err != nil {
			return nil, err
		}
		bills[i].Lines = ls[bills[i].SettlementID]
	}
	return bills, nil
}

// SetConfigClock sets the clock configTTL is counted on for the Services
// over d.
func SetConfigClock(d *db.DB, now func() time.Time) {
	c := cacheFor(d)
	c.mu.Lock()
	c.now = now
	c.mu.Unlock()
}

// ConfigTTL is configTTL.
const ConfigTTL = configTTL
