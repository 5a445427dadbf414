package auth

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
)

// User is an account as shown to administrators (never its password hash).
type User struct {
	ID                 int64       `json:"id"`
	Username           string      `json:"username"`
	DisplayName        string      `json:"display_name"`
	Role               access.Role `json:"role"`
	AreaID             int64       `json:"area_id,omitempty"`
	AreaName           string      `json:"area_name,omitempty"`
	AreaPath           string      `json:"area_path,omitempty"`
	InstitutionID      int64       `json:"institution_id,omitempty"`
	MustChangePassword bool        `json:"must_change_password"`
	Disabled           bool        `json:"disabled"`
	PasswordChangedAt  time.Time   `json:"password_changed_at"`
	CreatedAt          time.Time   `json:"created_at"`
	UpdatedAt          time.Time   `json:"updated_at"`
}

// Scope returns the user's access scope.
func (u User) Scope() access.Scope {
	if u.InstitutionID != 0 {
		return access.Scope{InstitutionID: u.InstitutionID}
	}
	return access.Scope{AreaID: u.AreaID, AreaPath: u.AreaPath}
}

// snapshot is what the audit trail records of a user.
func (u User) snapshot() map[string]any {
	return map[string]any{"username": u.Username, "display_name": u.DisplayName, "role": u.Role,
		"area_id": u.AreaID, "institution_id": u.InstitutionID, "disabled": u.Disabled,
		"must_change_password": u.MustChangePassword}
}

const userCols = `u.id, u.username, u.display_name, u.role, COALESCE(u.area_id, 0), COALESCE(a.name, ''),
	COALESCE(a.path, ''), COALESCE(u.institution_id, 0), u.must_change_password, u.disabled,
	u.password_changed_at, u.created_at, u.updated_at`

const userFrom = ` FROM users u LEFT JOIN areas a ON a.id = u.area_id`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var must, dis int
	var pwAt, cAt, uAt string
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.AreaID, &u.AreaName,
		&u.AreaPath, &u.InstitutionID, &must, &dis, &pwAt, &cAt, &uAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return u, err
	}
	u.MustChangePassword, u.Disabled = must != 0, dis != 0
	u.PasswordChangedAt, _ = db.ParseTimestamp(pwAt)
	u.CreatedAt, _ = db.ParseTimestamp(cAt)
	u.UpdatedAt, _ = db.ParseTimestamp(uAt)
	return u, nil
}

func getUser(ctx context.Context, q db.Querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+userFrom+` WHERE u.id = ?`, id))
	if db.IsNoRows(err) {
		return u, errUserNotFound
	}
	return u, err
}

// visibleTo reports whether actor a may see user u: area users in a's
// subtree, and institution users for any area-scoped reader.
func visibleTo(a access.Actor, u User) bool {
	if u.InstitutionID != 0 {
		return a.Scope.CoversInstitution(u.InstitutionID)
	}
	return a.Scope.CoversArea(u.AreaPath)
}

// User returns one user visible to the administrator or auditor in ctx.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	a, err := reader(ctx)
	if err != nil {
		return User{}, err
	}
	u, err := getUser(ctx, s.db, id)
	if err != nil {
		return u, err
	}
	if !visibleTo(a, u) {
		return User{}, errUserNotFound
	}
	return u, nil
}

// UserFilter selects users for Users.
type UserFilter struct {
	Query  string      // part of the username or display name
	Role   access.Role // "" for all
	Limit  int         // default 50, at most 500
	Offset int
}

