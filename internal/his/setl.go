package his

import (
	"context"

	"ncms/internal/apperr"
	"ncms/internal/settle"
)

// settleInput reads the data node of 2206 / 2207 / 2303 / 2304. The four
// split amounts of 2207 / 2304 are the HIS's own figures from the
// pre-settlement: read strictly, not compared (settle checks the total).
func settleInput(cl *call, final bool) (settle.SettleRequest, string, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	r := settle.SettleRequest{MsgID: cl.req.MsgID, VisitID: d.id("mdtrt_id", true), MedFee: d.amount("medfee_sumamt", true, false)}
	d.id("psn_no", true)
	cert := d.code("mdtrt_cert_type", false, certTypes...)
	d.str("mdtrt_cert_no", false, 50)
	d.code("med_type", false, medTypes...)
	d.code("insutype", false, "390")
	d.code("acct_used_flag", false, "0", "1")
	d.str("psn_setlway", false, 10)
	d.str("chrg_bchno", false, 30)
	d.code("mid_setl_flag", false, "0", "1")
	if final {
		r.Invoice = d.str("invono", false, 50)
		for _, f := range []string{"fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"} {
			d.amount(f, false, false)
		}
	}
	return r, cert, c.Err()
}

func (s *Service) preSettle(ctx context.Context, cl *call) (any, error) {
	r, cert, err := settleInput(cl, false)
	if err != nil {
		return nil, err
	}
	st, err := s.settle.PreSettle(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.outSettlement(st, cert), nil
}

func (s *Service) settleVisit(ctx context.Context, cl *call) (any, error) {
	r, cert, err := settleInput(cl, true)
	if err != nil {
		return nil, err
	}
	st, err := s.settle.Settle(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.outSettlement(st, cert), nil
}

// preSettleOutpatient is 2206.
func (s *Service) preSettleOutpatient(ctx context.Context, cl *call) (any, error) {
	return s.preSettle(ctx, cl)
}

// preSettleInpatient is 2303.
func (s *Service) preSettleInpatient(ctx context.Context, cl *call) (any, error) {
	return s.preSettle(ctx, cl)
}

// settleOutpatient is 2207.
func (s *Service) settleOutpatient(ctx context.Context, cl *call) (any, error) {
	return s.settleVisit(ctx, cl)
}

// settleInpatient is 2304.
func (s *Service) settleInpatient(ctx context.Context, cl *call) (any, error) {
	return s.settleVisit(ctx, cl)
}

// reverse is 2208 / 2305: data{setl_id, mdtrt_id, psn_no}.
func (s *Service) reverse(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	r := settle.ReverseRequest{MsgID: cl.req.MsgID, SettlementID: d.id("setl_id", true), VisitID: d.id("mdtrt_id", true)}
	d.id("psn_no", false)
	if err := c.Err(); err != nil {
		return nil, err
	}
	st, err := s.settle.Reverse(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.outSettlement(st, ""), nil
}

// reverseOutpatient is 2208.
func (s *Service) reverseOutpatient(ctx context.Context, cl *call) (any, error) {
	return s.reverse(ctx, cl)
}

// reverseInpatient is 2305.
func (s *Service) reverseInpatient(ctx context.Context, cl *call) (any, error) {
	return s.reverse(ctx, cl)
}

var errSetlNotFound = apperr.New(apperr.NotFound, "settlement_not_found", "未找到结算记录(setl_id)", "settlement (setl_id) not found")

// settlementQuery is 5203: a settlement or reversal as answered.
func (s *Service) settlementQuery(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	id := d.id("setl_id", true)
	visit := d.id("mdtrt_id", false)
	person := d.id("psn_no", false)
	if err := c.Err(); err != nil {
		return nil, err
	}
	st, err := s.settle.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if (visit != 0 && st.VisitID != visit) || (person != 0 && st.PersonID != person) {
		return nil, errSetlNotFound
	}
	return s.outSettlement(st, ""), nil
}

// compensate is 2601: undo an earlier message (omsgid, oinfno) whose
// answer the HIS never received.
func (s *Service) compensate(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	r := settle.CompensateRequest{MsgID: cl.req.MsgID, OrigMsgID: d.str("omsgid", true, 30), OrigInfno: d.str("oinfno", true, 4)}
	d.id("psn_no", false)
	if err := c.Err(); err != nil {
		return nil, err
	}
	res, err := s.settle.Compensate(ctx, r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"data": map[string]any{"omsgid": res.OrigMsgID, "oinfno": r.OrigInfno, "effect": res.Effect}}, nil
}
