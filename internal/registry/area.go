package registry

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// Level is the rank of an area in the tree.
type Level string

// The levels, from the root down.
const (
	County   Level = "county"   // 县 (the root; one per installation)
	Township Level = "township" // 乡镇
	Village  Level = "village"  // 村
	Group    Level = "group"    // 组 / 社
)

// Child returns the level below l, or "" for a group.
func (l Level) Child() Level {
	switch l {
	case County:
		return Township
	case Township:
		return Village
	case Village:
		return Group
	}
	return ""
}

// Label returns the level's Chinese and English names.
func (l Level) Label() (zh, en string) {
	switch l {
	case County:
		return "县", "county"
	case Township:
		return "乡镇", "township"
	case Village:
		return "村", "village"
	case Group:
		return "组", "group"
	}
	return string(l), string(l)
}

// Zh returns the level's Chinese name.
func (l Level) Zh() string { zh, _ := l.Label(); return zh }

// HoldsHouseholds reports whether households may be registered directly in
// an area of this level (a village or a group).
func (l Level) HoldsHouseholds() bool { return l == Village || l == Group }

// codeDigits is how many digits each level adds to its parent's code:
// township codes extend the 6-digit county code by 3 (GB/T 10114), villages
// by 3 more (the statistical 12-digit code), groups by 3.
const codeDigits = 3

// Area is one node of the area tree.
type Area struct {
	ID       int64
	ParentID int64 // 0 for the county root
	Level    Level
	Code     string // national division code for county/township; extended for villages and groups
	Name     string
	Path     string // "/1/5/23/": ids from the root, each followed by '/'
	Created  time.Time
}

const areaCols = `id, COALESCE(parent_id, 0), level, code, name, path, created_at`

func scanArea(row interface{ Scan(...any) error }) (Area, error) {
	var a Area
	var created string
	err := row.Scan(&a.ID, &a.ParentID, &a.Level, &a.Code, &a.Name, &a.Path, &created)
	a.Created, _ = db.ParseTimestamp(created)
	return a, err
}

// visible reports whether the actor may see area a: areas in the scope's
// subtree and their ancestors (so breadcrumbs show the county and township).
func visible(act access.Actor, a Area) bool {
	return act.Scope.CoversArea(a.Path) || (act.Scope.AreaPath != "" && strings.HasPrefix(act.Scope.AreaPath, a.Path))
}

func getArea(ctx context.Context, q db.Querier, id int64) (Area, error) {
	a, err := scanArea(q.QueryRowContext(ctx, `SELECT `+areaCols+` FROM areas WHERE id = ?`, id))
	if db.IsNoRows(err) {
		return a, errAreaNotFound
	}
	return a, err
}

// Area returns one area (its ancestors of the actor's scope included).
func (s *Service) Area(ctx context.Context, id int64) (Area, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return Area{}, err
	}
	a, err := getArea(ctx, s.db, id)
	if err != nil {
		return a, err
	}
	if !visible(act, a) {
		return Area{}, errAreaNotFound
	}
	return a, nil
}

// Root returns the county root area (created by `ncms init`).
func (s *Service) Root(ctx context.Context) (Area, error) {
	if _, err := actorOf(ctx); err != nil {
		return Area{}, err
	}
	a, err := scanArea(s.db.QueryRowContext(ctx, `SELECT `+areaCols+` FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1`))
	if db.IsNoRows(err) {
		return a, apperr.New(apperr.NotFound, "no_county", "尚未初始化县级地区（请运行 ncms init）", "no county root area yet (run ncms init)")
	}
	return a, err
}

