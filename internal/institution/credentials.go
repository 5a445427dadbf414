package institution

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// Window is how far a request's x-tif-timestamp may be from the server's
// clock, either way; nonces are remembered at least this long.
const Window = 300 * time.Second

// Sign returns the x-tif-signature of a request: lowercase hex SHA-256 of
// timestamp + secret + nonce + timestamp (the provincial gateways' scheme).
func Sign(timestamp, secret, nonce string) string {
	sum := sha256.Sum256([]byte(timestamp + secret + nonce + timestamp))
	return hex.EncodeToString(sum[:])
}

func (s *Service) addSecret(ctx context.Context, tx *db.Tx, id int64, code, secret string) error {
	sealed, err := s.key.seal(secret, code)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO institution_secrets (institution_id, secret_enc, key_id, created_at)
		VALUES (?, ?, ?, ?)`, id, sealed, s.key.ID(), db.Timestamp(s.now()))
	return err
}

// Rotate issues a new secret for an institution (the paasid stays). The
// previous secret keeps working for grace (0: the service's default, 24 h)
// so that the hospital can switch without downtime; a secret older than
// that stops at once. The returned Credentials hold the only copy of the
// new secret that will ever be shown.
func (s *Service) Rotate(ctx context.Context, id int64, grace time.Duration) (Credentials, error) {
	if _, err := admin(ctx); err != nil {
		return Credentials{}, err
	}
	if grace <= 0 {
		grace = s.grace
	}
	var cred Credentials
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		in, err := Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Status == Withdrawn {
			return apperr.New(apperr.Conflict, "withdrawn", "该机构已退出,不能重置密钥", "the institution has withdrawn; no new secret")
		}
		now := s.now()
		until := db.Timestamp(now.Add(grace))
		if _, err := tx.ExecContext(ctx, `UPDATE institution_secrets SET valid_until = ?
			WHERE institution_id = ? AND valid_until IS NOT NULL AND valid_until > ?`,
			db.Timestamp(now), id, db.Timestamp(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE institution_secrets SET valid_until = ?
			WHERE institution_id = ? AND valid_until IS NULL`, until, id); err != nil {
			return err
		}
		cred = Credentials{Code: in.Code, PaasID: in.PaasID, Secret: randomHex(32)}
		if err := s.addSecret(ctx, tx, id, in.Code, cred.Secret); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "institution.rotate", "institution", id, nil,
			map[string]any{"paasid": in.PaasID, "previous_valid_until": until})
	})
	return cred, err
}

// Authentication failures. The messages do not tell an unknown paasid from
// a wrong signature.
var (
	errAuth      = apperr.New(apperr.Unauthenticated, "bad_signature", "签名验证失败", "signature check failed")
	errMissing   = apperr.New(apperr.Unauthenticated, "missing_credentials", "缺少认证头 x-tif-paasid / x-tif-timestamp / x-tif-nonce / x-tif-signature", "missing authentication headers x-tif-paasid, x-tif-timestamp, x-tif-nonce, x-tif-signature")
	errTimestamp = apperr.New(apperr.Unauthenticated, "timestamp_window", "x-tif-timestamp 与服务器时间相差超过300秒", "x-tif-timestamp is more than 300 s from the server's clock")
	errNonce     = apperr.New(apperr.Unauthenticated, "nonce_reused", "x-tif-nonce 已使用过(重放请求)", "x-tif-nonce was already used (replayed request)")
	errBadNonce  = apperr.New(apperr.Unauthenticated, "nonce_format", "x-tif-nonce 应为1至64个可见ASCII字符", "x-tif-nonce must be 1 to 64 printable ASCII characters")
)

// Verify authenticates a call at the HIS interface from its headers:
// x-tif-paasid, x-tif-timestamp (Unix seconds, or milliseconds, within
// ±300 s of now), x-tif-nonce (never seen in the window) and x-tif-signature
// (Sign with a secret valid at now: the current one, or the previous one in
// its grace period). It returns the institution, or an *apperr.Error of
// kind Unauthenticated; a suspended or withdrawn institution is refused
// (code institution_suspended / institution_withdrawn). The nonce is
// recorded (in its own write) only once the signature has been checked.
func (s *Service) Verify(ctx context.Context, paasid, timestamp, nonce, signature string, now time.Time) (Institution, error) {
	in, claim, err := s.VerifyDeferred(ctx, paasid, timestamp, nonce, signature, now)
	if err != nil {
		return in, err
	}
	if err := claim.Record(ctx, s.db); err != nil {
		return Institution{}, err
	}
	return in, nil
}

