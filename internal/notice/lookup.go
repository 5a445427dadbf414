package notice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/idcard"
	"ncms/internal/money"
)

// Own is what a participant sees of their own records (SPEC §11): masked
// name and ID number, enrollments, every settlement and approved claim
// with its amounts (no diagnosis), and year-to-date totals.
type Own struct {
	Name        string          `json:"name"`      // masked
	IDMasked    string          `json:"id_masked"` // idcard.Mask
	Village     string          `json:"village"`
	Enrollments []OwnEnrollment `json:"enrollments"`
	Visits      []OwnVisit      `json:"visits"`
	Years       []OwnYear       `json:"years"`
}

// OwnEnrollment is one year of enrollment.
type OwnEnrollment struct {
	Year      int        `json:"year"`
	Tier      int        `json:"tier"`
	CoverFrom civil.Date `json:"cover_from"`
	CoverTo   civil.Date `json:"cover_to"`
	Cancelled bool       `json:"cancelled"`
}

// OwnVisit is one settlement or approved manual claim.
type OwnVisit struct {
	Date         civil.Date `json:"date"`
	Institution  string     `json:"institution"`
	Kind         string     `json:"kind"` // as VisitKindLabel
	TotalCost    money.Fen  `json:"total_cost"`
	Compensation money.Fen  `json:"compensation"`
	SelfPaid     money.Fen  `json:"self_paid"`
	Reversed     bool       `json:"reversed"` // a settlement later reversed (cancelled)
	Paid         bool       `json:"paid"`     // a claim already paid to the person
}

// OwnYear is the total of one year.
type OwnYear struct {
	Year         int       `json:"year"`
	Visits       int       `json:"visits"`
	TotalCost    money.Fen `json:"total_cost"`
	Compensation money.Fen `json:"compensation"`
}

// ErrNoMatch answers a lookup whose ID number and name do not match one
// person; it does not say which of the two was wrong.
var ErrNoMatch = apperr.New(apperr.NotFound, "no_match", "身份证号与姓名不匹配,或未登记", "the ID number and name do not match a registered person")

// Lookup finds the person with exactly this ID number and name and returns
// their own records. No login: callers must rate-limit it (Limiter).
func (s *Service) Lookup(ctx context.Context, idNumber, name string) (Own, error) {
	idNumber = idcard.Normalize(strings.TrimSpace(idNumber))
	name = strings.TrimSpace(name)
	var c apperr.Collector
	if idNumber == "" {
		c.AddField("id_number", "required", "请填写身份证号", "enter your ID number")
	}
	if name == "" {
		c.AddField("name", "required", "请填写姓名", "enter your name")
	}
	if err := c.Err(); err != nil {
		return Own{}, err
	}
	var o Own
	var pid int64
	var realName, path string
	err := s.db.QueryRowContext(ctx, `SELECT id, name, area_path FROM persons WHERE id_number = ?`, idNumber).Scan(&pid, &realName, &path)
	if err != nil || realName != name {
		if err == nil || isNoRows(err) {
			return o, ErrNoMatch
		}
		return o, err
	}
	o.Name, o.IDMasked = MaskName(realName), idcard.Mask(idNumber)
	tree, err := areaTree(ctx, s.db)
	if err != nil {
		return o, err
	}
	_, o.Village = placeOf(tree, path)
	if err := s.ownEnrollments(ctx, pid, &o); err != nil {
		return o, err
	}
	if err := s.ownVisits(ctx, pid, &o); err != nil {
		return o, err
	}
	return o, nil
}

func (s *Service) ownEnrollments(ctx context.Context, pid int64, o *Own) error {
	rows, err := s.db.QueryContext(ctx, `SELECT year, tier, cover_from, cover_to, cancelled_at IS NOT NULL FROM enrollments
		WHERE person_id = ? ORDER BY year DESC, id DESC`, pid)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e OwnEnrollment
		if err := rows.Scan(&e.Year, &e.Tier, &e.CoverFrom, &e.CoverTo, &e.Cancelled); err != nil {
			return err
		}
		o.Enrollments = append(o.Enrollments, e)
	}
	return rows.Err()
}

