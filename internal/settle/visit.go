package settle

import (
	"context"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/enroll"
	"ncms/internal/schemestore"
)

// Register registers an outpatient visit (2201).
func (s *Service) Register(ctx context.Context, r VisitRequest) (Visit, error) {
	return s.open(ctx, r, "11", InfRegister)
}

// Admit registers an admission (2401).
func (s *Service) Admit(ctx context.Context, r VisitRequest) (Visit, error) {
	return s.open(ctx, r, "21", InfAdmit)
}

func (s *Service) open(ctx context.Context, r VisitRequest, clr, infno string) (Visit, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return Visit{}, err
	}
	r.Diagnoses = cleanCodes(r.Diagnoses)
	if err := checkVisitRequest(r, clr); err != nil {
		return Visit{}, err
	}
	p, reason, blocked, err := personBlock(ctx, s.db, r.PersonID)
	if err != nil {
		return Visit{}, err
	}
	if _, err := s.checkPersonBlock(ctx, p, r.Begin, reason, blocked); err != nil {
		return Visit{}, err
	}
	v := Visit{InstitutionID: in.ID, PersonID: p.ID, HouseholdID: p.HouseholdID, ClrType: clr, MedType: r.MedType,
		IptOtpNo: strings.TrimSpace(r.IptOtpNo), Begin: r.Begin, Diagnoses: r.Diagnoses,
		Referral: r.Referral || medTypes[r.MedType].referral, Status: Open}
	var out Visit
	err = s.once(ctx, newMessage(in.ID, r.MsgID, infno, r), &out, func(tx *db.Tx) (effect, error) {
		now := s.stamp()
		id, err := tx.InsertID(ctx, `INSERT INTO visits (institution_id, person_id, household_id, clr_type, med_type,
			ipt_otp_no, begin_date, diagnoses, referral, dept_name, doctor_name, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.InstitutionID, v.PersonID, v.HouseholdID, clr,
			v.MedType, v.IptOtpNo, v.Begin, strings.Join(v.Diagnoses, ","), v.Referral, r.DeptName, r.DoctorName, Open, now, now)
		if db.IsUniqueViolation(err) {
			return effect{}, apperr.New(apperr.Conflict, "duplicate_visit", "该就诊流水号(ipt_otp_no)已登记", "this ipt_otp_no is already registered")
		}
		if err != nil {
			return effect{}, err
		}
		out = v
		out.ID = id
		return effect{"visit", id}, audit.Record(ctx, tx, "visit.open", "visit", id, nil, out)
	})
	return out, err
}

func checkVisitRequest(r VisitRequest, clr string) error {
	var c apperr.Collector
	if r.PersonID <= 0 {
		c.AddField("psn_no", "required", "缺少人员编号", "psn_no is required")
	}
	if err := checkMedType(r.MedType, clr); err != nil {
		e, _ := apperr.As(err)
		c.Add(e.Fields[0])
	}
	if !r.Begin.Valid() {
		c.AddField("begntime", "date", "缺少就诊/入院日期", "begntime (visit date) is required")
	}
	if len(r.IptOtpNo) > 30 {
		c.AddField("ipt_otp_no", "too_long", "就诊流水号过长", "ipt_otp_no is too long")
	}
	checkCodes(&c, r.Diagnoses)
	return c.Err()
}

// checkCodes checks ICD-10 codes: a letter, two digits, optional ".x...".
func checkCodes(c *apperr.Collector, codes []string) {
	for _, code := range codes {
		if !icd10(code) {
			c.AddField("dise_codg", "icd10", "疾病编码 "+code+" 不是ICD-10编码", "diagnosis "+code+" is not an ICD-10 code")
		}
	}
}

func icd10(s string) bool {
	if len(s) < 3 || len(s) > 12 || s[0] < 'A' || s[0] > 'Z' || !digit(s[1]) || !digit(s[2]) {
		return false
	}
	for i := 3; i < len(s); i++ {
		if c := s[i]; !(digit(c) || c == '.' || c == 'x' || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

func cleanCodes(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Update changes a visit's med_type and diagnoses (2203).
func (s *Service) Update(ctx context.Context, r UpdateRequest) (Visit, error) {
	r.Diagnoses = cleanCodes(r.Diagnoses)
	var c apperr.Collector
	checkCodes(&c, r.Diagnoses)
	if err := c.Err(); err != nil {
		return Visit{}, err
	}
	return s.changeVisit(ctx, r.MsgID, InfUpdate, r, r.VisitID, func(v *Visit) error {
		if v.Status == Cancelled {
			return errVisitClosed
		}
		if r.MedType != "" {
			if err := checkMedType(r.MedType, v.ClrType); err != nil {
				return err
			}
			v.MedType = r.MedType
		}
		if len(r.Diagnoses) > 0 {
			v.Diagnoses = r.Diagnoses
		}
		return nil
	})
}

// Discharge discharges an admission (2402).
func (s *Service) Discharge(ctx context.Context, r DischargeRequest) (Visit, error) {
	r.Diagnoses = cleanCodes(r.Diagnoses)
	var c apperr.Collector
	checkCodes(&c, r.Diagnoses)
	if !r.End.Valid() {
		c.AddField("endtime", "date", "缺少出院日期", "endtime (discharge date) is required")
	}
	if err := c.Err(); err != nil {
		return Visit{}, err
	}
	return s.changeVisit(ctx, r.MsgID, InfDischarge, r, r.VisitID, func(v *Visit) error {
		switch {
		case v.ClrType != "21":
			return apperr.New(apperr.Conflict, "not_admission", "门诊就诊不能办理出院", "an outpatient visit cannot be discharged")
		case v.Status != Open:
			return errVisitClosed
		case r.End.Before(v.Begin):
			return apperr.Field("endtime", "date", "出院日期早于入院日期", "discharge date before admission date")
		}
		v.End, v.Status = r.End, Discharged
		if len(r.Diagnoses) > 0 {
			v.Diagnoses = r.Diagnoses
		}
		return nil
	})
}

// Cancel cancels a registration (2202) or an admission (2404): only while
// no line is settled. Its unsettled lines are revoked.
func (s *Service) Cancel(ctx context.Context, r VisitRef) (Visit, error) {
	return s.changeVisit(ctx, r.MsgID, InfCancelReg, r, r.VisitID, func(v *Visit) error {
		if v.Status == Cancelled {
			return errVisitClosed
		}
		v.Status = Cancelled
		return nil
	})
}

// changeVisit locks the visit, applies change and writes it back.
func (s *Service) changeVisit(ctx context.Context, msgID, infno string, req any, id int64, change func(*Visit) error) (Visit, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return Visit{}, err
	}
	var out Visit
	err = s.once(ctx, newMessage(in.ID, msgID, infno, req), &out, func(tx *db.Tx) (effect, error) {
		v, err := loadVisit(ctx, tx, in.ID, id, true)
		if err != nil {
			return effect{}, err
		}
		before := v
		if err := change(&v); err != nil {
			return effect{}, err
		}
		if v.Status == Cancelled {
			if err := cancelLines(ctx, tx, v.ID); err != nil {
				return effect{}, err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE visits SET med_type = ?, diagnoses = ?, end_date = ?, status = ?, updated_at = ?
			WHERE id = ?`, v.MedType, strings.Join(v.Diagnoses, ","), v.End, v.Status, s.stamp(), v.ID)
		if err != nil {
			return effect{}, err
		}
		out = v
		return effect{"visit_change", v.ID}, audit.Record(ctx, tx, "visit."+infno, "visit", v.ID, before, v)
	})
	return out, err
}

