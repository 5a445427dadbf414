// Package engine computes one settlement exactly: given a compiled scheme
// (internal/scheme), a person, a visit, its bill lines and what the person
// (and household) already received this year, it splits every line, applies
// basic compensation, catastrophic insurance, medical assistance and the
// government backstop, and returns each fund's payment, the patient's share,
// the updated year-to-date totals and a bilingual trace of every amount.
//
// The engine is pure: no database, no clock, no floats. Amounts are
// money.Fen; every rounding is money.Share / MulRate (or its exact
// constant-denominator form in round.go) at a step numbered in
// docs/calc.md (R1–R6). Line classification lives here too (classify.go):
// it needs the visit's level and date and is part of the compensation rules.
package engine

import (
	"ncms/internal/civil"
	"ncms/internal/money"
)

// Person is what the engine needs to know about the insured person.
type Person struct {
	ID               string        `json:"id,omitempty"`
	Birth            civil.Date    `json:"birth"`
	Sex              string        `json:"sex,omitempty"` // "1"/"male", "2"/"female"
	Tier             int           `json:"tier,omitempty"`
	Categories       []string      `json:"categories,omitempty"` // five_guarantee, low_income, registered_poor, ...
	CoverFrom        civil.Date    `json:"cover_from"`           // enrollment in force from (zero: scheme start)
	CoverTo          civil.Date    `json:"cover_to"`             // and to (zero: scheme end)
	PaidOn           civil.Date    `json:"paid_on"`              // contribution paid; after the window → waiting period
	Certificates     []Certificate `json:"certificates,omitempty"`
	HouseholdMembers int           `json:"household_members,omitempty"`
	Carryover        money.Fen     `json:"carryover"` // outpatient quota carried over from last year
}

// Certificate is a disease certificate (慢病证 / 特殊病种证).
type Certificate struct {
	Kind    string     `json:"kind"`    // scheme certificate kind: chronic, major, ...
	Disease string     `json:"disease"` // ICD-10 code or county disease code
	From    civil.Date `json:"from"`
	To      civil.Date `json:"to"`
}

// Visit is one outpatient visit or one admission.
type Visit struct {
	ID              string     `json:"id,omitempty"`
	Kind            string     `json:"kind"`  // scheme kind code
	Level           string     `json:"level"` // institution level code, mapped by the scheme
	InCounty        bool       `json:"in_county"`
	Agreement       bool       `json:"agreement"` // institution has a service agreement (协议)
	Referral        bool       `json:"referral"`  // referred, registered or approved (转诊 / 登记)
	NonDesignated   bool       `json:"non_designated,omitempty"`
	Start           civil.Date `json:"start"` // visit or admission date
	End             civil.Date `json:"end"`   // discharge date (zero: same day)
	Days            int        `json:"days,omitempty"`
	Diagnoses       []string   `json:"diagnoses,omitempty"`
	Disease         string     `json:"disease,omitempty"` // certified disease treated (chronic / major kinds)
	InjuryStatement bool       `json:"injury_statement,omitempty"`
	ThirdParty      bool       `json:"third_party,omitempty"` // traffic accident / someone else liable
	PublicHealth    money.Fen  `json:"public_health"`         // public-health delivery subsidy
}

// Line is one bill line with its catalogue entry.
type Line struct {
	ID         string     `json:"id"`
	Code       string     `json:"code,omitempty"`
	Name       string     `json:"name,omitempty"`
	Class      Class      `json:"class"`
	SelfPay    Ratio      `json:"selfpay,omitempty"`   // class B first self-pay share
	PriceCap   Price      `json:"price_cap,omitempty"` // unit price ceiling; 0 none
	Levels     []string   `json:"levels,omitempty"`    // institution levels where reimbursable; empty all
	Essential  bool       `json:"essential,omitempty"` // 基本药物
	Restricted bool       `json:"restricted,omitempty"`
	Approval   int        `json:"approval,omitempty"` // hosp_appr_flag: 0 none needed, 1 approved, 2 refused
	Qty        Qty        `json:"qty"`
	Price      Price      `json:"price"`
	Total      money.Fen  `json:"total"` // zero: computed as qty × price
	Date       civil.Date `json:"date"`
}

// Input is everything one settlement depends on.
type Input struct {
	Person    Person `json:"person"`
	Visit     Visit  `json:"visit"`
	Lines     []Line `json:"lines"`
	YTD       YTD    `json:"ytd"`           // the person's totals this year before this visit
	Household YTD    `json:"household_ytd"` // the household's totals (household caps)
}