func (s *Service) ownVisits(ctx context.Context, pid int64, o *Own) error {
	rows, err := s.db.QueryContext(ctx, `
		SELECT s.setl_date, i.name, s.clr_type, 0, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_part_amt,
			EXISTS (SELECT 1 FROM settlements r WHERE r.reverses_id = s.id), FALSE, s.ytd_year
		FROM settlements s JOIN institutions i ON i.id = s.institution_id
		WHERE s.person_id = ? AND s.reverses_id IS NULL
		UNION ALL
		SELECT c.approved_date, i.name, c.clr_type, 1, c.medfee_sumamt, c.fund_pay_sumamt, c.psn_part_amt,
			FALSE, c.stage = 'paid', COALESCE(c.ytd_year, 0)
		FROM claims c JOIN institutions i ON i.id = c.institution_id
		WHERE c.person_id = ? AND c.stage IN ('approved', 'paid')
		ORDER BY 1 DESC`, pid, pid)
	if err != nil {
		return err
	}
	defer rows.Close()
	years := map[int]*OwnYear{}
	for rows.Next() {
		var v OwnVisit
		var clr string
		var claim, year int
		var cost, comp, self int64
		if err := rows.Scan(&v.Date, &v.Institution, &clr, &claim, &cost, &comp, &self, &v.Reversed, &v.Paid, &year); err != nil {
			return err
		}
		v.Kind = "outpatient"
		if clr == "21" {
			v.Kind = "inpatient"
		}
		if claim == 1 {
			v.Kind = "claim_" + v.Kind
		}
		v.TotalCost, v.Compensation, v.SelfPaid = money.Fen(cost), money.Fen(comp), money.Fen(self)
		o.Visits = append(o.Visits, v)
		if v.Reversed {
			continue
		}
		if year == 0 {
			year = v.Date.Year
		}
		y := years[year]
		if y == nil {
			y = &OwnYear{Year: year}
			years[year] = y
		}
		y.Visits++
		y.TotalCost += v.TotalCost
		y.Compensation += v.Compensation
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, y := range years {
		o.Years = append(o.Years, *y)
	}
	for i := 1; i < len(o.Years); i++ {
		for j := i; j > 0 && o.Years[j].Year > o.Years[j-1].Year; j-- {
			o.Years[j], o.Years[j-1] = o.Years[j-1], o.Years[j]
		}
	}
	return nil
}

// Limiter counts attempts per key in a fixed window and refuses beyond a
// limit: the public lookup is limited per client address and per ID number
// (keys are hashed, so no ID number is kept in memory in the clear). It is
// in memory: one ncms serve process.
type Limiter struct {
	Max    int
	Window time.Duration
	mu     sync.Mutex
	seen   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

// NewLimiter returns a limiter of max attempts per window.
func NewLimiter(max int, per time.Duration) *Limiter {
	return &Limiter{Max: max, Window: per, seen: map[string]*window{}}
}

// Allow counts an attempt for key at now and reports whether it is within
// the limit.
func (l *Limiter) Allow(key string, now time.Time) bool {
	h := sha256.Sum256([]byte(key))
	k := hex.EncodeToString(h[:16])
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) > 100000 {
		for kk, w := range l.seen {
			if now.Sub(w.start) >= l.Window {
				delete(l.seen, kk)
			}
		}
	}
	w := l.seen[k]
	if w == nil || now.Sub(w.start) >= l.Window {
		w = &window{start: now}
		l.seen[k] = w
	}
	w.n++
	return w.n <= l.Max
}

// ErrTooMany answers a lookup beyond the limit (HTTP 429).
var ErrTooMany = apperr.New(apperr.Unauthenticated, "rate_limited", "查询过于频繁,请稍后再试", "too many lookups: try again later")
