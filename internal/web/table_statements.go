package web

import (
	"cmp"
	"slices"

	"ncms/internal/money"
	"ncms/internal/statement"
)

// statementColumns are the columns of a month's statements
// (statement_list.html): shown, sortable and exported in this order; the
// institution code is exported in a column of its own (the list sorts the
// institution by it); the link column is neither sorted nor exported.
func statementColumns(lang string) []Column[stmtRow] {
	type st = stmtRow
	fen := func(key, zh, en string, f func(st) money.Fen) Column[st] {
		return Column[st]{Key: key, Zh: zh, En: en, Num: true, Value: func(s st) any { return f(s).String() },
			Order: func(a, b st) int { return cmp.Compare(f(a), f(b)) }}
	}
	statuses := []string{statement.Draft, statement.Checked, statement.Approved, statement.Batched, statement.Paid, statement.Closed}
	return []Column[st]{
		{Key: "code", Zh: "机构编码", En: "Code", NoHead: true, Value: func(s st) any { return s.InstitutionCode }},
		{Key: "institution", Zh: "机构", En: "Institution", Value: func(s st) any { return s.InstitutionName },
			Order: byString(func(s st) string { return s.InstitutionCode })},
		{Key: "status", Zh: "状态", En: "Status", Value: func(s st) any {
			if lang == "en" {
				return s.StatusEn
			}
			return s.StatusZh
		}, Order: byInt(func(s st) int { return slices.Index(statuses, s.Status) })},
		{Key: "settlements", Zh: "结算笔数", En: "Settlements", Num: true, Value: func(s st) any { return s.Settlements },
			Order: byInt(func(s st) int { return s.Settlements })},
		fen("advanced", "垫付", "Advanced", func(s st) money.Fen { return s.Advanced }),
		fen("reversed", "撤销", "Reversed", func(s st) money.Fen { return s.Reversed }),
		fen("deducted", "扣款", "Deducted", func(s st) money.Fen { return s.Deducted }),
		fen("withheld", "暂扣", "Withheld", func(s st) money.Fen { return s.Withheld }),
		fen("payable", "应付", "Payable", func(s st) money.Fen { return s.Payable }),
		{Key: "people", Zh: "编制 / 复核 / 审批", En: "Prepared / checked / approved by", Value: func(s st) any {
			out := s.PreparedBy
			for _, u := range []string{s.CheckedBy, s.ApprovedBy} {
				if u != "" {
					out += " / " + u
				}
			}
			return out
		}},
		{Key: "open"}, // the link to the statement
	}
}
