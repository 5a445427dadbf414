package web

import (
	"slices"

	"ncms/internal/institution"
)

// institutionColumns are the columns of the institution list
// (institution_list.html): shown, sortable and exported in this order; the
// private flag, the bank account (masked) and the paasid are exported only.
func institutionColumns() []Column[institution.Institution] {
	type in = institution.Institution
	place := func(i in) string {
		if i.InCounty {
			return "县内"
		}
		return "县外"
	}
	level := func(i in) int { return slices.Index(institution.Levels, i.Level) }
	status := func(i in) int {
		return slices.Index([]institution.Status{institution.Active, institution.Suspended, institution.Withdrawn}, i.Status)
	}
	flag := func(f func(in) bool) func(a, b in) int {
		return byInt(func(i in) int {
			if f(i) {
				return 1
			}
			return 0
		})
	}
	return []Column[in]{
		{Key: "code", Zh: "机构编码", En: "Code", Value: func(i in) any { return i.Code },
			Order: byString(func(i in) string { return i.Code })},
		{Key: "name", Zh: "机构名称", En: "Name", Value: func(i in) any { return i.Name },
			Order: byString(func(i in) string { return i.Name })},
		{Key: "level", Zh: "级别", En: "Level", Value: func(i in) any { zh, _ := i.Level.Label(); return zh },
			Order: byInt(level)},
		{Key: "private", Zh: "民营", En: "Private", NoHead: true, Value: func(i in) any { return yesNo(i.Private) }},
		{Key: "county", Zh: "县内 / 县外", En: "County", Value: func(i in) any { return place(i) },
			Order: flag(func(i in) bool { return !i.InCounty })},
		{Key: "agreement", Zh: "协议", En: "Agreement", Value: func(i in) any { return yesNo(i.Agreement) },
			Order: flag(func(i in) bool { return i.Agreement })},
		{Key: "networked", Zh: "联网结算", En: "Networked", Value: func(i in) any { return yesNo(i.Networked) },
			Order: flag(func(i in) bool { return i.Networked })},
		{Key: "bank", Zh: "开户银行", En: "Bank", NoHead: true, Value: func(i in) any { return i.BankName }},
		{Key: "account_name", Zh: "账户名称", En: "Account name", NoHead: true, Value: func(i in) any { return i.BankAccountName }},
		{Key: "account_no", Zh: "银行账号", En: "Account no.", NoHead: true, Value: func(i in) any { return institution.MaskAccount(i.BankAccountNo) }},
		{Key: "status", Zh: "状态", En: "Status", Value: func(i in) any { zh, _ := i.Status.Label(); return zh },
			Order: byInt(status)},
		{Key: "since", Zh: "状态起始", En: "Since", Value: func(i in) any { return i.StatusSince.String() },
			Order: byString(func(i in) string { return i.StatusSince.String() })},
		{Key: "paasid", Zh: "paasid", En: "paasid", NoHead: true, Value: func(i in) any { return i.PaasID }},
	}
}
