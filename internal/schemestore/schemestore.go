// Package schemestore keeps compensation schemes (internal/scheme YAML) in
// the database as numbered, immutable versions, and answers "which scheme
// version is in force on this day". A settlement records the version it
// used, so a later version never changes a settled amount. Parsed schemes
// are cached by version id (a *scheme.Scheme is read-only and shared).
package schemestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/scheme"
)

// Status of a stored version.
const (
	Draft   = "draft"
	Active  = "active"
	Retired = "retired"
)

// Version is one stored scheme version.
type Version struct {
	ID            int64          `json:"id"`
	Code          string         `json:"code"`
	Version       int            `json:"version"`
	Area          string         `json:"area"`
	From, To      civil.Date     `json:"-"`
	EffectiveFrom civil.Date     `json:"effective_from"`
	Status        string         `json:"status"`
	SHA256        string         `json:"sha256"`
	Scheme        *scheme.Scheme `json:"-"`
}

// Store reads and writes scheme versions.
type Store struct {
	db       *db.DB
	mu       sync.RWMutex
	cache    map[int64]*scheme.Scheme
	versions map[int64]Version // by id, as found in force (InForceByID)
}

// New returns a store over d.
func New(d *db.DB) *Store {
	return &Store{db: d, cache: map[int64]*scheme.Scheme{}, versions: map[int64]Version{}}
}

// ErrNone is returned when no active scheme covers a day.
var ErrNone = apperr.New(apperr.Invalid, "no_scheme", "就诊日期没有生效的补偿方案", "no compensation scheme is in force on the visit date")

// Add parses and validates yaml and stores it as the next version of its
// scheme code. effectiveFrom zero means the start of the scheme's period.
// activate makes it active at once (else draft).
func (st *Store) Add(ctx context.Context, file string, yaml []byte, effectiveFrom civil.Date, activate bool) (Version, error) {
	s, err := scheme.Parse(file, yaml)
	if err != nil {
		return Version{}, apperr.New(apperr.Invalid, "scheme_invalid", "补偿方案有误: "+err.Error(), "invalid scheme: "+err.Error())
	}
	if effectiveFrom.IsZero() {
		effectiveFrom = s.From
	}
	sum := sha256.Sum256(yaml)
	v := Version{Code: s.ID, Area: s.Area, From: s.From, To: s.To, EffectiveFrom: effectiveFrom,
		Status: Draft, SHA256: hex.EncodeToString(sum[:]), Scheme: s}
	if activate {
		v.Status = Active
	}
	by := ""
	if a, ok := access.FromContext(ctx); ok {
		by = a.Username
	}
	err = st.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM schemes WHERE code = ?`, v.Code).Scan(&v.Version); err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO schemes (code, version, area, period_from, period_to, effective_from,
			status, yaml, sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.Code, v.Version, v.Area, v.From, v.To, v.EffectiveFrom, v.Status, string(yaml), v.SHA256,
			db.Timestamp(time.Now()), by)
		if err != nil {
			return err
		}
		v.ID = id
		return audit.Record(ctx, tx, "scheme.add", "scheme", id, nil, v)
	})
	if err != nil {
		return Version{}, err
	}
	st.put(v.ID, s)
	return v, nil
}

// SetStatus activates or retires a version.
func (st *Store) SetStatus(ctx context.Context, id int64, status string) error {
	if status != Active && status != Retired && status != Draft {
		return apperr.Field("status", "status", "状态应为 draft、active 或 retired", "status must be draft, active or retired")
	}
	return st.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE schemes SET status = ? WHERE id = ?`, status, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("补偿方案 / scheme")
		}
		return audit.Record(ctx, tx, "scheme.status", "scheme", id, nil, map[string]string{"status": status})
	})
}

// InForce returns the active version whose period contains d, the one with
// the latest effective_from on or before d (then the highest version).
func (st *Store) InForce(ctx context.Context, q db.Querier, d civil.Date) (Version, error) {
	return st.one(ctx, q, `WHERE status = 'active' AND period_from <= ? AND period_to >= ? AND effective_from <= ?
		ORDER BY effective_from DESC, version DESC, id DESC LIMIT 1`, d, d, d)
}

// InForceIDSQL returns a scalar subquery giving the id of the version
// InForce would return for the day that the SQL expression day holds (a
// column such as "v.begin_date"), or NULL. A reader that reads the day
// anyway — settlement reads the visit — finds the version in force in the
// same round trip and passes the id to InForceByID, which needs no query
// once the version has been read: the version in force is still decided
// by the database on every call (a version activated or retired by any
// process counts at once), only its immutable row is remembered.
func InForceIDSQL(day string) string {
	return `(SELECT id FROM schemes WHERE status = 'active' AND period_from <= ` + day + ` AND period_to >= ` + day +
		` AND effective_from <= ` + day + ` ORDER BY effective_from DESC, version DESC, id DESC LIMIT 1)`
}

// InForceByID returns the version whose id InForceIDSQL found (0: none,
// ErrNone). A version's row never changes but for its status, which
// InForceIDSQL has just checked, so after the first read it is served
// from memory with Status active.
func (st *Store) InForceByID(ctx context.Context, q db.Querier, id int64) (Version, error) {
	if id == 0 {
		return Version{}, ErrNone
	}
	st.mu.RLock()
	v, ok := st.versions[id]
	st.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := st.Get(ctx, q, id)
	if err != nil {
		return v, err
	}
	v.Status = Active
	st.mu.Lock()
	st.versions[id] = v
	st.mu.Unlock()
	return v, nil
}

// Get returns a version by id (whatever its status: settlements keep theirs).
func (st *Store) Get(ctx context.Context, q db.Querier, id int64) (Version, error) {
	return st.one(ctx, q, `WHERE id = ?`, id)
}

func (st *Store) one(ctx context.Context, q db.Querier, where string, args ...any) (Version, error) {
	var v Version
	err := q.QueryRowContext(ctx, `SELECT id, code, version, area, period_from, period_to, effective_from, status, sha256
		FROM schemes `+where, args...).Scan(&v.ID, &v.Code, &v.Version, &v.Area, &v.From, &v.To, &v.EffectiveFrom, &v.Status, &v.SHA256)
	if db.IsNoRows(err) {
		return v, ErrNone
	}
	if err != nil {
		return v, err
	}
	v.Scheme, err = st.parsed(ctx, q, v.ID)
	return v, err
}

// parsed returns the compiled scheme of version id, parsing it once.
func (st *Store) parsed(ctx context.Context, q db.Querier, id int64) (*scheme.Scheme, error) {
	st.mu.RLock()
	s := st.cache[id]
	st.mu.RUnlock()
	if s != nil {
		return s, nil
	}
	var text string
	if err := q.QueryRowContext(ctx, `SELECT yaml FROM schemes WHERE id = ?`, id).Scan(&text); err != nil {
		return nil, err
	}
	s, err := scheme.Parse("scheme#"+itoa(id), []byte(text))
	if err != nil {
		return nil, err
	}
	st.put(id, s)
	return s, nil
}

func (st *Store) put(id int64, s *scheme.Scheme) {
	st.mu.Lock()
	st.cache[id] = s
	st.mu.Unlock()
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
