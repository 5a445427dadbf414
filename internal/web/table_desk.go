package web

import (
	"cmp"

	"ncms/internal/money"
	"ncms/internal/settle"
)

// daySettlementColumns are the columns of a day's settlements at the desk
// (desk_day.html): shown, sortable and exported in this order; the reversal
// note is shown and exported, not sorted.
func daySettlementColumns(lang string) []Column[settle.SettlementRow] {
	type sr = settle.SettlementRow
	fen := func(key, zh, en string, f func(sr) money.Fen) Column[sr] {
		return Column[sr]{Key: key, Zh: zh, En: en, Num: true, Value: func(s sr) any { return f(s).String() },
			Order: func(a, b sr) int { return cmp.Compare(f(a), f(b)) }}
	}
	return []Column[sr]{
		{Key: "id", Zh: "结算号", En: "Settlement", Value: func(s sr) any { return s.ID },
			Order: byInt(func(s sr) int64 { return s.ID })},
		{Key: "visit", Zh: "就诊号", En: "Visit", Value: func(s sr) any { return s.VisitID },
			Order: byInt(func(s sr) int64 { return s.VisitID })},
		{Key: "name", Zh: "姓名", En: "Name", Value: func(s sr) any { return s.PersonName },
			Order: byString(func(s sr) string { return s.PersonName })},
		{Key: "type", Zh: "类别", En: "Type", Value: func(s sr) any { return s.MedType },
			Order: byString(func(s sr) string { return s.MedType })},
		fen("medfee", "医疗费", "Fees", func(s sr) money.Fen { return s.MedFee }),
		fen("fund", "基金支付", "Funds", func(s sr) money.Fen { return s.FundPay }),
		fen("cash", "个人现金", "Cash", func(s sr) money.Fen { return s.CashPay }),
		{Key: "note", Zh: "备注", En: "Note", Value: func(s sr) any {
			switch {
			case s.Reverses != 0 && lang == "en":
				return "reversal of " + itoa64(s.Reverses)
			case s.Reverses != 0:
				return "撤销 " + itoa64(s.Reverses)
			case s.ReversedBy != 0 && lang == "en":
				return "reversed"
			case s.ReversedBy != 0:
				return "已撤销"
			}
			return ""
		}},
	}
}
