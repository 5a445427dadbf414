package settle

import (
	"context"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/institution"
	"ncms/internal/scheme"
	"ncms/internal/schemestore"
)

// This file is the entry point of manual reimbursement (internal/claims,
// SPEC §8): a bill the patient paid in full, filed after the event, is
// computed with exactly the engine input, scheme version and year-to-date
// totals a real-time settlement of the same bill would use, and approving
// it updates the totals in the caller's transaction under the same per-person
// lock, so claims and settlements see each other. Nothing here writes to
// visits, fee_lines or settlements: a claim is paid to the person, never
// advanced by the institution, so it stays out of institution statements.

// ClaimBill is a bill filed for manual reimbursement.
type ClaimBill struct {
	Ref           string // the claim's reference (engine visit id), e.g. "claim:12"
	PersonID      int64
	InstitutionID int64      // the institution that treated (any status; may be out of county)
	MedType       string     // HIS med_type: 11, 12, 13, 14, 51 outpatient; 21, 22, 23, 26, 52 inpatient
	Begin, End    civil.Date // visit or admission day; discharge day (inpatient)
	Diagnoses     []string
	Referral      bool // referred, or out-of-area treatment registered
	Statement     bool // village statement of how an injury happened received
	ThirdParty    bool // traffic accident or third party liable
	Lines         []engine.Line
}

// ClaimLine is one line of a filed bill, checked against the catalogue on
// its date and split by the engine as an upload would.
type ClaimLine struct {
	CatalogID int64
	Line      engine.Line      // with the catalogue terms: the snapshot to store
	Split     engine.LineSplit // the split at filing
	ChrgitmLv string           // 01 A, 02 B, 03 C
}

// ClaimResult is a claim's computation.
type ClaimResult struct {
	SchemeID      int64
	SchemeCode    string
	SchemeVersion int
	Year          int // YTD year: the year the scheme period starts
	HouseholdID   int64
	Result        *engine.Result
}

// ClassifyClaimLines looks every line up in the catalogue on its date (an
// unknown code is refused, naming it) and splits it with the engine for an
// institution of the given level, exactly as UploadLines does.
func (s *Service) ClassifyClaimLines(ctx context.Context, institutionID int64, medType string, begin civil.Date, lines []LineInput) ([]ClaimLine, error) {
	if err := checkLineInputs(lines); err != nil {
		return nil, err
	}
	in, err := institution.Load(ctx, s.db, institutionID)
	if err != nil {
		return nil, err
	}
	if err := s.screenClaim(ctx, 0, institutionID, begin); err != nil {
		return nil, err
	}
	if err := checkMedType(medType, ""); err != nil {
		return nil, err
	}
	staged, err := s.stage(ctx, Visit{MedType: medType, Begin: begin}, string(in.Level), lines)
	if err != nil {
		return nil, err
	}
	out := make([]ClaimLine, len(staged))
	for i, st := range staged {
		if st.in.InitSN != "" {
			return nil, apperr.Field("feedetail["+st.in.SN+"].init_feedetl_sn", "refund",
				"手工报销不接受退费明细,请录入实际收费", "a claim has no refund lines: enter what was finally charged")
		}
		out[i] = ClaimLine{CatalogID: st.entry.ID, Line: st.line, Split: st.split, ChrgitmLv: st.entry.ChrgitmLv()}
	}
	return out, nil
}

// CheckClaimPerson refuses a person who died or moved out before day d, or
// who is not covered on d, or blacklisted by supervision with effect "block"
// (Options.Screen). (A person blocked from real-time settlement by Block may
// still file: the claim is reviewed by hand.)
func (s *Service) CheckClaimPerson(ctx context.Context, personID int64, d civil.Date) error {
	p, err := loadPerson(ctx, s.db, personID)
	if err != nil {
		return err
	}
	if err := s.screenClaim(ctx, personID, 0, d); err != nil {
		return err
	}
	_, err = s.claimCoverage(ctx, p, d)
	return err
}

func (s *Service) claimCoverage(ctx context.Context, p personRow, d civil.Date) (CoverageInfo, error) {
	if (p.Status == "deceased" || p.Status == "moved_out") && d.After(p.StatusDay) {
		return CoverageInfo{}, apperr.New(apperr.Conflict, "person_"+p.Status, "就诊日期晚于人员死亡或迁出日期("+p.StatusDay.String()+")",
			"the visit is after the person's death or move-out ("+p.StatusDay.String()+")")
	}
	cov, err := s.coverage.CoveredOn(ctx, s.db, p.ID, d)
	if err != nil {
		return cov, err
	}
	if !cov.Covered {
		return cov, apperr.New(apperr.Conflict, "not_covered", "就诊日期 "+d.String()+" 不在参合待遇期内: "+cov.Zh,
			"not covered on "+d.String()+": "+cov.En)
	}
	return cov, nil
}

