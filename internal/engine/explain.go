package engine

import (
	"fmt"
	"io"
	"strings"
)

// Explain writes a settlement as text a clerk can read to the patient, in
// Chinese with English: the split of the bill, every step of the trace
// (calculate with Options.Trace for it) and the amounts of the slip.
func Explain(w io.Writer, r *Result) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("方案 scheme: %s    就诊类别 kind: %s (med_type %s)    级别 level: %d", r.Scheme, r.Kind, r.MedType, r.Level)
	if r.Reversal {
		p("*** 撤销结算 / REVERSAL ***")
	}
	if r.Denied != nil {
		p("不予补偿 / not covered: %s / %s", r.Denied.Zh, r.Denied.En)
	}
	p("")
	p("计算过程 / how it was computed:")
	if len(r.Trace) == 0 {
		p("  (no trace: calculate with tracing on / 未记录计算过程)")
	}
	for _, s := range r.Trace {
		rule := ""
		if s.Rule != "" {
			rule = "  [" + s.Rule + "]"
		}
		p("  %12s  %s%s", s.Amount, s.Zh, rule)
		p("  %12s  %s", "", s.En)
	}
	p("")
	p("结算结果 / settlement:")
	rows := []struct {
		zh, en string
		v      fmt.Stringer
	}{
		{"医疗费总额", "total (medfee_sumamt)", r.MedFee},
		{"全自费", "fully self-paid (fulamt_ownpay_amt)", r.FullOwn},
		{"超限价自费", "over price ceiling (overlmt_selfpay)", r.OverLimit},
		{"先行自付", "class B first self-pay (preselfpay_amt)", r.FirstSelf},
		{"政策范围内", "in scope (inscp_scp_amt)", r.InScope},
		{"起付线", "deductible (act_pay_dedc)", r.Deductible},
		{"基本医保统筹", "basic fund (hifp_pay)", r.Basic},
		{"大病保险", "catastrophic insurance (hifmi_pay)", r.Catastrophic},
		{"医疗救助", "medical assistance (maf_pay)", r.Assistance},
		{"其他(政府兜底等)", "other: backstop etc. (oth_pay)", r.Other},
		{"基金支付合计", "all funds (fund_pay_sumamt)", r.FundTotal},
		{"医疗机构承担", "borne by the institution (hosp_part_amt)", r.Hospital},
		{"个人负担", "patient pays (psn_part_amt)", r.Patient},
	}
	for _, row := range rows {
		p("  %-14s %-44s %12s", row.zh, row.en, row.v)
	}
	for _, f := range r.Funds {
		p("  基金 fund %s %s: 支付 pays %s, 可支付限额 could pay %s  [%s]", f.Type, f.Name, f.Pay, f.Limit, f.Rule)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
