package his_test

import (
	"testing"

	"ncms/internal/money"
)

var setlinfoFields = []string{"mdtrt_id", "setl_id", "psn_no", "psn_name", "psn_cert_type", "certno", "gend", "naty",
	"brdy", "age", "insutype", "psn_type", "cvlserv_flag", "setl_time", "mdtrt_cert_type", "med_type", "medfee_sumamt",
	"fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay",
	"pool_prop_selfpay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "fund_pay_sumamt",
	"psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "balc", "acct_mulaid_pay", "medins_setl_id",
	"clr_optins", "clr_way", "clr_type"}

var setldetailFields = []string{"fund_pay_type", "fund_pay_type_name", "inscp_scp_amt", "crt_payb_lmt_amt", "fund_payamt", "setl_proc_info"}

var amountFields = map[string]bool{"medfee_sumamt": true, "fulamt_ownpay_amt": true, "overlmt_selfpay": true,
	"preselfpay_amt": true, "inscp_scp_amt": true, "act_pay_dedc": true, "hifp_pay": true, "pool_prop_selfpay": true,
	"cvlserv_pay": true, "hifes_pay": true, "hifmi_pay": true, "hifob_pay": true, "maf_pay": true, "oth_pay": true,
	"fund_pay_sumamt": true, "psn_part_amt": true, "acct_pay": true, "psn_cash_pay": true, "hosp_part_amt": true,
	"balc": true, "acct_mulaid_pay": true, "age": true}

// checkSettlement asserts every field of HIS-INTERFACE "The settlement
// output" is present with its type, and every identity holds to the fen.
// It returns setlinfo's amounts.
func checkSettlement(t *testing.T, out map[string]any) map[string]money.Fen {
	t.Helper()
	info := obj(t, out, "setlinfo")
	a := map[string]money.Fen{}
	for _, f := range setlinfoFields {
		v, ok := info[f]
		if !ok {
			t.Errorf("setlinfo.%s missing", f)
			continue
		}
		if amountFields[f] {
			if f != "age" {
				a[f] = fen(t, v)
			}
		} else if _, isStr := v.(string); !isStr {
			t.Errorf("setlinfo.%s = %v: want a string", f, v)
		}
	}
	details, _ := out["setldetail"].([]any)
	var sum money.Fen
	for i, d := range details {
		m := d.(map[string]any)
		for _, f := range setldetailFields {
			if _, ok := m[f]; !ok {
				t.Errorf("setldetail[%d].%s missing", i, f)
			}
		}
		sum += fen(t, m["fund_payamt"])
	}
	eq := func(name string, x, y money.Fen) {
		if x != y {
			t.Errorf("identity %s: %s ≠ %s", name, x, y)
		}
	}
	eq("medfee = 4 parts", a["medfee_sumamt"], a["fulamt_ownpay_amt"]+a["overlmt_selfpay"]+a["preselfpay_amt"]+a["inscp_scp_amt"])
	eq("medfee = fund + psn + hosp", a["medfee_sumamt"], a["fund_pay_sumamt"]+a["psn_part_amt"]+a["hosp_part_amt"])
	eq("fund = layers", a["fund_pay_sumamt"], a["hifp_pay"]+a["cvlserv_pay"]+a["hifes_pay"]+a["hifmi_pay"]+a["hifob_pay"]+a["maf_pay"]+a["oth_pay"])
	eq("fund = Σ setldetail", a["fund_pay_sumamt"], sum)
	eq("psn = acct + cash", a["psn_part_amt"], a["acct_pay"]+a["psn_cash_pay"])
	return a
}

// checkNegated asserts that a reversal's amounts are the original's negated.
func checkNegated(t *testing.T, orig, rev map[string]money.Fen) {
	t.Helper()
	for k, v := range orig {
		if rev[k] != -v {
			t.Errorf("reversal %s = %s, want %s", k, rev[k], -v)
		}
	}
}