// prepareClaim is prepare for a claim: the reads that need no lock.
func (s *Service) prepareClaim(ctx context.Context, b *ClaimBill) (*prepared, Visit, error) {
	mt, ok := medTypes[b.MedType]
	if !ok {
		return nil, Visit{}, errMedType(b.MedType)
	}
	in, err := institution.Load(ctx, s.db, b.InstitutionID)
	if err != nil {
		return nil, Visit{}, err
	}
	p := &prepared{inst: in}
	if p.person, err = loadPerson(ctx, s.db, b.PersonID); err != nil {
		return nil, Visit{}, err
	}
	if p.cov, err = s.claimCoverage(ctx, p.person, b.Begin); err != nil {
		return nil, Visit{}, err
	}
	if p.ver, err = s.schemes.InForce(ctx, s.db, b.Begin); err != nil {
		return nil, Visit{}, err
	}
	p.year = p.ver.Scheme.From.Year
	p.household = hasHouseholdCap(p.ver)
	if p.household {
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE household_id = ? AND status = 'active'`,
			p.person.HouseholdID).Scan(&p.members)
	}
	v := Visit{InstitutionID: in.ID, PersonID: p.person.ID, HouseholdID: p.person.HouseholdID, ClrType: mt.clr,
		MedType: b.MedType, Begin: b.Begin, End: b.End, Diagnoses: b.Diagnoses,
		Referral: b.Referral || mt.referral, Status: Discharged}
	p.visit = v
	return p, v, err
}

func hasHouseholdCap(v schemestore.Version) bool {
	for _, c := range v.Scheme.Caps {
		if c.Per == scheme.PerHousehold {
			return true
		}
	}
	return false
}

// claimInput builds the engine input: the settlement's input plus what only
// a claim knows (the village statement, third-party liability).
func (p *prepared) claimInput(b *ClaimBill, v Visit, t totals) (*engine.Input, error) {
	if len(b.Lines) == 0 {
		return nil, errNoLines
	}
	lines := append([]engine.Line(nil), b.Lines...)
	in, err := p.input(v, lines, t)
	if err != nil {
		return nil, err
	}
	in.Visit.ID = b.Ref
	if in.Visit.ID == "" {
		in.Visit.ID = "claim"
	}
	in.Visit.InjuryStatement, in.Visit.ThirdParty = b.Statement, b.ThirdParty
	return in, nil
}

// PreviewClaim computes the claim on the person's current totals and
// commits nothing (the review pages show it).
func (s *Service) PreviewClaim(ctx context.Context, b ClaimBill) (ClaimResult, error) {
	p, v, err := s.prepareClaim(ctx, &b)
	if err != nil {
		return ClaimResult{}, err
	}
	var t totals
	if p.household {
		if t.household, err = readYTD(ctx, s.db, "ytd_households", "household_id", p.person.HouseholdID, p.year); err != nil {
			return ClaimResult{}, err
		}
	}
	if t.person, err = readYTD(ctx, s.db, "ytd_persons", "person_id", p.person.ID, p.year); err != nil {
		return ClaimResult{}, err
	}
	in, err := p.claimInput(&b, v, t)
	if err != nil {
		return ClaimResult{}, err
	}
	r, err := engine.Calculate(p.ver.Scheme, in, engine.Options{Trace: true})
	if err != nil {
		return ClaimResult{}, err
	}
	return p.claimResult(r), nil
}

// SettleClaim computes the claim inside tx on the person's (and household's)
// locked year-to-date totals, exactly as Settle does (lock order household →
// person), and writes the new totals. The caller stores the result with the
// claim in the same transaction. The reads that need no lock run on the
// service's database before; call it inside d.InTx (it is retried whole).
func (s *Service) SettleClaim(ctx context.Context, tx *db.Tx, b ClaimBill) (ClaimResult, error) {
	p, v, err := s.prepareClaim(ctx, &b)
	if err != nil {
		return ClaimResult{}, err
	}
	now := s.stamp()
	var t totals
	if p.household {
		if t.household, err = lockHouseholdYTD(ctx, tx, p.person.HouseholdID, p.year, now); err != nil {
			return ClaimResult{}, err
		}
	}
	if t.person, err = lockPersonYTD(ctx, tx, p.person.ID, p.year, now); err != nil {
		return ClaimResult{}, err
	}
	in, err := p.claimInput(&b, v, t)
	if err != nil {
		return ClaimResult{}, err
	}
	r, err := engine.Calculate(p.ver.Scheme, in, engine.Options{Trace: true})
	if err != nil {
		return ClaimResult{}, err
	}
	if err := writePersonYTD(ctx, tx, p.person.ID, p.year, r.YTD, now); err != nil {
		return ClaimResult{}, err
	}
	if p.household && len(r.HouseholdDelta.Pools) > 0 {
		if err := writeHouseholdYTD(ctx, tx, p.person.HouseholdID, p.year, r.HouseholdYTD, now); err != nil {
			return ClaimResult{}, err
		}
	}
	return p.claimResult(r), nil
}

func (p *prepared) claimResult(r *engine.Result) ClaimResult {
	return ClaimResult{SchemeID: p.ver.ID, SchemeCode: p.ver.Code, SchemeVersion: p.ver.Version, Year: p.year,
		HouseholdID: p.person.HouseholdID, Result: r}
}

// ClaimRef is the engine visit id of claim id.
func ClaimRef(id int64) string { return "claim:" + strconv.FormatInt(id, 10) }
