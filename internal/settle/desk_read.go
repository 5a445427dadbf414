package settle

// Reads for the settlement desk and the native API (internal/web desk
// pages, internal/api settle endpoints): finding a person at the counter,
// coverage on a day, a visit's lines with their split, the settlements of a
// visit or of a day, and a day's totals by clr_type. Every read is limited
// by readScope: an institution sees only its own visits and settlements.

import (
	"context"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/idcard"
	"ncms/internal/money"
)

// DeskPerson is a person as the desk shows it: never the full ID number.
type DeskPerson struct {
	ID          int64      `json:"psn_no"`
	Name        string     `json:"psn_name"`
	MaskedID    string     `json:"certno_masked"`
	Sex         string     `json:"gend"`
	Birth       civil.Date `json:"brdy"`
	HouseholdID int64      `json:"household_id"`
	HouseholdNo string     `json:"household_no"`
	Status      string     `json:"status"`
}

// PersonQuery finds a person at the desk: by ID number, or by name and
// household number (both exact).
type PersonQuery struct {
	IDNumber    string `json:"certno"`
	Name        string `json:"psn_name"`
	HouseholdNo string `json:"household_no"`
}

var errPersonQuery = apperr.Field("certno", "required", "请填写身份证号,或姓名和户编号",
	"enter the ID number, or the name and the household number")

