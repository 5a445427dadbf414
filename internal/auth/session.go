package auth

import (
	"context"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// ErrDisabled is returned when the right password is given for a disabled account.
var ErrDisabled = apperr.New(apperr.Unauthenticated, "account_disabled",
	"账户已停用，请联系管理员", "the account is disabled; ask an administrator")

// Login checks a username and password from remoteAddr and opens a
// session. It returns the session token (to be put in a cookie; it is not
// stored) and the principal. Failed attempts are recorded: five for one
// username within the window lock it, and too many from one address refuse
// that address.
func (s *Service) Login(ctx context.Context, username, password, remoteAddr, userAgent string) (string, Principal, error) {
	username = NormalizeUsername(username)
	now := s.opt.Now()
	since := db.Timestamp(now.Add(-s.opt.Window))
	var addrFails, userFails int
	if err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM login_attempts WHERE remote_addr = ? AND ok = 0 AND at > ?),
		(SELECT COUNT(*) FROM login_attempts WHERE username = ? AND ok = 0 AND at > ?)`,
		remoteAddr, since, username, since).Scan(&addrFails, &userFails); err != nil {
		return "", Principal{}, err
	}
	if addrFails >= s.opt.MaxAddrFailures {
		return "", Principal{}, ErrRateLimited
	}
	if userFails >= s.opt.MaxFailures {
		return "", Principal{}, ErrLocked
	}
	var id int64
	hash, disabled := string(dummyHash), 0
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash, disabled FROM users WHERE username = ?`,
		username).Scan(&id, &hash, &disabled)
	if err != nil && !db.IsNoRows(err) {
		return "", Principal{}, err
	}
	match := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil && id != 0
	actx := access.WithActor(ctx, access.Actor{UserID: id, Username: username, RemoteAddr: remoteAddr})
	if !match || disabled != 0 {
		if err := s.recordFailure(actx, username, remoteAddr, userFails+1); err != nil {
			return "", Principal{}, err
		}
		if match {
			return "", Principal{}, ErrDisabled
		}
		return "", Principal{}, ErrBadCredentials
	}
	return s.openSession(actx, id, remoteAddr, userAgent)
}

// recordFailure writes a failed attempt and its audit row; the fifth
// failure is audited as a lockout.
func (s *Service) recordFailure(ctx context.Context, username, remoteAddr string, fails int) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_attempts (at, username, remote_addr, ok) VALUES (?, ?, ?, 0)`,
			s.stamp(), username, remoteAddr); err != nil {
			return err
		}
		action := "auth.login_failed"
		if fails >= s.opt.MaxFailures {
			action = "auth.locked"
		}
		return audit.Record(ctx, tx, action, "user", username, nil, map[string]any{"failures": fails})
	})
}

// openSession records a successful login and creates the session.
func (s *Service) openSession(ctx context.Context, userID int64, remoteAddr, userAgent string) (string, Principal, error) {
	tok := newSecret()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	var p Principal
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		now := s.opt.Now()
		u, err := getUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_attempts (at, username, remote_addr, ok) VALUES (?, ?, ?, 1)`,
			db.Timestamp(now), u.Username, remoteAddr); err != nil {
			return err
		}
		sid, err := tx.InsertID(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at,
			remote_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`, hashToken(tok), userID, db.Timestamp(now),
			db.Timestamp(now), db.Timestamp(now.Add(s.opt.MaxSession)), remoteAddr, userAgent)
		if err != nil {
			return err
		}
		p = principalOf(u, remoteAddr)
		p.SessionID = sid
		ctx = access.WithActor(ctx, p.Actor)
		if err := audit.Record(ctx, tx, "auth.login", "session", sid, nil, map[string]any{"user_id": userID}); err != nil {
			return err
		}
		return s.purge(ctx, tx, now)
	})
	return tok, p, err
}

// purge deletes expired sessions and login attempts older than a day.
func (s *Service) purge(ctx context.Context, tx *db.Tx, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`,
		db.Timestamp(now), db.Timestamp(now.Add(-s.opt.IdleTimeout))); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, db.Timestamp(now.Add(-24*time.Hour)))
	return err
}

func principalOf(u User, remoteAddr string) Principal {
	return Principal{
		Actor: access.Actor{UserID: u.ID, Username: u.Username, Role: u.Role,
			Scope: u.Scope(), RemoteAddr: remoteAddr},
		DisplayName:        u.DisplayName,
		ScopeName:          u.AreaName,
		MustChangePassword: u.MustChangePassword,
	}
}

// Authenticate returns the actor behind a session token or an API token.
// The actor's RemoteAddr is left empty for the caller to fill.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Actor, error) {
	p, err := s.Resolve(ctx, token)
	return p.Actor, err
}

// touchEvery bounds how often a session's last use is written.
const touchEvery = time.Minute

// Resolve is Authenticate with the details of the session or token.
func (s *Service) Resolve(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 200 {
		return Principal{}, ErrNotAuthenticated
	}
	if IsAPIToken(token) {
		return s.resolveToken(ctx, token)
	}
	now := s.opt.Now()
	var sid int64
	var seen, expires string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+`, s.id, s.last_seen_at, s.expires_at`+
		userFrom+` JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = ?`, hashToken(token)), &sid, &seen, &expires)
	if db.IsNoRows(err) {
		return Principal{}, ErrNotAuthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	lastSeen, _ := db.ParseTimestamp(seen)
	exp, _ := db.ParseTimestamp(expires)
	if u.Disabled || !now.Before(exp) || now.Sub(lastSeen) >= s.opt.IdleTimeout {
		_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, sid)
		return Principal{}, errors.Join(ErrNotAuthenticated, err)
	}
	if now.Sub(lastSeen) >= touchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, db.Timestamp(now), sid); err != nil {
			return Principal{}, err
		}
	}
	p := principalOf(u, "")
	p.SessionID = sid
	return p, nil
}

// Logout ends the session with the given token. Ending an unknown or
// expired session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" || IsAPIToken(token) {
		return nil
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var sid int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE token_hash = ?`, hashToken(token)).Scan(&sid)
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, sid); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "auth.logout", "session", sid, nil, nil)
	})
}

// ChangePassword changes the password of the user in ctx after checking
// the old one, clears a forced change, and ends every other session of the
// user (keepSession, the caller's own, stays open; 0 ends all).
func (s *Service) ChangePassword(ctx context.Context, oldPW, newPW string, keepSession int64) error {
	a, ok := access.FromContext(ctx)
	if !ok || a.UserID == 0 {
		return ErrNotAuthenticated
	}
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, a.UserID).Scan(&hash); err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(oldPW)) != nil {
		return apperr.Field("old_password", "wrong_password", "原密码不正确", "the current password is wrong")
	}
	if err := CheckPassword("new_password", a.Username, newPW); err != nil {
		return err
	}
	if oldPW == newPW {
		return apperr.Field("new_password", "password_same", "新密码不能与原密码相同", "the new password must differ from the current one")
	}
	newHash, err := s.hashPassword(newPW)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		now := s.stamp()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = 0,
			password_changed_at = ?, updated_at = ? WHERE id = ?`, newHash, now, now, a.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, a.UserID, keepSession); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "user.change_password", "user", a.UserID, nil, map[string]any{"username": a.Username})
	})
}
