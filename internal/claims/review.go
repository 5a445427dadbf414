package claims

import (
	"context"
	"encoding/json"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/settle"
)

// RejectReason is a coded reason for refusing a claim.
type RejectReason struct {
	Code   string
	Zh, En string
}

// RejectReasons are the reason codes a rejection carries.
var RejectReasons = []RejectReason{
	{"documents", "材料不全或不符合要求", "Documents incomplete or invalid"},
	{"not_covered", "不属于补偿范围", "Not covered by the scheme"},
	{"third_party", "第三方责任(交通事故、他人致伤等)", "Third party liable (traffic accident, injury by another)"},
	{"duplicate", "重复报销", "Already reimbursed"},
	{"bill_mismatch", "票据与费用明细不符", "Invoices do not match the itemized bill"},
	{"investigation", "调查情况不属实", "Not confirmed by the investigation"},
	{"fraud", "涉嫌欺诈骗保", "Suspected fraud"},
	{"other", "其他", "Other"},
}

// RejectReasonLabel returns the reason's names ("" unknown).
func RejectReasonLabel(code string) (zh, en string) {
	for _, r := range RejectReasons {
		if r.Code == code {
			return r.Zh, r.En
		}
	}
	return "", ""
}

// Decision approves or rejects the step a claim awaits.
type Decision struct {
	ClaimID    int64  `json:"claim_id"`
	Approve    bool   `json:"approve"`
	ReasonCode string `json:"reason_code"` // required on rejection
	Reason     string `json:"reason"`      // required on rejection; optional remark on approval
}

// MayDo reports whether actor a may take step st of a claim whose person
// lives at areaPath: the first review and the township review by a reviewer
// (or director) whose area covers the person; the second review by a
// county-wide reviewer or director (the county center); the village
// investigation by the village committee of the person's village; the
// county approval by a county-wide director. Being allowed a step does not
// allow a second step of the same claim (see Decide).
func MayDo(a access.Actor, st Stage, areaPath string) bool {
	if !a.Scope.CoversArea(areaPath) {
		return false
	}
	switch st {
	case FirstReview, Township:
		return a.Can(access.Reviewer, access.Director)
	case SecondReview:
		return a.Can(access.Reviewer, access.Director) && countyWide(a.Scope)
	case Village:
		return a.Can(access.Village)
	case County:
		return a.Can(access.Director) && countyWide(a.Scope)
	}
	return false
}

