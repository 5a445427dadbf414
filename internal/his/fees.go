package his

import (
	"context"

	"ncms/internal/apperr"
	"ncms/internal/engine"
	"ncms/internal/settle"
)

// feeLines reads feedetail[] (2204 / 2301). Every line names the same
// mdtrt_id; cnt × pric must match det_item_fee_sumamt to the fen (the
// engine's R1 tolerance of one fen); negative amounts only on refund
// lines (init_feedetl_sn, inpatient).
func feeLines(cl *call, inpatient bool) (settle.UploadRequest, error) {
	var c apperr.Collector
	lines := list(cl.input(&c), "feedetail", true, &c)
	r := settle.UploadRequest{MsgID: cl.req.MsgID}
	if len(lines) == 0 && c.Len() == 0 {
		c.AddField("feedetail", "required", "费用明细为空", "feedetail is empty")
	}
	for _, o := range lines {
		l := feeLine(o, inpatient)
		id := o.id("mdtrt_id", true)
		switch {
		case r.VisitID == 0:
			r.VisitID = id
		case id != 0 && id != r.VisitID:
			o.bad("mdtrt_id", "mixed_visits", "同一次上传的明细应属于同一就诊", "all lines of one upload belong to one visit")
		}
		r.Lines = append(r.Lines, l)
	}
	return r, c.Err()
}

// feeLine reads one feedetail line.
func feeLine(o *obj, inpatient bool) settle.LineInput {
	l := settle.LineInput{SN: o.str("feedetl_sn", true, 30), Code: o.str("med_list_codg", true, 50),
		Date: o.date("fee_ocur_time", true), Approval: o.small("hosp_appr_flag", false, 0, 2)}
	if inpatient {
		l.InitSN = o.str("init_feedetl_sn", false, 30)
	}
	refund := l.InitSN != ""
	l.Total = o.amount("det_item_fee_sumamt", true, refund)
	l.Qty = o.qty("cnt", true)
	l.Price = o.price("pric", true)
	o.id("psn_no", false)
	l.Batch = o.str("chrg_bchno", false, 30)
	for _, f := range []string{"rxno", "medins_list_codg", "bilg_dept_codg", "bilg_dr_codg", "drord_no"} {
		o.str(f, false, 50)
	}
	for _, f := range []string{"bilg_dept_name", "bilg_dr_name", "sin_dos_dscr", "used_frqu_dscr", "medc_way_dscr"} {
		o.str(f, false, 100)
	}
	if inpatient {
		o.code("med_type", false, medTypes...)
	}
	o.code("rx_circ_flag", false, "0", "1")
	if l.Qty < 0 && !refund {
		o.bad("cnt", "negative", "数量不能为负(退费明细须填写 init_feedetl_sn)", "must not be negative (a refund line names init_feedetl_sn)")
	}
	if o.c.Len() == 0 {
		if d := engine.Amount(l.Qty, l.Price) - l.Total; d > 1 || d < -1 {
			o.bad("det_item_fee_sumamt", "cnt_pric", "明细金额 "+l.Total.String()+" 与数量×单价 "+engine.Amount(l.Qty, l.Price).String()+" 不符",
				"amount "+l.Total.String()+" differs from cnt × pric = "+engine.Amount(l.Qty, l.Price).String())
		}
	}
	return l
}

// lineOut is one line of the 2204 / 2301 result.
type lineOut struct {
	FeedetlSn        string `json:"feedetl_sn"`
	DetItemFeeSumamt amt    `json:"det_item_fee_sumamt"`
	Cnt              dec    `json:"cnt"`
	Pric             dec    `json:"pric"`
	PricUplmtAmt     dec    `json:"pric_uplmt_amt"`
	SelfpayProp      dec    `json:"selfpay_prop"`
	FulamtOwnpayAmt  amt    `json:"fulamt_ownpay_amt"`
	OverlmtAmt       amt    `json:"overlmt_amt"`
	PreselfpayAmt    amt    `json:"preselfpay_amt"`
	InscpScpAmt      amt    `json:"inscp_scp_amt"`
	ChrgitmLv        string `json:"chrgitm_lv"`
	MedChrgitmType   string `json:"med_chrgitm_type"`
	BasMednFlag      string `json:"bas_medn_flag"`
	LmtUsedFlag      string `json:"lmt_used_flag"`
	Memo             string `json:"memo"`
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func linesOut(res settle.UploadResult) map[string]any {
	out := make([]lineOut, 0, len(res.Lines))
	for _, l := range res.Lines {
		out = append(out, lineOut{FeedetlSn: l.SN, DetItemFeeSumamt: amt(l.Total), Cnt: dec(l.Qty.String()),
			Pric: dec(l.Price.String()), PricUplmtAmt: dec(l.PriceCap.String()), SelfpayProp: dec(l.SelfPay.Fraction()),
			FulamtOwnpayAmt: amt(l.FullOwn), OverlmtAmt: amt(l.OverLimit), PreselfpayAmt: amt(l.FirstSelf),
			InscpScpAmt: amt(l.InScope), ChrgitmLv: l.ChrgitmLv, MedChrgitmType: l.FeeType,
			BasMednFlag: flag(l.Essential), LmtUsedFlag: flag(l.Limited), Memo: l.Memo})
	}
	return map[string]any{"result": out}
}

func (s *Service) upload(ctx context.Context, cl *call, inpatient bool) (any, error) {
	r, err := feeLines(cl, inpatient)
	if err != nil {
		return nil, err
	}
	res, err := s.settle.UploadLines(ctx, r)
	if err != nil {
		return nil, err
	}
	return linesOut(res), nil
}

// uploadOutpatient is 2204.
func (s *Service) uploadOutpatient(ctx context.Context, cl *call) (any, error) {
	return s.upload(ctx, cl, false)
}

// uploadInpatient is 2301.
func (s *Service) uploadInpatient(ctx context.Context, cl *call) (any, error) {
	return s.upload(ctx, cl, true)
}

// revokeOutpatient is 2205: chrg_bchno names the charge batch whose
// unsettled lines are revoked; "0000" (or empty) revokes every unsettled
// line of the visit.
func (s *Service) revokeOutpatient(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	r := settle.RevokeRequest{MsgID: cl.req.MsgID, VisitID: d.id("mdtrt_id", true)}
	d.id("psn_no", false)
	r.Batch = d.str("chrg_bchno", false, 30)
	return s.revoke(ctx, r, &c)
}

// revokeInpatient is 2302: feedetl_sn "0000" revokes every unsettled line.
func (s *Service) revokeInpatient(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	r := settle.RevokeRequest{MsgID: cl.req.MsgID, VisitID: d.id("mdtrt_id", true)}
	d.id("psn_no", false)
	if sn := d.str("feedetl_sn", true, 30); sn != "" && sn != "0000" {
		r.SNs = []string{sn}
	}
	return s.revoke(ctx, r, &c)
}

func (s *Service) revoke(ctx context.Context, r settle.RevokeRequest, c *apperr.Collector) (any, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	res, err := s.settle.RevokeLines(ctx, r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"data": map[string]any{"mdtrt_id": idText(res.VisitID), "feedetl_sn": res.SNs}}, nil
}
