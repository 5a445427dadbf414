package claims

import (
	"context"
	"strconv"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// Document is one item of the filing checklist (SPEC §8).
type Document struct {
	Code   string
	Zh, En string
}

// Documents is the checklist in display order.
var Documents = []Document{
	{"invoice", "原始发票", "Original invoices"},
	{"itemized_bill", "费用明细清单", "Itemized bill"},
	{"discharge_summary", "出院小结", "Discharge summary"},
	{"referral", "转诊证明或异地就医登记", "Referral certificate or out-of-area registration"},
	{"id_copy", "身份证复印件", "ID card copy"},
	{"card_copy", "合作医疗证复印件", "Insurance card copy"},
	{"village_statement", "村委会意外伤害证明", "Village statement of the injury"},
}

// DocumentLabel returns the document's names ("" unknown).
func DocumentLabel(code string) (zh, en string) {
	for _, d := range Documents {
		if d.Code == code {
			return d.Zh, d.En
		}
	}
	return "", ""
}

// RequiredDocuments lists the documents a claim must have: invoices, the
// itemized bill and the ID and card copies always; the discharge summary
// for an admission (clr_type 21); the village statement for an accidental
// injury (med_type 22). The referral certificate is optional: with it the
// visit counts as referred / registered, without it the scheme's rules for
// unreferred treatment apply.
func RequiredDocuments(clrType, medType string) []string {
	out := []string{"invoice", "itemized_bill", "id_copy", "card_copy"}
	if clrType == "21" {
		out = append(out, "discharge_summary")
	}
	if medType == "22" {
		out = append(out, "village_statement")
	}
	return out
}

// medTypes is the clearing type of each accepted med_type (HIS codes).
var medTypes = map[string]string{"11": "11", "12": "11", "13": "11", "14": "11", "51": "11",
	"21": "21", "22": "21", "23": "21", "26": "21", "52": "21"}

// MedTypes lists the accepted med_type codes with their names, for forms.
var MedTypes = []Document{
	{"11", "普通门诊", "General outpatient"}, {"14", "慢特病门诊", "Chronic / special disease outpatient"},
	{"21", "普通住院", "Inpatient"}, {"22", "意外伤害住院", "Accidental injury inpatient"},
	{"23", "转外诊治住院", "Referred-out inpatient"}, {"52", "生育住院", "Maternity inpatient"},
}

// FileRequest files a claim.
type FileRequest struct {
	PersonID      int64              `json:"psn_no"`
	IDNumber      string             `json:"certno"` // alternative to PersonID
	InstitutionID int64              `json:"institution_id"`
	MedType       string             `json:"med_type"`
	Begin         civil.Date         `json:"begntime"`
	End           civil.Date         `json:"endtime"` // discharge day (admissions)
	Diagnoses     []string           `json:"diagnoses"`
	Invoice       string             `json:"invono"`
	Documents     []string           `json:"documents"` // codes of the documents received
	Special       bool               `json:"special"`
	SpecialReason string             `json:"special_reason"`
	ThirdParty    bool               `json:"third_party"`
	PayeeName     string             `json:"payee_name"`
	BankName      string             `json:"bank_name"`
	BankAccountNo string             `json:"bank_account_no"`
	Lines         []settle.LineInput `json:"lines"`
}

// deadlineKey is the setting of the filing deadline.
const deadlineKey = "deadline_months"

// DeadlineMonths returns the filing deadline: calendar months after the
// discharge (or outpatient visit) day.
func (s *Service) DeadlineMonths(ctx context.Context) (int, error) {
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM claim_settings WHERE key = ?`, deadlineKey).Scan(&v); err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// SetDeadlineMonths sets the filing deadline (1 to 24 months). Admin only.
func (s *Service) SetDeadlineMonths(ctx context.Context, months int) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !a.Can(access.Admin) || !countyWide(a.Scope) {
		return apperr.New(apperr.Forbidden, "forbidden", "仅县级管理员可修改报销期限", "only a county administrator may change the deadline")
	}
	if months < 1 || months > 24 {
		return apperr.Field("deadline_months", "range", "报销期限应为1至24个月", "the deadline is 1 to 24 months")
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		before, err := s.DeadlineMonths(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE claim_settings SET value = ? WHERE key = ?`, strconv.Itoa(months), deadlineKey); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "claims.deadline", "claim_settings", deadlineKey,
			map[string]any{"months": before}, map[string]any{"months": months})
	})
}

