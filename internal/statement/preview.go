package statement

import (
	"context"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// yearFigs are an institution's withholding figures for a year as they
// stand, and what still keeps the year open.
type yearFigs struct {
	BaseMedFee, BaseSelfPaid, Withheld money.Fen
	SelfPayLimit                       money.Rate
	Pending                            int // statements of the year awaiting check or approval
	Untaken                            int // settlements dated in or before the year in no statement
}

func yearFigures(ctx context.Context, q db.Querier, inst int64, year int) (yearFigs, error) {
	var f yearFigs
	from, to := Period{year, 1}.String(), Period{year, 12}.String()
	if err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM statements WHERE institution_id = ? AND period >= ? AND period <= ? AND status IN (?, ?)),
		(SELECT COUNT(*) FROM settlements s WHERE s.institution_id = ? AND s.setl_date <= ?
			AND NOT EXISTS (SELECT 1 FROM statement_settlements t WHERE t.settlement_id = s.id))`,
		inst, from, to, Draft, Checked, inst, civil.New(year, 12, 31)).Scan(&f.Pending, &f.Untaken); err != nil {
		return f, err
	}
	var med, self, withheld int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(base_medfee), 0), COALESCE(SUM(base_selfpaid), 0),
		COALESCE(SUM(withheld), 0) FROM statements WHERE institution_id = ? AND period >= ? AND period <= ?`,
		inst, from, to).Scan(&med, &self, &withheld); err != nil {
		return f, err
	}
	terms, _, err := loadTerms(ctx, q, inst, year)
	if err != nil {
		return f, err
	}
	f.BaseMedFee, f.BaseSelfPaid, f.Withheld, f.SelfPayLimit = money.Fen(med), money.Fen(self), money.Fen(withheld), terms.SelfPayLimit
	return f, nil
}

func errYearOpen(year int) error {
	y := strconv.Itoa(year)
	return apperr.New(apperr.Conflict, "year_open", y+" 年度尚有未审批的结算单或未结算的记录",
		"the year "+y+" still has statements awaiting approval or settlements in no statement")
}

// TrueUpPreview is what YearEnd would record for an institution now (the
// recorded true-up when Done), and what still keeps the year open.
type TrueUpPreview struct {
	TrueUp
	Done    bool `json:"done"`    // already trued up: TrueUp is the recorded one
	Ended   bool `json:"ended"`   // the year has ended
	Pending int  `json:"pending"` // statements of the year awaiting check or approval
	Untaken int  `json:"untaken"` // settlements of the year in no statement yet
}

// Ready reports whether YearEnd may be made now.
func (p TrueUpPreview) Ready() bool { return !p.Done && p.Ended && p.Pending == 0 && p.Untaken == 0 }

// PreviewYearEnd computes, without recording anything, the true-up of an
// institution's withholding for a year as YearEnd would make it now (any
// reader of the institution's statements).
func (s *Service) PreviewYearEnd(ctx context.Context, institutionID int64, year int) (TrueUpPreview, error) {
	if _, err := readScopeFor(ctx, institutionID); err != nil {
		return TrueUpPreview{}, err
	}
	p := TrueUpPreview{TrueUp: TrueUp{InstitutionID: institutionID, Year: year}, Ended: s.Today().After(civil.New(year, 12, 31))}
	done, err := s.TrueUps(ctx, year)
	if err != nil {
		return p, err
	}
	for _, t := range done {
		if t.InstitutionID == institutionID {
			p.TrueUp, p.Done = t, true
			return p, nil
		}
	}
	fig, err := yearFigures(ctx, s.db, institutionID, year)
	if err != nil {
		return p, err
	}
	p.BaseMedFee, p.BaseSelfPaid, p.Withheld, p.SelfPayLimit = fig.BaseMedFee, fig.BaseSelfPaid, fig.Withheld, fig.SelfPayLimit
	p.Pending, p.Untaken = fig.Pending, fig.Untaken
	p.Settle()
	return p, nil
}
