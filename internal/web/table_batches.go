package web

import (
	"cmp"
	"slices"

	"ncms/internal/statement"
)

// batchListMax is how many bank batches (the newest) the list sorts, pages
// and exports; the page says so when it is reached.
const batchListMax = 200

// batchStatusOrder is the order the status column sorts by.
var batchStatusOrder = []string{statement.BatchOpen, statement.BatchPaid, statement.BatchCancelled}

// batchColumns are the columns of the bank batch list
// (statement_batches.html): shown, sortable and exported in this order;
// the last (the link) is neither sorted nor exported.
func batchColumns(lang string) []Column[batchRow] {
	type b = batchRow
	tr := trFor(lang)
	paid := func(x b) string {
		if x.PaidOn.IsZero() {
			return ""
		}
		return x.PaidOn.String()
	}
	return []Column[b]{
		{Key: "id", Zh: "批次号", En: "Batch", Value: func(x b) any { return x.ID }, Order: byInt(func(x b) int64 { return x.ID })},
		{Key: "status", Zh: "状态", En: "Status", Value: func(x b) any { return tr(x.StatusZh, x.StatusEn) },
			Order: byInt(func(x b) int { return slices.Index(batchStatusOrder, x.Status) })},
		{Key: "lines", Zh: "笔数", En: "Lines", Num: true, Value: func(x b) any { return x.Items },
			Order: byInt(func(x b) int { return x.Items })},
		{Key: "total", Zh: "金额", En: "Total", Num: true, Value: func(x b) any { return x.Total.String() },
			Order: func(p, q b) int { return cmp.Compare(p.Total, q.Total) }},
		{Key: "made", Zh: "生成", En: "Made", Value: func(x b) any { return x.CreatedAt },
			Order: func(p, q b) int { return cmp.Compare(p.CreatedAt.UnixNano(), q.CreatedAt.UnixNano()) }},
		{Key: "made_by", Zh: "生成人", En: "Made by", NoHead: true, Value: func(x b) any { return x.CreatedBy }},
		{Key: "paid", Zh: "支付日期 / 银行流水", En: "Paid on / bank ref", Value: func(x b) any { return paid(x) }, Order: byString(paid)},
		{Key: "bank_ref", Zh: "银行流水", En: "Bank ref", NoHead: true, Value: func(x b) any { return x.BankRef }},
		{Key: "cancel_reason", Zh: "作废原因", En: "Cancel reason", NoHead: true, Value: func(x b) any { return x.CancelReason }},
		{Key: "open"},
	}
}