// Children returns the areas directly under parentID that the actor may
// see, ordered by code.
func (s *Service) Children(ctx context.Context, parentID int64) ([]Area, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.Area(ctx, parentID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+areaCols+` FROM areas WHERE parent_id = ? ORDER BY code`, parentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Area
	for rows.Next() {
		a, err := scanArea(rows)
		if err != nil {
			return nil, err
		}
		if visible(act, a) {
			out = append(out, a)
		}
	}
	return out, rows.Err()
}

// Chain returns the areas from the root down to id (for breadcrumbs and
// full addresses such as "城关镇 / 红星村 / 三组"), limited to visible ones.
func (s *Service) Chain(ctx context.Context, id int64) ([]Area, error) {
	a, err := s.Area(ctx, id)
	if err != nil {
		return nil, err
	}
	return chainOf(ctx, s.db, a.Path)
}

// chainOf reads the areas named by a path, root first.
func chainOf(ctx context.Context, q db.Querier, path string) ([]Area, error) {
	var out []Area
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		var id int64
		if _, err := fmt.Sscan(part, &id); err != nil {
			return nil, fmt.Errorf("registry: bad area path %q", path)
		}
		a, err := getArea(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// AreaInput creates an area under a parent. The level is the one below the
// parent's. Code may be empty: the parent's code extended by the next free
// 3-digit sequence number is used.
type AreaInput struct {
	ParentID int64
	Name     string
	Code     string
}

// checkAreaName validates an area name.
func checkAreaName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return name, apperr.Field("name", "required", "请填写名称", "name is required")
	}
	if utf8.RuneCountInString(name) > 40 || strings.ContainsAny(name, "/\\\n\r\t") {
		return name, apperr.Field("name", "bad_name", "名称过长或含有非法字符", "name too long or has forbidden characters")
	}
	return name, nil
}

// CreateArea adds a township, village or group under in.ParentID. The
// administrator may create anywhere; an enrollment clerk only villages and
// groups inside the clerk's scope.
func (s *Service) CreateArea(ctx context.Context, in AreaInput) (Area, error) {
	var out Area
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.CreateAreaTx(ctx, tx, in)
		return err
	})
	return out, err
}

// CreateAreaTx is CreateArea inside the caller's transaction.
func (s *Service) CreateAreaTx(ctx context.Context, tx *db.Tx, in AreaInput) (Area, error) {
	act, err := writer(ctx)
	if err != nil {
		return Area{}, err
	}
	parent, err := getArea(ctx, tx, in.ParentID)
	if err != nil || !visible(act, parent) {
		return Area{}, apperr.Field("parent_id", "not_found", "上级地区不存在", "parent area not found")
	}
	level := parent.Level.Child()
	if level == "" {
		return Area{}, apperr.Field("parent_id", "too_deep", "组下不能再建下级地区", "a group cannot have sub-areas")
	}
	if !act.Scope.CoversArea(parent.Path) || (act.Role != access.Admin && level == Township) {
		return Area{}, apperr.New(apperr.Forbidden, "forbidden", "无权在此地区下新建", "not allowed to create areas here")
	}
	name, err := checkAreaName(in.Name)
	if err != nil {
		return Area{}, err
	}
	code, err := s.areaCode(ctx, tx, parent, strings.TrimSpace(in.Code))
	if err != nil {
		return Area{}, err
	}
	if err := areaConflict(ctx, tx, parent.ID, 0, name, code); err != nil {
		return Area{}, err
	}
	a := Area{ParentID: parent.ID, Level: level, Code: code, Name: name, Created: s.now()}
	a.ID, err = tx.InsertID(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, ?, ?, ?, '', ?)`,
		parent.ID, string(level), code, name, db.Timestamp(a.Created))
	if db.IsUniqueViolation(err) {
		return Area{}, apperr.New(apperr.Conflict, "duplicate", "地区名称或编码已被使用", "area name or code already in use")
	}
	if err != nil {
		return Area{}, err
	}
	a.Path = fmt.Sprintf("%s%d/", parent.Path, a.ID)
	if _, err := tx.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, a.Path, a.ID); err != nil {
		return Area{}, err
	}
	return a, audit.Record(ctx, tx, "area.create", "area", a.ID, nil, a)
}

// areaConflict refuses a name already used under the parent (by an area
// other than self) or a code already used anywhere (checked before writing,
// because a failed statement ends a PostgreSQL transaction).
func areaConflict(ctx context.Context, q db.Querier, parentID, self int64, name, code string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE parent_id = ? AND name = ? AND id <> ?`, parentID, name, self).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		e := apperr.Field("name", "duplicate", "同一上级地区下已有同名地区", "an area with this name already exists under the parent")
		e.Kind = apperr.Conflict
		return e
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = ? AND id <> ?`, code, self).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		e := apperr.Field("code", "duplicate", "地区编码已被使用", "area code already in use")
		e.Kind = apperr.Conflict
		return e
	}
	return nil
}

// areaCode checks a given code, or generates the next free one.
func (s *Service) areaCode(ctx context.Context, tx *db.Tx, parent Area, code string) (string, error) {
	if code != "" {
		if !allDigits(code) || !strings.HasPrefix(code, parent.Code) || len(code) <= len(parent.Code) || len(code) > 20 {
			return "", apperr.Field("code", "bad_code",
				"地区编码应为数字，并以上级编码 "+parent.Code+" 开头",
				"area code must be digits starting with the parent's code "+parent.Code)
		}
		return code, nil
	}
	for {
		n, err := nextCounter(ctx, tx, fmt.Sprintf("area:%d", parent.ID))
		if err != nil {
			return "", err
		}
		if n >= 1000 {
			return "", apperr.Field("code", "codes_exhausted", "自动编码已用完，请手工填写编码", "no automatic code left; enter a code")
		}
		c := fmt.Sprintf("%s%0*d", parent.Code, codeDigits, n)
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = ?`, c).Scan(&taken); err != nil {
			return "", err
		}
		if taken == 0 {
			return c, nil
		}
	}
}