// AddMonths returns d plus n calendar months, clamped to the month's last
// day (31 Dec + 2 months = 28 or 29 Feb).
func AddMonths(d civil.Date, n int) civil.Date {
	first := time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := d.Day
	if day > last {
		day = last
	}
	return civil.New(first.Year(), first.Month(), day)
}

// canFile reports whether the actor may enter claims: enrollment clerks and
// reviewers of an area (township office or county center).
func canFile(a access.Actor) bool {
	return a.Can(access.Enrollment, access.Reviewer) && a.Scope.AreaPath != ""
}

// File checks and stores a claim and records the entry step. Everything is
// checked before anything is written: the fields, the documents received
// against the checklist, the deadline, the person's scope and coverage on
// the visit day, and every line against the catalogue.
func (s *Service) File(ctx context.Context, r FileRequest) (Claim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return Claim{}, err
	}
	if !canFile(a) {
		return Claim{}, apperr.New(apperr.Forbidden, "forbidden", "无权受理报销申请", "not allowed to file claims")
	}
	r.normalize()
	clr := medTypes[r.MedType]
	var c apperr.Collector
	r.check(&c, clr, s.today())
	deadline := civil.Date{}
	if months, err := s.DeadlineMonths(ctx); err != nil {
		return Claim{}, err
	} else if last := r.lastDay(clr); last.Valid() {
		deadline = AddMonths(last, months)
		if s.today().After(deadline) {
			c.AddField("endtime", "deadline", "已超过报销期限: 出院(就诊)后"+strconv.Itoa(months)+"个月内,即 "+deadline.String()+" 前申请",
				"past the filing deadline: within "+strconv.Itoa(months)+" months of discharge (visit), by "+deadline.String())
		}
	}
	p, perr := s.person(ctx, a, r)
	if perr != nil {
		if e, ok := apperr.As(perr); ok && e.Kind == apperr.NotFound {
			c.AddField("psn_no", "person_not_found", errPersonMissing.Zh, errPersonMissing.En)
		} else {
			return Claim{}, perr
		}
	}
	var inst institution.Institution
	if r.InstitutionID > 0 {
		if inst, err = institution.Load(ctx, s.db, r.InstitutionID); err != nil {
			if apperr.KindOf(err) != apperr.NotFound {
				return Claim{}, err
			}
			c.AddField("institution_id", "not_found", "未找到医疗机构(请先登记该机构,异地机构亦需登记)",
				"institution not found (register it first, out-of-county ones too)")
		}
	}
	if err := c.Err(); err != nil {
		return Claim{}, err
	}
	if err := s.settle.CheckClaimPerson(ctx, p.id, r.Begin); err != nil {
		return Claim{}, err
	}
	lines, err := s.settle.ClassifyClaimLines(ctx, inst.ID, r.MedType, r.Begin, r.Lines)
	if err != nil {
		return Claim{}, err
	}
	cl := r.claim(p, inst, clr, lines, s.today(), deadline)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.insert(ctx, tx, &cl, lines); err != nil {
			return err
		}
		if err := s.addStep(ctx, tx, a, cl.ID, Entry, "filed", "", ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "claims.file", "claim", cl.ID, nil, auditView(&cl))
	})
	if err != nil {
		return Claim{}, err
	}
	return s.Get(ctx, cl.ID)
}

func (r *FileRequest) normalize() {
	r.MedType, r.Invoice = strings.TrimSpace(r.MedType), strings.TrimSpace(r.Invoice)
	r.PayeeName, r.BankName = strings.TrimSpace(r.PayeeName), strings.TrimSpace(r.BankName)
	r.BankAccountNo = strings.ReplaceAll(strings.TrimSpace(r.BankAccountNo), " ", "")
	r.SpecialReason = strings.TrimSpace(r.SpecialReason)
	var diags []string
	for _, d := range r.Diagnoses {
		if d = strings.ToUpper(strings.TrimSpace(d)); d != "" {
			diags = append(diags, d)
		}
	}
	r.Diagnoses = diags
	seen := map[string]bool{}
	var docs []string
	for _, d := range r.Documents {
		if d = strings.TrimSpace(d); d != "" && !seen[d] {
			seen[d] = true
			docs = append(docs, d)
		}
	}
	r.Documents = docs
	if r.MedType == "22" && !r.Special {
		r.Special = true
		if r.SpecialReason == "" {
			r.SpecialReason = "意外伤害 / accidental injury"
		}
	}
}

