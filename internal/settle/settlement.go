package settle

import (
	"context"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/institution"
	"ncms/internal/scheme"
	"ncms/internal/schemestore"
)

// prepared is what a settlement reads before its transaction: checks that
// need no lock (institution, person, block, coverage, scheme in force).
// The visit, person, block, the id of the scheme in force, the household's
// active members and — under EnrollCoverage — the coverage facts are one
// query (visitPerson; another coverage is asked on its own); the scheme
// version's row and its parsed form come from memory after the first
// settlement under it (schemestore.InForceByID).
type prepared struct {
	inst      institution.Institution
	visit     Visit
	person    personRow
	cov       CoverageInfo
	ver       schemestore.Version
	year      int
	household bool // the scheme has household caps: lock and update household totals
	members   int
}

func (s *Service) prepare(ctx context.Context, in institution.Institution, visitID int64) (*prepared, error) {
	p := &prepared{inst: in}
	r, err := s.visitPerson(ctx, in.ID, visitID)
	if err != nil {
		return nil, err
	}
	p.visit, p.person = r.visit, r.person
	if p.visit.Status == Cancelled {
		return nil, errVisitClosed
	}
	if p.cov, err = s.checkVisitPerson(ctx, &r); err != nil {
		return nil, err
	}
	if p.ver, err = s.schemes.InForceByID(ctx, s.db, r.schemeID); err != nil {
		return nil, err
	}
	p.year = p.ver.Scheme.From.Year
	for _, c := range p.ver.Scheme.Caps {
		if c.Per == scheme.PerHousehold {
			p.household = true
		}
	}
	if p.household { // counted in the visit query
		p.members = r.members
	}
	return p, nil
}

// totals are the YTD values a computation started from.
type totals struct{ person, household engine.YTD }

// compute runs the engine on the visit's unsettled lines. With lock (in a
// settlement transaction) the totals are locked first, then the visit; the
// engine works on exactly the locked totals.
func (s *Service) compute(ctx context.Context, q db.Querier, p *prepared, lock bool) (*engine.Result, Visit, totals, error) {
	var t totals
	var err error
	tx, _ := q.(*db.Tx)
	now := s.stamp()
	switch {
	case lock && p.household:
		if t.household, err = lockHouseholdYTD(ctx, tx, p.person.HouseholdID, p.year, now); err != nil {
			return nil, Visit{}, t, err
		}
	case p.household:
		if t.household, err = readYTD(ctx, q, "ytd_households", "household_id", p.person.HouseholdID, p.year); err != nil {
			return nil, Visit{}, t, err
		}
	}
	if lock {
		t.person, err = lockPersonYTD(ctx, tx, p.person.ID, p.year, now)
	} else {
		t.person, err = readYTD(ctx, q, "ytd_persons", "person_id", p.person.ID, p.year)
	}
	if err != nil {
		return nil, Visit{}, t, err
	}
	v, err := loadVisit(ctx, q, p.inst.ID, p.visit.ID, lock)
	if err != nil {
		return nil, v, t, err
	}
	switch {
	case v.Status == Cancelled:
		return nil, v, t, errVisitClosed
	case v.ClrType == "21" && v.Status != Discharged:
		return nil, v, t, errNotDischarged
	}
	lines, err := openLines(ctx, q, v.ID)
	if err != nil {
		return nil, v, t, err
	}
	if len(lines) == 0 {
		return nil, v, t, errNoLines
	}
	in, err := p.input(v, lines, t)
	if err != nil {
		return nil, v, t, err
	}
	r, err := engine.Calculate(p.ver.Scheme, in, engine.Options{Trace: s.trace})
	return r, v, t, err
}

// input builds the engine input.
func (p *prepared) input(v Visit, lines []engine.Line, t totals) (*engine.Input, error) {
	kind, err := kindFor(p.ver.Scheme, v.MedType)
	if err != nil {
		return nil, err
	}
	in := &engine.Input{
		Person: engine.Person{ID: strconv.FormatInt(p.person.ID, 10), Birth: p.person.Birth, Sex: p.person.Sex,
			Tier: p.cov.Tier, Categories: p.person.Categories, CoverFrom: p.cov.From, CoverTo: p.cov.To,
			HouseholdMembers: p.members},
		Visit: engine.Visit{ID: strconv.FormatInt(v.ID, 10), Kind: kind, Level: string(p.inst.Level),
			InCounty: p.inst.InCounty, Agreement: p.inst.Agreement, Referral: v.Referral, Start: v.Begin,
			End: v.End, Diagnoses: v.Diagnoses},
		Lines: lines, YTD: t.person, Household: t.household,
	}
	if k, ok := p.ver.Scheme.KindIndex(kind); ok && p.ver.Scheme.Kinds[k].Certificate != "" && len(v.Diagnoses) > 0 {
		in.Visit.Disease = v.Diagnoses[0]
	}
	return in, nil
}

