package settle

import (
	"time"

	"ncms/internal/apperr"

	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/money"
)

// Visit statuses.
const (
	Open       = "open"
	Discharged = "discharged"
	Cancelled  = "cancelled"
)

// VisitRequest registers an outpatient visit (2201) or an admission (2401).
type VisitRequest struct {
	MsgID      string     `json:"-"`
	PersonID   int64      `json:"psn_no"`
	MedType    string     `json:"med_type"`
	Begin      civil.Date `json:"begntime"`
	IptOtpNo   string     `json:"ipt_otp_no"`
	Diagnoses  []string   `json:"diagnoses"` // ICD-10, main first
	Referral   bool       `json:"referral"`
	DeptName   string     `json:"dept_name"`
	DoctorName string     `json:"dr_name"`
}

// UpdateRequest changes a visit's med_type and diagnoses (2203).
type UpdateRequest struct {
	MsgID     string   `json:"-"`
	VisitID   int64    `json:"mdtrt_id"`
	MedType   string   `json:"med_type"` // "" keeps it
	Diagnoses []string `json:"diagnoses"`
}

// DischargeRequest discharges an admission (2402).
type DischargeRequest struct {
	MsgID     string     `json:"-"`
	VisitID   int64      `json:"mdtrt_id"`
	End       civil.Date `json:"endtime"`
	Diagnoses []string   `json:"diagnoses"` // discharge diagnoses; empty keeps them
}

// VisitRef names a visit (cancel 2202 / 2404).
type VisitRef struct {
	MsgID   string `json:"-"`
	VisitID int64  `json:"mdtrt_id"`
}

// Visit is a registered visit (mdtrt_id = ID).
type Visit struct {
	ID            int64      `json:"mdtrt_id"`
	InstitutionID int64      `json:"institution_id"`
	PersonID      int64      `json:"psn_no"`
	HouseholdID   int64      `json:"household_id"`
	ClrType       string     `json:"clr_type"`
	MedType       string     `json:"med_type"`
	IptOtpNo      string     `json:"ipt_otp_no"`
	Begin         civil.Date `json:"begntime"`
	End           civil.Date `json:"endtime"`
	Diagnoses     []string   `json:"diagnoses"`
	Referral      bool       `json:"referral"`
	Status        string     `json:"status"`
}

// LineInput is one fee line as the HIS sends it (feedetail).
type LineInput struct {
	SN       string       `json:"feedetl_sn"`
	InitSN   string       `json:"init_feedetl_sn,omitempty"` // refund of this line (negative qty)
	Code     string       `json:"med_list_codg"`
	Name     string       `json:"name,omitempty"`
	Qty      engine.Qty   `json:"cnt"`
	Price    engine.Price `json:"pric"`
	Total    money.Fen    `json:"det_item_fee_sumamt"`
	Date     civil.Date   `json:"fee_ocur_time"` // zero: the visit's date
	Approval int          `json:"hosp_appr_flag"`
	Batch    string       `json:"chrg_bchno,omitempty"` // the HIS's charge batch (收费批次)
}

// UploadRequest uploads fee lines (2204 / 2301).
type UploadRequest struct {
	MsgID   string      `json:"-"`
	VisitID int64       `json:"mdtrt_id"`
	Lines   []LineInput `json:"feedetail"`
}

// LineResult is one uploaded line's classification (2204 / 2301 result).
type LineResult struct {
	SN        string       `json:"feedetl_sn"`
	Total     money.Fen    `json:"det_item_fee_sumamt"`
	Qty       engine.Qty   `json:"cnt"`
	Price     engine.Price `json:"pric"`
	PriceCap  engine.Price `json:"pric_uplmt_amt"`
	SelfPay   money.Rate   `json:"selfpay_prop"`
	FullOwn   money.Fen    `json:"fulamt_ownpay_amt"`
	OverLimit money.Fen    `json:"overlmt_amt"`
	FirstSelf money.Fen    `json:"preselfpay_amt"`
	InScope   money.Fen    `json:"inscp_scp_amt"`
	ChrgitmLv string       `json:"chrgitm_lv"` // 01 A, 02 B, 03 C
	FeeType   string       `json:"med_chrgitm_type"`
	Essential bool         `json:"bas_medn_flag"`
	Limited   bool         `json:"lmt_used_flag"`
	Memo      string       `json:"memo"` // why fully self-paid (reason code)
}

