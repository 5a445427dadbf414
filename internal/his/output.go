package his

import (
	"ncms/internal/engine"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// amt is an amount written as a bare JSON number with exactly two
// decimals (12.30), from its exact text.
type amt money.Fen

// MarshalJSON writes the exact decimal.
func (a amt) MarshalJSON() ([]byte, error) { return []byte(money.Fen(a).String()), nil }

// dec is an exact decimal text written as a bare JSON number (cnt, pric, selfpay_prop).
type dec string

// MarshalJSON writes the decimal text.
func (d dec) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("0"), nil
	}
	return []byte(d), nil
}

// SetlInfo is the setlinfo node: every field of HIS-INTERFACE "The
// settlement output", empty numerics 0 and strings "".
type SetlInfo struct {
	MdtrtID         string `json:"mdtrt_id"`
	SetlID          string `json:"setl_id"`
	PsnNo           string `json:"psn_no"`
	PsnName         string `json:"psn_name"`
	PsnCertType     string `json:"psn_cert_type"`
	Certno          string `json:"certno"`
	Gend            string `json:"gend"`
	Naty            string `json:"naty"`
	Brdy            string `json:"brdy"`
	Age             int    `json:"age"`
	Insutype        string `json:"insutype"`
	PsnType         string `json:"psn_type"`
	CvlservFlag     string `json:"cvlserv_flag"`
	SetlTime        string `json:"setl_time"`
	MdtrtCertType   string `json:"mdtrt_cert_type"`
	MedType         string `json:"med_type"`
	MedfeeSumamt    amt    `json:"medfee_sumamt"`
	FulamtOwnpayAmt amt    `json:"fulamt_ownpay_amt"`
	OverlmtSelfpay  amt    `json:"overlmt_selfpay"`
	PreselfpayAmt   amt    `json:"preselfpay_amt"`
	InscpScpAmt     amt    `json:"inscp_scp_amt"`
	ActPayDedc      amt    `json:"act_pay_dedc"`
	HifpPay         amt    `json:"hifp_pay"`
	PoolPropSelfpay amt    `json:"pool_prop_selfpay"`
	CvlservPay      amt    `json:"cvlserv_pay"`
	HifesPay        amt    `json:"hifes_pay"`
	HifmiPay        amt    `json:"hifmi_pay"`
	HifobPay        amt    `json:"hifob_pay"`
	MafPay          amt    `json:"maf_pay"`
	OthPay          amt    `json:"oth_pay"`
	FundPaySumamt   amt    `json:"fund_pay_sumamt"`
	PsnPartAmt      amt    `json:"psn_part_amt"`
	AcctPay         amt    `json:"acct_pay"`
	PsnCashPay      amt    `json:"psn_cash_pay"`
	HospPartAmt     amt    `json:"hosp_part_amt"`
	Balc            amt    `json:"balc"`
	AcctMulaidPay   amt    `json:"acct_mulaid_pay"`
	MedinsSetlID    string `json:"medins_setl_id"`
	ClrOptins       string `json:"clr_optins"`
	ClrWay          string `json:"clr_way"`
	ClrType         string `json:"clr_type"`
}

// SetlDetail is one setldetail row.
type SetlDetail struct {
	FundPayType     string `json:"fund_pay_type"`
	FundPayTypeName string `json:"fund_pay_type_name"`
	InscpScpAmt     amt    `json:"inscp_scp_amt"`
	CrtPaybLmtAmt   amt    `json:"crt_payb_lmt_amt"`
	FundPayamt      amt    `json:"fund_payamt"`
	SetlProcInfo    string `json:"setl_proc_info"`
}

// settlementOut is the output of 2206–2208, 2303–2305 and 5203.
type settlementOut struct {
	SetlInfo   SetlInfo     `json:"setlinfo"`
	SetlDetail []SetlDetail `json:"setldetail"`
}

// clrWay is 2 (per disease) for a per-disease visit, else 1 (per item).
func clrWay(medType string) string {
	if medType == "26" {
		return "2"
	}
	return "1"
}

// outSettlement maps a settlement (or pre-settlement, ID 0; or reversal,
// amounts already negated by the engine) to setlinfo and setldetail.
func (s *Service) outSettlement(st settle.Settlement, certType string) settlementOut {
	r := st.Result
	if certType == "" {
		certType = "02"
	}
	info := SetlInfo{MdtrtID: idText(st.VisitID), SetlID: idText(st.ID), PsnNo: idText(st.PersonID), PsnName: st.PersonName,
		PsnCertType: "01", Certno: st.IDNumber, Gend: st.Sex, Brdy: st.Birth.String(), Age: st.Age,
		Insutype: "390", PsnType: tierType(st.Tier), CvlservFlag: "0",
		SetlTime: st.Time.In(China).Format(timeLayout), MdtrtCertType: certType, MedType: st.MedType,
		MedinsSetlID: st.MsgID, ClrOptins: s.area, ClrWay: clrWay(st.MedType), ClrType: st.ClrType,
		AcctPay: amt(st.AcctPay), PsnCashPay: amt(st.CashPay)}
	if r != nil {
		info.MedfeeSumamt, info.FulamtOwnpayAmt, info.OverlmtSelfpay = amt(r.MedFee), amt(r.FullOwn), amt(r.OverLimit)
		info.PreselfpayAmt, info.InscpScpAmt, info.ActPayDedc = amt(r.FirstSelf), amt(r.InScope), amt(r.Deductible)
		info.HifpPay, info.HifmiPay, info.MafPay, info.OthPay = amt(r.Basic), amt(r.Catastrophic), amt(r.Assistance), amt(r.Other)
		info.FundPaySumamt, info.PsnPartAmt, info.HospPartAmt = amt(r.FundTotal), amt(r.Patient), amt(r.Hospital)
	}
	return settlementOut{SetlInfo: info, SetlDetail: details(r)}
}

func details(r *engine.Result) []SetlDetail {
	out := []SetlDetail{}
	if r == nil {
		return out
	}
	for _, f := range r.Funds {
		info := f.Info
		if f.Rule != "" && info == "" {
			info = f.Rule
		}
		out = append(out, SetlDetail{FundPayType: f.Type, FundPayTypeName: f.Name, InscpScpAmt: amt(f.InScope),
			CrtPaybLmtAmt: amt(f.Limit), FundPayamt: amt(f.Pay), SetlProcInfo: info})
	}
	return out
}

// tierType is psn_type: the contribution tier (档次) as "1", "2", ….
func tierType(tier int) string {
	if tier <= 0 {
		return ""
	}
	return idText(int64(tier))
}
