// Package ledger is the fund's double-entry book (SPEC §9): a chart of
// accounts, balanced entries posted in the same database transaction as the
// business event they record, reversing entries for corrections, and the
// reads behind the trial balance, account statements and drill-down.
//
// Entries and postings are append-only. There is no function that updates
// or deletes them; a correction is Reverse (every line mirrored) and, when
// needed, a new entry. docs/ledger.md lists the accounts and, for every
// event kind, its debit and credit lines; the For* builders here are those
// lines in code, so the services that own the events call them and Post.
package ledger

import "ncms/internal/money"

// Code is an account code of the chart of accounts.
type Code string

// The chart of accounts (codes are also rows of ledger_accounts, seeded by
// migration 0013). Assets 1xxx, liabilities 2xxx, fund (net assets) 3xxx,
// income 4xxx, expense 5xxx.
const (
	Bank                Code = "1001" // 基金专户存款: the special account at the bank
	Receivable          Code = "1101" // 应收筹资款: shares due per source (key: source)
	PayableInstitution  Code = "2101" // 应付医疗机构款 (institution)
	PayablePerson       Code = "2102" // 应付参合人员补偿款: manual reimbursement (key: person id)
	Withheld            Code = "2201" // 暂扣医疗机构款: withheld under the agreement (institution)
	PooledFund          Code = "3101" // 统筹基金: accumulated fund
	RiskReserve         Code = "3201" // 风险基金
	Earmarked           Code = "3301" // 专项基金: earmarked pools (key: pool code)
	ContributionIncome  Code = "4101" // 筹资收入 (key: source)
	InterestIncome      Code = "4201" // 利息收入
	ExpenseBasic        Code = "5101" // 基本医疗补偿支出 (key: visit kind)
	ExpenseCatastrophic Code = "5102" // 大病保险补偿支出 (key: visit kind)
	ExpenseAssistance   Code = "5103" // 医疗救助支出 (key: visit kind)
	ExpenseBackstop     Code = "5104" // 政府兜底支出 (key: visit kind)
	ExpensePublicHealth Code = "5105" // 公共卫生支出 (key: visit kind)
	Deductions          Code = "5901" // 违规扣款: contra-expense (institution; key "withholding" for kept withholding)
)

// Kind classifies an account.
type Kind string

// The kinds of account.
const (
	Asset     Kind = "asset"
	Liability Kind = "liability"
	Fund      Kind = "fund"
	Income    Kind = "income"
	Expense   Kind = "expense"
)

// Keyed says what a posting to an account must name besides the account.
type Keyed string

// What postings name.
const (
	KeyNone        Keyed = ""
	KeyInstitution Keyed = "institution" // Line.Institution
	KeySource      Keyed = "source"      // Line.Key: a contribution source (individual, central, ...)
	KeyKind        Keyed = "kind"        // Line.Key: the visit kind of the scheme (outpatient, inpatient, ...)
	KeyPool        Keyed = "pool"        // Line.Key: an earmarked pool code
	KeyPerson      Keyed = "person"      // Line.Key: persons.id as text
)

// Account is one account of the chart.
type Account struct {
	Code  Code   `json:"code"`
	Zh    string `json:"name_zh"`
	En    string `json:"name_en"`
	Kind  Kind   `json:"kind"`
	Debit bool   `json:"debit_normal"` // normal balance on the debit side
	Keyed Keyed  `json:"keyed"`
}

// Name returns "中文 English".
func (a Account) Name() string { return a.Zh + " " + a.En }

// Accounts is the chart in code order; it matches ledger_accounts.
var Accounts = []Account{
	{Bank, "基金专户存款", "Special account (bank)", Asset, true, KeyNone},
	{Receivable, "应收筹资款", "Contributions receivable", Asset, true, KeySource},
	{PayableInstitution, "应付医疗机构款", "Payable to institutions", Liability, false, KeyInstitution},
	{PayablePerson, "应付参合人员补偿款", "Payable to enrollees (manual reimbursement)", Liability, false, KeyPerson},
	{Withheld, "暂扣医疗机构款", "Withheld from institutions", Liability, false, KeyInstitution},
	{PooledFund, "统筹基金", "Pooled fund (accumulated)", Fund, false, KeyNone},
	{RiskReserve, "风险基金", "Risk reserve", Fund, false, KeyNone},
	{Earmarked, "专项基金", "Earmarked pools", Fund, false, KeyPool},
	{ContributionIncome, "筹资收入", "Contribution income", Income, false, KeySource},
	{InterestIncome, "利息收入", "Interest income", Income, false, KeyNone},
	{ExpenseBasic, "基本医疗补偿支出", "Compensation: basic scheme", Expense, true, KeyKind},
	{ExpenseCatastrophic, "大病保险补偿支出", "Compensation: catastrophic insurance", Expense, true, KeyKind},
	{ExpenseAssistance, "医疗救助支出", "Compensation: medical assistance", Expense, true, KeyKind},
	{ExpenseBackstop, "政府兜底支出", "Compensation: government backstop", Expense, true, KeyKind},
	{ExpensePublicHealth, "公共卫生支出", "Compensation: public health", Expense, true, KeyKind},
	{Deductions, "违规扣款", "Deductions from institutions", Expense, false, KeyInstitution},
}

