package registry

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
)

// Query searches people or households in the actor's scope. All given
// criteria must match.
type Query struct {
	// Q is what a clerk types in the one search box: an ID number (exact
	// match; 15-digit numbers are upgraded), a household number (prefix),
	// or a name (contains, prefix matches first).
	Q               string
	IDNumber        string   // exact
	Name            string   // contains
	HouseholdNumber string   // prefix
	AreaID          int64    // only this area's subtree (within the scope)
	Status          Status   // "" for any
	Category        Category // "" for any
	Page
	// Order is the column SearchPersons sorts by, one of PersonOrders
	// (anything else, or empty: by name, names starting with the searched
	// name first); Desc reverses it. Ties are broken by the person's id.
	Order string
	Desc  bool
}

// PersonOrders maps the sort keys SearchPersons accepts to their ORDER BY
// column: only these strings ever reach the query. ID numbers are not
// sortable (the lists show them masked).
var PersonOrders = map[string]string{"name": "p.name", "sex": "p.sex", "birth": "p.birth_date",
	"household": "h.number", "relation": "p.relation", "status": "p.status"}

// PersonResults is one page of a person search.
type PersonResults struct {
	Items []Person
	Total int
	Page  Page
}

// HouseholdResults is one page of a household search.
type HouseholdResults struct {
	Items []Household
	Total int
	Page  Page
}

// split reads Q into the specific criteria.
func (q Query) split() Query {
	t := strings.TrimSpace(idcard.Normalize(q.Q))
	q.Q = ""
	switch {
	case t == "":
	case looksLikeID(t):
		if len(t) == 15 {
			if up, err := idcard.Upgrade15(t); err == nil {
				t = up
			}
		}
		q.IDNumber = t
	case !strings.ContainsFunc(t, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsDigit(r) || unicode.IsLetter(r) || r == '-'))
	}):
		q.HouseholdNumber = t
	default:
		q.Name = t
	}
	return q
}

// looksLikeID reports whether t has the shape of an ID number.
func looksLikeID(t string) bool {
	if len(t) != 18 && len(t) != 15 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !(t[i] >= '0' && t[i] <= '9' || i == 17 && t[i] == 'X') {
			return false
		}
	}
	return true
}

// where builds the WHERE clause for persons p joined with households h.
func (s *Service) where(ctx context.Context, q Query) (string, []any, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return "", nil, err
	}
	cond, arg := act.Scope.AreaFilter("p.area_path")
	conds, args := []string{cond}, []any{}
	if arg != nil {
		args = append(args, arg)
	}
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	q = q.split()
	if q.IDNumber != "" {
		add("p.id_number = ?", strings.TrimSpace(idcard.Normalize(q.IDNumber)))
	}
	if n := strings.TrimSpace(q.Name); n != "" {
		add(`p.name LIKE ? ESCAPE '\'`, "%"+likeEscape(n)+"%")
	}
	if n := strings.TrimSpace(q.HouseholdNumber); n != "" {
		add(`h.number LIKE ? ESCAPE '\'`, likeEscape(n)+"%")
	}
	if q.AreaID != 0 {
		a, err := s.Area(ctx, q.AreaID)
		if err != nil {
			return "", nil, err
		}
		add("p.area_path LIKE ?", a.Path+"%")
	}
	if q.Status != "" {
		add("p.status = ?", string(q.Status))
	}
	if q.Category != "" {
		add("(',' || p.categories || ',') LIKE ?", "%,"+string(q.Category)+",%")
	}
	return strings.Join(conds, " AND "), args, nil
}

// SearchPersons finds people in the actor's scope, one page at a time,
// ordered by name (names starting with the searched text first) or by
// q.Order.
func (s *Service) SearchPersons(ctx context.Context, q Query) (PersonResults, error) {
	res := PersonResults{Page: q.Page.norm()}
	where, args, err := s.where(ctx, q)
	if err != nil {
		return res, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+personFrom+` WHERE `+where, args...).Scan(&res.Total); err != nil {
		return res, err
	}
	order := "p.name, p.id"
	if o, ok := db.OrderBy(PersonOrders, q.Order, q.Desc, "p.id"); ok && (q.Order != "name" || q.Desc) {
		order = o
	} else if n := strings.TrimSpace(q.split().Name); n != "" {
		order = `CASE WHEN p.name LIKE ? ESCAPE '\' THEN 0 ELSE 1 END, ` + order
		args = append(args, likeEscape(n)+"%")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+personCols+personFrom+` WHERE `+where+
		fmt.Sprintf(" ORDER BY %s LIMIT %d OFFSET %d", order, res.Page.Limit, res.Page.Offset), args...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return res, err
		}
		res.Items = append(res.Items, p)
	}
	return res, rows.Err()
}

// SearchHouseholds finds households in the actor's scope having a member
// who matches q (a name matches any member, not only the head), ordered
// by number.
func (s *Service) SearchHouseholds(ctx context.Context, q Query) (HouseholdResults, error) {
	res := HouseholdResults{Page: q.Page.norm()}
	where, args, err := s.where(ctx, q)
	if err != nil {
		return res, err
	}
	sub := `h.id IN (SELECT p.household_id` + personFrom + ` WHERE ` + where + `)`
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM households h WHERE `+sub, args...).Scan(&res.Total); err != nil {
		return res, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+householdCols+` FROM households h WHERE `+sub+
		fmt.Sprintf(" ORDER BY h.number LIMIT %d OFFSET %d", res.Page.Limit, res.Page.Offset), args...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return res, err
		}
		res.Items = append(res.Items, h)
	}
	return res, rows.Err()
}

// ChildrenOfMother returns the children registered with a mother link (for
// the person page, and for the enrollment rule "newborns are covered
// through the mother").
func (s *Service) ChildrenOfMother(ctx context.Context, motherID int64) ([]Person, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+personCols+personFrom+` WHERE p.mother_id = ? ORDER BY p.birth_date`, motherID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		if act.Scope.CoversArea(p.AreaPath) {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// CountByStatus returns the number of people per status in the actor's
// scope on the day (for dashboards); born after day are left out.
func (s *Service) CountByStatus(ctx context.Context, day civil.Date) (map[Status]int, error) {
	where, args, err := s.where(ctx, Query{})
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.status, COUNT(*)`+personFrom+` WHERE `+where+` AND p.birth_date <= ? GROUP BY p.status`,
		append(args, day)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Status]int{}
	for rows.Next() {
		var st Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// LooksLikeIDNumber reports whether a search text has the shape of an ID
// number (18 characters, or 15 digits), so adapters keep it out of URLs.
func LooksLikeIDNumber(s string) bool {
	return looksLikeID(strings.TrimSpace(idcard.Normalize(s)))
}
