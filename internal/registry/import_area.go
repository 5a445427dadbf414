package registry

import (
	"context"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
)

// placeIndex resolves the 乡镇 / 村 / 组 names of an import against the
// area tree read before the import, deciding what must be created and
// whether the actor may use or create it.
type placeIndex struct {
	act      access.Actor
	root     Area
	children map[int64]map[string]Area
	plans    map[[3]string]*placePlan
	order    []*placePlan
}

// placePlan is where the households of one (township, village, group)
// go; area is filled in when the import is written.
type placePlan struct {
	names []string
	err   *placeErr
	area  Area
}

type placeErr struct{ key, code, zh, en string }

// loadPlaces reads the area tree.
func loadPlaces(ctx context.Context, q db.Querier, act access.Actor) (*placeIndex, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+areaCols+` FROM areas ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	x := &placeIndex{act: act, children: map[int64]map[string]Area{}, plans: map[[3]string]*placePlan{}}
	for rows.Next() {
		a, err := scanArea(rows)
		if err != nil {
			return nil, err
		}
		if a.ParentID == 0 {
			if x.root.ID == 0 {
				x.root = a
			}
			continue
		}
		if x.children[a.ParentID] == nil {
			x.children[a.ParentID] = map[string]Area{}
		}
		x.children[a.ParentID][a.Name] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if x.root.ID == 0 {
		return nil, apperr.New(apperr.Invalid, "no_county", "尚未初始化县级地区（请先运行 ncms init）", "no county root area yet (run ncms init first)")
	}
	return x, nil
}

var placeKeys = [3]string{"township", "village", "group"}

// plan returns the plan for a place, deciding it on first sight.
func (x *placeIndex) plan(town, village, group string) *placePlan {
	key := [3]string{town, village, group}
	if p, ok := x.plans[key]; ok {
		return p
	}
	p := &placePlan{names: []string{town, village}}
	if group != "" {
		p.names = append(p.names, group)
	}
	x.plans[key] = p
	x.order = append(x.order, p)
	parent := x.root
	for i, n := range p.names {
		a, ok := x.children[parent.ID][n]
		if ok {
			parent = a
			continue
		}
		switch {
		case !x.act.Scope.CoversArea(parent.Path):
			p.err = &placeErr{placeKeys[i], "out_of_scope", "“" + n + "”不在您的管辖范围内，不能新建",
				n + " is outside your scope and cannot be created"}
		case i == 0 && x.act.Role != access.Admin:
			p.err = &placeErr{placeKeys[i], "no_such_township", "乡镇“" + n + "”不存在；只有系统管理员可以新建乡镇",
				"township " + n + " does not exist; only the administrator creates townships"}
		}
		return p
	}
	if !x.act.Scope.CoversArea(parent.Path) {
		p.err = &placeErr{placeKeys[0], "out_of_scope", "该地区不在您的管辖范围内", "this place is outside your scope"}
	}
	return p
}

// create finds or creates the areas of every plan inside tx and returns
// how many were created.
func (x *placeIndex) create(ctx context.Context, s *Service, tx *db.Tx) (int, error) {
	type edge struct {
		parent int64
		name   string
	}
	seen := map[edge]Area{}
	created := 0
	for _, p := range x.order {
		parent := x.root
		for _, n := range p.names {
			a, ok := seen[edge{parent.ID, n}]
			if !ok {
				var isNew bool
				var err error
				if a, isNew, err = s.FindOrCreateArea(ctx, tx, parent.ID, n); err != nil {
					return created, err
				}
				if isNew {
					created++
				}
				seen[edge{parent.ID, n}] = a
			}
			parent = a
		}
		p.area = parent
	}
	return created, nil
}
