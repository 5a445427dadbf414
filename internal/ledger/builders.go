package ledger

import (
	"strconv"

	"ncms/internal/civil"
	"ncms/internal/money"
)

// The builders below are the debit and credit lines of each event kind
// (docs/ledger.md). They return an Entry for Post; zero lines are dropped,
// so an event that moves no money gives an Empty entry (use PostIfAny).
// Amounts are positive in the event's own direction unless a builder says
// otherwise.

// IndividualSource is the source whose share people pay at the desk (it
// goes straight to the bank; every other source is first a receivable).
const IndividualSource = "individual"

// SourceAmount is an amount from one contribution source.
type SourceAmount struct {
	Source string    `json:"source"`
	Amount money.Fen `json:"amount"`
}

func newEntry(kind EventKind, year int, on civil.Date, eventID int64, memo string) Entry {
	return Entry{Year: year, Date: on, Kind: kind, EventID: eventID, Memo: memo}
}

// ForContribution is a desk receipt: what the household paid goes to the
// bank, every other source's share (government levels, civil affairs)
// becomes a receivable, and every share is contribution income of its
// source.
//
//	Dr 1001 bank (individual)  Dr 1101 receivable/source  —  Cr 4101 income/source
func ForContribution(year int, on civil.Date, paymentID int64, memo string, shares []SourceAmount) Entry {
	e := newEntry(EvContribution, year, on, paymentID, memo)
	addContribution(&e, shares, 1)
	return e
}

// ForContributionRefund is the cancellation of enrollments: every line of
// ForContribution mirrored for the shares cancelled (given positive).
func ForContributionRefund(year int, on civil.Date, reversalPaymentID int64, memo string, shares []SourceAmount) Entry {
	e := newEntry(EvContributionRefund, year, on, reversalPaymentID, memo)
	addContribution(&e, shares, -1)
	return e
}

func addContribution(e *Entry, shares []SourceAmount, sign money.Fen) {
	for _, s := range shares {
		amt := sign * s.Amount
		if s.Source == IndividualSource {
			e.Add(Dr(Bank, amt))
		} else {
			e.Add(Dr(Receivable, amt).K(s.Source))
		}
	}
	for _, s := range shares {
		e.Add(Cr(ContributionIncome, sign*s.Amount).K(s.Source))
	}
}

// ForArrival is government or civil-affairs money received: Dr 1001 bank,
// Cr 1101 receivable/source. A reversal of an arrival passes the reversal
// row's negative amount and kind EvArrivalReversal (the lines mirror).
func ForArrival(kind EventKind, year int, on civil.Date, arrivalID int64, source string, amount money.Fen, memo string) Entry {
	e := newEntry(kind, year, on, arrivalID, memo)
	e.Add(Dr(Bank, amount), Cr(Receivable, amount).K(source))
	return e
}

// ForInterest is interest credited to the special account: Dr 1001, Cr 4201.
func ForInterest(year int, on civil.Date, eventID int64, amount money.Fen, memo string) Entry {
	e := newEntry(EvInterest, year, on, eventID, memo)
	e.Add(Dr(Bank, amount), Cr(InterestIncome, amount))
	return e
}

// ForOpening brings forward a balance held before the system (or from the
// previous book): Dr 1001 bank, Cr 3101 pooled fund.
func ForOpening(year int, on civil.Date, eventID int64, amount money.Fen, memo string) Entry {
	e := newEntry(EvOpening, year, on, eventID, memo)
	e.Add(Dr(Bank, amount), Cr(PooledFund, amount))
	return e
}

// PoolAmount is an earmarked pool's share of the year's fund.
type PoolAmount struct {
	Pool   string    `json:"pool"`
	Amount money.Fen `json:"amount"`
}

// ForAllocation sets aside the year's risk reserve and earmarked pools
// from the pooled fund: Dr 3101, Cr 3201 risk reserve, Cr 3301 pool/code.
// A change of allocation posts the difference (negative amounts mirror).
func ForAllocation(year int, on civil.Date, allocationID int64, reserve money.Fen, pools []PoolAmount, memo string) Entry {
	e := newEntry(EvAllocation, year, on, allocationID, memo)
	total := reserve
	for _, p := range pools {
		total += p.Amount
	}
	e.Add(Dr(PooledFund, total), Cr(RiskReserve, reserve))
	for _, p := range pools {
		e.Add(Cr(Earmarked, p.Amount).K(p.Pool))
	}
	return e
}

// Layers are a compensation's amounts by layer of payment (SPEC §6.3).
type Layers struct {
	Basic        money.Fen `json:"basic"`         // 基本医保 (hifp_pay)
	Catastrophic money.Fen `json:"catastrophic"`  // 大病保险 (hifmi_pay)
	Assistance   money.Fen `json:"assistance"`    // 医疗救助 (maf_pay)
	Backstop     money.Fen `json:"backstop"`      // 政府兜底
	PublicHealth money.Fen `json:"public_health"` // 公共卫生
}

// Total is the sum of the layers (the fund's share, fund_pay_sumamt).
func (l Layers) Total() money.Fen {
	return l.Basic + l.Catastrophic + l.Assistance + l.Backstop + l.PublicHealth
}

