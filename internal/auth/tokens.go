package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// Token is a named API token as listed (its secret is shown only once, at
// creation).
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the first characters of the secret, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

var errTokenNotFound = apperr.NotFoundf("令牌 / token")

// CreateToken creates an API token for the user in ctx, valid until
// expires (zero: no expiry). It returns the secret, to be shown once.
func (s *Service) CreateToken(ctx context.Context, name string, expires time.Time) (Token, string, error) {
	a, ok := access.FromContext(ctx)
	if !ok || a.UserID == 0 {
		return Token{}, "", ErrNotAuthenticated
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 60 {
		return Token{}, "", apperr.Field("name", "token_name", "请填写令牌名称（最多60字）", "enter a token name (at most 60 characters)")
	}
	if !expires.IsZero() && !expires.After(s.opt.Now()) {
		return Token{}, "", apperr.Field("expires_at", "token_expiry", "有效期须在今天之后", "the expiry must be in the future")
	}
	secret := tokenPrefix + newSecret()
	var t Token
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var exp any
		if !expires.IsZero() {
			exp = db.Timestamp(expires)
		}
		id, err := tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, a.UserID, name, hashToken(secret), secret[:len(tokenPrefix)+6], s.stamp(), exp)
		if db.IsUniqueViolation(err) {
			return apperr.Field("name", "token_name_taken", "已有同名令牌", "a token with this name exists")
		}
		if err != nil {
			return err
		}
		if t, err = getToken(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "token.create", "api_token", id, nil, map[string]any{"name": name, "user_id": a.UserID})
	})
	return t, secret, err
}

const tokenCols = `id, user_id, name, prefix, created_at, COALESCE(expires_at, ''), COALESCE(last_used_at, ''), COALESCE(revoked_at, '')`

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var c, e, l, r string
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &c, &e, &l, &r); err != nil {
		return t, err
	}
	t.CreatedAt, _ = db.ParseTimestamp(c)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = optTime(e), optTime(l), optTime(r)
	return t, nil
}

func optTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := db.ParseTimestamp(s)
	if err != nil {
		return nil
	}
	return &t
}

func getToken(ctx context.Context, q db.Querier, id int64) (Token, error) {
	t, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = ?`, id))
	if db.IsNoRows(err) {
		return t, errTokenNotFound
	}
	return t, err
}

// mayManageTokens reports whether the actor may see or revoke the tokens
// of userID: its own, or any visible user's for an administrator.
func (s *Service) mayManageTokens(ctx context.Context, userID int64) error {
	a, ok := access.FromContext(ctx)
	if !ok || a.UserID == 0 {
		return ErrNotAuthenticated
	}
	if a.UserID == userID {
		return nil
	}
	if !a.Can(access.Admin, access.Auditor) {
		return errTokenNotFound
	}
	u, err := getUser(ctx, s.db, userID)
	if err != nil || !visibleTo(a, u) {
		return errTokenNotFound
	}
	return nil
}

// Tokens lists the API tokens of a user, newest first, revoked ones included.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	if err := s.mayManageTokens(ctx, userID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token of the caller's own, or (for an
// administrator) of any user in scope. Revoking twice is a conflict.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := getToken(ctx, tx, id)
		if err != nil {
			return err
		}
		if a, _ := access.FromContext(ctx); a.UserID != t.UserID && a.Role != access.Admin {
			return errTokenNotFound
		}
		if err := s.mayManageTokens(ctx, t.UserID); err != nil {
			return err
		}
		if t.RevokedAt != nil {
			return apperr.New(apperr.Conflict, "token_revoked", "令牌已吊销", "the token is already revoked")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, s.stamp(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "token.revoke", "api_token", id, map[string]any{"name": t.Name, "user_id": t.UserID}, nil)
	})
}

// resolveToken authenticates an API token and notes its last use.
func (s *Service) resolveToken(ctx context.Context, token string) (Principal, error) {
	now := s.opt.Now()
	var tid int64
	var exp, last, revoked string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+`, t.id, COALESCE(t.expires_at, ''),
		COALESCE(t.last_used_at, ''), COALESCE(t.revoked_at, '')`+userFrom+
		` JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = ?`, hashToken(token)), &tid, &exp, &last, &revoked)
	if db.IsNoRows(err) {
		return Principal{}, ErrNotAuthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	if e := optTime(exp); revoked != "" || u.Disabled || (e != nil && !now.Before(*e)) {
		return Principal{}, ErrNotAuthenticated
	}
	if l := optTime(last); l == nil || now.Sub(*l) >= touchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, db.Timestamp(now), tid); err != nil {
			return Principal{}, err
		}
	}
	p := principalOf(u, "")
	p.TokenID = tid
	return p, nil
}