// VerifyDeferred is Verify without recording the nonce: it returns the
// nonce as a claim that the caller records itself, in the write
// transaction of the request it authenticates (Claim.Insert, then
// Claim.Done once that transaction has committed) or on its own
// (Claim.Record) — and always before the request's answer leaves. A
// request that writes anything must record its claim in the transaction
// of that write or before it, so that a replayed nonce changes nothing:
// the insert of a nonce already used fails with the nonce_reused error
// and rolls the request's transaction back. (The HIS interface records
// the nonce of a settlement in the settlement's own transaction: one
// write transaction per request instead of two.)
func (s *Service) VerifyDeferred(ctx context.Context, paasid, timestamp, nonce, signature string, now time.Time) (Institution, *Claim, error) {
	if paasid == "" || timestamp == "" || nonce == "" || signature == "" {
		return Institution{}, nil, errMissing
	}
	if err := checkTimestamp(timestamp, now); err != nil {
		return Institution{}, nil, err
	}
	if len(nonce) > 64 || !printable(nonce) {
		return Institution{}, nil, errBadNonce
	}
	in, ok, err := s.checkSignature(ctx, paasid, timestamp, nonce, strings.ToLower(signature), now)
	if err != nil || !ok {
		return Institution{}, nil, firstErr(err, errAuth)
	}
	if in.Status != Active {
		zh, en := in.Status.Label()
		return Institution{}, nil, apperr.New(apperr.Unauthenticated, "institution_"+string(in.Status),
			"医疗机构状态为"+zh+",不能办理业务", "the institution is "+en+" and may not transact")
	}
	s.maybePrune(ctx, now)
	return in, &Claim{inst: in.ID, nonce: nonce, seen: now.Unix()}, nil
}

// Claim is a nonce that passed the signature check of VerifyDeferred and
// is not yet known to be recorded. It is safe for concurrent use.
type Claim struct {
	inst  int64
	nonce string
	seen  int64
	done  atomic.Bool
}

// Insert records the nonce with q (typically the request's own write
// transaction); a nonce already recorded is the nonce_reused error (see
// IsReplay). It does not mark the claim done: call Done once q's
// transaction has committed.
func (c *Claim) Insert(ctx context.Context, q db.Querier) error {
	_, err := q.ExecContext(ctx, `INSERT INTO his_nonces (institution_id, nonce, seen_unix) VALUES (?, ?, ?)`,
		c.inst, c.nonce, c.seen)
	if db.IsUniqueViolation(err) {
		return errNonce
	}
	return err
}

// Done marks the claim recorded (its Insert committed).
func (c *Claim) Done() { c.done.Store(true) }

// Pending reports whether the claim still has to be recorded (nil: no).
func (c *Claim) Pending() bool { return c != nil && !c.done.Load() }

// Record inserts the nonce in its own write (d) unless already done.
func (c *Claim) Record(ctx context.Context, d *db.DB) error {
	if !c.Pending() {
		return nil
	}
	if err := c.Insert(ctx, d); err != nil {
		return err
	}
	c.Done()
	return nil
}

