package enroll

import (
	"context"
	"database/sql"
	"strings"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// CoverageOf answers "is this person covered on day d, and in which tier"
// with q (a *db.DB or the caller's *db.Tx), without scope checks: it is
// what real-time settlement calls before its transaction. It reads one
// row (coverFactsQuery: the person, the year, the enrollments that year of
// the person and the mother, each by index) and decides with Decide. An
// unknown person is a not-found error.
func CoverageOf(ctx context.Context, q db.Querier, personID int64, d civil.Date) (Coverage, error) {
	f, _, err := coverFacts(ctx, q, personID, d)
	if err != nil {
		return Coverage{}, err
	}
	return Decide(f, d), nil
}

// Coverage answers the coverage question for a person in the actor's
// scope. Institution users may ask about anyone: they treat patients from
// the whole county.
func (s *Service) Coverage(ctx context.Context, personID int64, d civil.Date) (Coverage, error) {
	act, err := actor(ctx)
	if err != nil {
		return Coverage{}, err
	}
	f, path, err := coverFacts(ctx, s.db, personID, d)
	if err != nil {
		return Coverage{}, err
	}
	if !canSeePerson(act, path) {
		return Coverage{}, errPersonNotFound
	}
	return Decide(f, d), nil
}

// CoverageByIDNumber answers the coverage question for the person with
// this ID number.
func (s *Service) CoverageByIDNumber(ctx context.Context, number string, d civil.Date) (Coverage, error) {
	if _, err := actor(ctx); err != nil {
		return Coverage{}, err
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM persons WHERE id_number = ?`, strings.TrimSpace(idcard.Normalize(number))).Scan(&id)
	if db.IsNoRows(err) {
		return Coverage{}, errPersonNotFound
	}
	if err != nil {
		return Coverage{}, err
	}
	return s.Coverage(ctx, id, d)
}

// canSeePerson: area scopes see their subtree, institutions see everyone
// (for coverage only).
func canSeePerson(act access.Actor, path string) bool {
	return act.Scope.CoversArea(path) || (act.Scope.IsInstitution() && act.Role == access.Institution)
}

// coverFactsQuery reads, in one row, the person, the scheme year whose
// period contains the day (the first by year; NULL when none) and, of that
// year, the uncancelled enrollment of the person and of the mother (at
// most one each: enrollments_one_per_year) and — only when the person has
// no uncancelled one — the first cancelled enrollment of the person. These
// are all the rows Decide reads: it takes the uncancelled row, and looks
// at cancelled rows only to tell Cancelled from NotEnrolled. Each
// enrollment is one index look-up (year, person); no other year of the
// person's history is read, and there is nothing to sort.
const coverFactsQuery = `SELECT p.birth_date, p.status, p.status_date, COALESCE(p.mother_id, 0), p.area_path,
		COALESCE(y.year, 0), y.period_from, y.period_to,
		COALESCE(e.id, 0), COALESCE(e.tier, 0), e.cover_from, e.cover_to,
		COALESCE(m.id, 0), COALESCE(m.tier, 0), m.cover_from, m.cover_to,
		CASE WHEN e.id IS NULL THEN (SELECT MIN(c.id) FROM enrollments c WHERE c.year = y.year AND c.person_id = p.id
			AND c.cancelled_at IS NOT NULL) END
		FROM persons p
		LEFT JOIN scheme_years y ON y.year = (SELECT year FROM scheme_years WHERE period_from <= ? AND period_to >= ?
			ORDER BY year LIMIT 1)
		LEFT JOIN enrollments e ON e.year = y.year AND e.person_id = p.id AND e.cancelled_at IS NULL
		LEFT JOIN enrollments m ON m.year = y.year AND m.person_id = p.mother_id AND m.cancelled_at IS NULL
		WHERE p.id = ?`

// coverFacts loads what Decide needs and the person's area path in one
// query (coverFactsQuery): the person, the scheme year whose period
// contains d (Year 0 when none), in Own the person's uncancelled
// enrollment that year or else a cancelled one (ID, Year and Cancelled
// only), and in Mother the mother's uncancelled enrollment that year.
// Decide answers from these exactly as from all of the year's rows.
func coverFacts(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverFacts, string, error) {
	f := CoverFacts{PersonID: personID}
	var status, path string
	var own, mother CoverRow
	var cancelled sql.NullInt64
	err := q.QueryRowContext(ctx, coverFactsQuery, d, d, personID).Scan(&f.BirthDate, &status, &f.StatusDate, &f.MotherID,
		&path, &f.Year, &f.PeriodFrom, &f.PeriodTo, &own.ID, &own.Tier, &own.From, &own.To,
		&mother.ID, &mother.Tier, &mother.From, &mother.To, &cancelled)
	if db.IsNoRows(err) {
		return f, "", errPersonNotFound
	}
	if err != nil {
		return f, "", err
	}
	own.Year, mother.Year = f.Year, f.Year
	switch {
	case own.ID != 0:
		f.Own = []CoverRow{own}
	case cancelled.Valid:
		f.Own = []CoverRow{{ID: cancelled.Int64, Year: f.Year, Cancelled: true}}
	}
	if mother.ID != 0 {
		f.Mother = []CoverRow{mother}
	}
	f.Status = registry.Status(status)
	return f, path, nil
}
