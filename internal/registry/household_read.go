package registry

import (
	"context"

	"ncms/internal/db"
)

const householdCols = `h.id, h.number, h.area_id, h.area_path, h.address, h.phone, COALESCE(h.head_person_id, 0),
	COALESCE((SELECT name FROM persons WHERE id = h.head_person_id), ''),
	(SELECT COUNT(*) FROM persons m WHERE m.household_id = h.id AND m.status = 'active'),
	h.created_at, h.updated_at`

func scanHousehold(row interface{ Scan(...any) error }) (Household, error) {
	var h Household
	var created, updated string
	err := row.Scan(&h.ID, &h.Number, &h.AreaID, &h.AreaPath, &h.Address, &h.Phone, &h.HeadPersonID,
		&h.HeadName, &h.ActiveCount, &created, &updated)
	h.Created, _ = db.ParseTimestamp(created)
	h.Updated, _ = db.ParseTimestamp(updated)
	return h, err
}

// getHousehold reads a household without scope checks or members.
func getHousehold(ctx context.Context, q db.Querier, id int64, lock string) (Household, error) {
	h, err := scanHousehold(q.QueryRowContext(ctx, `SELECT `+householdCols+` FROM households h WHERE h.id = ?`+lock, id))
	if db.IsNoRows(err) {
		return h, errHouseholdNotFound
	}
	return h, err
}

// Household returns a household in the actor's scope with its members
// (head first, then active members by birth date, then those who left) and
// its area chain.
func (s *Service) Household(ctx context.Context, id int64) (Household, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return Household{}, err
	}
	h, err := getHousehold(ctx, s.db, id, "")
	if err != nil {
		return h, err
	}
	if !act.Scope.CoversArea(h.AreaPath) {
		return Household{}, errHouseholdNotFound
	}
	if h.Members, err = members(ctx, s.db, id); err != nil {
		return h, err
	}
	h.Areas, err = chainOf(ctx, s.db, h.AreaPath)
	return h, err
}

// HouseholdByNumber returns the household with this number in the actor's scope.
func (s *Service) HouseholdByNumber(ctx context.Context, number string) (Household, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM households WHERE number = ?`, number).Scan(&id)
	if db.IsNoRows(err) {
		return Household{}, errHouseholdNotFound
	}
	if err != nil {
		return Household{}, err
	}
	return s.Household(ctx, id)
}

// members lists the persons of a household.
func members(ctx context.Context, q db.Querier, household int64) ([]Person, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+personCols+personFrom+` WHERE p.household_id = ?
		ORDER BY CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, CASE WHEN p.relation = '户主' THEN 0 ELSE 1 END, p.birth_date, p.id`, household)
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
		out = append(out, p)
	}
	return out, rows.Err()
}
