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

// coverFacts loads the rows Decide needs and the person's area path.
func coverFacts(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverFacts, string, error) {
	f := CoverFacts{PersonID: personID}
	var status, path string
	err := q.QueryRowContext(ctx, `SELECT birth_date, status, COALESCE(status_date, ''), COALESCE(mother_id, 0), area_path
		FROM persons WHERE id = ?`, personID).Scan(&f.BirthDate, &status, &f.StatusDate, &f.MotherID, &path)
	if db.IsNoRows(err) {
		return f, "", errPersonNotFound
	}
	if err != nil {
		return f, "", err
	}
	f.Status = registry.Status(status)
	err = q.QueryRowContext(ctx, `SELECT year, period_from, period_to FROM scheme_years WHERE period_from <= ? AND period_to >= ?`,
		d, d).Scan(&f.Year, &f.PeriodFrom, &f.PeriodTo)
	if db.IsNoRows(err) {
		return f, path, nil
	}
	if err != nil {
		return f, path, err
	}
	f.Own, f.Mother, err = coverRows(ctx, q, f.Year, personID, f.MotherID)
	return f, path, err
}

// coverRows loads the enrollments of a person and of the mother in a year.
func coverRows(ctx context.Context, q db.Querier, year int, person, mother int64) (own, moth []CoverRow, err error) {
	rows, err := q.QueryContext(ctx, `SELECT id, person_id, tier, cover_from, cover_to,
		CASE WHEN cancelled_at IS NULL THEN 0 ELSE 1 END FROM enrollments
		WHERE person_id IN (?, ?) AND year = ? ORDER BY id`, person, mother, year)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r := CoverRow{Year: year}
		var pid int64
		var cancelled int
		if err := rows.Scan(&r.ID, &pid, &r.Tier, &r.From, &r.To, &cancelled); err != nil {
			return nil, nil, err
		}
		r.Cancelled = cancelled == 1
		if pid == person {
			own = append(own, r)
		} else {
			moth = append(moth, r)
		}
	}
	return own, moth, rows.Err()
}