// LayerAccounts are the expense accounts of the layers, in order.
var LayerAccounts = []Code{ExpenseBasic, ExpenseCatastrophic, ExpenseAssistance, ExpenseBackstop, ExpensePublicHealth}

func (l Layers) amounts() []money.Fen {
	return []money.Fen{l.Basic, l.Catastrophic, l.Assistance, l.Backstop, l.PublicHealth}
}

// Settlement is what the ledger needs of a real-time settlement or its
// reversal: amounts as stored (a reversal's are negative).
type Settlement struct {
	ID          int64      // settlements.id
	Year        int        // scheme year (ytd_year)
	Date        civil.Date // setl_date
	Institution int64
	VisitKind   string // the scheme's visit kind (outpatient, inpatient, ...)
	Reversal    bool   // a reversal row (reverses_id set)
	Layers      Layers
}

// ForSettlement is the fund's share of a real-time settlement, advanced by
// the institution to the patient: Dr 510x expense per layer (key: visit
// kind, naming the institution), Cr 2101 payable to the institution. A
// reversal (negative amounts) mirrors it under EvSettlementReversal.
func ForSettlement(s Settlement) Entry {
	kind := EvSettlement
	if s.Reversal {
		kind = EvSettlementReversal
	}
	e := newEntry(kind, s.Year, s.Date, s.ID, "")
	for i, a := range s.Layers.amounts() {
		e.Add(Dr(LayerAccounts[i], a).K(s.VisitKind).Inst(s.Institution))
	}
	e.Add(Cr(PayableInstitution, s.Layers.Total()).Inst(s.Institution))
	return e
}

// ForClaim is an approved manual reimbursement: Dr 510x expense per layer
// (key: visit kind; institution where the care was given, 0 when unknown
// or out of the system), Cr 2102 payable to the person.
func ForClaim(year int, on civil.Date, claimID, personID int64, visitKind string, institution int64, l Layers, memo string) Entry {
	e := newEntry(EvClaim, year, on, claimID, memo)
	for i, a := range l.amounts() {
		e.Add(Dr(LayerAccounts[i], a).K(visitKind).Inst(institution))
	}
	e.Add(Cr(PayablePerson, l.Total()).K(strconv.FormatInt(personID, 10)))
	return e
}

// ForClaimPayment is the bank transfer of a reimbursement to the person:
// Dr 2102 payable/person, Cr 1001 bank.
func ForClaimPayment(year int, on civil.Date, paymentID, personID int64, amount money.Fen, memo string) Entry {
	e := newEntry(EvClaimPayment, year, on, paymentID, memo)
	e.Add(Dr(PayablePerson, amount).K(strconv.FormatInt(personID, 10)), Cr(Bank, amount))
	return e
}

// ForDeduction is a deduction for violations taken from an institution at
// its monthly statement: Dr 2101 payable/institution, Cr 5901 deductions.
func ForDeduction(year int, on civil.Date, deductionID, institution int64, amount money.Fen, memo string) Entry {
	e := newEntry(EvDeduction, year, on, deductionID, memo)
	e.Add(Dr(PayableInstitution, amount).Inst(institution), Cr(Deductions, amount).Inst(institution))
	return e
}

// ForWithholding is an amount withheld under the institution's agreement
// at its monthly statement: Dr 2101 payable, Cr 2201 withheld.
func ForWithholding(year int, on civil.Date, statementID, institution int64, amount money.Fen, memo string) Entry {
	e := newEntry(EvWithholding, year, on, statementID, memo)
	e.Add(Dr(PayableInstitution, amount).Inst(institution), Cr(Withheld, amount).Inst(institution))
	return e
}

// ForInstitutionPayment is a payment to an institution in a bank batch:
// Dr 2101 payable/institution, Cr 1001 bank.
func ForInstitutionPayment(year int, on civil.Date, paymentID, institution int64, amount money.Fen, memo string) Entry {
	e := newEntry(EvInstitutionPayment, year, on, paymentID, memo)
	e.Add(Dr(PayableInstitution, amount).Inst(institution), Cr(Bank, amount))
	return e
}

// ForWithholdingRefund is the year-end true-up of an institution's
// withholding: the part returned becomes payable again (paid with the next
// institution payment), the part kept is a deduction.
//
//	Dr 2201 withheld (returned + kept) — Cr 2101 payable (returned), Cr 5901 deductions/"withholding" (kept)
func ForWithholdingRefund(year int, on civil.Date, trueUpID, institution int64, returned, kept money.Fen, memo string) Entry {
	e := newEntry(EvWithholdingRefund, year, on, trueUpID, memo)
	e.Add(Dr(Withheld, returned+kept).Inst(institution), Cr(PayableInstitution, returned).Inst(institution),
		Cr(Deductions, kept).Inst(institution).K(KeptWithholding))
	return e
}

// KeptWithholding is the key of deduction lines that keep withheld money
// at the year-end true-up (as opposed to deductions for violations).
const KeptWithholding = "withholding"
