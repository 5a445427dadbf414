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
// row (CoverQuery: the person, the year, the enrollments that year of the
// person and the mother, each by index) and decides with Decide. An
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

// CoverSQL asks the coverage question inside another service's query, for
// a caller that reads the person row anyway (settlement reads the visit
// with its person): Columns go in its select list, Joins right after the
// persons table, and a CoverScan receives the columns. The caller then
// needs no round trip of its own for the coverage. CoverageOf reads the
// same columns (coverFactsQuery).
type CoverSQL struct {
	Columns string // select-list expressions, in the order of CoverScan.Dest
	Joins   string // LEFT JOINs of the scheme year and the enrollments
}

// CoverQuery returns the CoverSQL of the person row aliased person on the
// day given as an SQL expression (a text column such as a visit's
// begin_date, or "?", then bound twice, before the caller's later
// placeholders). Its own aliases start with cov_.
//
// In one row it reads the person's birth, status and mother, the scheme
// year whose period contains the day (the first by year; none: NULL) and,
// of that year, the uncancelled enrollment of the person and of the
// mother (at most one each: enrollments_one_per_year) and — only when the
// person has no uncancelled one — the first cancelled enrollment of the
// person. These are all the rows Decide reads: it takes the uncancelled
// row, and looks at cancelled rows only to tell Cancelled from
// NotEnrolled. Each enrollment is one index look-up (year, person); no
// other year of the person's history is read, and there is nothing to
// sort.
func CoverQuery(person, day string) CoverSQL {
	p := person
	return CoverSQL{
		Columns: p + `.birth_date, ` + p + `.status, ` + p + `.status_date, COALESCE(` + p + `.mother_id, 0),
		COALESCE(cov_y.year, 0), cov_y.period_from, cov_y.period_to,
		COALESCE(cov_e.id, 0), COALESCE(cov_e.tier, 0), cov_e.cover_from, cov_e.cover_to,
		COALESCE(cov_m.id, 0), COALESCE(cov_m.tier, 0), cov_m.cover_from, cov_m.cover_to,
		CASE WHEN cov_e.id IS NULL THEN (SELECT MIN(cov_c.id) FROM enrollments cov_c WHERE cov_c.year = cov_y.year
			AND cov_c.person_id = ` + p + `.id AND cov_c.cancelled_at IS NOT NULL) END`,
		Joins: `LEFT JOIN scheme_years cov_y ON cov_y.year = (SELECT year FROM scheme_years WHERE period_from <= ` + day + `
			AND period_to >= ` + day + ` ORDER BY year LIMIT 1)
		LEFT JOIN enrollments cov_e ON cov_e.year = cov_y.year AND cov_e.person_id = ` + p + `.id AND cov_e.cancelled_at IS NULL
		LEFT JOIN enrollments cov_m ON cov_m.year = cov_y.year AND cov_m.person_id = ` + p + `.mother_id
			AND cov_m.cancelled_at IS NULL`,
	}
}

// CoverScan receives the columns of a CoverSQL (Dest) and gives the facts
// Decide needs (Facts).
type CoverScan struct {
	f           CoverFacts
	status      string
	own, mother CoverRow
	cancelled   sql.NullInt64
}

// Dest returns the scan destinations of CoverSQL.Columns, in order.
func (c *CoverScan) Dest() []any {
	return []any{&c.f.BirthDate, &c.status, &c.f.StatusDate, &c.f.MotherID, &c.f.Year, &c.f.PeriodFrom, &c.f.PeriodTo,
		&c.own.ID, &c.own.Tier, &c.own.From, &c.own.To, &c.mother.ID, &c.mother.Tier, &c.mother.From, &c.mother.To,
		&c.cancelled}
}

// Facts returns the scanned facts of person id: in Own the person's
// uncancelled enrollment in the year or else a cancelled one (ID, Year and
// Cancelled only), in Mother the mother's uncancelled one. Decide answers
// from these exactly as from all of the year's rows of both.
func (c *CoverScan) Facts(personID int64) CoverFacts {
	f := c.f
	f.PersonID, f.Status = personID, registry.Status(c.status)
	own, mother := c.own, c.mother
	own.Year, mother.Year = f.Year, f.Year
	switch {
	case own.ID != 0:
		f.Own = []CoverRow{own}
	case c.cancelled.Valid:
		f.Own = []CoverRow{{ID: c.cancelled.Int64, Year: f.Year, Cancelled: true}}
	}
	if mother.ID != 0 {
		f.Mother = []CoverRow{mother}
	}
	return f
}

// coverFactsQuery reads the CoverSQL of a person on a day (bound as the
// first two placeholders), with the person's area path first.
var coverFactsQuery = func() string {
	c := CoverQuery("p", "?")
	return `SELECT p.area_path, ` + c.Columns + ` FROM persons p ` + c.Joins + ` WHERE p.id = ?`
}()

// coverFacts loads what Decide needs (CoverScan.Facts) and the person's
// area path in one query (coverFactsQuery).
func coverFacts(ctx context.Context, q db.Querier, personID int64, d civil.Date) (CoverFacts, string, error) {
	var path string
	var c CoverScan
	err := q.QueryRowContext(ctx, coverFactsQuery, d, d, personID).Scan(append([]any{&path}, c.Dest()...)...)
	if db.IsNoRows(err) {
		return CoverFacts{PersonID: personID}, "", errPersonNotFound
	}
	if err != nil {
		return CoverFacts{PersonID: personID}, "", err
	}
	return c.Facts(personID), path, nil
}