// RenameArea changes an area's name (its code and place in the tree stay).
func (s *Service) RenameArea(ctx context.Context, id int64, name string) (Area, error) {
	var out Area
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := writer(ctx)
		if err != nil {
			return err
		}
		a, err := getArea(ctx, tx, id)
		if err != nil || !visible(act, a) {
			return errAreaNotFound
		}
		if !act.Scope.CoversArea(a.Path) || (act.Role != access.Admin && a.Level != Village && a.Level != Group) {
			return apperr.New(apperr.Forbidden, "forbidden", "无权修改此地区", "not allowed to change this area")
		}
		if name, err = checkAreaName(name); err != nil {
			return err
		}
		if err := areaConflict(ctx, tx, a.ParentID, a.ID, name, a.Code); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE areas SET name = ? WHERE id = ?`, name, id); err != nil {
			return err
		}
		before := a
		a.Name = name
		out = a
		return audit.Record(ctx, tx, "area.rename", "area", id, before, a)
	})
	return out, err
}

// FindOrCreateArea returns the child of parentID named name, creating it
// (with a generated code) when there is none. The household import uses it
// for the 乡镇 / 村 / 组 columns. created reports whether it was new.
func (s *Service) FindOrCreateArea(ctx context.Context, tx *db.Tx, parentID int64, name string) (a Area, created bool, err error) {
	act, err := actorOf(ctx)
	if err != nil {
		return Area{}, false, err
	}
	name = strings.TrimSpace(name)
	a, err = scanArea(tx.QueryRowContext(ctx, `SELECT `+areaCols+` FROM areas WHERE parent_id = ? AND name = ?`, parentID, name))
	if err == nil {
		if !visible(act, a) {
			return Area{}, false, errAreaNotFound
		}
		return a, false, nil
	}
	if !db.IsNoRows(err) {
		return Area{}, false, err
	}
	a, err = s.CreateAreaTx(ctx, tx, AreaInput{ParentID: parentID, Name: name})
	return a, err == nil, err
}

// nextCounter increments the named counter and returns its new value (1 the
// first time), inside tx.
func nextCounter(ctx context.Context, tx *db.Tx, name string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `INSERT INTO registry_counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = registry_counters.value + 1 RETURNING value`, name).Scan(&v)
	return v, err
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// AreaCount is how many households and active people an area's subtree holds.
type AreaCount struct {
	Households int
	Persons    int
}

// Counts returns the households and active people under each of the given
// areas (only areas the actor may see inside the scope are counted).
func (s *Service) Counts(ctx context.Context, areas []Area) (map[int64]AreaCount, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]AreaCount{}
	for _, a := range areas {
		path := a.Path
		if !act.Scope.CoversArea(path) {
			path = act.Scope.AreaPath // an ancestor: count only the scope's part
		}
		if path == "" {
			continue
		}
		var c AreaCount
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM households WHERE area_path LIKE ?`, path+"%").Scan(&c.Households); err != nil {
			return nil, err
		}
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE area_path LIKE ? AND status = 'active'`, path+"%").Scan(&c.Persons); err != nil {
			return nil, err
		}
		out[a.ID] = c
	}
	return out, nil
}