// Options change what Calculate produces, never the amounts.
type Options struct {
	Trace bool // build the bilingual trace and setl_proc_info texts
}

// LineSplit is one line split into its four parts (HIS 2204/2301 result).
type LineSplit struct {
	ID        string     `json:"feedetl_sn"`
	Total     money.Fen  `json:"det_item_fee_sumamt"`
	FullOwn   money.Fen  `json:"fulamt_ownpay_amt"`
	OverLimit money.Fen  `json:"overlmt_amt"`
	FirstSelf money.Fen  `json:"preselfpay_amt"`
	InScope   money.Fen  `json:"inscp_scp_amt"`
	Essential bool       `json:"bas_medn_flag"`
	Reason    LineReason `json:"reason,omitempty"` // why fully self-paid: class_c, level, ...
}

// FundPay is one fund's payment (HIS setldetail).
type FundPay struct {
	Type    string    `json:"fund_pay_type"` // 390100, 390200, 610100, 999997
	Name    string    `json:"fund_pay_type_name"`
	Layer   string    `json:"layer"` // basic, catastrophic, assistance, backstop, public_health
	InScope money.Fen `json:"inscp_scp_amt"`
	Limit   money.Fen `json:"crt_payb_lmt_amt"` // what the fund could still pay for this visit
	Pay     money.Fen `json:"fund_payamt"`
	Rule    string    `json:"rule,omitempty"` // the scheme row that decided it
	Info    string    `json:"setl_proc_info,omitempty"`
}

// Reason is a coded explanation in Chinese and English.
type Reason struct {
	Code string `json:"code"`
	Zh   string `json:"zh"`
	En   string `json:"en"`
}

// Step is one line of the trace: an amount, the rule and numbers behind it.
type Step struct {
	Code   string    `json:"code"`
	Rule   string    `json:"rule,omitempty"`
	Amount money.Fen `json:"amount"`
	Zh     string    `json:"zh"`
	En     string    `json:"en"`
}

// Result is a settlement. JSON names follow HIS setlinfo where one exists.
// Identities (checked by tests on random cases):
//
//	MedFee    = FullOwn + OverLimit + FirstSelf + InScope
//	MedFee    = FundTotal + Patient + Hospital
//	FundTotal = Basic + Catastrophic + Assistance + Other = Σ Funds[].Pay
type Result struct {
	Scheme    string      `json:"scheme"`
	Kind      string      `json:"kind"`
	MedType   string      `json:"med_type"`
	ClrType   string      `json:"clr_type"` // 11 outpatient, 21 inpatient
	Level     int         `json:"level"`
	Denied    *Reason     `json:"denied,omitempty"` // not covered: funds pay nothing
	Reversal  bool        `json:"reversal,omitempty"`
	Lines     []LineSplit `json:"lines"`
	MedFee    money.Fen   `json:"medfee_sumamt"`
	FullOwn   money.Fen   `json:"fulamt_ownpay_amt"`
	OverLimit money.Fen   `json:"overlmt_selfpay"`
	FirstSelf money.Fen   `json:"preselfpay_amt"`
	InScope   money.Fen   `json:"inscp_scp_amt"`
	Essential money.Fen   `json:"essential_inscp_amt"` // in-scope part of essential drugs

	Deductible   money.Fen `json:"act_pay_dedc"`
	Basic        money.Fen `json:"hifp_pay"`
	Catastrophic money.Fen `json:"hifmi_pay"`
	Assistance   money.Fen `json:"maf_pay"`
	Other        money.Fen `json:"oth_pay"` // Backstop + PublicHealth
	Backstop     money.Fen `json:"backstop_pay"`
	PublicHealth money.Fen `json:"public_health_pay"`
	FundTotal    money.Fen `json:"fund_pay_sumamt"`
	Patient      money.Fen `json:"psn_part_amt"`
	Hospital     money.Fen `json:"hosp_part_amt"` // above a per-disease price limit

	Funds          []FundPay `json:"setldetail"`
	Delta          YTD       `json:"ytd_delta"`
	YTD            YTD       `json:"ytd"`
	HouseholdDelta YTD       `json:"household_ytd_delta"`
	HouseholdYTD   YTD       `json:"household_ytd"`
	Trace          []Step    `json:"trace,omitempty"`

	funds [4]FundPay // backing store for Funds (a fifth, public health after all four layers, is appended)
}