// FindPersons identifies people for the desk: an exact ID number, or an
// exact name within an exact household number. Like HIS 1101, any resident
// of the county may be identified; nothing is browsed by partial match.
func (s *Service) FindPersons(ctx context.Context, q PersonQuery) ([]DeskPerson, error) {
	if _, err := s.readScope(ctx); err != nil {
		return nil, err
	}
	num := idcard.Normalize(strings.TrimSpace(q.IDNumber))
	name, hh := strings.TrimSpace(q.Name), strings.TrimSpace(q.HouseholdNo)
	const sel = `SELECT p.id, p.name, COALESCE(p.id_number, ''), p.sex, p.birth_date, p.household_id, h.number, p.status
		FROM persons p JOIN households h ON h.id = p.household_id WHERE `
	var where string
	var args []any
	switch {
	case num != "":
		if err := idcard.Validate(num); err != nil {
			return nil, apperr.Field("certno", "id_number", "身份证号无效", "not a valid ID number")
		}
		where, args = `p.id_number = ?`, []any{num}
	case name != "" && hh != "":
		where, args = `p.name = ? AND h.number = ?`, []any{name, hh}
	default:
		return nil, errPersonQuery
	}
	rows, err := s.db.QueryContext(ctx, sel+where+` ORDER BY p.id LIMIT 20`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeskPerson
	for rows.Next() {
		var p DeskPerson
		var full string
		if err := rows.Scan(&p.ID, &p.Name, &full, &p.Sex, &p.Birth, &p.HouseholdID, &p.HouseholdNo, &p.Status); err != nil {
			return nil, err
		}
		p.MaskedID = idcard.Mask(full)
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeskPersonByID returns one person for the desk (masked).
func (s *Service) DeskPersonByID(ctx context.Context, id int64) (DeskPerson, error) {
	if _, err := s.readScope(ctx); err != nil {
		return DeskPerson{}, err
	}
	var p DeskPerson
	var full string
	err := s.db.QueryRowContext(ctx, `SELECT p.id, p.name, COALESCE(p.id_number, ''), p.sex, p.birth_date, p.household_id,
		h.number, p.status FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = ?`, id).
		Scan(&p.ID, &p.Name, &full, &p.Sex, &p.Birth, &p.HouseholdID, &p.HouseholdNo, &p.Status)
	if db.IsNoRows(err) {
		return p, errPersonNotFound
	}
	p.MaskedID = idcard.Mask(full)
	return p, err
}

// CoverageCheck is the answer of CheckCoverage: whether the person may be
// settled on the day, and why not.
type CoverageCheck struct {
	PersonID int64      `json:"psn_no"`
	Date     civil.Date `json:"date"`
	Covered  bool       `json:"covered"`
	Tier     int        `json:"tier,omitempty"`
	From     civil.Date `json:"from,omitzero"`
	To       civil.Date `json:"to,omitzero"`
	Code     string     `json:"code,omitempty"` // why not: not_covered, person_blocked, person_deceased, ...
	Zh       string     `json:"message_zh,omitempty"`
	En       string     `json:"message_en,omitempty"`
}

// CheckCoverage answers the settlement checks for person on day d (alive,
// not moved out, not blocked, covered) without registering anything. A
// refusal is an answer (Covered false with the reason), not an error.
func (s *Service) CheckCoverage(ctx context.Context, personID int64, d civil.Date) (CoverageCheck, error) {
	if _, err := s.readScope(ctx); err != nil {
		return CoverageCheck{}, err
	}
	if !d.Valid() {
		return CoverageCheck{}, apperr.Field("date", "date", "请填写日期", "the date is required")
	}
	p, err := loadPerson(ctx, s.db, personID)
	if err != nil {
		return CoverageCheck{}, err
	}
	out := CoverageCheck{PersonID: p.ID, Date: d}
	cov, err := s.checkPerson(ctx, p, d)
	if e, ok := apperr.As(err); ok {
		out.Code, out.Zh, out.En = e.Code, e.Zh, e.En
		return out, nil
	}
	if err != nil {
		return out, err
	}
	out.Covered, out.Tier, out.From, out.To = true, cov.Tier, cov.From, cov.To
	return out, nil
}

// DeskLine is a stored fee line with its catalogue terms and split.
type DeskLine struct {
	SN           string       `json:"feedetl_sn"`
	InitSN       string       `json:"init_feedetl_sn,omitempty"`
	Code         string       `json:"med_list_codg"`
	Name         string       `json:"name"`
	Class        string       `json:"class"` // A, B, C
	SelfPay      money.Rate   `json:"selfpay_prop"`
	Qty          engine.Qty   `json:"cnt"`
	Price        engine.Price `json:"pric"`
	Total        money.Fen    `json:"det_item_fee_sumamt"`
	Date         civil.Date   `json:"fee_ocur_time"`
	FullOwn      money.Fen    `json:"fulamt_ownpay_amt"`
	OverLimit    money.Fen    `json:"overlmt_amt"`
	FirstSelf    money.Fen    `json:"preselfpay_amt"`
	InScope      money.Fen    `json:"inscp_scp_amt"`
	Reason       string       `json:"reason,omitempty"`
	Status       string       `json:"status"` // open, settled, revoked
	SettlementID int64        `json:"setl_id,omitempty"`
}

// VisitLines returns the visit's lines in upload order, revoked ones
// included (Status tells), for the actor's institution (county: any).
func (s *Service) VisitLines(ctx context.Context, visitID int64) ([]DeskLine, error) {
	if _, err := s.GetVisit(ctx, visitID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT feedetl_sn, init_feedetl_sn, code, name, class, selfpay_bp, qty, price,
		total, fee_date, fulamt_ownpay, overlmt, preselfpay, inscp, reason, status, COALESCE(settlement_id, 0)
		FROM fee_lines WHERE visit_id = ? ORDER BY id`, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeskLine
	for rows.Next() {
		var l DeskLine
		var bp, qty, price, total, full, over, pre, in int64
		if err := rows.Scan(&l.SN, &l.InitSN, &l.Code, &l.Name, &l.Class, &bp, &qty, &price, &total, &l.Date,
			&full, &over, &pre, &in, &l.Reason, &l.Status, &l.SettlementID); err != nil {
			return nil, err
		}
		l.SelfPay, l.Qty, l.Price, l.Total = money.Rate(bp), engine.Qty(qty), engine.Price(price), money.Fen(total)
		l.FullOwn, l.OverLimit, l.FirstSelf, l.InScope = money.Fen(full), money.Fen(over), money.Fen(pre), money.Fen(in)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SettlementRow is one settlement or reversal in a list.
type SettlementRow struct {
	ID            int64      `json:"setl_id"`
	VisitID       int64      `json:"mdtrt_id"`
	InstitutionID int64      `json:"institution_id"`
	PersonID      int64      `json:"psn_no"`
	PersonName    string     `json:"psn_name"`
	ClrType       string     `json:"clr_type"`
	MedType       string     `json:"med_type"`
	Date          civil.Date `json:"setl_date"`
	Time          string     `json:"setl_time"`
	MedFee        money.Fen  `json:"medfee_sumamt"`
	FundPay       money.Fen  `json:"fund_pay_sumamt"`
	CashPay       money.Fen  `json:"psn_cash_pay"`
	Reverses      int64      `json:"reverses_setl_id,omitempty"`
	ReversedBy    int64      `json:"reversed_by_setl_id,omitempty"`
}

const settlementRowSQL = `SELECT s.id, s.visit_id, s.institution_id, s.person_id, p.name, s.clr_type, s.med_type,
	s.setl_date, s.setl_time, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_cash_pay, COALESCE(s.reverses_id, 0),
	COALESCE((SELECT r.id FROM settlements r WHERE r.reverses_id = s.id), 0)
	FROM settlements s JOIN persons p ON p.id = s.person_id WHERE `

func (s *Service) settlementRows(ctx context.Context, where string, args ...any) ([]SettlementRow, error) {
	rows, err := s.db.QueryContext(ctx, settlementRowSQL+where+` ORDER BY s.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SettlementRow
	for rows.Next() {
		var r SettlementRow
		var med, fund, cash int64
		if err := rows.Scan(&r.ID, &r.VisitID, &r.InstitutionID, &r.PersonID, &r.PersonName, &r.ClrType, &r.MedType,
			&r.Date, &r.Time, &med, &fund, &cash, &r.Reverses, &r.ReversedBy); err != nil {
			return nil, err
		}
		r.MedFee, r.FundPay, r.CashPay = money.Fen(med), money.Fen(fund), money.Fen(cash)
		out = append(out, r)
	}
	return out, rows.Err()
}

// VisitSettlements lists the settlements and reversals of a visit.
func (s *Service) VisitSettlements(ctx context.Context, visitID int64) ([]SettlementRow, error) {
	if _, err := s.GetVisit(ctx, visitID); err != nil {
		return nil, err
	}
	return s.settlementRows(ctx, `s.visit_id = ?`, visitID)
}

// DaySettlements lists an institution's settlements and reversals of one
// settlement day (China time). An institution sees only its own.
func (s *Service) DaySettlements(ctx context.Context, institutionID int64, day civil.Date) ([]SettlementRow, error) {
	if err := s.ownInstitution(ctx, institutionID); err != nil {
		return nil, err
	}
	return s.settlementRows(ctx, `s.institution_id = ? AND s.setl_date = ?`, institutionID, day)
}

// DayVisit is a visit registered on a day, with its person's name.
type DayVisit struct {
	Visit
	PersonName string `json:"psn_name"`
}

// DayVisits lists an institution's visits that began on day.
func (s *Service) DayVisits(ctx context.Context, institutionID int64, day civil.Date) ([]DayVisit, error) {
	if err := s.ownInstitution(ctx, institutionID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.institution_id, v.person_id, v.household_id, v.clr_type, v.med_type,
		v.ipt_otp_no, v.begin_date, v.end_date, v.diagnoses, v.referral, v.status, p.name
		FROM visits v JOIN persons p ON p.id = v.person_id WHERE v.institution_id = ? AND v.begin_date = ? ORDER BY v.id`,
		institutionID, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayVisit
	for rows.Next() {
		var v DayVisit
		var diag string
		if err := rows.Scan(&v.ID, &v.InstitutionID, &v.PersonID, &v.HouseholdID, &v.ClrType, &v.MedType, &v.IptOtpNo,
			&v.Begin, &v.End, &diag, &v.Referral, &v.Status, &v.PersonName); err != nil {
			return nil, err
		}
		if diag != "" {
			v.Diagnoses = strings.Split(diag, ",")
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ClrTotal is one clr_type's net totals of a day (reversals negative).
type ClrTotal struct {
	ClrType  string    `json:"clr_type"` // 11 outpatient, 21 inpatient
	Settled  int       `json:"setl_cnt"`
	Reversed int       `json:"revs_cnt"`
	MedFee   money.Fen `json:"medfee_sumamt"`
	FundPay  money.Fen `json:"fund_pay_sumamt"`
	Basic    money.Fen `json:"hifp_pay"`
	Cat      money.Fen `json:"hifmi_pay"`
	Assist   money.Fen `json:"maf_pay"`
	Other    money.Fen `json:"oth_pay"`
	CashPay  money.Fen `json:"psn_cash_pay"`
}

// DayTotalsByClrType returns an institution's net totals of one settlement
// day per clr_type (our own daily totals; DailyTotals gives the day).
func (s *Service) DayTotalsByClrType(ctx context.Context, institutionID int64, day civil.Date) ([]ClrTotal, error) {
	if err := s.ownInstitution(ctx, institutionID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT clr_type,
		SUM(CASE WHEN reverses_id IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN reverses_id IS NULL THEN 0 ELSE 1 END),
		SUM(medfee_sumamt), SUM(fund_pay_sumamt), SUM(hifp_pay), SUM(hifmi_pay), SUM(maf_pay), SUM(oth_pay), SUM(psn_cash_pay)
		FROM settlements WHERE institution_id = ? AND setl_date = ? GROUP BY clr_type ORDER BY clr_type`, institutionID, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ClrTotal
	for rows.Next() {
		var t ClrTotal
		var med, fund, basic, cat, assist, other, cash int64
		if err := rows.Scan(&t.ClrType, &t.Settled, &t.Reversed, &med, &fund, &basic, &cat, &assist, &other, &cash); err != nil {
			return nil, err
		}
		t.MedFee, t.FundPay, t.Basic, t.Cat = money.Fen(med), money.Fen(fund), money.Fen(basic), money.Fen(cat)
		t.Assist, t.Other, t.CashPay = money.Fen(assist), money.Fen(other), money.Fen(cash)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ownInstitution refuses an institution reading another one (not found).
func (s *Service) ownInstitution(ctx context.Context, institutionID int64) error {
	inst, err := s.readScope(ctx)
	if err != nil {
		return err
	}
	if inst != 0 && inst != institutionID {
		return apperr.NotFoundf("医疗机构 / institution")
	}
	return nil
}

// OpenVisit registers an outpatient visit or an admission, by the
// med_type's clearing type (21/22/23/26/52 admit; the others register), for
// callers such as the desk page that let the clerk choose the med_type.
func (s *Service) OpenVisit(ctx context.Context, r VisitRequest) (Visit, error) {
	if mt, ok := medTypes[r.MedType]; ok && mt.clr == "21" {
		return s.Admit(ctx, r)
	}
	return s.Register(ctx, r)
}

// MedTypeName names a HIS med_type code in Chinese and English.
func MedTypeName(code string) (zh, en string) {
	switch code {
	case "11":
		return "普通门诊", "general outpatient"
	case "12":
		return "门诊挂号", "registration only"
	case "13":
		return "急诊", "emergency"
	case "14":
		return "门诊慢特病", "chronic / special-disease outpatient"
	case "51":
		return "生育门诊", "maternity outpatient"
	case "21":
		return "普通住院", "inpatient"
	case "22":
		return "外伤住院", "injury inpatient"
	case "23":
		return "转外诊治住院", "referred-out inpatient"
	case "26":
		return "单病种住院", "per-disease inpatient"
	case "52":
		return "生育住院", "maternity inpatient"
	}
	return code, code
}
