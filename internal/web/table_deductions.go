package web

import (
	"cmp"
	"slices"

	"ncms/internal/statement"
)

// deductionListMax is how many deductions (the newest of the filter) the
// list sorts, pages and exports; the page says so when it is reached.
const deductionListMax = 1000

// deductionStatusOrder is the order the status column sorts by (the
// workflow: noticed, responded, open, taken, cancelled).
var deductionStatusOrder = []string{statement.DeductionNoticed, statement.DeductionResponded,
	statement.DeductionOpen, statement.DeductionTaken, statement.DeductionCancelled}

// deductionColumns are the columns of the deductions list
// (statement_deductions.html): shown, sortable and exported in this order;
// the last (the cancel form) is neither sorted nor exported.
func deductionColumns(lang string) []Column[dedRow] {
	type d = dedRow
	tr := trFor(lang)
	source := func(x d) string {
		s := tr(x.SourceZh, x.SourceEn)
		if x.SourceRef != "" {
			s += " " + x.SourceRef
		}
		return s
	}
	return []Column[d]{
		{Key: "date", Zh: "日期", En: "Date", Value: func(x d) any { return x.FoundOn.String() },
			Order: byString(func(x d) string { return x.FoundOn.String() })},
		{Key: "institution", Zh: "机构", En: "Institution", Value: func(x d) any { return x.Institution },
			Order: byString(func(x d) string { return x.Institution })},
		{Key: "amount", Zh: "金额", En: "Amount", Num: true, Value: func(x d) any { return x.Amount.String() },
			Order: func(a, b d) int { return cmp.Compare(a.Amount, b.Amount) }},
		{Key: "reason", Zh: "原因", En: "Reason", Value: func(x d) any { return x.Reason }},
		{Key: "source", Zh: "来源", En: "Source", Value: func(x d) any { return source(x) }, Order: byString(source)},
		{Key: "status", Zh: "状态", En: "Status", Value: func(x d) any { return tr(x.StatusZh, x.StatusEn) },
			Order: byInt(func(x d) int { return slices.Index(deductionStatusOrder, x.Status) })},
		{Key: "by", Zh: "登记人", En: "By", Value: func(x d) any { return x.CreatedBy },
			Order: byString(func(x d) string { return x.CreatedBy })},
		{Key: "statement", Zh: "结算单", En: "Statement", NoHead: true, Value: func(x d) any {
			if x.StatementID == 0 {
				return ""
			}
			return x.StatementID
		}},
		{Key: "cancel_reason", Zh: "撤销原因", En: "Cancel reason", NoHead: true, Value: func(x d) any { return x.CancelReason }},
		{Key: "actions"},
	}
}