var byCode = func() map[Code]Account {
	m := map[Code]Account{}
	for _, a := range Accounts {
		m[a.Code] = a
	}
	return m
}()

// Lookup returns the account with the code.
func Lookup(c Code) (Account, bool) { a, ok := byCode[c]; return a, ok }

// Balance returns the account's balance on its normal side from debit and
// credit totals (a debit-normal account: debit − credit).
func (a Account) Balance(debit, credit money.Fen) money.Fen {
	if a.Debit {
		return debit - credit
	}
	return credit - debit
}

// EventKind names the business event an entry records; the entry's
// event id is that event's own record id (see docs/ledger.md).
type EventKind string

// The event kinds.
const (
	EvContribution       EventKind = "contribution"        // desk receipt: contribution_payments.id
	EvContributionRefund EventKind = "contribution_refund" // cancelled enrollment: the reversing contribution_payments.id
	EvArrival            EventKind = "arrival"             // subsidy arrival: contribution_arrivals.id
	EvArrivalReversal    EventKind = "arrival_reversal"    // contribution_arrivals.id of the reversal row
	EvInterest           EventKind = "interest"            // interest credited: fund_events.id (internal/fund)
	EvOpening            EventKind = "opening_balance"     // balance brought forward from before the system
	EvAllocation         EventKind = "allocation"          // year allocation: fund_allocations.id
	EvSettlement         EventKind = "settlement"          // real-time settlement: settlements.id
	EvSettlementReversal EventKind = "settlement_reversal" // settlements.id of the reversal row
	EvClaim              EventKind = "claim"               // approved manual reimbursement: the claim id
	EvClaimPayment       EventKind = "claim_payment"       // bank transfer of a claim: the payment (or claim) id
	EvDeduction          EventKind = "deduction"           // deduction taken at a monthly statement: the deduction id
	EvWithholding        EventKind = "withholding"         // amount withheld at a monthly statement: the statement id
	EvInstitutionPayment EventKind = "institution_payment" // payment in a bank batch: the statement (or payment) id
	EvWithholdingRefund  EventKind = "withholding_refund"  // year-end true-up of withholding: the true-up id
	EvCorrection         EventKind = "correction"          // Reverse of an entry made in error: event id = that entry id
)

// EventKinds lists every event kind with its Chinese and English names.
var EventKinds = []struct {
	Kind   EventKind
	Zh, En string
}{
	{EvContribution, "个人缴费及应收补助", "contribution (desk receipt)"},
	{EvContributionRefund, "撤销参合退费", "contribution refund (cancellation)"},
	{EvArrival, "补助资金到账", "subsidy arrival"},
	{EvArrivalReversal, "到账冲销", "arrival reversal"},
	{EvInterest, "利息收入", "interest"},
	{EvOpening, "期初结余", "opening balance"},
	{EvAllocation, "基金分配", "year allocation"},
	{EvSettlement, "即时结报", "real-time settlement"},
	{EvSettlementReversal, "结算撤销", "settlement reversal"},
	{EvClaim, "零星报销审批", "manual reimbursement approved"},
	{EvClaimPayment, "零星报销支付", "manual reimbursement paid"},
	{EvDeduction, "违规扣款", "deduction"},
	{EvWithholding, "暂扣款", "withholding"},
	{EvInstitutionPayment, "拨付医疗机构", "institution payment"},
	{EvWithholdingRefund, "暂扣款年终清算", "year-end withholding true-up"},
	{EvCorrection, "冲正", "correction"},
}

// Valid reports whether k is a known event kind.
func (k EventKind) Valid() bool {
	for _, e := range EventKinds {
		if e.Kind == k {
			return true
		}
	}
	return false
}

// Zh returns the Chinese name of the event kind.
func (k EventKind) Zh() string {
	for _, e := range EventKinds {
		if e.Kind == k {
			return e.Zh
		}
	}
	return string(k)
}