// Decide records the decision of the step the claim awaits. The actor must
// be allowed the step (MayDo) and must not have performed any earlier step
// of the claim. A rejection needs a reason code and a reason and ends the
// claim. Approving the last step (second review, or county approval of a
// special case) computes the claim with the settlement engine on the
// person's locked year-to-date totals, updates them, and stores the amounts,
// all in one transaction.
func (s *Service) Decide(ctx context.Context, d Decision) (Claim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return Claim{}, err
	}
	d.ReasonCode, d.Reason = strings.TrimSpace(d.ReasonCode), strings.TrimSpace(d.Reason)
	cl, err := s.load(ctx, s.db, a, d.ClaimID)
	if err != nil {
		return Claim{}, err
	}
	st := cl.Stage
	if !isReview(st) {
		return Claim{}, apperr.New(apperr.Conflict, "not_in_review", "该申请不在审核中(当前: "+zhOf(st)+")",
			"the claim is not awaiting review (now: "+enOf(st)+")")
	}
	if !MayDo(a, st, cl.AreaPath) {
		return Claim{}, apperr.New(apperr.Forbidden, "not_your_stage", "您无权办理该申请的"+zhOf(st)+"环节",
			"you may not perform the "+enOf(st)+" step of this claim")
	}
	if !d.Approve {
		var c apperr.Collector
		if zh, _ := RejectReasonLabel(d.ReasonCode); zh == "" {
			c.AddField("reason_code", "required", "拒付须选择原因代码", "a rejection needs a reason code")
		}
		if d.Reason == "" {
			c.AddField("reason", "required", "拒付须填写理由", "a rejection needs a reason")
		}
		if err := c.Err(); err != nil {
			return Claim{}, err
		}
	} else {
		d.ReasonCode = ""
	}
	if len(d.Reason) > 1000 {
		return Claim{}, apperr.Field("reason", "too_long", "理由过长", "the reason is too long")
	}
	var bill settle.ClaimBill
	next := st.next()
	if d.Approve && next == Approved {
		if bill, err = s.bill(ctx, s.db, &cl); err != nil {
			return Claim{}, err
		}
	}
	if !d.Approve {
		next = Rejected
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM claim_steps WHERE claim_id = ? AND actor_key = ?`,
			cl.ID, actorKey(a)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errSameUser
		}
		res, err := tx.ExecContext(ctx, `UPDATE claims SET stage = ?, updated_at = ? WHERE id = ? AND stage = ?`,
			string(next), s.stamp(), cl.ID, string(st))
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return apperr.New(apperr.Conflict, "stage_changed", "该申请已被他人处理,请刷新", "the claim was just handled by someone else: reload it")
		}
		decision := "approved"
		if !d.Approve {
			decision = "rejected"
		}
		if err := s.addStep(ctx, tx, a, cl.ID, st, decision, d.ReasonCode, d.Reason); err != nil {
			return err
		}
		after := map[string]any{"stage": next, "step": st, "decision": decision, "reason_code": d.ReasonCode, "reason": d.Reason}
		if next == Approved {
			r, err := s.settle.SettleClaim(ctx, tx, bill)
			if err != nil {
				return err
			}
			if err := s.storeResult(ctx, tx, cl.ID, r); err != nil {
				return err
			}
			if err := postApproval(ctx, tx, &cl, r, s.today()); err != nil {
				return err
			}
			after["fund_pay_sumamt"], after["hifp_pay"], after["scheme_id"] = r.Result.FundTotal, r.Result.Basic, r.SchemeID
		}
		return audit.Record(ctx, tx, "claims."+decision, "claim", cl.ID, map[string]any{"stage": st}, after)
	})
	if err != nil {
		return Claim{}, err
	}
	return s.Get(ctx, cl.ID)
}

func isReview(st Stage) bool {
	for _, r := range ReviewStages {
		if r == st {
			return true
		}
	}
	return false
}

func zhOf(st Stage) string { zh, _ := st.Label(); return zh }
func enOf(st Stage) string { _, en := st.Label(); return en }

// storeResult writes the computed amounts onto the approved claim.
func (s *Service) storeResult(ctx context.Context, tx *db.Tx, id int64, r settle.ClaimResult) error {
	body, err := json.Marshal(r.Result)
	if err != nil {
		return err
	}
	x := r.Result
	_, err = tx.ExecContext(ctx, `UPDATE claims SET scheme_id = ?, ytd_year = ?, kind = ?, medfee_sumamt = ?,
		inscp_scp_amt = ?, hifp_pay = ?, hifmi_pay = ?, maf_pay = ?, oth_pay = ?, fund_pay_sumamt = ?, psn_part_amt = ?,
		result_json = ?, approved_date = ? WHERE id = ?`,
		r.SchemeID, r.Year, x.Kind, int64(x.MedFee), int64(x.InScope), int64(x.Basic), int64(x.Catastrophic),
		int64(x.Assistance), int64(x.Other), int64(x.FundTotal), int64(x.Patient), string(body), s.today(), id)
	return err
}

// bill builds the settlement input of a claim from its stored lines.
func (s *Service) bill(ctx context.Context, q db.Querier, cl *Claim) (settle.ClaimBill, error) {
	lines, err := engineLines(ctx, q, cl.ID)
	if err != nil {
		return settle.ClaimBill{}, err
	}
	return settle.ClaimBill{Ref: settle.ClaimRef(cl.ID), PersonID: cl.PersonID, InstitutionID: cl.InstitutionID,
		MedType: cl.MedType, Begin: cl.Begin, End: cl.End, Diagnoses: cl.Diagnoses, Referral: cl.Referral,
		Statement: has(cl.Documents, "village_statement"), ThirdParty: cl.ThirdParty, Lines: lines}, nil
}

// engineLines reads a claim's lines as engine lines, in filing order.
func engineLines(ctx context.Context, q db.Querier, id int64) ([]engine.Line, error) {
	rows, err := q.QueryContext(ctx, `SELECT line_no, code, name, class, selfpay_bp, price_cap, essential, restricted,
		levels, approval, qty, price, total, fee_date FROM claim_lines WHERE claim_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []engine.Line
	for rows.Next() {
		var l engine.Line
		var class, levels string
		var selfpay, pcap, qty, price, total int64
		if err := rows.Scan(&l.ID, &l.Code, &l.Name, &class, &selfpay, &pcap, &l.Essential, &l.Restricted, &levels,
			&l.Approval, &qty, &price, &total, &l.Date); err != nil {
			return nil, err
		}
		if err := l.Class.UnmarshalText([]byte(class)); err != nil {
			return nil, err
		}
		l.SelfPay, l.PriceCap, l.Qty, l.Price = engine.Ratio(selfpay), engine.Price(pcap), engine.Qty(qty), engine.Price(price)
		l.Total = fen(total)
		if levels != "" {
			l.Levels = strings.Split(levels, ",")
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Preview computes a claim in review on the person's current totals
// (nothing is written); an approved claim returns its stored result.
func (s *Service) Preview(ctx context.Context, id int64) (*engine.Result, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := s.load(ctx, s.db, a, id)
	if err != nil {
		return nil, err
	}
	if cl.Result != nil || cl.Stage == Rejected {
		return cl.Result, nil
	}
	b, err := s.bill(ctx, s.db, &cl)
	if err != nil {
		return nil, err
	}
	r, err := s.settle.PreviewClaim(ctx, b)
	if err != nil {
		return nil, err
	}
	return r.Result, nil
}
