package web

import (
	"cmp"
	"slices"

	"ncms/internal/supervise"
)

// superviseCaseColumns are the columns of the supervision cases
// (supervise_cases.html): shown, sortable and exported in this order. The
// summary is shown and exported, not sorted.
func superviseCaseColumns(lang string) []Column[supervise.Case] {
	type cs = supervise.Case
	label := func(code string) string {
		l := supView{}.L(code)
		if lang == "en" {
			return l[1]
		}
		return l[0]
	}
	rule := func(c cs) string { return label(c.Rule) }
	status := func(c cs) string { return label(c.Status) }
	opened := func(c cs) string {
		if c.OpenedAt.IsZero() {
			return ""
		}
		return c.OpenedAt.In(china).Format("2006-01-02 15:04")
	}
	return []Column[cs]{
		{Key: "id", Zh: "#", En: "#", Value: func(c cs) any { return c.ID },
			Order: byInt(func(c cs) int64 { return c.ID })},
		{Key: "rule", Zh: "规则", En: "Rule", Value: func(c cs) any { return rule(c) }, Order: byString(rule)},
		{Key: "institution", Zh: "机构", En: "Institution", Value: func(c cs) any { return c.Institution },
			Order: byString(func(c cs) string { return c.Institution })},
		{Key: "summary", Zh: "摘要", En: "Summary", Value: func(c cs) any {
			if lang == "en" && c.SummaryEn != "" {
				return c.SummaryEn
			}
			return c.SummaryZh
		}},
		{Key: "amount", Zh: "涉及金额", En: "Amount", Num: true, Value: func(c cs) any { return c.Amount.String() },
			Order: func(a, b cs) int { return cmp.Compare(a.Amount, b.Amount) }},
		{Key: "status", Zh: "状态", En: "Status", Value: func(c cs) any { return status(c) },
			Order: byInt(func(c cs) int { return slices.Index(supervise.Statuses, c.Status) })},
		{Key: "assignee", Zh: "承办人", En: "Assignee", Value: func(c cs) any { return c.Assignee },
			Order: byString(func(c cs) string { return c.Assignee })},
		{Key: "opened", Zh: "立案", En: "Opened", Value: func(c cs) any { return opened(c) },
			Order: func(a, b cs) int { return cmp.Compare(a.OpenedAt.UnixNano(), b.OpenedAt.UnixNano()) }},
	}
}
