package auth

import (
	"context"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

var (
	errUsernameTaken = apperr.Field("username", "username_taken", "用户名已被使用", "the username is taken")
	errOutOfScope    = apperr.Field("area_id", "scope", "只能在自己的管辖范围内设置用户", "you can only place users inside your own scope")
	errSelf          = apperr.New(apperr.Conflict, "self", "不能停用或降级自己的账户", "you cannot disable or demote your own account")
)

// CreateUser creates a user as the administrator in ctx. When in.Password
// is empty a strong password is generated; the password is returned so it
// can be shown once. A generated password must be changed at first login.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (User, string, error) {
	var u User
	var pw string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		u, pw, err = s.CreateUserTx(ctx, tx, in)
		return err
	})
	return u, pw, err
}

// CreateUserTx is CreateUser inside the caller's transaction (ncms init
// creates the county and its first administrator in one).
func (s *Service) CreateUserTx(ctx context.Context, tx *db.Tx, in UserInput) (User, string, error) {
	a, err := admin(ctx)
	if err != nil {
		return User{}, "", err
	}
	path, err := in.check(ctx, tx, true)
	if err != nil {
		return User{}, "", err
	}
	if path != "" && !a.Scope.CoversArea(path) {
		return User{}, "", errOutOfScope
	}
	pw, must := in.Password, false
	if pw == "" {
		pw, must = GeneratePassword(), true
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return User{}, "", err
	}
	now := s.stamp()
	id, err := tx.InsertID(ctx, `INSERT INTO users (username, display_name, role, area_id, institution_id,
		password_hash, must_change_password, disabled, password_changed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		in.Username, in.DisplayName, string(in.Role), nullID(in.AreaID), nullID(in.InstitutionID),
		hash, boolInt(must), now, now, now)
	if db.IsUniqueViolation(err) {
		return User{}, "", errUsernameTaken
	}
	if err != nil {
		return User{}, "", err
	}
	u, err := getUser(ctx, tx, id)
	if err != nil {
		return u, "", err
	}
	if err := audit.Record(ctx, tx, "user.create", "user", id, nil, u.snapshot()); err != nil {
		return u, "", err
	}
	return u, pw, nil
}

// SetMustChange sets or clears the flag that forces a password change at
// the next login (ncms init clears it for the first administrator, whose
// generated password is printed only to the operator).
func (s *Service) SetMustChange(ctx context.Context, tx *db.Tx, id int64, must bool) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET must_change_password = ? WHERE id = ?`, boolInt(must), id)
	return err
}

// editable loads a user for change by the administrator in ctx.
func (s *Service) editable(ctx context.Context, tx *db.Tx, id int64) (access.Actor, User, error) {
	a, err := admin(ctx)
	if err != nil {
		return a, User{}, err
	}
	lock := ""
	if tx.DB().Dialect() == db.Postgres {
		lock = " FOR UPDATE OF u" // not the nullable side of the join
	}
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+userFrom+` WHERE u.id = ?`+lock, id))
	if db.IsNoRows(err) || (err == nil && !visibleTo(a, u)) {
		return a, User{}, errUserNotFound
	}
	return a, u, err
}

// UpdateUser changes a user's display name, role and scope (the username
// never changes). Administrators cannot change their own role.
func (s *Service) UpdateUser(ctx context.Context, id int64, in UserInput) (User, error) {
	var out User
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		a, before, err := s.editable(ctx, tx, id)
		if err != nil {
			return err
		}
		in.Username = before.Username
		path, err := in.check(ctx, tx, false)
		if err != nil {
			return err
		}
		if path != "" && !a.Scope.CoversArea(path) {
			return errOutOfScope
		}
		if id == a.UserID && (in.Role != before.Role || in.AreaID != before.AreaID) {
			return errSelf
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, role = ?, area_id = ?,
			institution_id = ?, updated_at = ? WHERE id = ?`, in.DisplayName, string(in.Role),
			nullID(in.AreaID), nullID(in.InstitutionID), s.stamp(), id); err != nil {
			return err
		}
		if out, err = getUser(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "user.update", "user", id, before.snapshot(), out.snapshot())
	})
	return out, err
}

// SetDisabled disables (ending every session and refusing its API tokens)
// or re-enables a user.
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		a, before, err := s.editable(ctx, tx, id)
		if err != nil {
			return err
		}
		if id == a.UserID && disabled {
			return errSelf
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`,
			boolInt(disabled), s.stamp(), id); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		after := before
		after.Disabled = disabled
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		return audit.Record(ctx, tx, action, "user", id, before.snapshot(), after.snapshot())
	})
}

// ResetPassword gives a user a new generated password, which must be
// changed at the next login, and ends the user's sessions. The password is
// returned to be shown once to the administrator.
func (s *Service) ResetPassword(ctx context.Context, id int64) (string, error) {
	pw := GeneratePassword()
	hash, err := s.hashPassword(pw)
	if err != nil {
		return "", err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		_, u, err := s.editable(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.stamp()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = 1,
			password_changed_at = ?, updated_at = ? WHERE id = ?`, hash, now, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return err
		}
		// A reset also clears a lockout: the administrator has vouched for the user.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE username = ? AND ok = 0`, u.Username); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "user.reset_password", "user", id, nil, map[string]any{"username": u.Username})
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// AreaChoice is one area a user's scope can be set to.
type AreaChoice struct {
	ID    int64
	Level string
	Code  string
	Name  string
	Path  string
	Depth int // 0 for the county
}

// AreaChoices lists the county, township and village areas inside the
// caller's scope in tree order, for the scope picker.
func (s *Service) AreaChoices(ctx context.Context) ([]AreaChoice, error) {
	a, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	cond, arg := a.Scope.AreaFilter("path")
	args := []any{}
	if arg != nil {
		args = append(args, arg)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, level, code, name, path FROM areas
		WHERE level IN ('county', 'township', 'village') AND `+cond+` ORDER BY path`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AreaChoice
	for rows.Next() {
		var c AreaChoice
		if err := rows.Scan(&c.ID, &c.Level, &c.Code, &c.Name, &c.Path); err != nil {
			return nil, err
		}
		c.Depth = countSlashes(c.Path) - 2
		out = append(out, c)
	}
	return out, rows.Err()
}

func countSlashes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			n++
		}
	}
	return n
}