// openLines reads the visit's unsettled lines as engine lines, in upload order.
func openLines(ctx context.Context, q db.Querier, visitID int64) ([]engine.Line, error) {
	rows, err := q.QueryContext(ctx, `SELECT feedetl_sn, code, name, class, selfpay_bp, price_cap, essential, restricted,
		levels, approval, qty, price, total, fee_date FROM fee_lines WHERE visit_id = ? AND status = 'open' ORDER BY id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []engine.Line
	for rows.Next() {
		var l engine.Line
		var class, levels string
		var selfpay, cap, qty, price, total int64
		if err := rows.Scan(&l.ID, &l.Code, &l.Name, &class, &selfpay, &cap, &l.Essential, &l.Restricted, &levels,
			&l.Approval, &qty, &price, &total, &l.Date); err != nil {
			return nil, err
		}
		if err := l.Class.UnmarshalText([]byte(class)); err != nil {
			return nil, err
		}
		l.SelfPay, l.PriceCap, l.Qty, l.Price, l.Total = engine.Ratio(selfpay), engine.Price(cap), engine.Qty(qty), engine.Price(price), moneyFen(total)
		if levels != "" {
			l.Levels = strings.Split(levels, ",")
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// PreSettle computes the settlement of the visit's unsettled lines with the
// person's current totals (2206 / 2303) and commits nothing.
func (s *Service) PreSettle(ctx context.Context, r SettleRequest) (Settlement, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return Settlement{}, err
	}
	p, err := s.prepare(ctx, in, r.VisitID)
	if err != nil {
		return Settlement{}, err
	}
	res, v, _, err := s.compute(ctx, s.db, p, false)
	if err != nil {
		return Settlement{}, err
	}
	if err := checkMedFee(r, res); err != nil {
		return Settlement{}, err
	}
	return p.settlement(res, v, s, r), nil
}

// Settle settles the visit's unsettled lines (2207 / 2304): in one
// transaction it locks the totals, computes on them, stores the settlement
// with its fund rows, scheme version and trace, marks the lines settled,
// updates the totals and writes the audit row. With a MsgID a retry gets
// the original settlement.
func (s *Service) Settle(ctx context.Context, r SettleRequest) (Settlement, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return Settlement{}, err
	}
	var out Settlement
	m := newMessage(in.ID, r.MsgID, InfSettleOut, r)
	// The msgid is looked up only when something fails (here or in once):
	// a retry of a settled message fails on its own and gets the answer.
	p, err := s.prepare(ctx, in, r.VisitID)
	if err != nil {
		if r.MsgID != "" {
			if found, rerr := s.replayFresh(ctx, m, &out); found || rerr != nil {
				return out, rerr
			}
		}
		return Settlement{}, err
	}
	err = s.once(ctx, m, &out, func(tx *db.Tx) (effect, error) {
		res, v, _, err := s.compute(ctx, tx, p, true)
		if err != nil {
			return effect{}, err
		}
		if err := checkMedFee(r, res); err != nil {
			return effect{}, err
		}
		out = p.settlement(res, v, s, r)
		if err := s.store(ctx, tx, p.person.HouseholdID, p.year, &out, p.household); err != nil {
			return effect{}, err
		}
		lines, err := s.markSettled(ctx, tx, out.ID, v.ID)
		if err != nil {
			return effect{}, err
		}
		if err := s.screenSettled(ctx, tx, p, v, &out, lines); err != nil {
			return effect{}, err
		}
		return effect{"settlement", out.ID}, audit.Record(ctx, tx, "settle.settle", "settlement", out.ID, nil, auditView(&out))
	})
	return out, err
}

func checkMedFee(r SettleRequest, res *engine.Result) error {
	if r.MedFee != 0 && r.MedFee != res.MedFee {
		return apperr.Field("medfee_sumamt", "medfee_mismatch", "医疗费总额 "+r.MedFee.String()+" 与明细合计 "+res.MedFee.String()+" 不符",
			"medfee_sumamt "+r.MedFee.String()+" differs from the lines' total "+res.MedFee.String())
	}
	return nil
}

// settlement builds the answer (ID 0 until stored).
func (p *prepared) settlement(res *engine.Result, v Visit, s *Service, r SettleRequest) Settlement {
	now := s.now()
	return Settlement{VisitID: v.ID, InstitutionID: p.inst.ID, PersonID: p.person.ID, PersonName: p.person.Name,
		IDNumber: p.person.IDNumber, Sex: p.person.Sex, Birth: p.person.Birth, Age: p.person.Birth.AgeOn(v.Begin),
		Tier: p.cov.Tier, MedType: v.MedType, ClrType: res.ClrType, Kind: res.Kind, SchemeID: p.ver.ID,
		SchemeCode: p.ver.Code, SchemeVersion: p.ver.Version, Time: now.UTC(), Date: civil.Of(now.In(China)),
		MsgID: r.MsgID, Invoice: r.Invoice, CashPay: res.Patient, Result: res}
}

func auditView(st *Settlement) map[string]any {
	return map[string]any{"setl_id": st.ID, "mdtrt_id": st.VisitID, "reverses": st.Reverses,
		"medfee_sumamt": st.Result.MedFee, "fund_pay_sumamt": st.Result.FundTotal, "scheme_id": st.SchemeID,
		"medins_setl_id": st.MsgID}
}