// RevokeRequest revokes unsettled lines (2205 / 2302). SNs empty or ["0000"]: all.
type RevokeRequest struct {
	MsgID   string   `json:"-"`
	VisitID int64    `json:"mdtrt_id"`
	SNs     []string `json:"feedetl_sn"`
	// Batch revokes the unsettled lines of one charge batch (2205
	// chrg_bchno); "" or "0000" with no SNs revokes every unsettled line.
	Batch string `json:"chrg_bchno,omitempty"`
}

// RevokeResult lists the lines revoked.
type RevokeResult struct {
	VisitID int64    `json:"mdtrt_id"`
	SNs     []string `json:"feedetl_sn"`
}

// SettleRequest pre-settles (2206 / 2303) or settles (2207 / 2304) a visit's
// unsettled lines.
type SettleRequest struct {
	MsgID   string    `json:"-"`
	VisitID int64     `json:"mdtrt_id"`
	MedFee  money.Fen `json:"medfee_sumamt"` // the HIS's total; must equal the lines' (0: not checked)
	Invoice string    `json:"invono"`
}

// ReverseRequest reverses a settlement (2208 / 2305).
type ReverseRequest struct {
	MsgID        string `json:"-"`
	VisitID      int64  `json:"mdtrt_id"`
	SettlementID int64  `json:"setl_id"`
}

// CompensateRequest undoes an earlier message (2601 冲正).
type CompensateRequest struct {
	MsgID     string `json:"-"`
	OrigMsgID string `json:"omsgid"`
	OrigInfno string `json:"oinfno"`
}

// CompensateResult says what was undone.
type CompensateResult struct {
	OrigMsgID string `json:"omsgid"`
	Effect    string `json:"effect"` // settlement_reversed, lines_revoked, visit_cancelled, tombstone, already, none
	ID        int64  `json:"id,omitempty"`
}

// Settlement is a settlement, reversal or pre-settlement (ID 0) with the
// person and visit fields of HIS setlinfo. Amounts are in Result.
// Identities: Result.Patient = AcctPay + CashPay.
type Settlement struct {
	ID            int64          `json:"setl_id"`
	VisitID       int64          `json:"mdtrt_id"`
	InstitutionID int64          `json:"institution_id"`
	PersonID      int64          `json:"psn_no"`
	PersonName    string         `json:"psn_name"`
	IDNumber      string         `json:"certno"`
	Sex           string         `json:"gend"`
	Birth         civil.Date     `json:"brdy"`
	Age           int            `json:"age"`
	Tier          int            `json:"tier"`
	MedType       string         `json:"med_type"`
	ClrType       string         `json:"clr_type"`
	Kind          string         `json:"kind"`
	SchemeID      int64          `json:"scheme_id"`
	SchemeCode    string         `json:"scheme"`
	SchemeVersion int            `json:"scheme_version"`
	Reverses      int64          `json:"reverses_setl_id,omitempty"`
	Time          time.Time      `json:"setl_time"`
	Date          civil.Date     `json:"setl_date"`
	MsgID         string         `json:"medins_setl_id"`
	Invoice       string         `json:"invono"`
	AcctPay       money.Fen      `json:"acct_pay"`
	CashPay       money.Fen      `json:"psn_cash_pay"`
	Result        *engine.Result `json:"result"`
}

// ParseAmount reads an HIS amount exactly: a decimal with at most two
// places ("12.30"); more places, exponents or junk are refused naming field.
func ParseAmount(field, s string) (money.Fen, error) {
	v, err := money.Parse(s)
	if err != nil {
		return 0, apperr.Field(field, "amount", "金额 "+s+" 无效(最多两位小数)", "amount "+s+" is invalid (at most 2 decimals)")
	}
	return v, nil
}