// cancelLines refuses when a line is settled and revokes the open ones.
func cancelLines(ctx context.Context, tx *db.Tx, visitID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM fee_lines WHERE visit_id = ? AND status = 'settled'`, visitID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errHasSettled
	}
	_, err := tx.ExecContext(ctx, `UPDATE fee_lines SET status = 'revoked' WHERE visit_id = ? AND status = 'open'`, visitID)
	return err
}

const visitCols = `id, institution_id, person_id, household_id, clr_type, med_type, ipt_otp_no, begin_date,
	end_date, diagnoses, referral, status`

// loadVisit reads a visit of institution inst (another's is not found),
// locking it on PostgreSQL when lock is set.
func loadVisit(ctx context.Context, q db.Querier, inst, id int64, lock bool) (Visit, error) {
	var v Visit
	var diag string
	suffix := ""
	if tx, ok := q.(*db.Tx); ok && lock {
		suffix = tx.DB().ForUpdate()
	}
	err := q.QueryRowContext(ctx, `SELECT `+visitCols+` FROM visits WHERE id = ? AND institution_id = ?`+suffix, id, inst).Scan(
		&v.ID, &v.InstitutionID, &v.PersonID, &v.HouseholdID, &v.ClrType, &v.MedType, &v.IptOtpNo, &v.Begin,
		&v.End, &diag, &v.Referral, &v.Status)
	if db.IsNoRows(err) {
		return v, errVisitNotFound
	}
	if diag != "" {
		v.Diagnoses = strings.Split(diag, ",")
	}
	return v, err
}

// GetVisit returns a visit of the actor's institution (county staff: any).
func (s *Service) GetVisit(ctx context.Context, id int64) (Visit, error) {
	inst, err := s.readScope(ctx)
	if err != nil {
		return Visit{}, err
	}
	if inst == 0 {
		if err := s.db.QueryRowContext(ctx, `SELECT institution_id FROM visits WHERE id = ?`, id).Scan(&inst); db.IsNoRows(err) {
			return Visit{}, errVisitNotFound
		} else if err != nil {
			return Visit{}, err
		}
	}
	return loadVisit(ctx, s.db, inst, id, false)
}

// personRow is what settlement needs of a person.
type personRow struct {
	ID, HouseholdID  int64
	Name, IDNumber   string
	Sex, Status      string
	Birth, StatusDay civil.Date
	Categories       []string
}

func loadPerson(ctx context.Context, q db.Querier, id int64) (personRow, error) {
	var p personRow
	var cats string
	err := q.QueryRowContext(ctx, `SELECT id, household_id, name, COALESCE(id_number, ''), sex, status, birth_date,
		status_date, categories FROM persons WHERE id = ?`, id).Scan(&p.ID, &p.HouseholdID, &p.Name, &p.IDNumber,
		&p.Sex, &p.Status, &p.Birth, &p.StatusDay, &cats)
	if db.IsNoRows(err) {
		return p, errPersonNotFound
	}
	if cats != "" {
		p.Categories = schemeCategories(cats)
	}
	return p, err
}

// visitPersonCols are a visit, its person and the person's first block not
// lifted, read in one query before a settlement (visitPerson).
const visitPersonCols = `v.id, v.institution_id, v.person_id, v.household_id, v.clr_type, v.med_type, v.ipt_otp_no,
	v.begin_date, v.end_date, v.diagnoses, v.referral, v.status, p.id, p.household_id, p.name, COALESCE(p.id_number, ''),
	p.sex, p.status, p.birth_date, p.status_date, p.categories,
	COALESCE((SELECT b.reason FROM settle_person_blocks b WHERE b.person_id = p.id AND b.lifted_at IS NULL
		ORDER BY b.id LIMIT 1), '')`

// visitCover is the coverage question on the visit's first day, asked in
// the visit query when the service's coverage is EnrollCoverage.
var visitCover = enroll.CoverQuery("p", "v.begin_date")

// visitPersonSQL reads visitPersonCols, whether a block exists, the id of
// the scheme version in force on the visit's first day (0: none), the
// number of active members of the person's household (persons_household:
// a few rows) and, with cover, visitCover.
func visitPersonSQL(cover bool) string {
	cols, joins := "", ""
	if cover {
		cols, joins = ", "+visitCover.Columns, "\n\t\t"+visitCover.Joins
	}
	return `SELECT ` + visitPersonCols + `, EXISTS (SELECT 1 FROM settle_person_blocks b
		WHERE b.person_id = p.id AND b.lifted_at IS NULL), COALESCE(` + schemestore.InForceIDSQL("v.begin_date") + `, 0),
		(SELECT COUNT(*) FROM persons hm WHERE hm.household_id = p.household_id AND hm.status = 'active')` + cols + `
		FROM visits v JOIN persons p ON p.id = v.person_id` + joins + `
		WHERE v.id = ? AND v.institution_id = ?`
}

// The two forms of the visit query: without and with the coverage facts.
var (
	visitPersonQuery      = visitPersonSQL(false)
	visitPersonCoverQuery = visitPersonSQL(true)
)

// visitRead is what visitPerson reads before a settlement.
type visitRead struct {
	visit    Visit
	person   personRow
	reason   string // the reason of the person's first block not lifted
	blocked  bool   // a block not lifted exists
	schemeID int64  // the scheme version in force on the visit's first day (0: none)
	members  int    // active members of the person's household
	// cover holds the coverage facts on the visit's first day when they
	// were read with the visit (the service's coverage is EnrollCoverage).
	cover *enroll.CoverScan
}

// visitPerson reads a visit of institution inst with its person, the
// person's block, the scheme version in force on the visit's day, the
// size of the household and — when the service's coverage is
// EnrollCoverage — the coverage facts, in one round trip: loadVisit,
// loadPerson, blocked, the in-force look-up, the household count and
// enroll.CoverageOf together.
func (s *Service) visitPerson(ctx context.Context, inst, id int64) (visitRead, error) {
	var r visitRead
	var diag, cats string
	v, p := &r.visit, &r.person
	dest := []any{&v.ID, &v.InstitutionID, &v.PersonID, &v.HouseholdID, &v.ClrType, &v.MedType, &v.IptOtpNo, &v.Begin,
		&v.End, &diag, &v.Referral, &v.Status, &p.ID, &p.HouseholdID, &p.Name, &p.IDNumber,
		&p.Sex, &p.Status, &p.Birth, &p.StatusDay, &cats, &r.reason, &r.blocked, &r.schemeID, &r.members}
	q := visitPersonQuery
	if _, ok := s.coverage.(enrollCoverage); ok {
		r.cover = new(enroll.CoverScan)
		dest = append(dest, r.cover.Dest()...)
		q = visitPersonCoverQuery
	}
	err := s.db.QueryRowContext(ctx, q, id, inst).Scan(dest...)
	if db.IsNoRows(err) {
		return visitRead{}, errVisitNotFound
	}
	if err != nil {
		return visitRead{}, err
	}
	if diag != "" {
		v.Diagnoses = strings.Split(diag, ",")
	}
	if cats != "" {
		p.Categories = schemeCategories(cats)
	}
	return r, nil
}

// checkVisitPerson is checkPersonBlock for what visitPerson read, on the
// visit's first day; the coverage comes from the facts read with the
// visit when there are any (the answer enroll.CoverageOf would give).
func (s *Service) checkVisitPerson(ctx context.Context, r *visitRead) (CoverageInfo, error) {
	if r.cover == nil {
		return s.checkPersonBlock(ctx, r.person, r.visit.Begin, r.reason, r.blocked)
	}
	return checkPersonWith(r.person, r.visit.Begin, r.reason, r.blocked, func() (CoverageInfo, error) {
		return coverageInfo(enroll.Decide(r.cover.Facts(r.person.ID), r.visit.Begin)), nil
	})
}

// personBlock is loadPerson and blocked in one query.
func personBlock(ctx context.Context, q db.Querier, id int64) (p personRow, reason string, blocked bool, err error) {
	var cats string
	err = q.QueryRowContext(ctx, `SELECT p.id, p.household_id, p.name, COALESCE(p.id_number, ''), p.sex, p.status,
		p.birth_date, p.status_date, p.categories,
		COALESCE((SELECT b.reason FROM settle_person_blocks b WHERE b.person_id = p.id AND b.lifted_at IS NULL
			ORDER BY b.id LIMIT 1), ''),
		EXISTS (SELECT 1 FROM settle_person_blocks b WHERE b.person_id = p.id AND b.lifted_at IS NULL)
		FROM persons p WHERE p.id = ?`, id).Scan(&p.ID, &p.HouseholdID, &p.Name, &p.IDNumber,
		&p.Sex, &p.Status, &p.Birth, &p.StatusDay, &cats, &reason, &blocked)
	if db.IsNoRows(err) {
		return p, "", false, errPersonNotFound
	}
	if cats != "" {
		p.Categories = schemeCategories(cats)
	}
	return p, reason, blocked, err
}

// checkPerson refuses a person who died or moved out before day d, who is
// blocked, or who is not covered on d; it returns the coverage.
func (s *Service) checkPerson(ctx context.Context, p personRow, d civil.Date) (CoverageInfo, error) {
	reason, blocked, err := s.blocked(ctx, s.db, p.ID)
	if err != nil {
		return CoverageInfo{}, err
	}
	return s.checkPersonBlock(ctx, p, d, reason, blocked)
}

// checkPersonBlock is checkPerson with the block already read.
func (s *Service) checkPersonBlock(ctx context.Context, p personRow, d civil.Date, reason string, blocked bool) (CoverageInfo, error) {
	return checkPersonWith(p, d, reason, blocked, func() (CoverageInfo, error) {
		return s.coverage.CoveredOn(ctx, s.db, p.ID, d)
	})
}

// checkPersonWith is checkPersonBlock with the coverage on d given by
// coverage, which is asked only for a person neither gone nor blocked.
func checkPersonWith(p personRow, d civil.Date, reason string, blocked bool, coverage func() (CoverageInfo, error)) (CoverageInfo, error) {
	if (p.Status == "deceased" || p.Status == "moved_out") && d.After(p.StatusDay) {
		zh, en := "已死亡", "deceased"
		if p.Status == "moved_out" {
			zh, en = "已迁出", "moved out"
		}
		return CoverageInfo{}, apperr.New(apperr.Conflict, "person_"+p.Status, "参合人员"+zh+"("+p.StatusDay.String()+")",
			"the person is "+en+" since "+p.StatusDay.String())
	}
	if blocked {
		return CoverageInfo{}, apperr.New(apperr.Forbidden, "person_blocked", "该人员已被暂停即时结报: "+reason,
			"the person is blocked from real-time settlement: "+reason)
	}
	cov, err := coverage()
	if err != nil {
		return cov, err
	}
	if !cov.Covered {
		return cov, apperr.New(apperr.Conflict, "not_covered", "就诊日期 "+d.String()+" 不在参合待遇期内: "+cov.Zh,
			"not covered on "+d.String()+": "+cov.En)
	}
	return cov, nil
}

// readScope returns the institution a reader is limited to (0: county-wide).
func (s *Service) readScope(ctx context.Context) (int64, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return 0, err
	}
	if a.Scope.IsInstitution() {
		return a.Scope.InstitutionID, nil
	}
	if a.Scope.AreaPath == "" {
		return 0, errNotInstitution
	}
	return 0, nil
}