// IsReplay reports whether err is the refusal of a nonce already used.
func IsReplay(err error) bool { return errors.Is(err, errNonce) }

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func checkTimestamp(ts string, now time.Time) error {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n <= 0 {
		return errTimestamp
	}
	t := time.Unix(n, 0)
	if len(ts) >= 13 { // milliseconds, as some gateways send
		t = time.UnixMilli(n)
	}
	if d := now.Sub(t); d > Window || d < -Window {
		return errTimestamp
	}
	return nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkSignature reads the institution of paasid with its secrets valid
// at now (one query) and compares the signature with each; an unknown
// paasid is not ok, like a wrong signature.
func (s *Service) checkSignature(ctx context.Context, paasid, ts, nonce, sig string, now time.Time) (Institution, bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+verifyCols+`, COALESCE(k.secret_enc, ''), COALESCE(k.key_id, '')
		FROM institutions i LEFT JOIN institution_secrets k ON k.institution_id = i.id
			AND (k.valid_until IS NULL OR k.valid_until > ?)
		WHERE i.paasid = ? ORDER BY k.id DESC`, db.Timestamp(now), paasid)
	if err != nil {
		return Institution{}, false, err
	}
	defer rows.Close()
	var in Institution
	match := false
	for rows.Next() {
		var sealed, keyID string
		if in, err = scan(rowWith{rows, []any{&sealed, &keyID}}); err != nil {
			return Institution{}, false, err
		}
		if sealed == "" {
			continue
		}
		secret, err := s.open(sealed, keyID, in.Code)
		if err != nil {
			return Institution{}, false, err
		}
		want := Sign(ts, secret, nonce)
		if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) == 1 {
			match = true
		}
	}
	return in, match, rows.Err()
}

// open is s.key.open through the service's secret cache: the rows are
// still read on every request (a suspended institution or a secret past
// its validity is refused at once), only the decryption of a sealed text
// already decrypted is skipped. An entry is keyed by everything the
// decryption depends on besides the service's key, which never changes:
// the sealed text, its key id and the institution code (the additional
// data); a rotated secret is a new sealed text, and a text that did not
// decrypt is never cached, so the answer is always the one open gives.
func (s *Service) open(sealed, keyID, code string) (string, error) {
	k := secretKey{sealed: sealed, keyID: keyID, code: code}
	if secret, ok := s.secrets.get(k); ok {
		return secret, nil
	}
	secret, err := s.key.open(sealed, keyID, code)
	if err == nil {
		s.secrets.put(k, secret)
	}
	return secret, err
}

// maxCachedSecrets bounds the secret cache: a county has a few hundred
// institutions with at most two usable secrets each, so the cache is
// emptied (and refills with what is used) only if something unusual, such
// as many rotations, fills it.
const maxCachedSecrets = 4096

// secretKey is what a decrypted secret depends on (see Service.open).
type secretKey struct{ sealed, keyID, code string }

// secretCache holds decrypted secrets. The zero value is ready for use; it
// is safe for concurrent use.
type secretCache struct {
	mu sync.RWMutex
	m  map[secretKey]string
}

func (c *secretCache) get(k secretKey) (string, bool) {
	c.mu.RLock()
	secret, ok := c.m[k]
	c.mu.RUnlock()
	return secret, ok
}

func (c *secretCache) put(k secretKey, secret string) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSecrets {
		c.m = make(map[secretKey]string)
	}
	c.m[k] = secret
	c.mu.Unlock()
}

// verifyCols are cols over institutions i (same order: scan reads them).
const verifyCols = `i.id, i.code, i.name, i.level, i.private, COALESCE(i.area_id, 0), i.in_county, i.agreement,
	i.networked, i.bank_name, i.bank_account_name, i.bank_account_no, i.status, i.status_since, i.paasid,
	i.created_at, i.updated_at`

// rowWith scans a row whose columns are scan's followed by extra.
type rowWith struct {
	rows  interface{ Scan(...any) error }
	extra []any
}

func (r rowWith) Scan(dest ...any) error { return r.rows.Scan(append(dest, r.extra...)...) }

// pruneState remembers when the nonce table was last pruned.
type pruneState struct {
	mu   sync.Mutex
	last time.Time
}

// maybePrune deletes nonces that can no longer be replayed (seen more than
// two windows ago: a request's timestamp is at most one window ahead), at
// most once a minute.
func (s *Service) maybePrune(ctx context.Context, now time.Time) {
	s.prune.mu.Lock()
	due := now.Sub(s.prune.last) > time.Minute || now.Before(s.prune.last)
	if due {
		s.prune.last = now
	}
	s.prune.mu.Unlock()
	if due {
		_, _ = s.db.ExecContext(ctx, `DELETE FROM his_nonces WHERE seen_unix < ?`, now.Add(-2*Window).Unix())
	}
}
