package his

import (
	"context"
	"encoding/json"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/institution"
)

// call is one authenticated request.
type call struct {
	req  *Request
	inst institution.Institution
	at   time.Time
}

// input splits the envelope's input into nodes; problems go to c.
func (cl *call) input(c *apperr.Collector) map[string]json.RawMessage {
	return decodeInput(cl.req.Input, c)
}

// handler runs one transaction and returns its output node(s).
type handler func(ctx context.Context, cl *call) (any, error)

// transactions maps infno to its handler (HIS-INTERFACE "Transactions served").
func (s *Service) transactions() map[string]handler {
	return map[string]handler{
		"9001": s.signIn,
		"1101": s.personInfo,
		"2201": s.register,
		"2202": s.cancelRegistration,
		"2203": s.updateVisit,
		"2204": s.uploadOutpatient,
		"2205": s.revokeOutpatient,
		"2206": s.preSettleOutpatient,
		"2207": s.settleOutpatient,
		"2208": s.reverseOutpatient,
		"2401": s.admit,
		"2404": s.cancelAdmission,
		"2301": s.uploadInpatient,
		"2302": s.revokeInpatient,
		"2402": s.discharge,
		"2303": s.preSettleInpatient,
		"2304": s.settleInpatient,
		"2305": s.reverseInpatient,
		"2601": s.compensate,
		"3201": s.reconcile,
		"5203": s.settlementQuery,
	}
}

// Infnos lists the transactions served, in the order of docs/his.md.
var Infnos = []string{"9001", "1101", "2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208",
	"2401", "2404", "2301", "2302", "2402", "2303", "2304", "2305", "2601", "3201", "5203"}

func (s *Service) dispatch(ctx context.Context, cl *call) (any, error) {
	h, ok := s.handlers[cl.req.Infno]
	if !ok {
		return nil, apperr.Field("infno", "unknown_infno", "不支持的交易编号 "+clip(cl.req.Infno, 8),
			"unknown transaction "+clip(cl.req.Infno, 8))
	}
	return h(ctx, cl)
}

// clip shortens untrusted text quoted in a message.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
