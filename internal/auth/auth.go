// Package auth keeps the accounts of ncms: users with one role and one scope
// (an area subtree or one institution), bcrypt passwords with a policy,
// server-side sessions stored in the database (only a SHA-256 of each token
// is kept), lockout after repeated failed logins, per-address rate limiting,
// and named API tokens for scripts.
//
// Authenticate turns a session token (from the console cookie) or an API
// token (from "Authorization: Bearer") into an access.Actor. Every change is
// written to the audit trail in the same transaction.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
)

// Options configure a Service. The zero value gives the production defaults.
type Options struct {
	Now         func() time.Time // clock (default time.Now)
	BcryptCost  int              // default bcrypt.DefaultCost; tests use bcrypt.MinCost
	IdleTimeout time.Duration    // a session unused this long ends (default 2 h)
	MaxSession  time.Duration    // a session ends this long after login (default 12 h)
	// Lockout: MaxFailures failed logins for one username within Window lock
	// it until the oldest of them leaves the window (default 5 in 15 min).
	MaxFailures int
	Window      time.Duration
	// MaxAddrFailures failed logins from one address within Window refuse
	// further attempts from it (default 20).
	MaxAddrFailures int
}

// Service manages accounts over one database.
type Service struct {
	db  *db.DB
	opt Options
}

// New returns an account service over d.
func New(d *db.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.BcryptCost == 0 {
		opt.BcryptCost = bcrypt.DefaultCost
	}
	if opt.IdleTimeout == 0 {
		opt.IdleTimeout = 2 * time.Hour
	}
	if opt.MaxSession == 0 {
		opt.MaxSession = 12 * time.Hour
	}
	if opt.MaxFailures == 0 {
		opt.MaxFailures = 5
	}
	if opt.Window == 0 {
		opt.Window = 15 * time.Minute
	}
	if opt.MaxAddrFailures == 0 {
		opt.MaxAddrFailures = 20
	}
	return &Service{db: d, opt: opt}
}

// Options returns the effective options (for the HTTP layer's cookie expiry).
func (s *Service) Options() Options { return s.opt }

// Principal is an authenticated caller: the actor plus how it was
// authenticated.
type Principal struct {
	Actor              access.Actor
	DisplayName        string
	ScopeName          string // name of the scope's area ("" for an institution)
	SessionID          int64  // set when authenticated by a session token
	TokenID            int64  // set when authenticated by an API token
	MustChangePassword bool   // the password was set by an administrator
}

// Errors of authentication. They say nothing about whether a user exists.
var (
	ErrBadCredentials = apperr.New(apperr.Unauthenticated, "bad_credentials",
		"用户名或密码错误", "wrong username or password")
	ErrNotAuthenticated = apperr.New(apperr.Unauthenticated, "not_authenticated",
		"未登录或登录已过期，请重新登录", "not logged in, or the session has expired")
	ErrLocked = apperr.New(apperr.Unauthenticated, "account_locked",
		"登录失败次数过多，账户已暂时锁定，请15分钟后再试", "too many failed logins: the account is locked for 15 minutes")
	// ErrRateLimited is returned when one address has failed too often; the
	// HTTP layer answers it with 429.
	ErrRateLimited = apperr.New(apperr.Unauthenticated, "rate_limited",
		"该地址登录失败次数过多，请稍后再试", "too many failed logins from this address, try again later")
	errForbidden = apperr.New(apperr.Forbidden, "forbidden",
		"无权管理用户", "not allowed to manage users")
	errUserNotFound = apperr.NotFoundf("用户 / user")
)

// tokenPrefix marks API tokens so that they can be told from session tokens.
const tokenPrefix = "ncms_"

// newSecret returns a random 256-bit secret, base64url without padding.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken returns the hex SHA-256 of a token, the only form stored.
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// CSRFToken derives the per-session CSRF token from a session token: a
// keyed hash that only the holder of the session cookie can compute.
func CSRFToken(sessionToken string) string {
	h := sha256.Sum256([]byte("ncms-csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// IsAPIToken reports whether tok has the form of an API token.
func IsAPIToken(tok string) bool { return strings.HasPrefix(tok, tokenPrefix) }

func (s *Service) stamp() string { return db.Timestamp(s.opt.Now()) }

// admin returns the actor in ctx if it is an administrator.
func admin(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, ErrNotAuthenticated
	}
	if a.Role != access.Admin {
		return a, errForbidden
	}
	return a, nil
}

// reader returns the actor in ctx if it may read the user list:
// administrators and auditors.
func reader(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, ErrNotAuthenticated
	}
	if !a.Can(access.Admin, access.Auditor) {
		return a, errForbidden
	}
	return a, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