// lastDay is the day the deadline counts from: discharge, else the visit.
func (r *FileRequest) lastDay(clr string) civil.Date {
	if clr == "21" {
		return r.End
	}
	return r.Begin
}

// check collects every field problem.
func (r *FileRequest) check(c *apperr.Collector, clr string, today civil.Date) {
	if r.PersonID <= 0 && strings.TrimSpace(r.IDNumber) == "" {
		c.AddField("psn_no", "required", "请指定参合人员(身份证号)", "the person (ID number) is required")
	}
	if r.InstitutionID <= 0 {
		c.AddField("institution_id", "required", "请选择就诊医疗机构", "the institution is required")
	}
	if clr == "" {
		c.AddField("med_type", "med_type", "医疗类别无效", "med_type is not a valid code")
	}
	switch {
	case !r.Begin.Valid():
		c.AddField("begntime", "required", "请填写就诊(入院)日期", "the visit (admission) date is required")
	case r.Begin.After(today):
		c.AddField("begntime", "future", "就诊日期不能晚于今天", "the visit date is in the future")
	}
	if clr == "21" {
		switch {
		case !r.End.Valid():
			c.AddField("endtime", "required", "住院须填写出院日期", "an admission needs the discharge date")
		case r.Begin.Valid() && r.End.Before(r.Begin):
			c.AddField("endtime", "date", "出院日期早于入院日期", "discharge before admission")
		case r.End.After(today):
			c.AddField("endtime", "future", "出院日期不能晚于今天", "the discharge date is in the future")
		}
	} else {
		r.End = civil.Date{} // an outpatient visit is one day
	}
	if r.Invoice == "" {
		c.AddField("invono", "required", "请填写发票号", "the invoice number is required")
	}
	if r.Special && r.SpecialReason == "" {
		c.AddField("special_reason", "required", "特殊情况须说明原因", "a special case needs its reason")
	}
	if r.PayeeName == "" {
		c.AddField("payee_name", "required", "请填写收款人", "the payee is required")
	}
	if r.BankName == "" {
		c.AddField("bank_name", "required", "请填写开户银行", "the bank is required")
	}
	if !bankAccount(r.BankAccountNo) {
		c.AddField("bank_account_no", "bank_account", "银行账号应为8至30位数字(手工报销只以银行转账支付,不付现金)",
			"the bank account is 8 to 30 digits (claims are paid by bank transfer, never in cash)")
	}
	have := map[string]bool{}
	for _, d := range r.Documents {
		if zh, _ := DocumentLabel(d); zh == "" {
			c.AddField("documents", "unknown_document", "未知的材料: "+d, "unknown document: "+d)
		}
		have[d] = true
	}
	if clr != "" {
		var miss []string
		var missEn []string
		for _, d := range RequiredDocuments(clr, r.MedType) {
			if !have[d] {
				zh, en := DocumentLabel(d)
				miss, missEn = append(miss, zh), append(missEn, en)
			}
		}
		if len(miss) > 0 {
			c.AddField("documents", "missing_documents", "材料不全,缺少: "+strings.Join(miss, "、"),
				"documents missing: "+strings.Join(missEn, ", "))
		}
	}
	if len(r.Lines) == 0 {
		c.AddField("lines", "required", "请录入费用明细", "enter the bill's lines")
	}
}

