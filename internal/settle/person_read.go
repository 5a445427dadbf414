package settle

// Reads for the console's person page (internal/web/person_page.go): every
// settlement of a person, and the person's year-to-date totals against the
// caps of the scheme in force, with the cap steps the engine reported at
// the person's latest settlement of that scheme year. Nothing here applies
// a compensation rule: the limits left are what the engine reported.

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/scheme"
	"ncms/internal/schemestore"
)

// PersonSettlements lists a person's settlements and reversals, newest
// first (at most limit; 0 = 500). An institution sees only its own; an
// area user only people of its area.
func (s *Service) PersonSettlements(ctx context.Context, personID int64, limit int) ([]SettlementRow, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	where, args := `s.person_id = ?`, []any{personID}
	if a.Scope.IsInstitution() {
		where += ` AND s.institution_id = ?`
		args = append(args, a.Scope.InstitutionID)
	} else {
		if a.Scope.AreaPath == "" {
			return nil, errNotInstitution
		}
		cond, arg := a.Scope.AreaFilter("p.area_path")
		where += " AND " + cond
		if arg != nil {
			args = append(args, arg)
		}
	}
	rows, err := s.settlementRows(ctx, where, args...) // oldest first
	if err != nil {
		return nil, err
	}
	slices.Reverse(rows)
	return rows[:min(len(rows), limit)], nil
}

// CapPosition is one named cap of the scheme with the person's (or the
// household's) amount used so far this scheme year.
type CapPosition struct {
	Name      string
	Amounts   []money.Fen // the cap's amounts, one per row of the scheme (rows differ by conditions)
	Household bool        // a household cap (the household's total counts)
	PerVisit  bool        // limits each visit: nothing accumulates
	PerDay    bool        // limits each day of a stay: nothing to show for the year
	PerMember bool        // amount × household members
	Used      money.Fen   // paid against it this year (person or household pool)
}

// PersonYear is a person's position in the scheme year in force on a day.
type PersonYear struct {
	Date          civil.Date
	SchemeCode    string
	SchemeVersion int
	SchemeName    string
	From, To      civil.Date
	Year          int // the YTD year (the scheme period's first year)
	YTD           engine.YTD
	HouseholdYTD  engine.YTD
	Caps          []CapPosition
	// LastSettlement is the person's latest settlement of the year (0 if
	// none); LastCapSteps the engine's cap steps at it: limit, used before
	// it and left, as printed on its slip.
	LastSettlement int64
	LastCapSteps   []engine.Step
}

// PersonYearOn returns the person's year-to-date totals under the scheme
// in force on day d. No scheme in force is a not-found error.
func (s *Service) PersonYearOn(ctx context.Context, personID int64, d civil.Date) (PersonYear, error) {
	out := PersonYear{Date: d}
	if _, err := actorFrom(ctx); err != nil {
		return out, err
	}
	ver, err := s.schemes.InForce(ctx, s.db, d)
	if errors.Is(err, schemestore.ErrNone) {
		return out, errNoScheme
	}
	if err != nil {
		return out, err
	}
	sc := ver.Scheme
	out.SchemeCode, out.SchemeVersion, out.SchemeName, out.From, out.To = ver.Code, ver.Version, sc.Name, sc.From, sc.To
	out.Year = sc.From.Year
	var hh int64
	if err := s.db.QueryRowContext(ctx, `SELECT household_id FROM persons WHERE id = ?`, personID).Scan(&hh); err != nil {
		if db.IsNoRows(err) {
			return out, errPersonNotFound
		}
		return out, err
	}
	if out.YTD, err = readYTD(ctx, s.db, "ytd_persons", "person_id", personID, out.Year); err != nil {
		return out, err
	}
	if out.HouseholdYTD, err = readYTD(ctx, s.db, "ytd_households", "household_id", hh, out.Year); err != nil {
		return out, err
	}
	out.Caps = capPositions(sc, out.YTD, out.HouseholdYTD)
	if err := s.lastCapSteps(ctx, personID, ver, &out); err != nil {
		return out, err
	}
	return out, nil
}

// capPositions lists the scheme's named caps with the pools they fill.
func capPositions(sc *scheme.Scheme, person, household engine.YTD) []CapPosition {
	var out []CapPosition
	for g, name := range sc.CapNames {
		cp := CapPosition{Name: name}
		var key string
		for _, i := range sc.CapGroup(g) {
			c := sc.Caps[i]
			cp.Amounts = append(cp.Amounts, c.Amount)
			key = c.Key
			cp.Household = cp.Household || c.Per == scheme.PerHousehold
			cp.PerVisit = cp.PerVisit || c.Period == scheme.PerVisit
			cp.PerDay = cp.PerDay || c.Period == scheme.PerDay
			cp.PerMember = cp.PerMember || c.PerMember
		}
		pools := person.Pools
		if cp.Household {
			pools = household.Pools
		}
		if !cp.PerVisit && !cp.PerDay {
			for _, p := range pools { // "cap:x", and "cap:x#disease" for per-certificate caps
				if p.Key == key || strings.HasPrefix(p.Key, key+"#") {
					cp.Used += p.Amount
				}
			}
		}
		out = append(out, cp)
	}
	return out
}

// lastCapSteps fills the engine's cap steps of the person's latest
// unreversed settlement in the year of ver's scheme.
func (s *Service) lastCapSteps(ctx context.Context, personID int64, ver schemestore.Version, out *PersonYear) error {
	a, _ := actorFrom(ctx)
	where, args := `person_id = ? AND ytd_year = ? AND reverses_id IS NULL
		AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reverses_id = settlements.id)`, []any{personID, out.Year}
	if a.Scope.IsInstitution() {
		where += ` AND institution_id = ?`
		args = append(args, a.Scope.InstitutionID)
	}
	var id int64
	var text string
	err := s.db.QueryRowContext(ctx, `SELECT id, result_json FROM settlements WHERE `+where+` ORDER BY id DESC LIMIT 1`, args...).
		Scan(&id, &text)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var st Settlement
	if err := json.Unmarshal([]byte(text), &st); err != nil || st.Result == nil {
		return err
	}
	out.LastSettlement = id
	for _, st := range st.Result.Trace {
		if st.Code == "cap" {
			out.LastCapSteps = append(out.LastCapSteps, st)
		}
	}
	return nil
}

// errNoScheme is answered when no scheme is in force on the day asked.
var errNoScheme = apperr.New(apperr.NotFound, "no_scheme", "该日期没有生效的补偿方案", "no compensation scheme is in force on that day")