// Users lists the users visible to the caller, by username, and the total
// number matching the filter (for pagination).
func (s *Service) Users(ctx context.Context, f UserFilter) ([]User, int, error) {
	a, err := reader(ctx)
	if err != nil {
		return nil, 0, err
	}
	cond, arg := a.Scope.AreaFilter("a.path")
	where, args := "("+cond+" OR u.institution_id IS NOT NULL)", []any{}
	if arg != nil {
		args = append(args, arg)
	}
	if a.Scope.IsInstitution() {
		where, args = "u.institution_id = ?", []any{a.Scope.InstitutionID}
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where += " AND (u.username LIKE ? OR u.display_name LIKE ?)"
		args = append(args, "%"+q+"%", "%"+q+"%")
	}
	if f.Role != "" {
		where += " AND u.role = ?"
		args = append(args, string(f.Role))
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+userFrom+` WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+userFrom+` WHERE `+where+
		fmt.Sprintf(" ORDER BY u.username LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// UserInput creates or changes a user. Exactly one of AreaID and
// InstitutionID is set: institution clerks are bound to an institution,
// every other role to an area subtree.
type UserInput struct {
	Username      string      `json:"username"`
	DisplayName   string      `json:"display_name"`
	Role          access.Role `json:"role"`
	AreaID        int64       `json:"area_id,omitempty"`
	InstitutionID int64       `json:"institution_id,omitempty"`
	Password      string      `json:"password,omitempty"` // on create: empty means generate one
}

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,31}$`)

// NormalizeUsername lower-cases and trims a login name.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// check validates the input (username only when creating) and returns the
// scope's area path ("" for an institution scope).
func (in *UserInput) check(ctx context.Context, q db.Querier, creating bool) (string, error) {
	var c apperr.Collector
	in.Username = NormalizeUsername(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if creating && !usernameRE.MatchString(in.Username) {
		c.AddField("username", "username_format", "用户名须为3–32位小写字母、数字或 . _ -，以字母开头",
			"username: 3–32 lower-case letters, digits or . _ -, starting with a letter")
	}
	if in.DisplayName == "" || utf8.RuneCountInString(in.DisplayName) > 40 {
		c.AddField("display_name", "display_name", "请填写姓名（最多40字）", "enter a display name (at most 40 characters)")
	}
	if !in.Role.Valid() {
		c.AddField("role", "role", "请选择角色", "choose a role")
	}
	path, err := in.checkScope(ctx, q, &c)
	if err != nil {
		return "", err
	}
	if creating && in.Password != "" {
		if err := CheckPassword("password", in.Username, in.Password); err != nil {
			e, _ := apperr.As(err)
			c.Add(e.Fields[0])
		}
	}
	return path, c.Err()
}

func (in *UserInput) checkScope(ctx context.Context, q db.Querier, c *apperr.Collector) (string, error) {
	if in.Role == access.Institution {
		in.AreaID = 0
		if in.InstitutionID <= 0 {
			c.AddField("institution_id", "scope", "医疗机构操作员须指定医疗机构", "an institution clerk needs an institution")
		}
		return "", nil
	}
	in.InstitutionID = 0
	if in.AreaID <= 0 {
		c.AddField("area_id", "scope", "请选择管辖地区", "choose the area the user works in")
		return "", nil
	}
	var path string
	err := q.QueryRowContext(ctx, `SELECT path FROM areas WHERE id = ?`, in.AreaID).Scan(&path)
	if db.IsNoRows(err) {
		c.AddField("area_id", "scope", "地区不存在", "no such area")
		return "", nil
	}
	return path, err
}

// nullID returns nil for 0, so that an unset scope column is NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// UserByName returns the user with the given username, visible to the
// administrator or auditor in ctx.
func (s *Service) UserByName(ctx context.Context, username string) (User, error) {
	a, err := reader(ctx)
	if err != nil {
		return User{}, err
	}
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+userFrom+` WHERE u.username = ?`, NormalizeUsername(username)))
	if db.IsNoRows(err) || (err == nil && !visibleTo(a, u)) {
		return User{}, errUserNotFound
	}
	return u, err
}

// AreaIDByCode returns the id of the area with a division code (for
// command-line tools that name scopes by code).
func (s *Service) AreaIDByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM areas WHERE code = ?`, strings.TrimSpace(code)).Scan(&id)
	if db.IsNoRows(err) {
		return 0, apperr.Field("area", "area_code", "没有该代码的地区", "no area has this code")
	}
	return id, err
}