func bankAccount(s string) bool {
	if len(s) < 8 || len(s) > 30 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// personRef is what filing needs of the person.
type personRef struct {
	id, household int64
	name, idNo    string
	areaPath      string
}

// person finds the claim's person in the actor's scope.
func (s *Service) person(ctx context.Context, a access.Actor, r FileRequest) (personRef, error) {
	var p personRef
	q := `SELECT id, household_id, name, COALESCE(id_number, ''), area_path FROM persons WHERE `
	var arg any
	if r.PersonID > 0 {
		q, arg = q+`id = ?`, r.PersonID
	} else {
		q, arg = q+`id_number = ?`, strings.ToUpper(strings.TrimSpace(idcard.Normalize(r.IDNumber)))
	}
	err := s.db.QueryRowContext(ctx, q, arg).Scan(&p.id, &p.household, &p.name, &p.idNo, &p.areaPath)
	if db.IsNoRows(err) || (err == nil && !a.Scope.CoversArea(p.areaPath)) {
		return p, errPersonMissing
	}
	return p, err
}

// claim builds the claim to insert.
func (r *FileRequest) claim(p personRef, in institution.Institution, clr string, lines []settle.ClaimLine, today, deadline civil.Date) Claim {
	var total money.Fen
	for _, l := range lines {
		total += l.Split.Total
	}
	stage := FirstReview
	if r.Special {
		stage = Village
	}
	return Claim{PersonID: p.id, PersonName: p.name, IDMasked: idcard.Mask(p.idNo), HouseholdID: p.household,
		AreaPath: p.areaPath, InstitutionID: in.ID, Institution: in.Name, MedType: r.MedType, ClrType: clr,
		Begin: r.Begin, End: r.End, Diagnoses: r.Diagnoses, Referral: has(r.Documents, "referral"),
		ThirdParty: r.ThirdParty, Special: r.Special, SpecialReason: r.SpecialReason, Invoice: r.Invoice,
		Documents: r.Documents, Filed: today, Deadline: deadline, PayeeName: r.PayeeName, BankName: r.BankName,
		BankAccountNo: r.BankAccountNo, BillTotal: total, Stage: stage}
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// insert stores the claim and its lines; cl.ID is set.
func (s *Service) insert(ctx context.Context, tx *db.Tx, cl *Claim, lines []settle.ClaimLine) error {
	now := s.stamp()
	var end any
	if cl.End.Valid() {
		end = cl.End
	}
	id, err := tx.InsertID(ctx, `INSERT INTO claims (person_id, household_id, area_path, institution_id, med_type, clr_type,
		begin_date, end_date, diagnoses, referral, third_party, special, special_reason, invoice_no, documents, filed_date,
		deadline, payee_name, bank_name, bank_account_no, bill_total, stage, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		cl.PersonID, cl.HouseholdID, cl.AreaPath, cl.InstitutionID, cl.MedType, cl.ClrType, cl.Begin, end,
		strings.Join(cl.Diagnoses, ","), cl.Referral, cl.ThirdParty, cl.Special, cl.SpecialReason, cl.Invoice,
		strings.Join(cl.Documents, ","), cl.Filed, cl.Deadline, cl.PayeeName, cl.BankName, cl.BankAccountNo,
		int64(cl.BillTotal), string(cl.Stage), now, now)
	if err != nil {
		return err
	}
	cl.ID = id
	for i, cl := range lines {
		l, sp := &cl.Line, &cl.Split
		if _, err := tx.ExecContext(ctx, `INSERT INTO claim_lines (claim_id, seq, line_no, code, name, catalog_id, class,
			selfpay_bp, price_cap, essential, restricted, levels, approval, qty, price, total, fee_date, fulamt_ownpay,
			overlmt, preselfpay, inscp, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, i+1, l.ID, l.Code, l.Name, cl.CatalogID, l.Class.String(), int64(l.SelfPay), int64(l.PriceCap),
			l.Essential, l.Restricted, strings.Join(l.Levels, ","), l.Approval, int64(l.Qty), int64(l.Price),
			int64(sp.Total), l.Date, int64(sp.FullOwn), int64(sp.OverLimit), int64(sp.FirstSelf), int64(sp.InScope),
			sp.Reason.String()); err != nil {
			return err
		}
	}
	return nil
}

// addStep records a step; the unique keys refuse a second step by the same
// user (same_user) or a step already taken (a concurrent reviewer).
func (s *Service) addStep(ctx context.Context, tx *db.Tx, a access.Actor, id int64, step Stage, decision, code, reason string) error {
	var uid any
	if a.UserID != 0 {
		uid = a.UserID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO claim_steps (claim_id, step, decision, reason_code, reason, user_id,
		username, role, actor_key, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, string(step), decision, code, reason, uid, a.Username, string(a.Role), actorKey(a), s.stamp())
	if db.IsUniqueViolation(err) {
		return errSameUser
	}
	return err
}

func auditView(c *Claim) map[string]any {
	return map[string]any{"claim_id": c.ID, "psn_no": c.PersonID, "institution_id": c.InstitutionID,
		"med_type": c.MedType, "begntime": c.Begin, "endtime": c.End, "bill_total": c.BillTotal,
		"documents": c.Documents, "special": c.Special, "stage": c.Stage,
		"bank_account_no": institution.MaskAccount(c.BankAccountNo)}
}
