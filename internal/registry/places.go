package registry

import (
	"context"
	"strconv"
	"strings"
)

// Place is a village or group a household can be registered in, with its
// full name below the county ("龙场镇 红星村 一组"), for form choices.
type Place struct {
	ID       int64
	Level    Level
	Code     string
	FullName string
}

// Places lists the villages and groups in the actor's scope, ordered by code.
func (s *Service) Places(ctx context.Context) ([]Place, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if act.Scope.AreaPath == "" {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+areaCols+` FROM areas ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]Area{}
	var order []Area
	for rows.Next() {
		a, err := scanArea(rows)
		if err != nil {
			return nil, err
		}
		byID[a.ID] = a
		order = append(order, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Place
	for _, a := range order {
		if a.Level.HoldsHouseholds() && act.Scope.CoversArea(a.Path) {
			out = append(out, Place{ID: a.ID, Level: a.Level, Code: a.Code, FullName: fullName(byID, a.Path)})
		}
	}
	return out, nil
}

// fullName joins the names of the areas on a path below the county.
func fullName(byID map[int64]Area, path string) string {
	var names []string
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		id, _ := strconv.ParseInt(part, 10, 64)
		if a, ok := byID[id]; ok && a.Level != County {
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, " ")
}
