package enroll

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// CoverageOf answers "is this person covered on day d, and in which tier"
// with q (a *db.DB or the caller's *db.Tx), without scope checks: it is
// what real-time settlement calls inside its own transaction. It reads at
// most three indexed rows sets (the person, the year, the enrollments of
// the person and the mother) and decides with Decide. An unknown person is
// a not-found error.
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

// coverFacts loads the rows Decide needs and the person's area path in
// one query: the person, the scheme year whose period contains d (Year 0
// when none) and the enrollments that year of the person and of the
// mother, in id order (one row per enrollment; one row with no enrollment
// when there is none).
func coverFacts(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverFacts, string, error) {
	f := CoverFacts{PersonID: personID}
	rows, err := q.QueryContext(ctx, `SELECT p.birth_date, p.status, p.status_date, COALESCE(p.mother_id, 0), p.area_path,
		COALESCE(y.year, 0), y.period_from, y.period_to,
		COALESCE(e.id, 0), COALESCE(e.person_id, 0), COALESCE(e.tier, 0), e.cover_from, e.cover_to,
		CASE WHEN e.cancelled_at IS NULL THEN 0 ELSE 1 END
		FROM persons p
		LEFT JOIN scheme_years y ON y.year = (SELECT year FROM scheme_years WHERE period_from <= ? AND period_to >= ?
			ORDER BY year LIMIT 1)
		LEFT JOIN enrollments e ON e.year = y.year AND e.person_id IN (p.id, p.mother_id)
		WHERE p.id = ? ORDER BY e.id`, d, d, personID)
	if err != nil {
		return f, "", err
	}
	defer rows.Close()
	var status, path string
	found := false
	for rows.Next() {
		found = true
		r := CoverRow{}
		var pid int64
		var cancelled int
		if err := rows.Scan(&f.BirthDate, &status, &f.StatusDate, &f.MotherID, &path, &f.Year, &f.PeriodFrom, &f.PeriodTo,
			&r.ID, &pid, &r.Tier, &r.From, &r.To, &cancelled); err != nil {
			return f, "", err
		}
		r.Year, r.Cancelled = f.Year, cancelled == 1
		switch {
		case r.ID == 0:
		case pid == personID:
			f.Own = append(f.Own, r)
		default:
			f.Mother = append(f.Mother, r)
		}
	}
	if err := rows.Err(); err != nil {
		return f, "", err
	}
	if !found {
		return f, "", errPersonNotFound
	}
	f.Status = registry.Status(status)
	return f, path, nil
}
